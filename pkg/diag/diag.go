// Package diag defines the diagnostics (errors, warnings, notes) that every
// stage of the transform reports. A diagnostic names the resource, the field
// (annotation key or policy path), the offending value and what is allowed,
// so that it maps one to one onto a KRM function result or a line on stderr.
package diag

import (
	"fmt"
	"sort"
	"strings"
)

// Severity ranks a diagnostic.
type Severity int

const (
	// Info is a note that explains a decision; it never fails a run.
	Info Severity = iota
	// Warning flags output that is valid but probably not what the user wants.
	Warning
	// Error stops the run: no output is written.
	Error
)

// String returns the KRM result severity word for s.
func (s Severity) String() string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	default:
		return "info"
	}
}

// Ref identifies a Kubernetes resource in a diagnostic.
type Ref struct {
	APIVersion string
	Kind       string
	Namespace  string
	Name       string
}

// String renders the reference as kind/namespace/name (namespace omitted
// when empty, "(no name)" for a resource without a name).
func (r Ref) String() string {
	if r.Kind == "" && r.Name == "" {
		return ""
	}
	name := r.Name
	if name == "" {
		name = "(no name)"
	}
	if r.Namespace == "" {
		return r.Kind + "/" + name
	}
	return r.Kind + "/" + r.Namespace + "/" + name
}

// Diagnostic is one finding about the input.
type Diagnostic struct {
	Severity Severity
	// Resource is the resource the finding is about; zero for policy-wide findings.
	Resource Ref
	// Field is the annotation key or the field path (e.g. spec.prometheus.serverAddress).
	Field string
	// Value is the offending value, if any.
	Value string
	// Message says what is wrong, and Allowed what would be accepted.
	Message string
	Allowed string
}

// Error renders the diagnostic as one line: resource, field, value, message, allowed.
func (d Diagnostic) Error() string {
	var b strings.Builder
	if s := d.Resource.String(); s != "" {
		b.WriteString(s)
		b.WriteString(": ")
	}
	if d.Field != "" {
		b.WriteString(d.Field)
		b.WriteString(": ")
	}
	b.WriteString(d.Detail())
	return b.String()
}

// Detail renders the value, message and what is allowed, without the
// resource and field (for KRM results, which carry those separately).
func (d Diagnostic) Detail() string {
	var b strings.Builder
	if d.Value != "" {
		fmt.Fprintf(&b, "%q: ", d.Value)
	}
	b.WriteString(d.Message)
	if d.Allowed != "" {
		b.WriteString(" (allowed: ")
		b.WriteString(d.Allowed)
		b.WriteString(")")
	}
	return b.String()
}

// List is an ordered collection of diagnostics.
type List []Diagnostic

// Add appends a diagnostic. Credentials (see FindCredentials) are redacted
// from all of its text first — resource, field, value, message and what is
// allowed — so that no message ever repeats a secret, whichever check
// produced it.
func (l *List) Add(d Diagnostic) {
	r := &d.Resource
	r.APIVersion, r.Kind, r.Namespace, r.Name = Redact(r.APIVersion), Redact(r.Kind), Redact(r.Namespace), Redact(r.Name)
	d.Field, d.Value, d.Message, d.Allowed = Redact(d.Field), Redact(d.Value), Redact(d.Message), Redact(d.Allowed)
	*l = append(*l, d)
}

// Errorf appends an error about resource r and field f.
func (l *List) Errorf(r Ref, field, value, allowed, format string, args ...any) {
	l.Add(Diagnostic{Severity: Error, Resource: r, Field: field, Value: value, Allowed: allowed, Message: fmt.Sprintf(format, args...)})
}

// Warnf appends a warning about resource r and field f.
func (l *List) Warnf(r Ref, field, format string, args ...any) {
	l.Add(Diagnostic{Severity: Warning, Resource: r, Field: field, Message: fmt.Sprintf(format, args...)})
}

// Infof appends a note about resource r and field f: it explains a
// decision and never fails a run, in strict mode either.
func (l *List) Infof(r Ref, field, format string, args ...any) {
	l.Add(Diagnostic{Severity: Info, Resource: r, Field: field, Message: fmt.Sprintf(format, args...)})
}

// HasErrors reports whether any diagnostic is an error.
func (l List) HasErrors() bool {
	for _, d := range l {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Errors returns only the error diagnostics.
func (l List) Errors() List {
	var out List
	for _, d := range l {
		if d.Severity == Error {
			out = append(out, d)
		}
	}
	return out
}

// Sort orders the list deterministically: errors first, then by resource, field and message.
func (l List) Sort() {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i], l[j]
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if as, bs := a.Resource.String(), b.Resource.String(); as != bs {
			return as < bs
		}
		if a.Field != b.Field {
			return a.Field < b.Field
		}
		return a.Message < b.Message
	})
}

// Error joins the error diagnostics, one per line, so a List can be returned as an error.
func (l List) Error() string {
	var lines []string
	for _, d := range l {
		lines = append(lines, d.Severity.String()+": "+d.Error())
	}
	return strings.Join(lines, "\n")
}
