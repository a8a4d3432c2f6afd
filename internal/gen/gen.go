// Package gen generates realistic rendered-manifest streams for benchmarks
// and property tests: ConfigMaps, Services, Deployments and StatefulSets,
// a share of them opted in to ml-autoscaling, some with conflicting HPAs.
package gen

import (
	"fmt"
	"math/rand"
	"strings"
)

// Options shape a generated stream.
type Options struct {
	// Resources is the number of documents.
	Resources int
	// OptedIn is the fraction of documents that are opted-in workloads (0.1 = 10 %).
	OptedIn float64
	// Seed makes the stream reproducible.
	Seed int64
}

// Stream returns a Helm-style stream ("---" separators and "# Source:" comments).
func Stream(o Options) []byte {
	r := rand.New(rand.NewSource(o.Seed))
	var b strings.Builder
	optedIn := int(float64(o.Resources) * o.OptedIn)
	for i := 0; i < o.Resources; i++ {
		ns := fmt.Sprintf("team-%d", i%7)
		switch {
		case i%10 == 0 && optedIn > 0:
			optedIn--
			kind := "Deployment"
			if r.Intn(4) == 0 {
				kind = "StatefulSet"
			}
			fmt.Fprintf(&b, `---
# Source: chart/templates/worker-%[1]d.yaml
apiVersion: apps/v1
kind: %[3]s
metadata:
  name: worker-%[1]d
  namespace: %[2]s
  labels:
    app.kubernetes.io/name: worker-%[1]d
    app.kubernetes.io/instance: release
  annotations:
    ml-autoscaling.io/enabled: "true"
    ml-autoscaling.io/rabbitmq-queue: queue-%[1]d
    ml-autoscaling.io/rabbitmq-secret: rabbitmq-conn
    ml-autoscaling.io/min-replicas: "%[4]d"
    ml-autoscaling.io/max-replicas: "%[5]d"
    ml-autoscaling.io/cpu-utilization: "70"
spec:
  replicas: 2
  selector:
    matchLabels:
      app.kubernetes.io/name: worker-%[1]d
  template:
    metadata:
      labels:
        app.kubernetes.io/name: worker-%[1]d
    spec:
      containers:
      - name: worker
        image: registry.example.com/worker:1.%[1]d
        args: ["--queue", "queue-%[1]d"]
        resources:
          requests:
            cpu: 250m
            memory: 256Mi
`, i, ns, kind, 1+r.Intn(3), 5+r.Intn(20))
			if r.Intn(2) == 0 {
				fmt.Fprintf(&b, `---
# Source: chart/templates/hpa-%[1]d.yaml
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: worker-%[1]d
  namespace: %[2]s
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: %[3]s
    name: worker-%[1]d
  minReplicas: 1
  maxReplicas: 5
`, i, ns, kind)
				i++
			}
		case i%3 == 0:
			fmt.Fprintf(&b, `---
# Source: chart/templates/svc-%[1]d.yaml
apiVersion: v1
kind: Service
metadata:
  name: svc-%[1]d
  namespace: %[2]s
  labels: {app.kubernetes.io/name: svc-%[1]d}
spec:
  selector:
    app.kubernetes.io/name: app-%[1]d
  ports:
  - name: http
    port: 80
    targetPort: 8080
`, i, ns)
		case i%3 == 1:
			fmt.Fprintf(&b, `---
# Source: chart/templates/app-%[1]d.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-%[1]d
  namespace: %[2]s
spec:
  replicas: 3
  selector:
    matchLabels: {app.kubernetes.io/name: app-%[1]d}
  template:
    metadata:
      labels: {app.kubernetes.io/name: app-%[1]d}
    spec:
      containers:
      - name: app
        image: registry.example.com/app:%[3]d
        ports: [{containerPort: 8080}]
        env:
        - {name: MODE, value: production}
        - {name: LOG_LEVEL, value: info}
`, i, ns, r.Intn(100))
		default:
			fmt.Fprintf(&b, `---
# Source: chart/templates/cm-%[1]d.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm-%[1]d
  namespace: %[2]s
data:
  config.yaml: |
    feature_flags:
      new_ui: %[3]t
    limits:
      requests_per_second: %[4]d
  LOG_LEVEL: "debug"
`, i, ns, r.Intn(2) == 0, r.Intn(1000))
		}
	}
	return []byte(b.String())
}
