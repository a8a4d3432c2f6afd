package cli

import (
	"io"
	"os"
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
