package record

import (
	"fmt"
	"io"
	"net/http"
)

// maxRedirects is the most redirects one request follows.
const maxRedirects = 10

// roundTripper sends requests to the configured origin only, adds the
// credentials and headers to each, caps the response body, and records the
// HTTP status of the last response in the request's context, so a failure
// can be classified (client_golang's errors do not carry it). Requests to
// any other origin are refused before a connection is made.
type roundTripper struct {
	base     http.RoundTripper
	origin   string
	header   http.Header
	maxBytes int64
	shown    func(string) string // redacts a URL for a message
}

type statusKey struct{}

// attempt records what one request attempt saw.
type attempt struct{ status int }

// RoundTrip sends req with the configured headers and notes the status.
func (rt *roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	if o := originOf(req.URL); o != rt.origin {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, &originError{target: rt.shown(req.URL.String()), origin: rt.origin}
	}
	req = req.Clone(req.Context())
	for k, v := range rt.header {
		req.Header[k] = v
	}
	resp, err := rt.base.RoundTrip(req)
	if resp == nil {
		return resp, err
	}
	if a, ok := req.Context().Value(statusKey{}).(*attempt); ok {
		a.status = resp.StatusCode
	}
	if resp.ContentLength > rt.maxBytes {
		_ = resp.Body.Close()
		return nil, &tooLargeError{limit: rt.maxBytes, declared: resp.ContentLength}
	}
	resp.Body = &cappedBody{rc: resp.Body, left: rt.maxBytes, limit: rt.maxBytes}
	return resp, err
}

// cappedBody fails a read once more than limit bytes have arrived.
type cappedBody struct {
	rc    io.ReadCloser
	left  int64 // bytes still allowed
	limit int64
}

// Read reads at most one byte past the limit, then fails.
func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, &tooLargeError{limit: b.limit}
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n, &tooLargeError{limit: b.limit}
	}
	return n, err
}

// Close closes the underlying body.
func (b *cappedBody) Close() error { return b.rc.Close() }

// tooLargeError is an answer over Options.MaxResponseBytes.
type tooLargeError struct{ limit, declared int64 }

func (e *tooLargeError) Error() string {
	size := "larger than"
	if e.declared > 0 {
		size = fmt.Sprintf("%s, more than", formatBytes(e.declared))
	}
	return fmt.Sprintf("the answer is %s the limit of %s (--max-response-bytes); aggregate the query to one series, or raise the limit (at most %s)",
		size, formatBytes(e.limit), formatBytes(MaxResponseBytes))
}

// originError is a request to another origin than the configured one.
type originError struct{ target, origin string }

func (e *originError) Error() string {
	return fmt.Sprintf("refused to send a request to %s: requests and credentials go only to the origin of the Prometheus address (--prometheus), %s", e.target, e.origin)
}

// redirectError is a redirect that was not followed.
type redirectError struct {
	status         int
	method, target string // the redirected request and where it was sent
	origin         string
	reason         string
}

func (e *redirectError) Error() string {
	return fmt.Sprintf("the server redirected the %s (HTTP %d) to %s, which was not followed: %s (allowed: HTTP 307 and 308 redirects, and any redirect of a GET, within %s, at most %d)",
		e.method, e.status, e.target, e.reason, e.origin, maxRedirects)
}

// checkRedirect follows a redirect only within the configured origin and
// only when it keeps the method and body: a 301, 302 or 303 answer to a
// POST would become a GET without the query.
func (rt *roundTripper) checkRedirect(req *http.Request, via []*http.Request) error {
	prev := via[len(via)-1]
	e := &redirectError{method: prev.Method, target: rt.shown(req.URL.String()), origin: rt.origin}
	if req.Response != nil {
		e.status = req.Response.StatusCode
	}
	switch {
	case originOf(req.URL) != rt.origin:
		e.reason = "it leads to another origin (scheme, host and port) than the Prometheus address (--prometheus), and credentials are sent to that origin only; if the target is the right server, give it as --prometheus"
	case req.Method != prev.Method:
		e.reason = fmt.Sprintf("a %d redirect turns the query's %s into a %s without the query; give the redirected address as --prometheus", e.status, prev.Method, req.Method)
	case len(via) > maxRedirects:
		e.reason = fmt.Sprintf("more than %d redirects in a row", maxRedirects)
	default:
		return nil
	}
	return e
}

// formatBytes renders n in the largest binary unit that divides it, e.g.
// 64 MiB, or in bytes.
func formatBytes(n int64) string {
	for _, u := range []struct {
		size int64
		name string
	}{{1 << 30, "GiB"}, {1 << 20, "MiB"}, {1 << 10, "KiB"}} {
		if n >= u.size && n%u.size == 0 {
			return fmt.Sprintf("%d %s", n/u.size, u.name)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}
