package record

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRedactURL(t *testing.T) {
	tests := []struct {
		name, raw, want string
		secrets         []string // must not appear in the result
	}{
		{name: "password", raw: "http://u:hunter2@prom:9090", want: "http://REDACTED@prom:9090", secrets: []string{"hunter2"}},
		{name: "token as user name", raw: "https://glpat-0123456789@mimir.example.com/prometheus",
			want: "https://REDACTED@mimir.example.com/prometheus", secrets: []string{"glpat-0123456789"}},
		{name: "password with a slash does not parse", raw: "http://u:pa/ss@prom:9090", want: "http://REDACTED@prom:9090", secrets: []string{"pa/ss", "ss@"}},
		{name: "password with an at sign", raw: "http://u:p@ss@prom", want: "http://REDACTED@prom", secrets: []string{"p@ss"}},
		{name: "password with a hash", raw: "http://u:12#34@prom", want: "http://REDACTED@prom", secrets: []string{"12#34", "#34"}},
		{name: "credential query parameter", raw: "http://prom:9090/?api_key=abc123&tenant=t1",
			want: "http://prom:9090/?api_key=REDACTED&tenant=t1", secrets: []string{"abc123"}},
		{name: "encoded parameter name", raw: "http://prom/?access%5Ftoken=xyz789", want: "http://prom/?access%5Ftoken=REDACTED", secrets: []string{"xyz789"}},
		{name: "several credentials", raw: "http://a:b-pass@prom/x?token=t0k&sig=s1g&x=1",
			want: "http://REDACTED@prom/x?token=REDACTED&sig=REDACTED&x=1", secrets: []string{"b-pass", "t0k", "s1g"}},
		{name: "no scheme", raw: "user:pw-secret@prom:9090", want: "REDACTED@prom:9090", secrets: []string{"pw-secret"}},
		{name: "nothing to hide", raw: "http://prometheus-operated.monitoring:9090/prom?x=1", want: "http://prometheus-operated.monitoring:9090/prom?x=1"},
		{name: "not a URL at all", raw: "prometheus", want: "prometheus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := redactURL(tt.raw)
			assert.Equal(t, tt.want, got)
			for _, s := range tt.secrets {
				assert.NotContains(t, got, s)
			}
		})
	}
}

func TestParseAddress(t *testing.T) {
	tests := []struct {
		name, raw              string
		origin, endpoint, auth string // auth: the Authorization value from user information
		wantErr                string
		secrets                []string // in the secrets list (and never in an error)
	}{
		{name: "plain", raw: "http://prom:9090", origin: "http://prom:9090", endpoint: "http://prom:9090"},
		{name: "default http port", raw: "http://Prom.Example", origin: "http://prom.example:80", endpoint: "http://Prom.Example"},
		{name: "default https port and a path", raw: "https://mimir.example.com/prometheus", origin: "https://mimir.example.com:443",
			endpoint: "https://mimir.example.com/prometheus"},
		{name: "IPv6", raw: "http://[::1]:9090", origin: "http://[::1]:9090", endpoint: "http://[::1]:9090"},
		{name: "user information becomes basic auth", raw: "http://alice:pa%40ss%2Fword@prom:9090", origin: "http://prom:9090",
			endpoint: "http://prom:9090", auth: "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:pa@ss/word")),
			secrets: []string{"pa@ss/word", "pa%40ss%2Fword", base64.StdEncoding.EncodeToString([]byte("alice:pa@ss/word"))}},
		{name: "token as user name", raw: "https://tok-0123456789@mimir:443", origin: "https://mimir:443", endpoint: "https://mimir:443",
			auth: "Basic " + base64.StdEncoding.EncodeToString([]byte("tok-0123456789:")), secrets: []string{"tok-0123456789"}},
		{name: "credential query parameter stays, as a secret", raw: "http://prom/?api_key=k%2F1&tenant=t", origin: "http://prom:80",
			endpoint: "http://prom/?api_key=k%2F1&tenant=t", secrets: []string{"k%2F1", "k/1"}},
		{name: "unparseable password never shown", raw: "http://u:pa/ss-hunter2@prom:9090", wantErr: `"http://REDACTED@prom:9090" is not a URL`,
			secrets: []string{"hunter2"}},
		{name: "fragment", raw: "http://u:12#34@prom", wantErr: "a #fragment is not allowed", secrets: []string{"#34"}},
		{name: "control character", raw: "http://u:se\ncret@prom", wantErr: "is not a URL", secrets: []string{"se\ncret", "cret"}},
		{name: "not http", raw: "ftp://u:hunter2@x", wantErr: `"ftp://REDACTED@x": need an http:// or https:// URL`, secrets: []string{"hunter2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := parseAddress(tt.raw)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				for _, s := range tt.secrets {
					assert.NotContains(t, err.Error(), s)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.origin, a.origin)
			assert.Equal(t, tt.endpoint, a.endpoint)
			assert.Equal(t, tt.auth, a.basic)
			for _, s := range tt.secrets {
				assert.Contains(t, secretForms(a.secrets), s)
				assert.NotContains(t, a.shown, s)
				assert.NotContains(t, a.endpoint, "@", "no user information in the endpoint")
			}
		})
	}
}

func TestOriginOf(t *testing.T) {
	tests := []struct {
		a, b string
		same bool
	}{
		{"http://prom:9090/x", "http://prom:9090/y?z=1", true},
		{"http://prom/x", "http://prom:80/y", true},
		{"https://prom/x", "https://PROM:443/y", true},
		{"http://prom:9090", "https://prom:9090", false},
		{"http://prom:9090", "http://prom:9091", false},
		{"http://127.0.0.1:9090", "http://localhost:9090", false},
		{"http://prom.monitoring:9090", "http://prom:9090", false},
	}
	for _, tt := range tests {
		a, err := url.Parse(tt.a)
		require.NoError(t, err)
		b, err := url.Parse(tt.b)
		require.NoError(t, err)
		assert.Equal(t, tt.same, originOf(a) == originOf(b), "%s vs %s", tt.a, tt.b)
	}
}

func TestIsSecretName(t *testing.T) {
	for _, name := range []string{"Authorization", "X-Api-Key", "api_key", "apikey", "access_token", "X-Auth-Token", "Cookie", "password", "sig", "client_secret"} {
		assert.True(t, isSecretName(name), name)
	}
	for _, name := range []string{"X-Scope-OrgID", "tenant", "query", "step", "dedup"} {
		assert.False(t, isSecretName(name), name)
	}
	assert.False(t, strings.Contains(redactURL("http://p/?X-Scope-OrgID=t1"), redactedMark))
}

// FuzzRedactURL checks that a password in the user information, and the
// value of a credential-like query parameter, never survive redaction,
// whatever the other parts of the URL hold.
func FuzzRedactURL(f *testing.F) {
	f.Add("alice", "hunter2", "prom:9090", "api_key", "k3y-value")
	f.Add("u", "pa/ss#w@rd", "prom", "token", "a%2Fb")
	f.Add("", "x?y=z", "[::1]:9090", "tenant", "t1")
	f.Fuzz(func(t *testing.T, user, pass, host, param, value string) {
		rest := "/api?" + param + "=" + value
		raw := "http://" + user + ":" + pass + "@" + host + rest
		shown := redactURL(raw)
		visible := "http://" + redactedMark + "@" + host + rest + redactedMark
		if len(pass) >= 4 && !strings.Contains(visible, pass) {
			assert.NotContains(t, shown, pass, "password in %q", raw)
		}
		plain := !strings.ContainsAny(param+value+host+user+pass, "&=#?@")
		if plain && isSecretName(param) && len(value) >= 4 && !strings.Contains("http://"+redactedMark+"@"+host+"/api?"+param+"="+redactedMark, value) {
			assert.NotContains(t, shown, value, "query value in %q", raw)
		}
		if _, err := parseAddress(raw); err != nil && len(pass) >= 4 && !strings.Contains(visible, pass) {
			assert.NotContains(t, err.Error(), pass)
		}
	})
}
