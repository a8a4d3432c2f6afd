package diag

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// secrets returns the secret text of every credential found in s.
func secrets(s string) []string {
	var out []string
	for _, c := range FindCredentials(s) {
		out = append(out, s[c.Start:c.End])
	}
	return out
}

func TestFindCredentials(t *testing.T) {
	cases := []struct {
		name, in string
		want     []string // the secrets, in order; nil: no credential
	}{
		// user information
		{"amqp user and password", "amqp://celery:hunter2@rabbit:5672/vhost", []string{"celery:hunter2"}},
		{"token as user", "https://ghp_abc123@github.com/org/repo", []string{"ghp_abc123"}},
		{"password with @", "amqp://u:p@ss@rabbit:5672/", []string{"u:p@ss"}},
		{"user with @", "https://me@corp.example:pw@host/", []string{"me@corp.example:pw"}},
		{"password with slash and hash", "amqp://u:pa/s#s@rabbit/", []string{"u:pa/s#s"}},
		{"inside a PromQL label value", `sum(probe_success{instance="https://admin:hunter2@example.com/"})`, []string{"admin:hunter2"}},
		{"two URLs", "http://a:b@h1 and http://c:d@h2", []string{"a:b", "c:d"}},
		{"password only", "redis://:s3cret@redis:6379", []string{":s3cret"}},
		// query parameters
		{"auth_token", "http://prom:9090/?auth_token=abc123", []string{"abc123"}},
		{"client_secret after &", "http://h/api?x=1&client_secret=zz9&y=2", []string{"zz9"}},
		{"access_token", "http://h/?access_token=tok", []string{"tok"}},
		{"token", "sum(up) http://p:9090/?token=abc&x=1", []string{"abc"}},
		{"api_key and apikey", "http://h/?api_key=k1&apikey=k2", []string{"k1", "k2"}},
		{"camelCase apiKey", "http://h/?apiKey=k1", []string{"k1"}},
		{"key", "https://maps.example/api?key=AIzaSyX", []string{"AIzaSyX"}},
		{"password and passwd", "http://h/?password=p1&passwd=p2&pwd=p3&pass=p4", []string{"p1", "p2", "p3", "p4"}},
		{"secret", "http://h/?secret=s1", []string{"s1"}},
		{"AWS presigned", "https://b.s3.amazonaws.com/o?X-Amz-Credential=AKIA&X-Amz-Signature=f00d&X-Amz-Security-Token=t0k", []string{"AKIA", "f00d", "t0k"}},
		{"Azure SAS sig", "https://a.blob.core.windows.net/c?sv=2020&sig=abc%3D", []string{"abc%3D"}},
		{"upper case", "http://h/?ACCESS_TOKEN=T", []string{"T"}},
		{"dash variant", "http://h/?auth-token=t&client-secret=s", []string{"t", "s"}},
		{"percent-encoded name", "http://h/?auth%5Ftoken=t", []string{"t"}},
		{"fragment", "https://app/cb#access_token=t0k&state=x", []string{"t0k"}},
		{"semicolon separator", "http://h/?a=1;token=t", []string{"t"}},
		{"quoted query value", `http://h/?token="abc"`, []string{"abc"}},
		{"value with a question mark", "http://h/?token=ab?cd", []string{"ab?cd"}},
		{"URL in a PromQL label value", `sum(up{instance="http://h/?token=abc"})`, []string{"abc"}},
		{"bare at start", "auth_token=abc123", []string{"abc123"}},
		{"bare word", "queue token=abc123", []string{"abc123"}},
		{"bare after a query", "sum(up) client_secret=xyz", []string{"xyz"}},
		{"a password runs to the word's last @", "http://u:p@h/?token=http://v:q@k", []string{"u:p@h/?token=http://v:q", "k"}},
		{"parameter inside a password", "http://u:p?token=zz@h/", []string{"u:p?token=zz", "h/"}},
		// not credentials
		{"plain URL", "http://prometheus.monitoring:9090", nil},
		{"PromQL key matcher", `rate(http_requests_total{key="x"}[5m])`, nil},
		{"PromQL matchers after comma and space", `sum(x{job="a", token="b", secret=~"c.*"})`, nil},
		{"PromQL matcher with spaces", `sum(x{ token = "b" })`, nil},
		{"PromQL not-equal and comparison", `sum(x{token!="b"}) and token_count==5`, nil},
		{"escaped PromQL matchers", `"sum(x{key=\"a\", token=\"b\"})"`, nil},
		{"escaped quotes around a query value", `"http://h/?token=\"abc\""`, []string{`abc\`}},
		{"token_count metric", "sum(rate(token_count[5m]))", nil},
		{"token_count parameter", "http://h/?token_count=5&key_id=7&secret_name=s", nil},
		{"at modifier after a URL label", `x{instance="http://h:9090"}@1609746000`, nil},
		{"at modifier with spaces", `x{instance="http://h:9090"} @ end()`, nil},
		{"e-mail address", "mail me@example.com", nil},
		{"path with @", "https://medium.com/@user/post", nil},
		{"empty user information", "http://@host/", nil},
		{"empty value", "http://h/?token=&x=1", nil},
		{"monkey is not a key name in a label", `x{monkey="1"}`, nil},
		{"queue name", "celery", nil},
		{"secret name", "rabbitmq-conn", nil},
		{"empty", "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, secrets(c.in))
			require.Equal(t, c.want != nil, HasCredential(c.in))
		})
	}
}

func TestRedact(t *testing.T) {
	cases := []struct{ in, want string }{
		{"amqp://u:p@h:5672/", "amqp://REDACTED@h:5672/"},
		{"sum(up) http://p:9090/?token=abc&x=1", "sum(up) http://p:9090/?token=REDACTED&x=1"},
		{"http://h/?auth_token=a&client_secret=b", "http://h/?auth_token=REDACTED&client_secret=REDACTED"},
		{`sum(probe_success{instance="https://admin:pw@example.com/"})`, `sum(probe_success{instance="https://REDACTED@example.com/"})`},
		{"http://u:p@h/?token=http://v:q@k", "http://REDACTED@REDACTED"},
		{"http://h/?token=http://v:q@k", "http://h/?token=REDACTED"},
		{"no url here", "no url here"},
		{"mail me@example.com", "mail me@example.com"},
		{`rate(http_requests_total{key="x"}[5m])`, `rate(http_requests_total{key="x"}[5m])`},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got := Redact(c.in)
			require.Equal(t, c.want, got)
			require.Equal(t, got, Redact(got), "idempotent")
		})
	}
}

func TestIsCredentialName(t *testing.T) {
	for name, want := range map[string]bool{
		"token": true, "auth_token": true, "AUTH_TOKEN": true, "authToken": true, "access-token": true,
		"client_secret": true, "clientSecret": true, "password": true, "db.password": true, "passwd": true,
		"pwd": true, "pass": true, "pw": true, "api_key": true, "apikey": true, "apiKey": true, "key": true,
		"signature": true, "X-Amz-Signature": true, "sig": true, "jwt": true, "auth": true,
		"X-Amz-Credential": true, "private_key": true, "passphrase": true, "token_": true,
		"token_count": false, "key_id": false, "secret_name": false, "tokens": false, "bypass": false,
		"user": false, "job": false, "instance": false, "le": false, "signal": false, "": false,
	} {
		require.Equal(t, want, IsCredentialName(name), name)
	}
}

func TestCredentialWhat(t *testing.T) {
	c := FindCredentials("http://h/?client_secret=s")
	require.Len(t, c, 1)
	require.Equal(t, "query parameter client_secret", c[0].What())
	c = FindCredentials("http://u:p@h/")
	require.Len(t, c, 1)
	require.Contains(t, c[0].What(), "user information")
	require.NotContains(t, c[0].What(), "p@h")
}

// TestFindCredentialsIsLinear runs the detector on 4 MB texts whose every
// parameter value runs to the end: a detector that rescans each value
// would take minutes.
func TestFindCredentialsIsLinear(t *testing.T) {
	for _, unit := range []string{"?token=a", " token=a", "http://u:p", "?x=1&"} {
		s := strings.Repeat(unit, 4<<20/len(unit))
		done := make(chan int)
		go func() { done <- len(FindCredentials(s)) + len(Redact(s)) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatalf("FindCredentials on %d bytes of %q takes more than 20 s", len(s), unit)
		}
	}
}
