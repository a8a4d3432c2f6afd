package triggers

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/annotations"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/workload"
)

// ConsumedQueues returns the queues a Celery worker's command line names
// with -Q/--queues (also -Qa,b and --queues=a,b), in order, or nil.
// Variables are expanded from the container's literal environment as the
// container would see them: Kubernetes' $(VAR) in command and args, and a
// shell's $VAR and ${VAR} inside a script. A name that still holds a
// variable (its value is set from a Secret, a ConfigMap or not at all) is
// returned in unknown: which queue it is cannot be told from the manifest.
func ConsumedQueues(c workload.Container) (queues, unknown []string) {
	words := argWords(append(append([]string{}, c.Command...), c.Args...))
	for i := range words {
		words[i] = expandVars(words[i], c.Env)
	}
	for _, q := range namedQueues(words) {
		if strings.Contains(q, "$") {
			unknown = append(unknown, q)
		} else {
			queues = append(queues, q)
		}
	}
	return queues, unknown
}

// varRef matches $(VAR) (Kubernetes), ${VAR} and $VAR (shell).
var varRef = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)`)

// expandVars replaces the references to variables that env defines; other
// references stay as they are.
func expandVars(w string, env map[string]string) string {
	return varRef.ReplaceAllStringFunc(w, func(ref string) string {
		m := varRef.FindStringSubmatch(ref)
		name := m[1] + m[2] + m[3]
		if v, ok := env[name]; ok {
			return v
		}
		return ref
	})
}

// namedQueues returns the queue names of -Q/--queues options in words.
func namedQueues(words []string) []string {
	var out []string
	for i, w := range words {
		var list string
		switch {
		case w == "-Q" || w == "--queues":
			if i+1 < len(words) {
				list = words[i+1]
			}
		case strings.HasPrefix(w, "--queues="):
			list = strings.TrimPrefix(w, "--queues=")
		case strings.HasPrefix(w, "-Q") && len(w) > 2 && !strings.HasPrefix(w, "--"):
			list = w[2:]
		default:
			continue
		}
		for _, q := range strings.Split(list, ",") {
			if q = strings.TrimSpace(q); q != "" {
				out = append(out, q)
			}
		}
	}
	return out
}

// argWords returns the words of a command line: an argument without white
// space is one word as it stands (queue names may hold any character); one
// with white space is a shell script, split at white space, with quotes
// and trailing ; & | removed.
func argWords(argv []string) []string {
	var out []string
	for _, a := range argv {
		if strings.IndexFunc(a, unicode.IsSpace) < 0 {
			out = append(out, a)
			continue
		}
		for _, w := range strings.Fields(a) {
			out = append(out, strings.Trim(strings.TrimRight(w, ";&|"), `"'`))
		}
	}
	return out
}

// checkConsumedQueues warns when a container consumes queues the
// rabbitmq-queue list leaves out: their backlog would not scale the workload.
func checkConsumedQueues(in Input, out *diag.List) {
	named := map[string]bool{}
	for _, q := range in.Spec.RabbitMQ.Queues {
		named[q] = true
	}
	for _, c := range in.Workload.Containers {
		var missing []string
		queues, unknown := ConsumedQueues(c)
		if len(unknown) > 0 {
			out.Infof(in.Workload.Ref, annotations.Prefix+annotations.KeyRabbitMQQueue,
				"container %s consumes %s (-Q), set from outside the manifest: make sure %s%s names every queue it stands for",
				c.Name, strings.Join(unknown, ", "), annotations.Prefix, annotations.KeyRabbitMQQueue)
		}
		for _, q := range queues {
			if !named[q] {
				missing = append(missing, q)
			}
		}
		if len(missing) > 0 {
			out.Warnf(in.Workload.Ref, annotations.Prefix+annotations.KeyRabbitMQQueue,
				"container %s consumes %s (-Q), which %s%s does not name: their backlog does not scale the workload; list every queue the worker consumes, separated by commas",
				c.Name, strings.Join(missing, ", "), annotations.Prefix, annotations.KeyRabbitMQQueue)
		}
	}
}
