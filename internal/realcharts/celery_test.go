package realcharts

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/internal/kedatest"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/triggers"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The Sentry chart's Celery worker on two queues.
var (
	sentryDir    = "sentry/worker-events-two-queues"
	sentryWorker = fullname("sentry", "sentry") + "-worker-events"
)

// sentryNeighbours are queues of Sentry's CELERY_QUEUES (getsentry/sentry
// src/sentry/conf/server.py) that the worker does not consume, named like
// the ones it does: a pattern for its queues must match none of them.
var sentryNeighbours = []string{
	"events.save_event_highcpu", "events.save_event_transaction", "events.save_event_attachments",
	"events.process_event", "post_process_issue_platform", "post_process_transactions",
}

// secretValues stand for what the RabbitMQ Secret holds under each key a
// TriggerAuthentication may read.
var secretValues = map[string]string{
	"host":                    "amqp://user:pass@rabbitmq.ml.svc.cluster.local:5672/",
	triggers.ManagementURLKey: "http://user:pass@rabbitmq.ml.svc.cluster.local:15672/",
}

// consumedQueues returns the queues a Celery worker's first container
// consumes, from its -Q or --queues argument in the render.
func consumedQueues(t *testing.T, dir, kind, name string) []string {
	t.Helper()
	c := find(t, readObjects(t, dir), kind, name).Spec.Template.Spec.Containers[0]
	words := append(slices.Clone(c.Command), c.Args...)
	for i, w := range words {
		if (w == "-Q" || w == "--queues") && i+1 < len(words) {
			return strings.Split(words[i+1], ",")
		}
		for _, flag := range []string{"-Q=", "--queues="} {
			if v, ok := strings.CutPrefix(w, flag); ok {
				return strings.Split(v, ",")
			}
		}
	}
	require.Failf(t, "no queues", "%s: %s/%s has no -Q or --queues argument: %q", dir, kind, name, words)
	return nil
}

// rabbitMQTrigger returns the ScaledObject's only trigger, which must be a
// RabbitMQ trigger, and the host its TriggerAuthentication resolves.
func rabbitMQTrigger(t *testing.T, nodes []*yaml.RNode, so *yaml.RNode) (trigger, string) {
	t.Helper()
	trs := triggersOf(t, so)
	require.Len(t, trs, 1, "one trigger: KEDA takes the largest of several, so two queues would not be summed")
	tr := trs[0]
	require.Equal(t, "rabbitmq", tr.Type)
	for _, n := range nodes {
		if n.GetKind() != "TriggerAuthentication" || n.GetName() != tr.Auth.Name {
			continue
		}
		refs, err := n.Pipe(yaml.Lookup("spec", "secretTargetRef"))
		require.NoError(t, err)
		var entries []struct{ Parameter, Name, Key string }
		require.NoError(t, refs.YNode().Decode(&entries))
		for _, e := range entries {
			if e.Parameter == "host" {
				require.Equal(t, "sentry-rabbitmq-conn", e.Name, "the Secret the annotation names")
				require.Contains(t, secretValues, e.Key, "the TriggerAuthentication reads an unknown Secret key")
				return tr, secretValues[e.Key]
			}
		}
	}
	require.Failf(t, "no host", "no TriggerAuthentication %s maps the parameter host", tr.Auth.Name)
	return tr, ""
}

// TestRealChartCeleryWorkers runs the tool through both doors on the
// Celery workers of the Sentry and Airflow charts.
func TestRealChartCeleryWorkers(t *testing.T) {
	tl := buildTools(t)
	policy := policyFile(t, 16)
	queues := consumedQueues(t, sentryDir, "Deployment", sentryWorker)
	require.Len(t, queues, 2, "the worker runs on two queues")
	t.Run("sentry, every queue listed", func(t *testing.T) { checkEveryQueueListed(t, tl, policy, queues) })
	t.Run("sentry, one queue listed", func(t *testing.T) { checkOneQueueListed(t, tl, policy, queues) })
	t.Run("airflow worker", func(t *testing.T) { checkAirflowWorker(t, tl, policy) })
}

// checkEveryQueueListed lists every queue the Sentry worker consumes: one
// trigger whose pattern selects exactly those queues, summed over
// RabbitMQ's management API, and no warning.
func checkEveryQueueListed(t *testing.T, tl tools, policy string, queues []string) {
	t.Helper()
	input, _ := optIn(t, sentryDir, "Deployment", sentryWorker,
		map[string]string{annotationPrefix + "rabbitmq-queue": strings.Join(queues, ",")}, nil)
	for _, r := range tl.renderBoth(t, input, policy) {
		nodes := r.objects(t)
		tr, host := rabbitMQTrigger(t, nodes, scaledObjectFor(t, nodes, "Deployment", sentryWorker))
		protocol, err := kedatest.RabbitMQAccepts(tr.Metadata, map[string]string{"host": host})
		require.NoError(t, err, "KEDA v2.21's RabbitMQ scaler must accept %v", tr.Metadata)
		require.Equal(t, "http", protocol, "KEDA sums queues only over the management API")
		require.Equal(t, "true", tr.Metadata["useRegex"], "KEDA reads several queues only with useRegex")
		require.Contains(t, []string{"", "sum"}, tr.Metadata["operation"], "the backlogs are summed (KEDA's default operation is sum)")
		requireSelectsQueues(t, tr.Metadata["queueName"], queues, sentryNeighbours)
		require.NotContains(t, r.stderr, annotationPrefix+"rabbitmq-queue", "%s: no warning about the queues", r.door)
	}
}

// checkOneQueueListed keeps the chart's own annotation, which names one
// queue: a warning names each other queue of the worker's -Q, in both
// doors and on the ScaledObject.
func checkOneQueueListed(t *testing.T, tl tools, policy string, queues []string) {
	t.Helper()
	input, ann := optIn(t, sentryDir, "Deployment", sentryWorker, nil, nil)
	listed := strings.Split(ann[annotationPrefix+"rabbitmq-queue"], ",")
	var missing []string
	for _, q := range queues {
		if !slices.Contains(listed, q) {
			missing = append(missing, q)
		}
	}
	require.NotEmpty(t, missing, "the chart's annotation lists %v of %v", listed, queues)
	for _, r := range tl.renderBoth(t, input, policy) {
		nodes := r.objects(t)
		so := scaledObjectFor(t, nodes, "Deployment", sentryWorker)
		tr, host := rabbitMQTrigger(t, nodes, so)
		_, err := kedatest.RabbitMQAccepts(tr.Metadata, map[string]string{"host": host})
		require.NoError(t, err)
		for _, q := range missing {
			warning := regexp.MustCompile(`(?m)^(?:ml-autoscaling: )?warning: .*` + regexp.QuoteMeta(annotationPrefix+"rabbitmq-queue") + `.*\b` + regexp.QuoteMeta(q) + `\b`)
			require.Regexp(t, warning, r.stderr, "%s must warn that %s is not listed", r.door, q)
			require.Contains(t, so.GetAnnotations()[annotationPrefix+"warnings"], q, "%s: the ScaledObject must carry the warning", r.door)
		}
	}
}

// checkAirflowWorker runs the Airflow worker StatefulSet as rendered:
// KEDA's HPA replaces the chart's, and its cpu trigger selects pods through
// scaleTargetRef, not by name (TestRealChartGPUTriggers matches its pods by
// name).
func checkAirflowWorker(t *testing.T, tl tools, policy string) {
	t.Helper()
	input, _ := optIn(t, "airflow/celery-worker-hpa", "StatefulSet", "airflow-worker", nil, nil)
	for _, r := range tl.renderBoth(t, input, policy) {
		nodes := r.objects(t)
		so := scaledObjectFor(t, nodes, "StatefulSet", "airflow-worker")
		requireValidHPAName(t, so)
		for _, tr := range triggersOf(t, so) {
			require.Equal(t, "cpu", tr.Type, "the chart's annotations ask for cpu-utilization only")
		}
		requireNoOtherHPA(t, r, nodes, "StatefulSet", "airflow-worker")
	}
}

// requireSelectsQueues checks a queueName pattern as RabbitMQ's management
// API applies it to queue names, with or without case folding: it selects
// every queue of want and none of others.
func requireSelectsQueues(t *testing.T, pattern string, want, others []string) {
	t.Helper()
	for _, flags := range []string{"", "(?i)"} {
		re, err := regexp.Compile(flags + pattern)
		require.NoError(t, err, "queueName %q", pattern)
		for _, q := range want {
			require.True(t, re.MatchString(q), "queueName %q misses queue %s", flags+pattern, q)
		}
		for _, q := range others {
			require.False(t, re.MatchString(q), "queueName %q selects queue %s, which the worker does not consume", flags+pattern, q)
		}
	}
}
