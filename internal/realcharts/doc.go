// Package realcharts holds the checks of testdata/charts: manifests rendered
// from public Helm charts the project did not write (see its README.md). The
// tests check the layout (origin, licence and render command of every chart
// and variant), that every rendered document is a Kubernetes object, that no
// credential is in the files, and that each variant holds the workloads its
// chart's templates and values make.
//
// They also run the built tool, through the KRM function's standalone mode
// and the Helm post-renderer, on the charts' workloads opted in, and check
// what it emits against rules taken from outside the project: the pod names
// Kubernetes generates (k8snames_test.go), the metric names vLLM, Triton and
// dcgm-exporter publish (exporters_test.go, each with its source), a real
// Prometheus holding such series, KEDA's RabbitMQ scaler, and KEDA's schemas
// and validators for every KEDA from 2.16 to 2.21.
package realcharts
