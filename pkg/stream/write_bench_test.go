package stream_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/internal/gen"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/transform"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// BenchmarkWriteOnly splits the KRM function's cost: kyaml writing the
// input items, writing only the generated KEDA objects (as built and after a
// re-parse, to show that the direct node encoder is not slower to emit), and
// writing the whole output (input + generated − removed HPAs).
func BenchmarkWriteOnly(b *testing.B) {
	in := gen.Stream(gen.Options{Resources: 500, OptedIn: 0.1, Seed: 1})
	items, _ := (&kio.ByteReader{Reader: bytes.NewReader(in), OmitReaderAnnotations: true}).Read()
	b.Run("input", func(b *testing.B) {
		for b.Loop() {
			var out bytes.Buffer
			_ = kio.ByteWriter{Writer: &out}.Write(items)
		}
	})
	items2, _ := (&kio.ByteReader{Reader: bytes.NewReader(in), OmitReaderAnnotations: true}).Read()
	res := transform.Run(items2, transform.Options{})
	var gen, reparsed []*yaml.RNode
	for _, n := range res.Items {
		if n.GetApiVersion() == "keda.sh/v1alpha1" {
			gen = append(gen, n)
			s, _ := n.String()
			r, _ := yaml.Parse(s)
			reparsed = append(reparsed, r)
		}
	}
	b.Run("generated", func(b *testing.B) {
		for b.Loop() {
			var out bytes.Buffer
			_ = kio.ByteWriter{Writer: &out}.Write(gen)
		}
	})
	b.Run("generated-reparsed", func(b *testing.B) {
		for b.Loop() {
			var out bytes.Buffer
			_ = kio.ByteWriter{Writer: &out}.Write(reparsed)
		}
	})
	b.Run("output", func(b *testing.B) {
		for b.Loop() {
			var out bytes.Buffer
			_ = kio.ByteWriter{Writer: &out}.Write(res.Items)
		}
	})
}

// BenchmarkKyamlSameData is kyaml's own cost for the data the KRM function
// handles: read the input stream and write the function's output stream
// (computed once, outside the loop). BenchmarkKRMFunction divided by this
// is what the function adds beyond reading and writing.
func BenchmarkKyamlSameData(b *testing.B) {
	for _, n := range sizes[:3] {
		in := gen.Stream(gen.Options{Resources: n, OptedIn: 0.1, Seed: 1})
		items, _ := (&kio.ByteReader{Reader: bytes.NewReader(in), OmitReaderAnnotations: true}).Read()
		res := transform.Run(items, transform.Options{})
		b.Run(fmt.Sprintf("resources=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := (&kio.ByteReader{Reader: bytes.NewReader(in), OmitReaderAnnotations: true}).Read(); err != nil {
					b.Fatal(err)
				}
				var out bytes.Buffer
				if err := (kio.ByteWriter{Writer: &out}).Write(res.Items); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
