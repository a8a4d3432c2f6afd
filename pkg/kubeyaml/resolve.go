package kubeyaml

import "sigs.k8s.io/kustomize/kyaml/yaml"

// resolver builds the tree Kubernetes reads: merge keys applied, aliases
// copied, anchors dropped. Its input has passed the scan and the expansion
// check, so the copy is bounded.
type resolver struct {
	scalars  bool // read scalars as Kubernetes does (readScalar)
	path     path
	problems []Problem
}

// shell copies a node without its children, alias and anchor.
func shell(n *yaml.Node) *yaml.Node {
	c := *n
	c.Anchor, c.Alias, c.Content = "", nil, nil
	return &c
}

func (r *resolver) node(n *yaml.Node) *yaml.Node {
	switch n.Kind {
	case yaml.AliasNode:
		c := r.node(n.Alias)
		if n.HeadComment != "" || n.LineComment != "" || n.FootComment != "" {
			c.HeadComment, c.LineComment, c.FootComment = n.HeadComment, n.LineComment, n.FootComment
		}
		return c
	case yaml.MappingNode:
		b := &mapBuilder{out: shell(n), index: map[string]int{}}
		r.assign(b, n)
		return b.out
	}
	c := shell(n)
	r.scalar(c, n, false)
	if len(n.Content) > 0 {
		c.Content = make([]*yaml.Node, len(n.Content))
		for i, child := range n.Content {
			if n.Kind == yaml.SequenceNode {
				r.path.push("", i)
			}
			c.Content[i] = r.node(child)
			if n.Kind == yaml.SequenceNode {
				r.path.pop()
			}
		}
	}
	return c
}

// mapBuilder is a mapping under construction; a key set again keeps its
// place and takes the new value, as go-yaml v2 assigns map entries.
type mapBuilder struct {
	out   *yaml.Node
	index map[string]int // key -> position of its value in out.Content
}

func (b *mapBuilder) set(k, v *yaml.Node) {
	if i, ok := b.index[k.Value]; ok {
		b.out.Content[i] = v
		return
	}
	b.out.Content = append(b.out.Content, k, v)
	b.index[k.Value] = len(b.out.Content) - 1
}

// assign applies the entries of mapping src to b in order: merge keys
// merge, other keys are set.
func (r *resolver) assign(b *mapBuilder, src *yaml.Node) {
	for i := 0; i+1 < len(src.Content); i += 2 {
		k, v := src.Content[i], src.Content[i+1]
		if IsMerge(k) {
			r.merge(b, v)
			continue
		}
		key := shell(scalarKey(k))
		r.scalar(key, key, true)
		if k.Kind != yaml.AliasNode {
			key.HeadComment, key.LineComment, key.FootComment = k.HeadComment, k.LineComment, k.FootComment
		}
		r.path.push(key.Value, -1)
		b.set(key, r.node(v))
		r.path.pop()
	}
}

// merge applies the value of a merge key as go-yaml v2 does: a mapping (or
// an alias of one) is assigned entry by entry; a sequence of them is
// assigned from the last to the first, so that the first wins.
func (r *resolver) merge(b *mapBuilder, v *yaml.Node) {
	switch {
	case deref(v).Kind == yaml.MappingNode:
		r.assign(b, deref(v))
	case v.Kind == yaml.SequenceNode:
		for i := len(v.Content) - 1; i >= 0; i-- {
			e := deref(v.Content[i])
			if e.Kind != yaml.MappingNode {
				r.badMerge(v.Content[i])
				continue
			}
			r.assign(b, e)
		}
	default:
		r.badMerge(v)
	}
}

// scalar sets c, the copy of scalar n (a key when key is set), to what
// Kubernetes reads from n, or reports a scalar it cannot read.
func (r *resolver) scalar(c, n *yaml.Node, key bool) {
	k, changed := readScalar(n, key)
	switch {
	case !changed || !r.scalars:
	case k.problem != "":
		r.problems = append(r.problems, Problem{Path: r.path.String(), Value: n.Value, Message: k.problem,
			Allowed: "a value Kubernetes can decode (write the text itself, without a tag)"})
	default:
		c.Value, c.Tag, c.Style = k.value, k.tag, 0
	}
}

func (r *resolver) badMerge(v *yaml.Node) {
	r.path.push("<<", -1)
	r.problems = append(r.problems, Problem{Path: r.path.String(), Value: deref(v).Value,
		Message: "a YAML merge key whose value is a " + kindName(deref(v)) + ", not a mapping",
		Allowed: "a mapping, an alias of a mapping, or a sequence of those (Kubernetes cannot decode others)"})
	r.path.pop()
}
