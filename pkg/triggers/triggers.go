// Package triggers turns a workload's validated autoscaling Spec into KEDA
// triggers and the TriggerAuthentications they need, one builder per trigger
// kind. Credentials are only ever referenced through Secrets.
package triggers

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/annotations"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/config"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/keda"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/workload"
)

// Set is what the builders produce for one workload.
type Set struct {
	Triggers []keda.ScaleTrigger
	Auths    []keda.TriggerAuthentication
	// Notes explain each trigger (one per trigger, same order).
	Notes []string
	// NoteOnly holds explanations of triggers that were considered but not added.
	NoteOnly []string
	// GPU is set when the workload was detected as a GPU workload with GPU triggers.
	GPU *GPUDecision
}

// Input bundles what the builders read.
type Input struct {
	Workload *workload.Workload
	Spec     *annotations.Spec
	Policy   *config.Policy
	// ReleaseNamespace is the namespace of resources that omit one ("" when unknown).
	ReleaseNamespace string
}

// Build runs every builder and checks the result: at least one trigger,
// resource requests for cpu/memory triggers.
func Build(in Input) (*Set, diag.List) {
	var out diag.List
	set := &Set{}
	rabbitMQ(in, set)
	if in.Spec.RabbitMQ != nil {
		checkConsumedQueues(in, &out)
	}
	prometheus(in, set, &out)
	resource(in, set, &out, "cpu", in.Spec.CPUUtilization, annotations.KeyCPUUtilization)
	resource(in, set, &out, "memory", in.Spec.MemoryUtilization, annotations.KeyMemoryUtilization)
	gpu(in, set, &out)
	switch {
	case len(set.Triggers) > 0 || out.HasErrors():
	case set.GPU != nil:
		noGPUTrigger(in, set.GPU, &out)
	default:
		out.Errorf(in.Workload.Ref, annotations.Prefix+annotations.KeyEnabled, "true",
			"at least one of "+strings.Join(triggerKeys, ", "),
			"opted in but no trigger is configured")
	}
	return set, out
}

// triggerKeys are what gives a workload a trigger; the first four are annotations.
var triggerKeys = []string{
	annotations.Prefix + annotations.KeyRabbitMQQueue,
	annotations.Prefix + annotations.KeyPrometheusQuery,
	annotations.Prefix + annotations.KeyCPUUtilization,
	annotations.Prefix + annotations.KeyMemoryUtilization,
	"an NVIDIA GPU request (nvidia.com/gpu, nvidia.com/mig-*: DCGM utilisation)",
	"a GPU workload running vLLM, TGI or Triton (" + annotations.Prefix + annotations.KeyInferenceServer + ", or detected from the container's command or image)",
}

// AuthName is the name of the TriggerAuthentication generated for a workload and purpose.
func AuthName(workloadName, purpose string) string { return workloadName + "-" + purpose }

// ManagementURLKey is the Secret key that holds the RabbitMQ management API
// URL (http://user:password@host:15672/vhost), which a trigger on several
// queues reads.
const ManagementURLKey = "management-url"

func rabbitMQ(in Input, set *Set) {
	r := in.Spec.RabbitMQ
	if r == nil {
		return
	}
	key, md := "host", map[string]string{
		"mode":  "QueueLength",
		"value": r.MessagesPerReplica,
	}
	note := fmt.Sprintf("RabbitMQ queue %q, %s ready messages per replica; AMQP URL from Secret %s key host (%s)",
		r.Queues[0], r.MessagesPerReplica, r.Secret, in.Spec.Sources[annotations.KeyRabbitMQSecret])
	if len(r.Queues) == 1 {
		md["queueName"] = r.Queues[0]
	} else {
		key = ManagementURLKey
		md["protocol"] = "http"
		md["queueName"] = QueuePattern(r.Queues)
		md["useRegex"] = "true"
		md["operation"] = "sum"
		md["excludeUnacknowledged"] = "true"
		note = fmt.Sprintf("RabbitMQ queues %s summed, %s ready messages per replica: KEDA reads them through the management API "+
			"(useRegex on the exact names, operation sum), whose URL is in Secret %s key %s (%s)",
			strings.Join(r.Queues, ", "), r.MessagesPerReplica, r.Secret, ManagementURLKey, in.Spec.Sources[annotations.KeyRabbitMQSecret])
	}
	auth := keda.TriggerAuthentication{
		APIVersion: keda.APIVersion,
		Kind:       keda.KindTriggerAuthentication,
		Metadata:   keda.ObjectMeta{Name: AuthName(in.Workload.Ref.Name, "rabbitmq"), Namespace: in.Workload.Ref.Namespace},
		Spec: keda.TriggerAuthenticationSpec{SecretTargetRef: []keda.SecretTargetRef{
			{Parameter: "host", Name: r.Secret, Key: key},
		}},
	}
	set.Auths = append(set.Auths, auth)
	set.Triggers = append(set.Triggers, keda.ScaleTrigger{
		Type:              "rabbitmq",
		Name:              "rabbitmq",
		MetricType:        keda.MetricAverageValue,
		Metadata:          md,
		AuthenticationRef: &keda.AuthRef{Name: auth.Metadata.Name},
	})
	set.Notes = append(set.Notes, note)
}

// QueuePattern is the regular expression that selects exactly the named
// queues through the management API: each name with its metacharacters
// escaped, anchored, and case-sensitive — RabbitMQ matches the pattern
// case-insensitively unless it says otherwise, and queue names differ by case.
func QueuePattern(queues []string) string {
	quoted := make([]string, len(queues))
	for i, q := range queues {
		quoted[i] = regexp.QuoteMeta(q)
	}
	return "(?-i)^(?:" + strings.Join(quoted, "|") + ")$"
}

// prometheusTrigger builds a Prometheus trigger on the policy's server,
// with bearer authentication when the policy names an auth Secret.
func prometheusTrigger(in Input, set *Set, name, query, threshold, activation string) keda.ScaleTrigger {
	md := map[string]string{
		"serverAddress": in.Policy.PrometheusAddress(),
		"query":         query,
		"threshold":     threshold,
	}
	if activation != "" {
		md["activationThreshold"] = activation
	}
	t := keda.ScaleTrigger{Type: "prometheus", Name: name, MetricType: keda.MetricAverageValue, Metadata: md}
	if secret := in.Policy.Spec.Prometheus.AuthSecret; secret != "" {
		md["authModes"] = "bearer"
		authName := AuthName(in.Workload.Ref.Name, "prometheus")
		t.AuthenticationRef = &keda.AuthRef{Name: authName}
		if !hasAuth(set, authName) {
			set.Auths = append(set.Auths, keda.TriggerAuthentication{
				APIVersion: keda.APIVersion,
				Kind:       keda.KindTriggerAuthentication,
				Metadata:   keda.ObjectMeta{Name: authName, Namespace: in.Workload.Ref.Namespace},
				Spec: keda.TriggerAuthenticationSpec{SecretTargetRef: []keda.SecretTargetRef{
					{Parameter: "bearerToken", Name: secret, Key: "bearerToken"},
				}},
			})
		}
	}
	return t
}

func hasAuth(set *Set, name string) bool {
	for _, a := range set.Auths {
		if a.Metadata.Name == name {
			return true
		}
	}
	return false
}

func prometheus(in Input, set *Set, out *diag.List) {
	p := in.Spec.Prometheus
	if p == nil {
		return
	}
	set.Triggers = append(set.Triggers, prometheusTrigger(in, set, "prometheus", p.Query, p.Threshold, p.ActivationThreshold))
	note := fmt.Sprintf("Prometheus query %s, target %s per replica", p.Query, p.Threshold)
	if p.ActivationThreshold != "" {
		note += ", activation above " + p.ActivationThreshold
	}
	set.Notes = append(set.Notes, note)
	if MaySelectSeveral(p.Query) {
		out.Warnf(in.Workload.Ref, annotations.Prefix+annotations.KeyPrometheusQuery,
			"query %q may return several series; KEDA's Prometheus scaler fails unless it returns exactly one: wrap it in sum(...) or another aggregation without by/without", p.Query)
	}
}

func resource(in Input, set *Set, out *diag.List, kind string, target *int32, key string) {
	if target == nil {
		return
	}
	if missing := in.Workload.MissingResource(kind); len(missing) > 0 {
		out.Errorf(in.Workload.Ref, annotations.Prefix+key, strconv.Itoa(int(*target)),
			fmt.Sprintf("set resources.requests.%s on every container (a namespace LimitRange default is not visible at render time)", kind),
			"%s trigger but container(s) %s have no %s request; KEDA's admission webhook rejects this", kind, strings.Join(missing, ", "), kind)
		return
	}
	set.Triggers = append(set.Triggers, keda.ScaleTrigger{
		Type:       kind,
		Name:       kind,
		MetricType: keda.MetricUtilization,
		Metadata:   map[string]string{"value": strconv.Itoa(int(*target))},
	})
	set.Notes = append(set.Notes, fmt.Sprintf("%s utilisation %d%% of requests, averaged over pods", kind, *target))
}

// aggregations that reduce a vector to one series when used without by/without.
var aggregations = []string{"sum", "avg", "min", "max", "count", "group", "stddev", "stdvar", "quantile", "scalar", "vector", "absent", "absent_over_time", "count_values"}

// MaySelectSeveral reports whether a PromQL query may return more than one
// series: its outermost expression is not an aggregation, or it aggregates
// by/without labels. It errs toward warning.
func MaySelectSeveral(query string) bool {
	q := strings.TrimSpace(query)
	for strings.HasPrefix(q, "(") && strings.HasSuffix(q, ")") && balanced(q[1:len(q)-1]) {
		q = strings.TrimSpace(q[1 : len(q)-1])
	}
	if _, err := strconv.ParseFloat(q, 64); err == nil {
		return false
	}
	lower := strings.ToLower(q)
	fn := lower
	if i := strings.IndexAny(lower, " (\t\n"); i >= 0 {
		fn = lower[:i]
	} else {
		return true
	}
	found := false
	for _, a := range aggregations {
		if fn == a {
			found = true
		}
	}
	if !found {
		return true
	}
	// the aggregation must span the whole query and carry no grouping at the top level
	depth, end := 0, -1
	for i, r := range lower {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 && end < 0 {
				end = i
			}
		}
	}
	if end < 0 {
		return true
	}
	head := lower[:strings.Index(lower, "(")]
	tail := strings.TrimSpace(lower[end+1:])
	if strings.Contains(head, " by") || strings.Contains(head, " without") ||
		strings.HasPrefix(tail, "by") || strings.HasPrefix(tail, "without") {
		return true
	}
	// arithmetic after the aggregation with another vector may fan out; scalars are fine
	if tail != "" {
		for _, r := range tail {
			if r >= 'a' && r <= 'z' && !strings.HasPrefix(tail, "offset") {
				return true
			}
		}
	}
	return false
}

func balanced(s string) bool {
	depth := 0
	for _, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
			if depth < 0 {
				return false
			}
		}
	}
	return depth == 0
}
