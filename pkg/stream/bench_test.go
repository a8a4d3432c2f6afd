package stream_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/internal/gen"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/config"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/stream"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/transform"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

var sizes = []int{50, 500, 5000, 50000}

// BenchmarkIdentity is the baseline: a kyaml pipeline that reads and writes
// the stream and does nothing else.
func BenchmarkIdentity(b *testing.B) {
	for _, n := range sizes {
		in := gen.Stream(gen.Options{Resources: n, OptedIn: 0.1, Seed: 1})
		b.Run(fmt.Sprintf("resources=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				var out bytes.Buffer
				rw := &kio.ByteReadWriter{Reader: bytes.NewReader(in), Writer: &out, OmitReaderAnnotations: true}
				if err := (kio.Pipeline{Inputs: []kio.Reader{rw}, Outputs: []kio.Writer{rw}}).Execute(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPostRenderer is the post-renderer path: cheap scan, parse only
// what matters, byte-level pass-through for the rest.
func BenchmarkPostRenderer(b *testing.B) {
	for _, n := range sizes {
		in := gen.Stream(gen.Options{Resources: n, OptedIn: 0.1, Seed: 1})
		b.Run(fmt.Sprintf("resources=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				if _, _, err := stream.Process(in, transform.Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// rulesPolicy has rules of the three usual kinds (by name, by image, by
// label), which select a few of the Deployments that carry no annotation
// (about 1 % of the stream), on top of the opted-in tenth: the cost of
// having rules, not of scaling more workloads.
const rulesPolicy = `apiVersion: ml-autoscaling.io/v1alpha1
kind: MLAutoscalingPolicy
metadata: {name: bench}
spec:
  rabbitmq: {secret: rabbitmq-conn}
  rules:
  - name: by-image
    match: {images: ["registry.example.com/app:42"]}
    settings: {rabbitmqQueue: jobs}
  - name: by-name
    match: {kinds: [Deployment], names: ["app-12?"]}
    exclude: {namespaces: [team-0]}
    settings: {rabbitmqQueue: jobs}
  - name: by-label
    match: {labels: {matchLabels: {app.kubernetes.io/instance: canary}}}
    settings: {maxReplicas: "3"}
`

// BenchmarkPostRendererWithRules is BenchmarkPostRenderer with policy rules:
// the cheap scan also parses the documents the rules' markers name.
func BenchmarkPostRendererWithRules(b *testing.B) {
	n, err := yaml.Parse(rulesPolicy)
	if err != nil {
		b.Fatal(err)
	}
	policy, d := config.Parse(n)
	if d.HasErrors() {
		b.Fatal(d)
	}
	for _, n := range sizes {
		in := gen.Stream(gen.Options{Resources: n, OptedIn: 0.1, Seed: 1})
		b.Run(fmt.Sprintf("resources=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				_, res, err := stream.Process(in, transform.Options{Policy: policy})
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Plans) == 0 {
					b.Fatal("nothing scaled")
				}
			}
		})
	}
}

// BenchmarkKRMFunction is the KRM function path: kyaml reads every
// resource, the transform runs, kyaml writes every resource.
func BenchmarkKRMFunction(b *testing.B) {
	for _, n := range sizes {
		in := gen.Stream(gen.Options{Resources: n, OptedIn: 0.1, Seed: 1})
		b.Run(fmt.Sprintf("resources=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				var out bytes.Buffer
				rw := &kio.ByteReadWriter{Reader: bytes.NewReader(in), Writer: &out, OmitReaderAnnotations: true}
				items, err := rw.Read()
				if err != nil {
					b.Fatal(err)
				}
				res := transform.Run(items, transform.Options{})
				if res.Diagnostics.HasErrors() {
					b.Fatal(res.Diagnostics)
				}
				if err := rw.Write(res.Items); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
