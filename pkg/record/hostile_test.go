package record

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wireRequest is one request as a test server received it.
type wireRequest struct {
	Server       string // the name of the server that received it
	Host, Method string
	URI          string
	Header       http.Header
	Body         string
}

// wire captures every request that any server of a test receives, before
// the server's handler runs: it is what record put on the wire.
type wire struct {
	mu   sync.Mutex
	seen []wireRequest
}

// server starts a server on 127.0.0.1 whose every request is captured.
func (l *wire) server(t *testing.T, name string, h http.HandlerFunc) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		r.Body = io.NopCloser(bytes.NewReader(body))
		l.mu.Lock()
		l.seen = append(l.seen, wireRequest{Server: name, Host: r.Host, Method: r.Method, URI: r.RequestURI, Header: r.Header.Clone(), Body: string(body)})
		l.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func (l *wire) requests() []wireRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]wireRequest(nil), l.seen...)
}

// String renders the request as it travelled: a credential anywhere in it
// shows in this text.
func (r wireRequest) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s\n", r.Method, r.Host, r.URI)
	_ = r.Header.Write(&b)
	b.WriteString(r.Body)
	return b.String()
}

// credentialSet is a way of giving record credentials: onWire must travel
// with every request to the configured origin, and secrets must never be
// shown in any message or output.
type credentialSet struct {
	name    string
	apply   func(t *testing.T, o *Options, origin string)
	onWire  []string
	secrets []string
}

const (
	tokenSecret  = "tok3n-SECRET-0123456789abcdef"
	headerSecret = "hdr-SECRET<&>-9876543210" // JSON escapes < & >
	querySecret  = "qry/SECRET-5555"
	userPassword = "pa@ss/w0rd-SECRET"
	userToken    = "usertok-SECRET-13579"
)

// credentialSets covers a credential in every position: bearer token file,
// extra header, query string and URL user information.
func credentialSets() []credentialSet {
	basic := base64.StdEncoding.EncodeToString([]byte("alice:" + userPassword))
	tokenBasic := base64.StdEncoding.EncodeToString([]byte(userToken + ":"))
	return []credentialSet{
		{name: "token file, header and query parameter", apply: func(t *testing.T, o *Options, origin string) {
			path := filepath.Join(t.TempDir(), "token")
			require.NoError(t, os.WriteFile(path, []byte(tokenSecret+"\n"), 0o600))
			o.BearerTokenFile = path
			o.Headers = map[string]string{"X-Api-Key": headerSecret, "X-Scope-OrgID": "tenant-1"}
			o.Address = origin + "/?api_key=" + url.QueryEscape(querySecret)
		},
			onWire:  []string{"Authorization: Bearer " + tokenSecret, "X-Api-Key: " + headerSecret, url.QueryEscape(querySecret)},
			secrets: []string{tokenSecret, headerSecret, querySecret, url.QueryEscape(querySecret)}},
		{name: "user information with a password", apply: func(t *testing.T, o *Options, origin string) {
			o.Address = strings.Replace(origin, "://", "://alice:"+url.QueryEscape(userPassword)+"@", 1)
		}, onWire: []string{"Authorization: Basic " + basic}, secrets: []string{userPassword, url.QueryEscape(userPassword), basic}},
		{name: "token as user name", apply: func(t *testing.T, o *Options, origin string) {
			o.Address = strings.Replace(origin, "://", "://"+userToken+"@", 1)
		}, onWire: []string{"Authorization: Basic " + tokenBasic}, secrets: []string{userToken, tokenBasic}},
		{name: "Authorization and key headers", apply: func(t *testing.T, o *Options, origin string) {
			o.Headers = map[string]string{"Authorization": "Bearer " + tokenSecret, "X-Auth-Token": headerSecret}
		}, onWire: []string{"Authorization: Bearer " + tokenSecret, "X-Auth-Token: " + headerSecret}, secrets: []string{tokenSecret, headerSecret}},
	}
}

// redirector answers the queries of TestRecordRedirects: the query names
// what the origin does.
func redirector(t *testing.T, other, self string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q, err := parseRange(r)
		if err != nil {
			writeError(w, http.StatusBadRequest, "bad_data", err.Error())
			return
		}
		if strings.HasPrefix(r.URL.Path, "/moved/") {
			if r.Method != http.MethodPost || q.Query == "" {
				writeError(w, http.StatusBadRequest, "bad_data", "the query was lost on the way: "+r.Method)
				return
			}
			writeMatrix(t, w, q, one(nil))
			return
		}
		path := "/api/v1/query_range"
		targets := map[string]struct {
			to   string
			code int
		}{
			"same_307": {self + "/moved" + path, 307}, "same_308": {self + "/moved" + path, 308},
			"same_301": {self + "/moved" + path, 301}, "same_302": {self + "/moved" + path, 302}, "same_303": {self + "/moved" + path, 303},
			"loop":      {self + path, 307},
			"other_302": {other + path, 302}, "other_307": {other + path, 307}, "other_308": {other + path, 308},
			"other_host": {strings.Replace(self, "127.0.0.1", "localhost", 1) + path, 307},
			"https":      {strings.Replace(self, "http://", "https://", 1) + path, 307},
			"with_creds": {strings.Replace(other, "://", "://mallory:loc-pw-SECRET@", 1) + path + "?token=loc-tok-SECRET&x=1", 307},
		}
		if to, ok := targets[q.Query]; ok {
			http.Redirect(w, r, to.to, to.code)
			return
		}
		writeMatrix(t, w, q, one(nil))
	}
}

// TestRecordRedirects checks which redirects record follows and what it
// says about those it does not, for every way of giving credentials, and
// captures every request it makes: credentials reach the configured origin
// on every request and no other server ever sees a request.
func TestRecordRedirects(t *testing.T) {
	jobs := []struct {
		query string
		want  []string // empty: recorded
		sent  int      // requests the origin receives
	}{
		{query: "plain", sent: 1},
		{query: "same_307", sent: 2},
		{query: "same_308", sent: 2},
		{query: "same_301", sent: 1, want: []string{"redirected the POST (HTTP 301) to http://127.0.0.1:", "a 301 redirect turns the query's POST into a GET without the query",
			"allowed: HTTP 307 and 308 redirects, and any redirect of a GET, within http://127.0.0.1:"}},
		{query: "same_302", sent: 1, want: []string{"(HTTP 302)", "turns the query's POST into a GET"}},
		{query: "same_303", sent: 1, want: []string{"(HTTP 303)", "turns the query's POST into a GET"}},
		{query: "loop", sent: maxRedirects + 1, want: []string{"more than 10 redirects in a row"}},
		{query: "other_302", sent: 1, want: []string{"redirected the POST (HTTP 302) to OTHER/api/v1/query_range, which was not followed: it leads to another origin",
			"give it as --prometheus"}},
		{query: "other_307", sent: 1, want: []string{"(HTTP 307) to OTHER/api/v1/query_range", "another origin"}},
		{query: "other_308", sent: 1, want: []string{"(HTTP 308) to OTHER/api/v1/query_range", "another origin"}},
		{query: "other_host", sent: 1, want: []string{"to http://localhost:", "another origin"}},
		{query: "https", sent: 1, want: []string{"to https://127.0.0.1:", "another origin"}},
		{query: "with_creds", sent: 1, want: []string{"to http://REDACTED@127.0.0.1:", "?token=REDACTED&x=1", "another origin"}},
	}
	for _, cs := range credentialSets() {
		t.Run(cs.name, func(t *testing.T) {
			var l wire
			other := l.server(t, "other", func(w http.ResponseWriter, r *http.Request) {
				writeError(w, http.StatusTeapot, "bad_data", "echo: "+wireRequest{Header: r.Header}.String())
			})
			var origin *httptest.Server
			origin = l.server(t, "origin", func(w http.ResponseWriter, r *http.Request) { redirector(t, other.URL, origin.URL)(w, r) })

			opts := testOptions(origin.URL)
			cs.apply(t, &opts, origin.URL)
			var progress bytes.Buffer
			opts.Progress = &progress
			var js []Job
			for _, j := range jobs {
				js = append(js, Job{Namespace: "ml", Name: strings.ReplaceAll(j.query, "_", "-"), Query: j.query})
			}
			began := time.Now()
			res, err := Record(context.Background(), opts, js)
			require.NoError(t, err)
			assert.Less(t, time.Since(began), 5*time.Second)

			perQuery := map[string]int{}
			for _, r := range l.requests() {
				require.Equal(t, "origin", r.Server, "a request reached another server:\n%s", r)
				require.Equal(t, strings.TrimPrefix(origin.URL, "http://"), r.Host)
				text := r.String()
				for _, c := range cs.onWire {
					assert.Contains(t, text, c, "every request to the origin carries the credentials")
				}
				form, _ := url.ParseQuery(r.Body)
				perQuery[form.Get("query")]++
			}
			for i, j := range jobs {
				assert.Equal(t, j.sent, perQuery[j.query], "requests for %s", j.query)
				if len(j.want) == 0 {
					assert.NoError(t, res[i].Err, j.query)
					continue
				}
				require.Error(t, res[i].Err, j.query)
				msg := res[i].Err.Error()
				for _, w := range j.want {
					assert.Contains(t, msg, strings.ReplaceAll(w, "OTHER", other.URL), j.query)
				}
				assert.NotContains(t, msg, "gave up after", "a refused redirect is not retried")
			}
			shown := progress.String() + Errors(res).Error()
			for _, s := range append(cs.secrets, "loc-pw-SECRET", "loc-tok-SECRET") {
				assert.NotContains(t, shown, s)
			}
		})
	}
}

// echo returns everything a request carried, as a hostile server would
// repeat it back, and leaves the body readable again.
func echo(r *http.Request) string {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	r.Body = io.NopCloser(bytes.NewReader(body))
	return fmt.Sprintf("you sent %s %s %v %s", r.Method, r.RequestURI, r.Header, body)
}

// transformedEcho is every header value of r and the query string, each in
// upper case, in lower case and in base64: what a proxy's error page may
// show of a credential.
func transformedEcho(r *http.Request) string {
	var parts []string
	values := []string{r.URL.RawQuery}
	for _, vs := range r.Header {
		values = append(values, vs...)
	}
	for _, v := range values {
		parts = append(parts, strings.ToUpper(v), strings.ToLower(v), base64.StdEncoding.EncodeToString([]byte(v)))
	}
	return "you sent POST; transformed: " + strings.Join(parts, " ")
}

// TestRecordEchoedCredentialsNeverShown answers with everything the request
// carried — in error bodies (JSON and plain), warnings, series labels and a
// redirect target — for a credential in every position: none of it may
// appear in an error, a warning or the progress output.
func TestRecordEchoedCredentialsNeverShown(t *testing.T) {
	queries := []string{"json400", "plain401", "json500", "plain502", "warn", "labels", "redirect", "transformed"}
	for _, cs := range credentialSets() {
		t.Run(cs.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				e := echo(r)
				q, err := parseRange(r)
				if err != nil {
					writeError(w, 400, "bad_data", err.Error())
					return
				}
				switch q.Query {
				case "json400":
					writeError(w, 400, "bad_data", e)
				case "plain401":
					http.Error(w, strings.Repeat("x", 150)+e, http.StatusUnauthorized)
				case "json500":
					writeError(w, 500, "internal", e)
				case "plain502":
					http.Error(w, e, http.StatusBadGateway)
				case "warn":
					writeJSON(t, w, 200, map[string]any{"status": "success", "warnings": []string{e}, "infos": []string{e},
						"data": map[string]any{"resultType": "matrix", "result": []any{map[string]any{"metric": map[string]string{}, "values": [][2]any{{float64(q.Start.Unix()), "1"}}}}}})
				case "labels":
					writeMatrix(t, w, q, one(map[string]string{"echo": e}), one(map[string]string{"echo": "x" + e}))
				case "redirect":
					http.Redirect(w, r, "http://localhost:1/?e="+url.QueryEscape(e), http.StatusTemporaryRedirect)
				case "transformed":
					writeError(w, 400, "bad_data", transformedEcho(r))
				}
			}))
			defer srv.Close()
			opts := testOptions(srv.URL)
			cs.apply(t, &opts, srv.URL)
			opts.Retries = 1
			var progress bytes.Buffer
			opts.Progress = &progress
			var jobs []Job
			for _, q := range queries {
				jobs = append(jobs, Job{Namespace: "ml", Name: q, Query: q})
			}
			res, err := Record(context.Background(), opts, jobs)
			require.NoError(t, err)
			shown := progress.String()
			for i, r := range res {
				if queries[i] == "warn" {
					require.NoError(t, r.Err)
					require.Len(t, r.Warnings, 1)
				} else {
					require.Error(t, r.Err, queries[i])
					shown += r.Err.Error() + "\n"
				}
				shown += strings.Join(r.Warnings, "\n")
			}
			assert.Contains(t, shown, "you sent POST", "the echoes are shown")
			for _, s := range cs.secrets {
				for _, form := range []string{s, url.QueryEscape(s), strings.ToUpper(s), strings.ToLower(s), base64.StdEncoding.EncodeToString([]byte(s))} {
					assert.NotContains(t, shown, form)
				}
			}
			for _, h := range cs.onWire {
				if _, v, ok := strings.Cut(h, ": "); ok {
					assert.NotContains(t, shown, base64.StdEncoding.EncodeToString([]byte(v)), "the header %s, echoed in base64", h)
				}
			}
			t.Log(shown)
		})
	}
}
