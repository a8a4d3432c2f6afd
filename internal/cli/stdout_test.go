package cli

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// failingWriter accepts ok bytes, then fails every write.
type failingWriter struct{ ok int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) <= w.ok {
		w.ok -= len(p)
		return len(p), nil
	}
	n := w.ok
	w.ok = 0
	return n, errors.New("no space left on device")
}

func TestWriteStdout(t *testing.T) {
	var ok bytes.Buffer
	require.NoError(t, WriteStdout(&ok, []byte("a\n")))
	require.Equal(t, "a\n", ok.String())
	err := WriteStdout(&failingWriter{ok: 1}, []byte("abc"))
	require.EqualError(t, err, "writing stdout: no space left on device")
}

func TestStdoutKeepsTheFirstError(t *testing.T) {
	s := &Stdout{W: &failingWriter{ok: 4}}
	fmt.Fprint(s, "line")
	require.NoError(t, s.Err())
	fmt.Fprint(s, "second")
	fmt.Fprint(s, "third")
	require.EqualError(t, s.Err(), "writing stdout: no space left on device")
	var b bytes.Buffer
	s = &Stdout{W: &b}
	fmt.Fprint(s, "x")
	require.NoError(t, s.Err())
	require.Equal(t, "x", b.String())
}
