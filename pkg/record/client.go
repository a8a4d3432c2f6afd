package record

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"syscall"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
)

// client is the Prometheus API with the options' transport, headers and
// secrets.
type client struct {
	api       v1.API
	transport *http.Transport
	address   string
	secrets   []string
}

func newClient(o Options) (*client, error) {
	u, err := url.Parse(o.Address)
	shown := diag.Redact(o.Address) // the address is used as given, but shown without credentials
	switch {
	case o.Address == "":
		return nil, errors.New("record: the Prometheus address is empty; give the base URL of its HTTP API, e.g. http://prometheus-operated.monitoring:9090")
	case err != nil:
		return nil, fmt.Errorf("record: Prometheus address %q is not a URL: %s; give e.g. http://prometheus-operated.monitoring:9090", shown, diag.Redact(err.Error()))
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return nil, fmt.Errorf("record: Prometheus address %q: need an http:// or https:// URL with a host, e.g. http://prometheus-operated.monitoring:9090", shown)
	case strings.HasSuffix(strings.TrimRight(u.Path, "/"), "/api/v1"):
		return nil, fmt.Errorf("record: Prometheus address %q: give the base URL without /api/v1", shown)
	}
	c := &client{address: shown}
	if p, ok := u.User.Password(); ok && p != "" {
		c.secrets = append(c.secrets, p)
	}

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
		if isSecretHeader(k) {
			c.secrets = append(c.secrets, v)
			if fs := strings.Fields(v); len(fs) == 2 {
				c.secrets = append(c.secrets, fs[1]) // the credential after "Bearer"/"Basic"
			}
		}
	}
	if o.BearerTokenFile != "" {
		if header.Get("Authorization") != "" {
			return nil, errors.New("record: both a bearer token file and an Authorization header are set; use one")
		}
		data, err := os.ReadFile(o.BearerTokenFile)
		if err != nil {
			return nil, fmt.Errorf("record: bearer token file: %w", err)
		}
		token := strings.TrimSpace(string(data))
		if token == "" || strings.ContainsAny(token, "\r\n") {
			return nil, fmt.Errorf("record: bearer token file %q: must hold one non-empty line (the token)", o.BearerTokenFile)
		}
		header.Set("Authorization", "Bearer "+token)
		c.secrets = append(c.secrets, token)
	}

	base, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		base = &http.Transport{Proxy: http.ProxyFromEnvironment}
	}
	tr := base.Clone()
	tr.MaxIdleConnsPerHost = o.Concurrency
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("record: CA file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("record: CA file %q: no PEM certificate in it; give a PEM file (-----BEGIN CERTIFICATE-----)", o.CAFile)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	c.transport = tr
	apiClient, err := api.NewClient(api.Config{Address: o.Address, RoundTripper: &roundTripper{base: tr, header: header}})
	if err != nil {
		return nil, fmt.Errorf("record: Prometheus address %q: %s", c.address, c.redact(err.Error()))
	}
	c.api = v1.NewAPI(apiClient)
	return c, nil
}

func (c *client) close() { c.transport.CloseIdleConnections() }

// redact replaces every secret in s (token, password, credential headers)
// and every credential diag.Redact finds (a token in the address's query).
func (c *client) redact(s string) string {
	for _, sec := range c.secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "<redacted>")
		}
	}
	return diag.Redact(s)
}

func isSecretHeader(name string) bool {
	n := strings.ToLower(name)
	return n == "authorization" || n == "proxy-authorization" || n == "cookie" ||
		strings.Contains(n, "token") || strings.Contains(n, "secret") || strings.Contains(n, "key") ||
		strings.Contains(n, "password")
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

// roundTripper adds the headers to every request and records the HTTP
// status of the last response in the request's context, so a failure can
// be classified (client_golang's errors do not carry it).
type roundTripper struct {
	base   http.RoundTripper
	header http.Header
}

type statusKey struct{}

// attempt records what one request attempt saw.
type attempt struct{ status int }

// RoundTrip sends req with the configured headers and notes the status.
func (rt *roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	for k, v := range rt.header {
		req.Header[k] = v
	}
	resp, err := rt.base.RoundTrip(req)
	if a, ok := req.Context().Value(statusKey{}).(*attempt); ok && resp != nil {
		a.status = resp.StatusCode
	}
	return resp, err
}

// retryable reports whether a failed attempt may succeed if repeated:
// timeouts, connection failures, HTTP 429 and 5xx. parent is the caller's
// context: once it is done nothing is retried.
func retryable(parent context.Context, a *attempt, err error) bool {
	if parent.Err() != nil {
		return false
	}
	if a.status != 0 {
		return a.status == http.StatusTooManyRequests || a.status >= 500
	}
	if errors.Is(err, context.DeadlineExceeded) {
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
		errors.Is(err, net.ErrClosed) || strings.Contains(err.Error(), "EOF")
}

// describe turns a failed attempt into a sentence for the user, with the
// server's own message when there is one. Secrets are removed before the
// message is shortened, so no part of one can remain.
func (c *client) describe(a *attempt, err error, timeout string) string {
	var apiErr *v1.Error
	if errors.As(err, &apiErr) {
		msg := shorten(c.redact(apiErr.Msg))
		if apiErr.Detail != "" {
			msg = serverMessage(c.redact(apiErr.Detail))
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
	if errors.Is(err, context.DeadlineExceeded) {
		return "no answer within the timeout of " + timeout
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return "cannot reach the server: " + c.redact(uerr.Err.Error())
	}
	return c.redact(err.Error())
}

// serverMessage extracts the "error" field of a Prometheus JSON error body,
// or returns the body's first line, shortened.
func serverMessage(body string) string {
	var e struct {
		ErrorType string `json:"errorType"`
		Error     string `json:"error"`
	}
	if json.Unmarshal([]byte(body), &e) == nil && e.Error != "" {
		return e.Error
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
