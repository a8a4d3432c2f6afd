package main

import (
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/internal/kedatest"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/triggers"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// secretValues stand for what a RabbitMQ Secret holds under each key the
// generated TriggerAuthentications read.
var secretValues = map[string]string{
	"host":                    "amqp://user:pass@rabbitmq.ml.svc.cluster.local:5672/",
	triggers.ManagementURLKey: "http://user:pass@rabbitmq.ml.svc.cluster.local:15672/",
}

// TestGoldenRabbitMQTriggersParseInKEDA runs every RabbitMQ trigger of every
// golden output, with the host its TriggerAuthentication resolves, through
// KEDA v2.21.0's parser and validation of the RabbitMQ scaler's metadata.
func TestGoldenRabbitMQTriggersParseInKEDA(t *testing.T) {
	checked := map[string]int{}
	for _, c := range goldenCases(t, true) {
		nodes := expectedOutput(t, c)
		keyOf := map[string]string{}
		for _, n := range nodes {
			if n.GetKind() == "TriggerAuthentication" {
				refs, _ := n.Pipe(yaml.Lookup("spec", "secretTargetRef"))
				elems, _ := refs.Elements()
				for _, r := range elems {
					if yaml.GetValue(r.Field("parameter").Value) == "host" {
						keyOf[n.GetName()] = yaml.GetValue(r.Field("key").Value)
					}
				}
			}
		}
		for _, tr := range scaledObjectTriggers(nodes) {
			if yaml.GetValue(tr.Field("type").Value) != "rabbitmq" {
				continue
			}
			md := map[string]string{}
			require.NoError(t, tr.Field("metadata").Value.YNode().Decode(&md))
			auth, _ := tr.Pipe(yaml.Lookup("authenticationRef", "name"))
			key := keyOf[yaml.GetValue(auth)]
			require.Contains(t, secretValues, key, "case %s: the TriggerAuthentication reads an unknown Secret key", c.name)
			protocol, err := kedatest.RabbitMQAccepts(md, map[string]string{"host": secretValues[key]})
			require.NoError(t, err, "case %s", c.name)
			checked[protocol]++
		}
	}
	require.Positive(t, checked["amqp"], "no golden case has a RabbitMQ trigger on one queue")
	require.Positive(t, checked["http"], "no golden case sums several RabbitMQ queues")
}
