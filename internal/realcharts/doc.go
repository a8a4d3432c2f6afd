// Package realcharts holds the checks of testdata/charts: manifests rendered
// from public Helm charts the project did not write (see its README.md). The
// tests check the layout (origin, licence and render command of every chart
// and variant), that every rendered document is a Kubernetes object, that no
// credential is in the files, and that each variant holds the workloads its
// chart's templates and values make.
package realcharts
