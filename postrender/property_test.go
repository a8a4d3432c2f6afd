package main

import (
	"bytes"
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/stream"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/transform"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// propertyStreams is how many generated streams the nothing-lost property
// test runs (fewer with -short); propertyKRMEvery picks the streams that
// also go through the KRM function's path.
const (
	propertyStreams  = 2000
	propertyKRMEvery = 10
)

// genDoc is one generated document and what the tool must do with it.
type genDoc struct {
	text string
	// owned documents may be rewritten: opted-in workloads and the HPAs
	// that conflict with them.
	owned bool
	// kind, namespace (as written) and name identify workloads and HPAs.
	kind, namespace, name string
	// optedIn marks workloads that must get a ScaledObject.
	optedIn bool
	// conflicts marks HPAs that target an opted-in workload: they must go.
	conflicts bool
	// target is an HPA's scaleTargetRef kind and name.
	targetKind, targetName string
}

// genStream is a generated post-renderer input.
type genStream struct {
	docs []genDoc
	// releaseNamespace is passed with --namespace ("" for none).
	releaseNamespace string
}

// bytes joins the documents into a Helm-style stream.
func (s genStream) bytes() []byte {
	var b strings.Builder
	for _, d := range s.docs {
		b.WriteString(d.text)
	}
	return []byte(b.String())
}

// effectiveNS is the namespace the tool resolves for a resource.
func (s genStream) effectiveNS(ns string) string {
	if ns == "" {
		return s.releaseNamespace
	}
	return ns
}

// streamGen builds random streams from one seeded source.
type streamGen struct {
	r    *rand.Rand
	seq  int
	crlf bool
}

var genNamespaces = []string{"", "ml", "team-a", "prod"}

func (g *streamGen) pick(xs ...string) string { return xs[g.r.Intn(len(xs))] }

func (g *streamGen) name(prefix string) string {
	g.seq++
	return fmt.Sprintf("%s-%d", prefix, g.seq)
}

// separator returns a document separator line in one of the forms Helm and
// hand-written streams use.
func (g *streamGen) separator() string {
	return g.pick("---\n", "---\n", "---\n", "--- # next\n", "---   \n")
}

// genMetadata renders metadata lines with an optional namespace.
func genMetadata(name, ns string, extra string) string {
	s := "metadata:\n  name: " + name + "\n"
	if ns != "" {
		s += "  namespace: " + ns + "\n"
	}
	return s + extra
}

// unowned returns a document the tool must copy byte for byte.
func (g *streamGen) unowned() genDoc {
	ns := g.pick(genNamespaces...)
	var text string
	switch g.r.Intn(9) {
	case 0: // ConfigMap with odd formatting, a block scalar that looks like a separator, comments
		text = fmt.Sprintf("# Source: chart/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\n%sdata:\n  config.yaml: |\n    ---not a separator\n    --- # nor this (indented)\n    key:   value    # keep the spaces\n  'quoted key':   \"x\"   # trailing comment\n  empty: \"\"\n", genMetadata(g.name("cm"), ns, "  labels: {app: x,   tier: \"backend\"}\n"))
	case 1: // flow-style ConfigMap on one line
		text = fmt.Sprintf("{apiVersion: v1, kind: ConfigMap, metadata: {name: %s}, data: {a: '1', b: \"two\"}}\n", g.name("flow"))
	case 2: // Service with four-space indentation
		text = fmt.Sprintf("# Source: chart/templates/svc.yaml\napiVersion: v1\nkind: Service\nmetadata:\n    name: %s\n    annotations:\n        example.com/note: \"keda and ml-autoscaling are not mentioned here\"\nspec:\n    ports:\n    -   port: 80\n        targetPort: 8080\n", g.name("svc"))
	case 3: // Secret with a credential: data the tool must not judge
		text = fmt.Sprintf("# Source: chart/templates/secret.yaml\napiVersion: v1\nkind: Secret\n%stype: Opaque\nstringData:\n  host: amqp://celery:s3cret@rabbitmq.%s.svc:5672/  # a Secret is where it belongs\ndata:\n  password: cGFzc3dvcmQ=\n", genMetadata(g.name("secret"), ns, ""), g.pick("ml", "team-a"))
	case 4: // a Deployment that does not opt in
		text = fmt.Sprintf("# Source: chart/templates/app.yaml\napiVersion: apps/v1\nkind: Deployment\n%sspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n      - name: app\n        image: nginx:1.%d\n", genMetadata(g.name("app"), ns, "  annotations:\n    example.com/team: search\n"), g.r.Intn(30))
	case 5: // comment-only document
		text = "# Source: chart/templates/disabled.yaml\n# this template rendered nothing\n"
	case 6: // a Job with a block scalar and anchors
		text = fmt.Sprintf("apiVersion: batch/v1\nkind: Job\n%sspec:\n  template:\n    metadata:\n      labels: &labels {app: job}\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: job\n        image: busybox\n        command:\n        - sh\n        - -c\n        - >\n          echo folded\n          text\n", genMetadata(g.name("job"), ns, "  labels: {app: job}\n"))
	case 7: // a document with Windows line endings
		text = strings.ReplaceAll(fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\n%sdata:\n  crlf: \"yes\"\n", genMetadata(g.name("crlf"), ns, "")), "\n", "\r\n")
	default: // a ServiceAccount with an explicit document end
		text = fmt.Sprintf("apiVersion: v1\nkind: ServiceAccount\n%s...\n", genMetadata(g.name("sa"), ns, ""))
	}
	return genDoc{text: text}
}

// annotationsFor returns a random valid set of ml-autoscaling annotations.
func (g *streamGen) annotationsFor() string {
	var a []string
	a = append(a, `ml-autoscaling.io/enabled: "true"`)
	switch g.r.Intn(3) {
	case 0:
		a = append(a, fmt.Sprintf(`ml-autoscaling.io/cpu-utilization: "%d"`, 10+g.r.Intn(90)))
	case 1:
		a = append(a, "ml-autoscaling.io/rabbitmq-queue: "+g.name("queue"), "ml-autoscaling.io/rabbitmq-secret: rabbitmq-conn")
	default:
		a = append(a, `ml-autoscaling.io/prometheus-query: sum(rate(requests_total{app="x"}[2m]))`, fmt.Sprintf(`ml-autoscaling.io/prometheus-threshold: "%d"`, 1+g.r.Intn(100)))
	}
	if g.r.Intn(2) == 0 {
		lo := 1 + g.r.Intn(3) // KEDA: cpu-only triggers cannot scale to zero
		a = append(a, fmt.Sprintf(`ml-autoscaling.io/min-replicas: "%d"`, lo), fmt.Sprintf(`ml-autoscaling.io/max-replicas: "%d"`, lo+1+g.r.Intn(20)))
	}
	if g.r.Intn(3) == 0 {
		a = append(a, `ml-autoscaling.io/cooldown-period: `+g.pick("5m", "300", "90s"))
	}
	return "  annotations:\n    " + strings.Join(a, "\n    ") + "  # opted in\n"
}

// workload returns a Deployment or StatefulSet, opted in or not, whose
// selector and pods carry the label app: <app>.
func (g *streamGen) workload(kind, name, app, ns string, optedIn bool) genDoc {
	extra := "  labels: {app: " + app + "}\n"
	if optedIn {
		extra += g.annotationsFor()
	}
	replicas := ""
	if g.r.Intn(2) == 0 {
		replicas = "  replicas: " + fmt.Sprint(1+g.r.Intn(5)) + "\n"
	}
	text := fmt.Sprintf("# Source: chart/templates/%s.yaml\napiVersion: apps/v1\nkind: %s\n%sspec:\n%s  selector:\n    matchLabels: {app: %s}\n  template:\n    metadata:\n      labels: {app: %s}\n    spec:\n      containers:\n      - name: main\n        image: registry.example.com/%s:1.0  # pinned\n        resources:\n          requests: {cpu: 100m, memory: 128Mi}\n",
		name, kind, genMetadata(name, ns, extra), replicas, app, app, name)
	return genDoc{text: text, owned: optedIn, kind: kind, namespace: ns, name: name, optedIn: optedIn}
}

// hpa returns an HPA of the given workload.
func (g *streamGen) hpa(ns, targetKind, targetName string) genDoc {
	av := g.pick("autoscaling/v2", "autoscaling/v1")
	name := g.name("hpa")
	ref := fmt.Sprintf("{apiVersion: apps/v1, kind: %s, name: %s}", targetKind, targetName)
	if g.r.Intn(3) == 0 {
		ref = fmt.Sprintf("{kind: %s, name: %s}", targetKind, targetName)
	}
	text := fmt.Sprintf("# Source: chart/templates/%s.yaml\napiVersion: %s\nkind: HorizontalPodAutoscaler\n%sspec:\n  scaleTargetRef: %s\n  minReplicas: 1\n  maxReplicas: 5\n", name, av, genMetadata(name, ns, ""), ref)
	return genDoc{text: text, kind: "HorizontalPodAutoscaler", namespace: ns, name: name, targetKind: targetKind, targetName: targetName}
}

// stream returns a stream of n documents.
func (g *streamGen) stream(n int) genStream {
	s := genStream{releaseNamespace: g.pick("", "ml", "team-a")}
	type wl struct{ kind, ns, name string }
	var workloads []wl
	for len(s.docs) < n {
		switch x := g.r.Intn(20); {
		case x < 3: // opted-in workload
			kind := g.pick("Deployment", "Deployment", "StatefulSet")
			w := wl{kind, g.pick(genNamespaces...), g.name("worker")}
			s.docs = append(s.docs, g.workload(w.kind, w.name, w.name, w.ns, true))
			workloads = append(workloads, w)
		case x < 5 && len(workloads) > 0: // an HPA of an earlier workload, sometimes in another namespace
			w := workloads[g.r.Intn(len(workloads))]
			ns := w.ns
			if g.r.Intn(4) == 0 {
				ns = g.pick(genNamespaces...)
			}
			s.docs = append(s.docs, g.hpa(ns, w.kind, w.name))
		case x < 6 && len(workloads) > 0: // a workload of the other kind sharing an opted-in name (not its pods), with its HPA
			w := workloads[g.r.Intn(len(workloads))]
			other := map[string]string{"Deployment": "StatefulSet", "StatefulSet": "Deployment"}[w.kind]
			s.docs = append(s.docs, g.workload(other, w.name, w.name+"-"+strings.ToLower(other), w.ns, false))
			if len(s.docs) < n {
				s.docs = append(s.docs, g.hpa(w.ns, other, w.name))
			}
		case x < 7: // an HPA of a workload that is not opted in (or not present)
			s.docs = append(s.docs, g.hpa(g.pick(genNamespaces...), g.pick("Deployment", "StatefulSet"), g.name("app")))
		default:
			s.docs = append(s.docs, g.unowned())
		}
	}
	s.markConflicts()
	// separators: Helm puts one before every document; sometimes the first has none
	for i := range s.docs {
		if i > 0 || g.r.Intn(3) > 0 {
			s.docs[i].text = g.separator() + s.docs[i].text
		}
	}
	return s
}

// markConflicts marks the HPAs that conflict: same resolved namespace, kind
// and name as an opted-in workload; or, with the release namespace unknown,
// the same kind and name as exactly one opted-in workload of which one of
// the two names no namespace (and no opted-in workload in the HPA's own
// namespace). An HPA that could be several workloads' is an error; such
// HPAs are left out of the stream.
func (s *genStream) markConflicts() {
	opted := map[string]bool{}
	var workloads []genDoc
	for _, d := range s.docs {
		if d.optedIn {
			opted[d.kind+"/"+s.effectiveNS(d.namespace)+"/"+d.name] = true
			workloads = append(workloads, d)
		}
	}
	kept := s.docs[:0]
	for _, d := range s.docs {
		if d.kind == "HorizontalPodAutoscaler" {
			assumed := 0
			if s.releaseNamespace == "" {
				for _, w := range workloads {
					if w.kind == d.targetKind && w.name == d.targetName && w.namespace != d.namespace && (w.namespace == "" || d.namespace == "") {
						assumed++
					}
				}
			}
			exact := opted[d.targetKind+"/"+s.effectiveNS(d.namespace)+"/"+d.targetName]
			if !exact && assumed > 1 {
				continue
			}
			d.conflicts = exact || assumed == 1
			d.owned = d.conflicts
		}
		kept = append(kept, d)
	}
	s.docs = kept
}

// genOutputObjects holds what readGenOutput finds in a post-renderer output.
type genOutputObjects struct {
	hpas, workloads map[string]bool
	// scaled maps "ns/Kind/name" of each ScaledObject's target to a count.
	scaled map[string]int
}

// readGenOutput reads the kind, namespace and name of every workload, HPA
// and ScaledObject in a post-renderer output, parsing only those documents.
func readGenOutput(t *testing.T, out []byte, releaseNS string) genOutputObjects {
	t.Helper()
	o := genOutputObjects{hpas: map[string]bool{}, workloads: map[string]bool{}, scaled: map[string]int{}}
	ns := func(n string) string {
		if n == "" {
			return releaseNS
		}
		return n
	}
	for _, d := range stream.Split(out) {
		if !stream.Interesting(d.Body) || stream.IsBlank(d.Body) {
			continue
		}
		n, err := yaml.Parse(string(d.Body))
		require.NoError(t, err, "output document does not parse:\n%s", d.Body)
		switch n.GetKind() {
		case "HorizontalPodAutoscaler":
			o.hpas[ns(n.GetNamespace())+"/"+n.GetName()] = true
		case "Deployment", "StatefulSet":
			o.workloads[n.GetKind()+"/"+ns(n.GetNamespace())+"/"+n.GetName()] = true
		case "ScaledObject":
			kind, err := n.Pipe(yaml.Lookup("spec", "scaleTargetRef", "kind"))
			require.NoError(t, err)
			name, err := n.Pipe(yaml.Lookup("spec", "scaleTargetRef", "name"))
			require.NoError(t, err)
			o.scaled[yaml.GetValue(kind)+"/"+ns(n.GetNamespace())+"/"+yaml.GetValue(name)]++
		}
	}
	return o
}

// TestNothingLostProperty runs thousands of generated streams (1 to 500
// documents of mixed kinds, formatting, comments and namespaces, some
// workloads opted in, some HPAs in conflict) through the post-renderer and
// checks that every document the tool does not own comes out byte for byte
// and in order, that exactly the conflicting HPAs disappear, that every
// opted-in workload gets exactly one ScaledObject, and that the output is
// deterministic and idempotent. Every tenth stream also goes through the
// KRM function's path (kyaml reader, transform, kyaml writer), which must
// keep the content and comments of every resource it does not own.
func TestNothingLostProperty(t *testing.T) {
	clearPostrenderEnv(t)
	count := propertyStreams
	if testing.Short() {
		count = 200
	}
	g := &streamGen{r: rand.New(rand.NewSource(20260504))}
	start := time.Now()
	var docs, optedIn, conflicting, keptHPAs, unownedDocs int
	for i := 0; i < count; i++ {
		size := 1 + g.r.Intn(500)
		if i%4 != 0 {
			size = 1 + g.r.Intn(60) // most charts are small
		}
		s := g.stream(size)
		docs += len(s.docs)
		for _, d := range s.docs {
			switch {
			case d.optedIn:
				optedIn++
			case d.conflicts:
				conflicting++
			case d.kind == "HorizontalPodAutoscaler":
				keptHPAs++
				unownedDocs++
			default:
				unownedDocs++
			}
		}
		in := s.bytes()
		var args []string
		if s.releaseNamespace != "" {
			args = append(args, "--namespace="+s.releaseNamespace)
		}
		ok := t.Run(fmt.Sprintf("stream-%d", i), func(t *testing.T) {
			checkNothingLost(t, s, in, args)
			if i%propertyKRMEvery == 0 {
				checkKRMKeepsContent(t, s, in)
			}
		})
		if !ok {
			t.Logf("failing stream %d (%d documents):\n%s", i, len(s.docs), in)
			break
		}
	}
	t.Logf("%d streams, %d documents (%d opted-in workloads, %d conflicting HPAs, %d other HPAs, %d unowned documents), %v",
		count, docs, optedIn, conflicting, keptHPAs, unownedDocs, time.Since(start).Round(time.Millisecond))
	require.NotZero(t, optedIn)
	require.NotZero(t, conflicting)
	require.NotZero(t, keptHPAs)
}

// checkNothingLost checks one stream through the post-renderer.
func checkNothingLost(t *testing.T, s genStream, in []byte, args []string) {
	var stdout, stderr bytes.Buffer
	code := run(args, bytes.NewReader(in), &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	out := stdout.Bytes()

	// unowned documents: byte for byte, in input order
	pos := 0
	for i, d := range s.docs {
		if d.owned {
			continue
		}
		body := stream.Split([]byte(d.text))
		require.Len(t, body, 1, "generator: document %d is not one document", i)
		b := body[0].Body
		if len(b) == 0 {
			continue
		}
		at := bytes.Index(out[pos:], b)
		require.GreaterOrEqual(t, at, 0, "document %d lost, changed or reordered:\n%s", i, b)
		pos += at + len(b)
	}

	// HPAs: exactly the conflicting ones are gone; workloads all stay;
	// one ScaledObject per opted-in workload and no other
	o := readGenOutput(t, out, s.releaseNamespace)
	wantScaled := 0
	for _, d := range s.docs {
		switch {
		case d.kind == "HorizontalPodAutoscaler":
			require.Equal(t, !d.conflicts, o.hpas[s.effectiveNS(d.namespace)+"/"+d.name], "HPA %s/%s (conflicts: %v)", d.namespace, d.name, d.conflicts)
		case d.kind != "":
			key := d.kind + "/" + s.effectiveNS(d.namespace) + "/" + d.name
			if d.optedIn {
				require.True(t, o.workloads[key], "workload %s lost", key)
				wantScaled++
				require.Equal(t, 1, o.scaled[key], "ScaledObjects for %s", key)
			} else {
				require.Zero(t, o.scaled[key], "ScaledObject for %s, which does not opt in", key)
			}
		}
	}
	total := 0
	for _, n := range o.scaled {
		total += n
	}
	require.Equal(t, wantScaled, total, "ScaledObjects in the output")

	// deterministic and idempotent
	var again, stderr2 bytes.Buffer
	require.Equal(t, 0, run(args, bytes.NewReader(in), &again, &stderr2), stderr2.String())
	require.Equal(t, string(out), again.String(), "two runs differ")
	var third, stderr3 bytes.Buffer
	require.Equal(t, 0, run(args, bytes.NewReader(out), &third, &stderr3), stderr3.String())
	require.Equal(t, string(out), third.String(), "the output fed back in changed")
}

// checkKRMKeepsContent runs the stream the way the KRM function's
// standalone mode does and checks that every resource the tool does not own
// keeps its content and comments, and that the conflicting HPAs are gone.
func checkKRMKeepsContent(t *testing.T, s genStream, in []byte) {
	items, err := (&kio.ByteReader{Reader: bytes.NewReader(in), OmitReaderAnnotations: true}).Read()
	require.NoError(t, err)
	res := transform.Run(items, transform.Options{ReleaseNamespace: s.releaseNamespace})
	require.False(t, res.Diagnostics.HasErrors(), "%v", res.Diagnostics)
	var out bytes.Buffer
	require.NoError(t, kio.ByteWriter{Writer: &out}.Write(res.Items))
	outText := out.String()
	got := map[string]bool{}
	for _, n := range res.Items {
		got[genNodeText(n.YNode())] = true
	}
	for i, d := range s.docs {
		doc := stream.Split([]byte(d.text))[0]
		if stream.IsBlank(doc.Body) {
			continue
		}
		n, err := yaml.Parse(string(doc.Body))
		require.NoError(t, err)
		if d.owned {
			if d.conflicts {
				require.False(t, got[genNodeText(n.YNode())], "conflicting HPA %d kept by the function", i)
			}
			continue
		}
		require.True(t, got[genNodeText(n.YNode())], "document %d changed or lost by the function:\n%s", i, doc.Body)
		for _, line := range strings.Split(string(doc.Body), "\n") {
			if c := strings.Index(line, "#"); c >= 0 && (c == 0 || line[c-1] == ' ') {
				require.Contains(t, outText, strings.TrimSpace(line[c:]), "document %d lost a comment", i)
			}
		}
	}
}

// genNodeText renders a node's data without style or comments (aliases by
// name, so nothing is expanded), for content comparison.
func genNodeText(n *yaml.Node) string {
	var b strings.Builder
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		indent := strings.Repeat(" ", depth)
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, depth)
			}
		case yaml.MappingNode, yaml.SequenceNode:
			fmt.Fprintf(&b, "%s%v &%s\n", indent, n.Kind, n.Anchor)
			for _, c := range n.Content {
				walk(c, depth+1)
			}
		case yaml.AliasNode:
			fmt.Fprintf(&b, "%s*%s\n", indent, n.Value)
		default:
			fmt.Fprintf(&b, "%s%s %q &%s\n", indent, n.ShortTag(), n.Value, n.Anchor)
		}
	}
	walk(n, 0)
	return b.String()
}
