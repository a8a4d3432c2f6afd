// Command identity is the baseline of the process benchmarks: a kyaml
// pipeline that reads a YAML stream on stdin and writes it to stdout,
// nothing else. It is built by benchmarks only, never shipped.
package main

import (
	"fmt"
	"os"

	"sigs.k8s.io/kustomize/kyaml/kio"
)

func main() {
	rw := &kio.ByteReadWriter{Reader: os.Stdin, Writer: os.Stdout, OmitReaderAnnotations: true}
	if err := (kio.Pipeline{Inputs: []kio.Reader{rw}, Outputs: []kio.Writer{rw}}).Execute(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
