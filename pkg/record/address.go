package record

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
)

// redactedMark replaces a credential in a URL shown in a message.
const redactedMark = diag.Placeholder

// address is a parsed Prometheus address.
type address struct {
	// endpoint is the URL the API client builds requests on: the address
	// without user information.
	endpoint string
	// origin is scheme://host:port, the only place requests may go.
	origin string
	// shown is the address with credentials redacted, for messages.
	shown string
	// basic is the Authorization value for user information, if any.
	basic string
	// secrets are the credentials the address holds, as written and
	// decoded (the client adds their encoded forms).
	secrets []string
}

// parseAddress validates the Prometheus address and separates its
// credentials (user information, credential-like query parameters) from
// the endpoint. No message repeats a credential.
func parseAddress(raw string) (address, error) {
	shown := redactURL(raw)
	const example = "e.g. http://prometheus-operated.monitoring:9090"
	if raw == "" {
		return address{}, errors.New("record: the Prometheus address is empty; give the base URL of its HTTP API, " + example)
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return address{}, fmt.Errorf("record: Prometheus address %q is not a URL; give %s (percent-encode reserved characters such as / @ # in a user name or password)", shown, example)
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return address{}, fmt.Errorf("record: Prometheus address %q: need an http:// or https:// URL with a host, %s", shown, example)
	case strings.Contains(raw, "#"):
		return address{}, fmt.Errorf("record: Prometheus address %q: a #fragment is not allowed; give the base URL, %s", shown, example)
	case strings.HasSuffix(strings.TrimRight(u.Path, "/"), "/api/v1"):
		return address{}, fmt.Errorf("record: Prometheus address %q: give the base URL without /api/v1", shown)
	}
	a := address{origin: originOf(u), shown: shown}
	if u.User != nil {
		a.addUserInfo(raw, u.User)
	}
	for _, kv := range strings.Split(u.RawQuery, "&") {
		k, v, _ := strings.Cut(kv, "=")
		if name, err := url.QueryUnescape(k); err == nil && isSecretName(name) {
			a.addQueryValue(v)
		}
	}
	u.User = nil
	a.endpoint = u.String()
	return a, nil
}

// addUserInfo turns user information into a basic-auth header value and
// records its parts as secrets. The user name alone counts as one when it
// carries no password (a token used as user name) or is long enough not
// to be an ordinary word.
func (a *address) addUserInfo(raw string, ui *url.Userinfo) {
	user := ui.Username()
	pass, hasPass := ui.Password()
	a.basic = "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	a.secrets = append(a.secrets, a.basic[len("Basic "):])
	if info := rawUserInfo(raw); info != "" {
		a.secrets = append(a.secrets, info)
	}
	if hasPass && pass != "" {
		a.secrets = append(a.secrets, pass)
	}
	if user != "" && (!hasPass || len(user) >= 8) {
		a.secrets = append(a.secrets, user)
	}
}

// addQueryValue records a query value as a secret, as written and decoded.
func (a *address) addQueryValue(v string) {
	if v == "" {
		return
	}
	a.secrets = append(a.secrets, v)
	if d, err := url.QueryUnescape(v); err == nil && d != "" {
		a.secrets = append(a.secrets, d)
	}
}

// rawAuthority returns what follows "://" in raw up to the first / or ?.
func rawAuthority(raw string) string {
	_, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return ""
	}
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

// rawUserInfo returns the user information of raw as written: what lies
// between "://" and the last "@" of the authority.
func rawUserInfo(raw string) string {
	auth := rawAuthority(raw)
	if i := strings.LastIndex(auth, "@"); i >= 0 {
		return auth[:i]
	}
	return ""
}

// originOf returns scheme://host:port of u, with the scheme's default port
// when u has none and the host in lower case: two URLs share an origin
// exactly when these strings are equal.
func originOf(u *url.URL) string {
	port := u.Port()
	if port == "" {
		switch u.Scheme {
		case "http":
			port = "80"
		case "https":
			port = "443"
		}
	}
	return strings.ToLower(u.Scheme) + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// redactURL returns raw, a URL that may not parse, with its user
// information and the values of credential-like query parameters replaced
// by REDACTED. Everything between "://" and the last "@" counts as user
// information, so a password holding / # or @ is hidden whole.
func redactURL(raw string) string {
	head, rest := "", raw
	if i := strings.Index(raw, "://"); i >= 0 {
		head, rest = raw[:i+3], raw[i+3:]
	}
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		rest = redactedMark + rest[i:]
	}
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		rest = rest[:i+1] + redactQuery(rest[i+1:])
	}
	return scrub(head + rest)
}

// redactQuery replaces the values of credential-like parameters in a raw
// query string (up to a #fragment, which is kept).
func redactQuery(q string) string {
	q, frag, hasFrag := strings.Cut(q, "#")
	parts := strings.Split(q, "&")
	for i, kv := range parts {
		k, _, ok := strings.Cut(kv, "=")
		if name, err := url.QueryUnescape(k); ok && (err != nil || isSecretName(name)) {
			parts[i] = k + "=" + redactedMark
		}
	}
	q = strings.Join(parts, "&")
	if hasFrag {
		q += "#" + frag
	}
	return q
}

// scrub applies the shared credential redaction of package diag (URL user
// information, credential-like query parameters) to a message.
func scrub(s string) string { return diag.Redact(s) }

// isSecretName reports whether a header or query parameter name is
// credential-like: its value is never shown. Query parameters follow the
// shared detector (diag.IsCredentialName); headers add the few names that
// carry credentials without saying so.
func isSecretName(name string) bool {
	switch strings.ToLower(name) {
	case "authorization", "proxy-authorization", "cookie", "code":
		return true
	}
	return diag.IsCredentialName(name)
}
