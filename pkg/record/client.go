package record

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"syscall"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
)

// client is the Prometheus API with the options' transport, headers and
// secrets.
type client struct {
	api       v1.API
	transport *http.Transport
	address   string // redacted, for messages
	secrets   []string
	secretRes []*regexp.Regexp // each secret form, matched regardless of case
}

// Bounds on the files record reads.
const (
	maxTokenFileBytes = 64 << 10
	maxCAFileBytes    = 4 << 20
)

func newClient(o Options) (*client, error) {
	addr, err := parseAddress(o.Address)
	if err != nil {
		return nil, err
	}
	c := &client{address: addr.shown, secrets: addr.secrets}
	header, err := c.credentials(o, addr)
	if err != nil {
		return nil, err
	}
	c.secrets = secretForms(c.secrets)
	for _, sec := range c.secrets {
		c.secretRes = append(c.secretRes, regexp.MustCompile("(?i)"+regexp.QuoteMeta(sec)))
	}
	tr, err := transport(o)
	if err != nil {
		return nil, err
	}
	c.transport = tr
	rt := &roundTripper{base: tr, origin: addr.origin, header: header, maxBytes: o.MaxResponseBytes,
		shown: func(s string) string { return c.redact(redactURL(s)) }}
	httpClient := &http.Client{Transport: rt, CheckRedirect: rt.checkRedirect}
	apiClient, err := api.NewClient(api.Config{Address: addr.endpoint, Client: httpClient})
	if err != nil {
		return nil, fmt.Errorf("record: Prometheus address %q: %s", c.address, c.redact(err.Error()))
	}
	c.api = v1.NewAPI(apiClient)
	return c, nil
}

// credentials returns the headers sent with every request: the configured
// ones, the bearer token and the address's user information, at most one
// of them as Authorization. Each credential becomes a secret.
func (c *client) credentials(o Options, addr address) (http.Header, error) {
	header := http.Header{}
	names := make([]string, 0, len(o.Headers))
	for k := range o.Headers {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := o.Headers[k]
		if !validHeaderName(k) || strings.ContainsAny(v, "\r\n") {
			return nil, fmt.Errorf("record: header %q: not a valid HTTP header name and value; names are letters, digits and -, values one line", k)
		}
		header.Set(k, v)
		if isSecretName(k) {
			c.secrets = append(c.secrets, v)
			if fs := strings.Fields(v); len(fs) == 2 {
				c.secrets = append(c.secrets, fs[1]) // the credential after "Bearer"/"Basic"
			}
		}
	}
	var sources []string
	if o.BearerTokenFile != "" {
		sources = append(sources, "a bearer token file")
	}
	if header.Get("Authorization") != "" {
		sources = append(sources, "an Authorization header")
	}
	if addr.basic != "" {
		sources = append(sources, "a user name in the Prometheus address")
		header.Set("Authorization", addr.basic)
	}
	switch len(sources) {
	case 0, 1:
	case 2:
		return nil, fmt.Errorf("record: both %s and %s are set; use one", sources[0], sources[1])
	default:
		return nil, fmt.Errorf("record: %s and %s are set; use one", strings.Join(sources[:2], ", "), sources[2])
	}
	if o.BearerTokenFile != "" {
		token, err := readToken(o.BearerTokenFile)
		if err != nil {
			return nil, err
		}
		header.Set("Authorization", "Bearer "+token)
		c.secrets = append(append(c.secrets, token), base64Forms("Bearer "+token)...) // the header, echoed encoded
	}
	return header, nil
}

// secretForms returns the secrets with the forms they take when a server
// echoes them in a URL or a form (percent-encoded) or encoded (base64, as
// a Basic header is), without duplicates or empty strings, longest first
// so that no part of one survives redaction.
func secretForms(secrets []string) []string {
	var out []string
	for _, s := range secrets {
		for _, f := range append([]string{s, url.QueryEscape(s), url.PathEscape(s)}, base64Forms(s)...) {
			if f != "" && !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// base64Forms returns s in standard and URL-safe base64, padded or not.
func base64Forms(s string) []string {
	b := []byte(s)
	return []string{base64.StdEncoding.EncodeToString(b), base64.RawStdEncoding.EncodeToString(b),
		base64.URLEncoding.EncodeToString(b), base64.RawURLEncoding.EncodeToString(b)}
}

// readToken reads a bearer token file: one non-empty line.
func readToken(path string) (string, error) {
	data, err := readBounded(path, maxTokenFileBytes, "bearer token file")
	if err != nil {
		return "", err
	}
	token := strings.TrimSpace(string(data))
	if token == "" || strings.ContainsAny(token, "\r\n") {
		return "", fmt.Errorf("record: bearer token file %q: must hold one non-empty line (the token)", path)
	}
	return token, nil
}

// readBounded reads a file of at most max bytes.
func readBounded(path string, max int64, what string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("record: %s: %w", what, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("record: %s: %w", what, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("record: %s %q: larger than %s, the most allowed", what, path, formatBytes(max))
	}
	return data, nil
}

// transport is the HTTP transport: the default one (proxy from the
// environment), with the CA file's certificates trusted in addition to the
// system's, and a bound on waiting for response headers. Connections are
// not kept for reuse: net/http logs whatever a server sends on an idle
// connection, unredacted, to the standard logger, and a query or two per
// workload gains little from reuse.
func transport(o Options) (*http.Transport, error) {
	base, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		base = &http.Transport{Proxy: http.ProxyFromEnvironment}
	}
	tr := base.Clone()
	tr.DisableKeepAlives = true
	tr.ResponseHeaderTimeout = o.Timeout
	if o.CAFile == "" {
		return tr, nil
	}
	pem, err := readBounded(o.CAFile, maxCAFileBytes, "CA file")
	if err != nil {
		return nil, err
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("record: CA file %q: no PEM certificate in it; give a PEM file (-----BEGIN CERTIFICATE-----)", o.CAFile)
	}
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return tr, nil
}

func (c *client) close() { c.transport.CloseIdleConnections() }

// redact replaces every secret in s (token, password, credential headers
// and query values, in any letter case), longest first so that no part of
// one remains, then applies the shared redaction of URL credentials.
func (c *client) redact(s string) string {
	for _, re := range c.secretRes {
		s = re.ReplaceAllLiteralString(s, diag.Placeholder)
	}
	return scrub(s)
}

func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", r)
		if !ok {
			return false
		}
	}
	return true
}

// retryable reports whether a failed attempt may succeed if repeated:
// timeouts (waiting for headers or for the body), connection failures and
// bodies cut short, HTTP 429 and 5xx. An oversized answer and a refused
// redirect are not retried. parent is the caller's context: once it is
// done nothing is retried.
func retryable(parent context.Context, a *attempt, err error) bool {
	if parent.Err() != nil {
		return false
	}
	var apiErr *v1.Error
	var big *tooLargeError
	var redirect *redirectError
	var origin *originError
	switch {
	case errors.As(err, &big), errors.As(err, &redirect), errors.As(err, &origin):
		return false
	case errors.As(err, &apiErr):
		return a.status == http.StatusTooManyRequests || a.status >= 500
	case errors.Is(err, context.DeadlineExceeded):
		return true // this attempt's own timeout
	}
	var cert *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var dns *net.DNSError
	switch {
	case errors.As(err, &cert), errors.As(err, &unknownCA), errors.As(err, &hostname):
		return false
	case errors.As(err, &dns):
		return !dns.IsNotFound
	}
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "EOF")
}

// describe turns a failed attempt into a sentence for the user, with the
// server's own message when there is one. Secrets are removed before the
// message is shortened, so no part of one can remain.
func (c *client) describe(a *attempt, err error, timeout string) string {
	var apiErr *v1.Error
	if errors.As(err, &apiErr) {
		return c.describeAnswer(a, apiErr)
	}
	var big *tooLargeError
	var redirect *redirectError
	var origin *originError
	switch {
	case errors.As(err, &big):
		return big.Error()
	case errors.As(err, &redirect):
		return c.redact(redirect.Error())
	case errors.As(err, &origin):
		return c.redact(origin.Error())
	case errors.Is(err, context.DeadlineExceeded) && a.status != 0:
		return fmt.Sprintf("the answer (HTTP %d) did not arrive in full within the timeout of %s", a.status, timeout)
	case errors.Is(err, context.DeadlineExceeded):
		return "no answer within the timeout of " + timeout
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return "cannot reach the server: " + c.redact(uerr.Err.Error())
	}
	if a.status != 0 {
		return fmt.Sprintf("the answer (HTTP %d) was cut short: %s", a.status, c.redact(err.Error()))
	}
	return c.redact(err.Error())
}

// describeAnswer explains an answer that is an error or not an API response.
func (c *client) describeAnswer(a *attempt, apiErr *v1.Error) string {
	msg := shorten(c.redact(apiErr.Msg))
	if apiErr.Detail != "" {
		msg = serverMessage(apiErr.Detail, c.redact)
	}
	switch {
	case a.status == http.StatusBadRequest || a.status == http.StatusUnprocessableEntity:
		return fmt.Sprintf("the server rejected the query (HTTP %d %s): %s", a.status, apiErr.Type, msg)
	case a.status == http.StatusUnauthorized || a.status == http.StatusForbidden:
		return fmt.Sprintf("the server refused access (HTTP %d): %s; check the bearer token file and headers (e.g. X-Scope-OrgID)", a.status, msg)
	case a.status == http.StatusNotFound:
		return fmt.Sprintf("the server has no Prometheus API at this address (HTTP 404): %s; give the base URL whose /api/v1/query_range answers", msg)
	case a.status != 0 && a.status/100 != 2:
		return fmt.Sprintf("the server failed (HTTP %d): %s", a.status, msg)
	default:
		return fmt.Sprintf("the server's answer is not a Prometheus API response (%s): %s", apiErr.Type, msg)
	}
}

// serverMessage extracts the "error" field of a Prometheus JSON error body,
// or returns the body's first line, shortened. redact is applied to the
// body as received and to the decoded field (a secret may be escaped in
// JSON), always before shortening, so no part of a secret can remain.
func serverMessage(body string, redact func(string) string) string {
	body = redact(body)
	var e struct {
		ErrorType string `json:"errorType"`
		Error     string `json:"error"`
	}
	if json.Unmarshal([]byte(body), &e) == nil && e.Error != "" {
		return redact(e.Error)
	}
	if body = shorten(body); body == "" {
		return "(empty body)"
	}
	return body
}

// shorten returns the first line of s, at most 200 characters.
func shorten(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}
