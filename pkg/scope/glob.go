package scope

import "strings"

// glob is a pattern in which * matches any run of characters (also / and :)
// and ? matches one character; every other character matches itself.
// Patterns are checked by config when the policy is read.
type glob string

// match reports whether s matches the pattern.
func (g glob) match(s string) bool {
	p, t := []rune(string(g)), []rune(s)
	pi, ti := 0, 0
	star, mark := -1, 0
	for ti < len(t) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == t[ti]):
			pi++
			ti++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, ti
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			ti = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// literal returns the longest run of the pattern without wildcards: any
// string the pattern matches contains it.
func (g glob) literal() string {
	best := ""
	for _, part := range strings.FieldsFunc(string(g), func(r rune) bool { return r == '*' || r == '?' }) {
		if len(part) > len(best) {
			best = part
		}
	}
	return best
}

func anyGlob(globs []glob, s string) bool {
	for _, g := range globs {
		if g.match(s) {
			return true
		}
	}
	return false
}

func globs(ss []string) []glob {
	out := make([]glob, len(ss))
	for i, s := range ss {
		out[i] = glob(s)
	}
	return out
}
