// Package inference is the one table of the model servers the tool scales on
// queue depth: how each is recognised in a pod template — by the command a
// container runs or by the image family it comes from — and which metrics it
// exports under which names (including the older names of renamed metrics).
package inference

import (
	"fmt"
	"path"
	"regexp"
	"strings"
	"unicode"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/annotations"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/workload"
)

// Server is a model server with a queue-depth metric.
type Server struct {
	// Name is the value of the inference-server annotation (vllm, tgi, triton).
	Name string
	// Queue holds the names of the waiting-requests gauge, newest first.
	Queue []string
	// KVCache holds the names of the KV-cache usage gauge (a 0–1 fraction),
	// newest first; empty when the server exports none.
	KVCache []string

	images   []imageRule
	commands []commandRule
}

// imageRule matches an image family by the repository path without registry,
// tag or digest (e.g. "lmcache/vllm-openai").
type imageRule struct {
	id   string
	repo *regexp.Regexp
}

// commandRule matches the words a container runs (command, then args; shell
// scripts are split into words): a program, by the base name of its path,
// optionally followed by a subcommand; or a Python module run with -m.
type commandRule struct {
	id                  string
	program, subcommand string
	module              string
}

// lastComponent builds a pattern for a repository path whose last component
// contains the given run of name tokens (tokens are separated by - _ or .).
func lastComponent(tokens string) *regexp.Regexp {
	return regexp.MustCompile(`(^|/)([a-z0-9]+[-_.])*` + tokens + `([-_.][a-z0-9]+)*$`)
}

// Servers is the table, in detection order.
var Servers = []*Server{
	{
		Name:    annotations.ServerVLLM,
		Queue:   []string{"vllm:num_requests_waiting"},
		KVCache: []string{"vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc"}, // renamed in vLLM 0.9
		images: []imageRule{
			{id: "vllm-image", repo: lastComponent(`vllm`)},
			{id: "llm-d-image", repo: regexp.MustCompile(`(^|/)llm-d/llm-d(-(cuda|rocm|xpu|hpu|gaudi|cpu|tpu))?(-dev)?$`)},
		},
		commands: []commandRule{
			{id: "vllm-serve", program: "vllm", subcommand: "serve"},
			{id: "vllm-openai-module", module: "vllm.entrypoints.openai.api_server"},
		},
	},
	{
		Name:  annotations.ServerTGI,
		Queue: []string{"tgi_queue_size"},
		images: []imageRule{
			{id: "tgi-image", repo: lastComponent(`text-generation-inference`)},
			{id: "tgi-short-image", repo: lastComponent(`tgi`)},
		},
		commands: []commandRule{{id: "tgi-launcher", program: "text-generation-launcher"}},
	},
	{
		Name:     annotations.ServerTriton,
		Queue:    []string{"nv_inference_pending_request_count"},
		images:   []imageRule{{id: "triton-image", repo: lastComponent(`tritonserver`)}},
		commands: []commandRule{{id: "tritonserver", program: "tritonserver"}},
	},
}

// toolWords mark images of tools around a server rather than the server:
// routers, simulators, sidecars, schedulers, benchmarks and client SDKs
// (e.g. ghcr.io/llm-d/llm-d-routing-sidecar, tritonserver:<version>-py3-sdk).
var toolWords = map[string]bool{
	"router": true, "routing": true, "sim": true, "simulator": true, "sidecar": true, "scheduler": true,
	"benchmark": true, "bench": true, "sdk": true, "client": true, "proxy": true, "gateway": true,
	"operator": true, "exporter": true, "controller": true, "tokenizer": true,
}

// ByName returns the server with the given annotation value, or nil.
func ByName(name string) *Server {
	for _, s := range Servers {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Detection says which server a workload runs and how that was found.
type Detection struct {
	Server *Server
	// Container is the container it was found in.
	Container string
	// By is "command" or "image"; Evidence is the matched words or the image.
	By, Evidence string
	// Rule identifies the table entry that matched.
	Rule string
}

// String describes the detection for explanations.
func (d *Detection) String() string {
	if d.By == "command" {
		return fmt.Sprintf("detected from the command %q of container %s", d.Evidence, d.Container)
	}
	return fmt.Sprintf("detected from the image %s of container %s", d.Evidence, d.Container)
}

// Detect finds the server a pod template runs. Containers named in first
// (those claiming GPUs) are looked at before the others; within a container
// its command and args decide before its image, since they say what actually
// runs. It returns nil when no container matches.
func Detect(containers []workload.Container, first []string) *Detection {
	ordered := make([]workload.Container, 0, len(containers))
	isFirst := map[string]bool{}
	for _, n := range first {
		isFirst[n] = true
	}
	for _, c := range containers {
		if isFirst[c.Name] {
			ordered = append(ordered, c)
		}
	}
	for _, c := range containers {
		if !isFirst[c.Name] {
			ordered = append(ordered, c)
		}
	}
	for _, c := range ordered {
		if d := DetectCommand(append(append([]string{}, c.Command...), c.Args...)); d != nil {
			d.Container = c.Name
			return d
		}
		if d := DetectImage(c.Image); d != nil {
			d.Container = c.Name
			return d
		}
	}
	return nil
}

// DetectCommand matches the words of a container's command and args.
func DetectCommand(argv []string) *Detection {
	words := Words(argv)
	for _, s := range Servers {
		for _, r := range s.commands {
			if ev := r.match(words); ev != "" {
				return &Detection{Server: s, By: "command", Evidence: ev, Rule: r.id}
			}
		}
	}
	return nil
}

func (r commandRule) match(words []string) string {
	for i, w := range words {
		switch {
		case r.module != "":
			if w == r.module && i > 0 && words[i-1] == "-m" {
				return "-m " + w
			}
		case path.Base(w) == r.program:
			if r.subcommand == "" {
				return w
			}
			if i+1 < len(words) && words[i+1] == r.subcommand {
				return w + " " + r.subcommand
			}
		}
	}
	return ""
}

// Words splits command and args into words the way a shell would see them
// at a first glance: at white space and at ; | & ( ) and backquotes, with
// quotes removed, so that `sh -c "exec vllm serve m"` yields exec, vllm, serve, m.
func Words(argv []string) []string {
	var out []string
	for _, a := range argv {
		out = append(out, strings.FieldsFunc(a, func(r rune) bool {
			return unicode.IsSpace(r) || strings.ContainsRune(";|&()`'\"", r)
		})...)
	}
	return out
}

// DetectImage matches an image reference against the image families.
func DetectImage(image string) *Detection {
	repo, tag := ParseImage(image)
	if repo == "" || hasToolWord(lastPart(repo)) || hasToolWord(tag) {
		return nil
	}
	for _, s := range Servers {
		for _, r := range s.images {
			if r.repo.MatchString(repo) {
				return &Detection{Server: s, By: "image", Evidence: image, Rule: r.id}
			}
		}
	}
	return nil
}

// ParseImage returns an image reference's repository path without registry
// host (lower case) and its tag; the digest is dropped.
func ParseImage(image string) (repo, tag string) {
	s := strings.ToLower(strings.TrimSpace(image))
	if i := strings.IndexByte(s, '@'); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, ':'); i > strings.LastIndexByte(s, '/') {
		s, tag = s[:i], s[i+1:]
	}
	parts := strings.Split(s, "/")
	if len(parts) > 1 && (strings.ContainsAny(parts[0], ".:") || parts[0] == "localhost") {
		parts = parts[1:]
	}
	return strings.Join(parts, "/"), tag
}

func lastPart(repo string) string { return repo[strings.LastIndexByte(repo, '/')+1:] }

func hasToolWord(s string) bool {
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
		if toolWords[w] {
			return true
		}
	}
	return false
}
