package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
)

// ReadLimited reads r to its end. It stops once more than max bytes have
// come, returning what it read and false, so that an endless or huge input
// is refused without being held in memory.
func ReadLimited(r io.Reader, max int64) ([]byte, bool, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, false, err
	}
	return b, int64(len(b)) <= max, nil
}

// ReadFileLimited is ReadLimited on the file at path.
func ReadFileLimited(path string, max int64) ([]byte, bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	return ReadLimited(f, max)
}

// InFile names the input file path in err: in the field of each
// diagnostic of a diag.List (so that it is still printed as a list, one
// "error:" per line), else as a prefix.
func InFile(path string, err error) error {
	var l diag.List
	if !errors.As(err, &l) {
		return fmt.Errorf("%s: %w", path, err)
	}
	out := make(diag.List, len(l))
	for i, d := range l {
		if d.Field == "" {
			d.Field = path
		} else {
			d.Field = path + ": " + d.Field
		}
		out[i] = d
	}
	return out
}
