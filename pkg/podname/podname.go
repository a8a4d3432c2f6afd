// Package podname describes the names Kubernetes gives a workload's pods
// as a small regular language: a Deployment's pods are named by its
// ReplicaSets through the API server's name generator, a StatefulSet's by
// ordinal. From that description it renders the RE2 pattern a PromQL query
// selects the pods with, and decides whether two workloads of one namespace
// can have pods of the same name, which no pattern could tell apart.
package podname

import (
	"regexp"
	"strconv"
	"strings"
)

// Kubernetes' naming constants.
const (
	// MaxGeneratedPrefix is how much of a generateName prefix the API
	// server keeps (maxNameLength 63 minus randomLength 5).
	MaxGeneratedPrefix = 58
	// RandomLength is the length of the random suffix the API server adds.
	RandomLength = 5
	// MaxHashLength is the longest pod-template hash: a uint32 in decimal.
	MaxHashLength = 10
	// Alphabet is the API server's random-suffix alphabet, which the
	// pod-template hash is also encoded with.
	Alphabet = "bcdfghjklmnpqrstvwxz2456789"
	// maxSubdomain is the longest DNS-1123 subdomain, a ReplicaSet's name.
	maxSubdomain = 253
)

// Workload names the owner of the pods.
type Workload struct {
	// Kind is "Deployment" or "StatefulSet".
	Kind string
	// Name is the workload's metadata.name.
	Name string
	// MaxOrdinal is the highest ordinal a StatefulSet's pods can have
	// (ignored for Deployments).
	MaxOrdinal int64
}

// charset is a set of bytes.
type charset [4]uint64

func setOf(chars string) charset {
	var s charset
	for i := 0; i < len(chars); i++ {
		s[chars[i]>>6] |= 1 << (chars[i] & 63)
	}
	return s
}

func (s charset) has(b byte) bool { return s[b>>6]&(1<<(b&63)) != 0 }

func (s charset) and(o charset) charset {
	return charset{s[0] & o[0], s[1] & o[1], s[2] & o[2], s[3] & o[3]}
}

// first returns the smallest byte of s, and false when s is empty.
func (s charset) first() (byte, bool) {
	for b := 0; b < 256; b++ {
		if s.has(byte(b)) {
			return byte(b), true
		}
	}
	return 0, false
}

// regexp renders s as a character class with ranges ("[4-9b-df]").
func (s charset) regexp() string {
	var b strings.Builder
	b.WriteByte('[')
	for c := 0; c < 256; c++ {
		if !s.has(byte(c)) {
			continue
		}
		end := c
		for end+1 < 256 && s.has(byte(end+1)) {
			end++
		}
		b.WriteString(regexp.QuoteMeta(string(rune(c))))
		if end > c+1 {
			b.WriteByte('-')
		}
		if end > c {
			b.WriteString(regexp.QuoteMeta(string(rune(end))))
		}
		c = end
	}
	b.WriteByte(']')
	return b.String()
}

// hashDigit returns the character rand.SafeEncodeString writes for a decimal digit.
func hashDigit(d int) byte { return Alphabet[('0'+d)%len(Alphabet)] }

func hashChars(from int) string {
	var b []byte
	for d := from; d <= 9; d++ {
		b = append(b, hashDigit(d))
	}
	return string(b)
}

var (
	// hashAny holds the characters of an encoded decimal digit, hashFirst
	// those of a leading digit of a multi-digit number (not 0).
	hashAny   = setOf(hashChars(0))
	hashFirst = setOf(hashChars(1))
	random    = setOf(Alphabet)
	digit     = setOf("0123456789")
	digitNZ   = setOf("123456789")
)

// atom is a literal, or a character class repeated min to max times.
type atom struct {
	lit      string
	class    charset
	min, max int
}

func lit(s string) atom                { return atom{lit: s} }
func rep(c charset, min, max int) atom { return atom{class: c, min: min, max: max} }
func one(c charset) atom               { return rep(c, 1, 1) }
func seqOf(atoms ...atom) []atom       { return atoms }

// isLiteral reports whether a is a literal (a class repeats at least once).
func (a atom) isLiteral() bool { return a.max == 0 }

func renderAtom(a atom) string {
	if a.isLiteral() {
		return regexp.QuoteMeta(a.lit)
	}
	c := a.class.regexp()
	switch {
	case a.min == 1 && a.max == 1:
		return c
	case a.min == a.max:
		return c + "{" + strconv.Itoa(a.min) + "}"
	default:
		return c + "{" + strconv.Itoa(a.min) + "," + strconv.Itoa(a.max) + "}"
	}
}

// Lang is the set of names a workload's pods can have: a literal prefix,
// one of several middles, and a common suffix.
type Lang struct {
	prefix  string
	middles [][]atom
	suffix  []atom
}

// Of returns the pod names of w under Kubernetes' naming rules.
func Of(w Workload) Lang {
	if w.Kind == "StatefulSet" {
		return statefulSet(w.Name, w.MaxOrdinal)
	}
	return deployment(w.Name)
}

// statefulSet: pods are <name>-<ordinal> (the StatefulSet controller's
// getPodName), ordinals in decimal without leading zeros, up to maxOrdinal.
func statefulSet(name string, maxOrdinal int64) Lang {
	return Lang{prefix: name + "-", middles: upTo(strconv.FormatInt(max(maxOrdinal, 0), 10))}
}

// deployment: a ReplicaSet is <name>-<hash> (hash: 1 to 10 encoded
// decimal digits, no leading zero), its pods are generated from the prefix
// <replicaset>- cut to 58 characters, plus 5 random characters.
func deployment(name string) Lang {
	if !HasPods("Deployment", name) {
		return Lang{}
	}
	r := rep(random, RandomLength, RandomLength)
	if len(name) >= MaxGeneratedPrefix {
		return Lang{prefix: name[:MaxGeneratedPrefix], middles: [][]atom{nil}, suffix: seqOf(r)}
	}
	room := MaxGeneratedPrefix - len(name) - 1 // after "<name>-": the hash and its dash
	longest := min(MaxHashLength, room-1)      // the longest hash that keeps its dash
	var whole [][]atom
	if longest >= 1 {
		whole = append(whole, seqOf(one(hashAny)))
	}
	if longest >= 2 {
		whole = append(whole, seqOf(one(hashFirst), rep(hashAny, 1, longest-1)))
	}
	if room > MaxHashLength {
		return Lang{prefix: name + "-", middles: whole, suffix: seqOf(lit("-"), r)}
	}
	l := Lang{prefix: name + "-", suffix: seqOf(r)}
	for _, h := range whole {
		l.middles = append(l.middles, append(h, lit("-")))
	}
	// a hash of room characters or more is cut to room characters
	switch room {
	case 0:
		l.middles = append(l.middles, nil)
	case 1:
		l.middles = append(l.middles, seqOf(one(hashAny)))
	default:
		l.middles = append(l.middles, seqOf(one(hashFirst), rep(hashAny, room-1, room-1)))
	}
	return l
}

// HasPods reports whether Kubernetes can create pods for a workload of
// this kind and name: a Deployment's ReplicaSets are named <name>-<hash>,
// which must fit in a DNS subdomain of 253 characters.
func HasPods(kind, name string) bool {
	return kind == "StatefulSet" || len(name)+2 <= maxSubdomain
}

// nothing is an RE2 pattern that matches no name: a character class
// without characters.
const nothing = `[^\x00-\x{10FFFF}]`

// Pattern renders l as an RE2 regular expression, to be anchored at both
// ends (PromQL's =~ anchors it).
func (l Lang) Pattern() string {
	if len(l.middles) == 0 {
		return nothing
	}
	var b strings.Builder
	b.WriteString(regexp.QuoteMeta(l.prefix))
	alts := make([]string, 0, len(l.middles))
	for _, m := range l.middles {
		alts = append(alts, render(m))
	}
	if len(alts) == 1 {
		b.WriteString(alts[0])
	} else {
		b.WriteString("(?:" + strings.Join(alts, "|") + ")")
	}
	b.WriteString(render(l.suffix))
	return b.String()
}

func render(atoms []atom) string {
	var b strings.Builder
	for _, a := range atoms {
		b.WriteString(renderAtom(a))
	}
	return b.String()
}

// Pattern returns the RE2 pattern that matches every name Kubernetes can
// give w's pods.
func Pattern(w Workload) string { return Of(w).Pattern() }

// expand lists the fixed-length words of l as sequences of character sets.
func (l Lang) expand() [][]charset {
	var out [][]charset
	head := literal(l.prefix)
	for _, m := range l.middles {
		for _, mid := range expandAtoms(m) {
			for _, tail := range expandAtoms(l.suffix) {
				w := append(append(append([]charset{}, head...), mid...), tail...)
				out = append(out, w)
			}
		}
	}
	return out
}

func literal(s string) []charset {
	out := make([]charset, len(s))
	for i := 0; i < len(s); i++ {
		out[i] = setOf(s[i : i+1])
	}
	return out
}

// expandAtoms lists every fixed-length reading of atoms.
func expandAtoms(atoms []atom) [][]charset {
	out := [][]charset{nil}
	for _, a := range atoms {
		var next [][]charset
		for _, w := range out {
			if a.isLiteral() {
				next = append(next, append(append([]charset{}, w...), literal(a.lit)...))
				continue
			}
			for n := a.min; n <= a.max; n++ {
				v := append([]charset{}, w...)
				for range n {
					v = append(v, a.class)
				}
				next = append(next, v)
			}
		}
		out = next
	}
	return out
}

// Collision returns a name that pods of b can have and a's pattern
// matches, and false when there is none: then a's pattern never selects a
// pod of b.
func Collision(a, b Workload) (string, bool) {
	la, lb := Of(a), Of(b)
	if !strings.HasPrefix(la.prefix, lb.prefix) && !strings.HasPrefix(lb.prefix, la.prefix) {
		return "", false // every name starts with its prefix
	}
	for _, x := range la.expand() {
		for _, y := range lb.expand() {
			if w, ok := common(x, y); ok {
				return w, true
			}
		}
	}
	return "", false
}

// upTo lists the decimal numbers from 0 to limit (given in decimal),
// without leading zeros, as alternatives.
func upTo(limit string) [][]atom {
	n := len(limit)
	var out [][]atom
	if n == 1 {
		return [][]atom{seqOf(one(digitRange(0, int(limit[0]-'0'))))}
	}
	out = append(out, seqOf(one(digit)))
	if n > 2 {
		out = append(out, seqOf(one(digitNZ), rep(digit, 1, n-2)))
	}
	// n digits: a prefix of limit, a smaller digit, then any digits
	for i := 0; i < n; i++ {
		lo, hi := 0, int(limit[i]-'0')-1
		if i == 0 {
			lo = 1
		}
		if hi < lo {
			continue
		}
		alt := seqOf(lit(limit[:i]), one(digitRange(lo, hi)))
		if rest := n - i - 1; rest > 0 {
			alt = append(alt, rep(digit, rest, rest))
		}
		out = append(out, alt)
	}
	return append(out, seqOf(lit(limit)))
}

func digitRange(lo, hi int) charset {
	var b []byte
	for d := lo; d <= hi; d++ {
		b = append(b, byte('0'+d))
	}
	return setOf(string(b))
}

// common returns the smallest word two fixed-length sequences share.
func common(x, y []charset) (string, bool) {
	if len(x) != len(y) {
		return "", false
	}
	w := make([]byte, len(x))
	for i := range x {
		c, ok := x[i].and(y[i]).first()
		if !ok {
			return "", false
		}
		w[i] = c
	}
	return string(w), true
}
