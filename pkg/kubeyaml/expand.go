package kubeyaml

import (
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// huge caps the sizes the measurer adds up, so that an alias bomb of any
// order cannot overflow them.
const huge = 1 << 50

// measure is the size and depth of a node with its aliases expanded.
type measure struct{ size, depth int }

// measurer computes expanded sizes and depths once per node, so that an
// alias chain is measured in time linear in its written size.
type measurer struct {
	memo   map[*yaml.Node]measure
	inWork map[*yaml.Node]bool
	cycle  *yaml.Node // an alias whose anchored node contains it
	// tooDeep is set once a path nests beyond MaxDepth: from then on every
	// node measures huge, so that the recursion stays shallow.
	tooDeep bool
}

// of measures n, a node at nesting level depth of the expanded tree.
func (m *measurer) of(n *yaml.Node, depth int) measure {
	if n == nil {
		return measure{}
	}
	if v, ok := m.memo[n]; ok {
		return v
	}
	collection := n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode
	if collection && depth >= MaxDepth {
		m.tooDeep = true
	}
	if m.inWork[n] || m.tooDeep {
		return measure{huge, huge}
	}
	if n.Kind == yaml.AliasNode {
		if m.inWork[n.Alias] && m.cycle == nil {
			m.cycle = n
		}
		v := m.of(n.Alias, depth)
		m.memo[n] = v
		return v
	}
	m.inWork[n] = true
	v := measure{size: 1}
	next := depth
	if collection {
		next++
	}
	for _, c := range n.Content {
		cv := m.of(c, next)
		v.size = min(v.size+cv.size, huge)
		v.depth = max(v.depth, cv.depth)
	}
	if collection {
		v.depth = min(v.depth+1, huge)
	}
	delete(m.inWork, n)
	m.memo[n] = v
	return v
}

// checkExpansion reports an alias that refers to a node containing it,
// nesting deeper than MaxDepth once aliases are expanded, and aliases that
// add more than MaxAliasNodes nodes: each alias that does so on its own
// (once per anchor), or all of them together. written is n's node count
// without expansion.
func checkExpansion(n *yaml.Node, written int) []Problem {
	m := &measurer{memo: map[*yaml.Node]measure{}, inWork: map[*yaml.Node]bool{}}
	total := m.of(n, 0)
	if m.cycle != nil {
		return []Problem{{Value: "*" + m.cycle.Value, Message: "YAML alias refers to a node that contains it",
			Allowed: "aliases of nodes that do not contain the alias (Kubernetes cannot decode a cycle)"}}
	}
	if m.tooDeep || total.depth > MaxDepth {
		return []Problem{depthProblem("")}
	}
	if total.size-written <= MaxAliasNodes {
		return nil
	}
	w := &bombFinder{m: m, reported: map[*yaml.Node]bool{}}
	w.walk(n)
	if len(w.problems) == 0 {
		w.problems = []Problem{{Message: fmt.Sprintf("YAML aliases expand to more than %d further nodes (an alias bomb); every reader after the tool would expand them", MaxAliasNodes),
			Allowed: aliasAllowed}}
	}
	return w.problems
}

var aliasAllowed = fmt.Sprintf("at most %d nodes added by expanding YAML aliases in one resource (limit: alias expansion)", MaxAliasNodes)

// bombFinder names the aliases that alone expand beyond MaxAliasNodes.
type bombFinder struct {
	m        *measurer
	path     path
	reported map[*yaml.Node]bool
	problems []Problem
}

func (b *bombFinder) walk(n *yaml.Node) {
	switch n.Kind {
	case yaml.AliasNode:
		if b.m.of(n, 0).size > MaxAliasNodes && !b.reported[n.Alias] {
			b.reported[n.Alias] = true
			b.problems = append(b.problems, Problem{Path: b.path.String(), Value: "*" + n.Value,
				Message: fmt.Sprintf("YAML alias expands to more than %d nodes (an alias bomb); every reader after the tool would expand it", MaxAliasNodes),
				Allowed: aliasAllowed})
		}
	case yaml.DocumentNode:
		for _, c := range n.Content {
			b.walk(c)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			b.path.push("", i)
			b.walk(c)
			b.path.pop()
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			b.path.push(keyText(n.Content[i]), -1)
			b.walk(n.Content[i+1])
			b.path.pop()
		}
	}
}
