# ml-autoscaling — build, test, demo.
#   make demo   render the example chart through the post-renderer (no cluster needed)
#   make test   everything CI runs: unit, golden, conformance and end-to-end tests
SHELL := /bin/bash
GO ?= go
BIN := $(CURDIR)/bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
LDFLAGS := -s -w -X github.com/ml-autoscaling/ml-autoscaling/internal/cli.Version=$(VERSION)
GOBUILD := CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)'

HELM3_VERSION ?= v3.22.0
HELM4_VERSION ?= v4.3.1
KUSTOMIZE_VERSION ?= v5.8.2
HELM3 := $(BIN)/helm3/helm
HELM4 := $(BIN)/helm4/helm
KUSTOMIZE := $(BIN)/kustomize

SOURCES := $(shell find fn postrender pkg internal -name '*.go' ! -name '*_test.go') go.mod go.sum

.PHONY: all build tools prometheus demo test e2e bench fmt vet clean image schemas fuzz

all: build

build: $(BIN)/ml-autoscaling $(BIN)/ml-autoscaling-postrender

$(BIN)/ml-autoscaling: $(SOURCES)
	$(GOBUILD) -o $@ ./fn

$(BIN)/ml-autoscaling-postrender: $(SOURCES)
	$(GOBUILD) -o $@ ./postrender
	@mkdir -p postrender/bin && cp $@ postrender/bin/ml-autoscaling-postrender  # for `helm plugin install ./postrender` (Helm 4)

# Pinned CLIs built from the Go module proxy; reused when present.
tools: $(HELM3) $(HELM4) $(KUSTOMIZE)

$(HELM3):
	GOBIN=$(BIN)/helm3 $(GO) install helm.sh/helm/v3/cmd/helm@$(HELM3_VERSION)

$(HELM4):
	GOBIN=$(BIN)/helm4 $(GO) install helm.sh/helm/v4/cmd/helm@$(HELM4_VERSION)

$(KUSTOMIZE):
	GOBIN=$(BIN) $(GO) install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)

# The main job on the example chart: rendered manifests go through the
# post-renderer; the generated KEDA objects and the explanation are shown.
demo: build $(HELM3)
	@echo "== helm template demo charts/ml-autoscaling --set services.vllmService.enabled=true --post-renderer bin/ml-autoscaling-postrender --post-renderer-args=--config=examples/policy.yaml"
	@$(HELM3) template demo charts/ml-autoscaling --namespace ml --set services.vllmService.enabled=true \
		--post-renderer $(BIN)/ml-autoscaling-postrender \
		--post-renderer-args=--config=examples/policy.yaml --post-renderer-args=--namespace=ml > $(BIN)/demo-output.yaml
	@echo
	@echo "== generated KEDA objects (full output: bin/demo-output.yaml)"
	@awk 'BEGIN{RS="\n---\n"} /\nkind: (ScaledObject|TriggerAuthentication)\n/ {print "---"; print}' $(BIN)/demo-output.yaml
	@echo
	@echo "== HorizontalPodAutoscalers left in the output (the chart's own orchestrator-hpa is gone):"
	@grep -c '^kind: HorizontalPodAutoscaler' $(BIN)/demo-output.yaml || true
	@echo
	@echo "== explanation, per workload: helm template demo charts/ml-autoscaling | bin/ml-autoscaling plan --namespace=ml examples/policy.yaml -"
	@$(HELM3) template demo charts/ml-autoscaling --namespace ml --set services.vllmService.enabled=true | $(BIN)/ml-autoscaling plan --namespace=ml examples/policy.yaml -

# make test installs what its tests need (the pinned CLIs; Prometheus from the
# Debian package, which needs root or sudo) and fails, never skips, when a test
# cannot run: internal/testreport fails the run on any skip that does not say
# "optional:".
test: build tools prometheus
	$(GO) vet ./...
	@$(GO) build -o $(BIN)/testreport ./internal/testreport
	@set -o pipefail; $(GO) test -count=1 -json ./... | $(BIN)/testreport

# Prometheus and promtool for the tests that run a real server.
prometheus:
	@sh internal/promtest/install.sh || { echo "make: installing Prometheus failed; run as root: sh internal/promtest/install.sh" >&2; exit 1; }

# Every example against the real CLIs (part of make test).
e2e: build tools
	$(GO) test -count=1 ./examples/ -run . -v 2>&1 | grep -E '^(=== RUN|--- |ok|FAIL|PASS)'

# Speed and memory, reported in the README. benchstat summarises: go install golang.org/x/perf/cmd/benchstat@latest
bench:
	@mkdir -p $(BIN)
	$(GO) test -run '^$$' -bench . -benchmem -count 6 -timeout 60m ./pkg/stream/ | tee $(BIN)/bench-stream.txt
	$(GO) test -run '^$$' -bench WholeProcess -count 6 -timeout 60m ./postrender/ | tee $(BIN)/bench-process.txt
	$(GO) test -run '^$$' -bench Plan -benchtime 3x ./pkg/predict/ | tee $(BIN)/bench-plan.txt
	$(GO) test -run '^$$' -bench Record28d1m ./pkg/record/ | tee $(BIN)/bench-record.txt

# JSON Schemas of the project's kinds, generated from the Go types (a test fails when stale).
schemas:
	UPDATE_GOLDEN=1 $(GO) test -count=1 ./internal/schema/

# Coverage-guided fuzzing, one target after another (FUZZTIME each); crashers land in
# pkg/<package>/testdata/fuzz/ and run as regression cases in make test.
FUZZTIME ?= 10m
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzReadMatchesKubernetes$$' -fuzztime $(FUZZTIME) ./pkg/kubeyaml/
	$(GO) test -run '^$$' -fuzz '^FuzzParseAnnotations$$' -fuzztime $(FUZZTIME) ./pkg/annotations/
	$(GO) test -run '^$$' -fuzz '^FuzzParsePolicy$$' -fuzztime $(FUZZTIME) ./pkg/config/
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeHistory$$' -fuzztime $(FUZZTIME) ./pkg/history/
	$(GO) test -run '^$$' -fuzz '^FuzzProcess$$' -fuzztime $(FUZZTIME) ./pkg/stream/
	$(GO) test -run '^$$' -fuzz '^FuzzRedactURL$$' -fuzztime $(FUZZTIME) ./pkg/record/
	$(GO) test -run '^$$' -fuzz '^FuzzDetectCredentials$$' -fuzztime $(FUZZTIME) ./pkg/diag/
	$(GO) test -run '^$$' -fuzz '^FuzzOptimalNestedSteps$$' -fuzztime $(FUZZTIME) ./pkg/predict/

fmt:
	gofmt -w $$(git ls-files '*.go')

vet:
	$(GO) vet ./...

image:
	@command -v docker >/dev/null || { echo "no container engine here: docker build -t ml-autoscaling:$(VERSION) ."; exit 1; }
	docker build -t ml-autoscaling:$(VERSION) .

clean:
	rm -f $(BIN)/ml-autoscaling $(BIN)/ml-autoscaling-postrender $(BIN)/demo-*
