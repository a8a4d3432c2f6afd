package cli

import (
	"errors"
	"io"
	"os/signal"
	"syscall"
)

// StdoutError says that writing standard output failed (a closed pipe, a
// full disk), in the words every command uses.
func StdoutError(err error) error {
	return &stdoutError{err: err}
}

type stdoutError struct{ err error }

func (e *stdoutError) Error() string { return "writing stdout: " + e.err.Error() }
func (e *stdoutError) Unwrap() error { return e.err }

// IsStdoutError reports whether err is, or wraps, a StdoutError: the
// command has said that writing stdout failed.
func IsStdoutError(err error) bool {
	var s *stdoutError
	return errors.As(err, &s)
}

// WriteStdout writes a command's output to w, its standard output; a
// failure comes back as a StdoutError.
func WriteStdout(w io.Writer, data []byte) error {
	if _, err := w.Write(data); err != nil {
		return StdoutError(err)
	}
	return nil
}

// Stdout wraps a command's standard output and keeps the first write
// error, for commands that write in several steps: Err then reports it as
// a StdoutError (nil when every write succeeded). Writes after a failure
// are dropped.
type Stdout struct {
	W   io.Writer
	err error
}

// Write implements io.Writer.
func (s *Stdout) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.W.Write(p)
	if err != nil {
		s.err = err
	}
	return n, err
}

// Err returns the first write error as a StdoutError, or nil.
func (s *Stdout) Err() error {
	if s.err == nil {
		return nil
	}
	return StdoutError(s.err)
}

// WriteErrorsOnBrokenPipe makes a write to a closed pipe an error the
// commands report ("error: writing stdout: … broken pipe", exit 1) rather
// than a SIGPIPE that ends the process without a word.
func WriteErrorsOnBrokenPipe() { signal.Ignore(syscall.SIGPIPE) }
