package diag

import (
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// Placeholder replaces every secret that Redact removes.
const Placeholder = "REDACTED"

// Credential is a plaintext credential found in a text: the secret's byte
// span and what carries it.
type Credential struct {
	// Start and End delimit the secret in the text (End exclusive).
	Start, End int
	// Param is the query parameter that holds the secret; empty for the
	// user information of a URL.
	Param string
}

// What describes where the credential sits, for messages (never the secret).
func (c Credential) What() string {
	if c.Param == "" {
		return "user information in a URL (user:password@ before the host)"
	}
	return "query parameter " + c.Param
}

// secretWords are the last words of a parameter name that mark it as a
// credential: a name is a credential name when its last word (the name is
// split at '_', '-', '.' and camelCase humps, case-insensitively) ends with
// one of secretSuffixes or equals one of secretWords. So auth_token,
// client_secret, X-Amz-Signature, apiKey and db-password are credentials;
// token_count, key_id and secret_name are not.
var (
	secretSuffixes = []string{"token", "secret", "password", "passwd", "passphrase", "key", "signature", "credential", "credentials"}
	secretWords    = []string{"auth", "authorization", "jwt", "pass", "pw", "pwd", "sig"}
)

// userInfo matches a URL with user information, scheme://userinfo@: the
// user part runs to the authority's end ('/', '?', '#'), a password after
// ':' to the last '@' (unencoded '/', '?', '#' and '@' in a password are
// common mistakes, and still secrets). Whitespace, '"' and '`' end both, so
// that a URL in a quoted PromQL label value is never joined to a later '@'
// modifier.
var userInfo = regexp.MustCompile("[a-zA-Z][a-zA-Z0-9+.-]*://([^\t\n\v\f\r /?#\"`:]*(?::[^\t\n\v\f\r \"`]*)?)@")

// FindCredentials returns the credentials in s, ordered by position, with
// overlapping findings merged into one span. It finds
//   - the user information of a URL (scheme://user:password@host, also
//     scheme://token@host), anywhere in s, also inside a quoted PromQL
//     label value;
//   - a parameter name=value whose name is a credential name (see
//     secretSuffixes) and whose value is not empty: after '?', '&', ';' or
//     '#' (a URL's query or fragment), or at the start of s or of a
//     whitespace-separated word with an unquoted value (a bare query string
//     such as "auth_token=abc"). A PromQL label matcher, {key="x"} or
//     {job="a", token=~"b"}, is not a parameter: it follows '{' or ',', or
//     its value is quoted (also with an escaped quote, \").
func FindCredentials(s string) []Credential {
	var found []Credential
	if strings.Contains(s, "@") {
		for _, m := range userInfo.FindAllStringSubmatchIndex(s, -1) {
			if m[3] > m[2] {
				found = append(found, Credential{Start: m[2], End: m[3]})
			}
		}
	}
	if strings.Contains(s, "=") {
		found = append(found, findParams(s)...)
	}
	return merge(found)
}

// findParams finds credential parameters: every '=' whose name before it
// is a credential name in a query or bare context. It is linear in len(s):
// names end at the previous '=', and a value that starts inside the last
// value scanned ends where that one ends.
func findParams(s string) []Credential {
	var (
		found  []Credential
		valEnd = -1 // end of the last value scanned
	)
	for i := strings.IndexByte(s, '='); i >= 0; {
		if c, ok := paramAt(s, i, valEnd); ok {
			found = append(found, c)
			valEnd = c.End
		}
		next := strings.IndexByte(s[i+1:], '=')
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return found
}

// paramAt reads the parameter whose '=' is at s[eq]. A value starting
// before valEnd ends there (no byte before valEnd ends a value).
func paramAt(s string, eq, valEnd int) (Credential, bool) {
	start := eq
	for start > 0 && isNameByte(s[start-1]) {
		start--
	}
	name := s[start:eq]
	if name == "" || !IsCredentialName(name) {
		return Credential{}, false
	}
	query := start > 0 && strings.IndexByte("?&;#", s[start-1]) >= 0
	if !query && start > 0 && !isSpace(s[start-1]) {
		return Credential{}, false // e.g. a PromQL matcher after '{' or ','
	}
	v := eq + 1
	if query {
		for v < len(s) && (isQuote(s[v]) || s[v] == '\\') {
			v++ // ?token="abc" or, escaped, ?token=\"abc\": the quotes are not the secret
		}
	} else if v < len(s) && (quoted(s[v:]) || s[v] == '~' || s[v] == '=') {
		return Credential{}, false // a quoted value is a label matcher, ~ a regexp match, == a comparison
	}
	end := v
	if v < valEnd {
		end = valEnd
	}
	for end < len(s) && !endsValue(s[end]) {
		end++
	}
	if end == v {
		return Credential{}, false
	}
	return Credential{Start: v, End: end, Param: name}, true
}

// IsCredentialName reports whether a query parameter name names a
// credential (see secretSuffixes). Percent-encoded names are decoded first.
func IsCredentialName(name string) bool {
	if strings.Contains(name, "%") {
		if d, err := url.QueryUnescape(name); err == nil {
			name = d
		}
	}
	last := lastWord(name)
	for _, w := range secretWords {
		if last == w {
			return true
		}
	}
	for _, suf := range secretSuffixes {
		if strings.HasSuffix(last, suf) {
			return true
		}
	}
	return false
}

// lastWord returns the lower-cased last word of a name split at '_', '-',
// '.' and at a lower-case letter or digit followed by an upper-case one.
func lastWord(name string) string {
	name = strings.TrimRight(name, "_-.")
	i := len(name)
	for i > 0 {
		c := name[i-1]
		if c == '_' || c == '-' || c == '.' {
			break
		}
		if i < len(name) && isUpper(name[i]) && !isUpper(c) {
			break
		}
		i--
	}
	return strings.ToLower(name[i:])
}

// merge sorts findings and joins overlapping or touching spans, so that no
// part of any secret survives redaction. A parameter that starts inside a
// URL's user information and runs past its '@' keeps that '@' out of the
// secret: the part after it becomes a second span, so that the redacted
// text still reads as scheme://REDACTED@REDACTED.
func merge(found []Credential) []Credential {
	if len(found) < 2 {
		return found
	}
	sort.SliceStable(found, func(i, j int) bool { return found[i].Start < found[j].Start })
	out := found[:1]
	for _, c := range found[1:] {
		last := &out[len(out)-1]
		switch {
		case c.Start > last.End:
			out = append(out, c)
		case c.End <= last.End:
		case last.Param == "" && c.End > last.End+1:
			c.Start = last.End + 1
			out = append(out, c)
		default:
			last.End = c.End
		}
	}
	return out
}

// HasCredential reports whether s holds a plaintext credential (see
// FindCredentials), anywhere in the text.
func HasCredential(s string) bool { return len(FindCredentials(s)) > 0 }

// Redact replaces every secret that FindCredentials finds in s with
// Placeholder: the user information of URLs (scheme://REDACTED@host) and
// the values of credential parameters (auth_token=REDACTED). Redact is
// idempotent.
func Redact(s string) string {
	found := FindCredentials(s)
	if len(found) == 0 {
		return s
	}
	var b strings.Builder
	at := 0
	for _, c := range found {
		b.WriteString(s[at:c.Start])
		b.WriteString(Placeholder)
		at = c.End
	}
	b.WriteString(s[at:])
	return b.String()
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c == '%'
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

func isSpace(c byte) bool { return strings.IndexByte("\t\n\v\f\r ", c) >= 0 }

func isQuote(c byte) bool { return c == '"' || c == '\'' || c == '`' }

// quoted reports whether s starts with a quote, also an escaped one (\" in
// a Go- or YAML-quoted string).
func quoted(s string) bool {
	return s != "" && (isQuote(s[0]) || len(s) > 1 && s[0] == '\\' && isQuote(s[1]))
}

// endsValue reports whether c ends a parameter value: whitespace, the next
// parameter ('&'), a fragment ('#'), a quote or an angle bracket.
func endsValue(c byte) bool { return isSpace(c) || isQuote(c) || strings.IndexByte("&#<>", c) >= 0 }

// CredentialError appends an error when value holds a plaintext credential
// and reports whether it did. The message says what carries the credential;
// the value is redacted like every diagnostic's.
func (l *List) CredentialError(r Ref, field, value, allowed string) bool {
	found := FindCredentials(value)
	if len(found) == 0 {
		return false
	}
	l.Errorf(r, field, value, allowed, "plaintext credential: %s", found[0].What())
	return true
}
