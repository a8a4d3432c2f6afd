package diag

import (
	"strings"
	"testing"
)

// plantNames are credential parameter names used when the fuzzed name is not one.
var plantNames = []string{"token", "auth_token", "client_secret", "X-Amz-Signature", "apiKey", "password", "sig"}

// FuzzDetectCredentials checks the credential detector on any text:
// findings are ordered, disjoint spans inside the text; Redact is
// idempotent and leaves nothing but placeholders for the detector to find,
// and a text holds a credential after redaction exactly when it did before.
// A secret planted as a query parameter value or a URL password is found,
// and the redacted text does not depend on it at all, so it cannot repeat
// any of it.
func FuzzDetectCredentials(f *testing.F) {
	f.Add("amqp://celery:hunter2@rabbit:5672/vhost", "p", "s3cr3t", "q")
	f.Add(`sum(probe_success{instance="https://admin:pw@example.com/"})`, "auth_token", "abc", `{key="x"}`)
	f.Add("http://h/?auth_token=a&client_secret=b#access_token=c", "X-Amz-Signature", "f00d", "")
	f.Add("http://u:p@h/?token=http://v:q@k", "clientSecret", "a@b:c/d?e", "token_count==5")
	f.Add(`rate(http_requests_total{key="x"}[5m]) token=abc`, "api-key", `"`, "auth_token=")
	f.Fuzz(func(t *testing.T, text, name, secret, rest string) {
		checkFindings(t, text)
		checkRedaction(t, text)
		if !validName(name) {
			name = plantNames[len(name)%len(plantNames)]
		}
		// an '@' in a query value makes the URL's host user information
		// (redacted as well), '=' in a password a parameter: the redacted
		// text would change with the secret, without repeating it
		checkPlanted(t, text+" http://prometheus:9090/?"+name+"=", secret, " "+rest, "@")
		checkPlanted(t, text+" amqp://user:", secret, "@rabbitmq:5672/ "+rest, "=")
	})
}

// checkFindings fails unless the findings in s are ordered, disjoint and inside s.
func checkFindings(t *testing.T, s string) {
	end := 0
	for _, c := range FindCredentials(s) {
		if c.Start < end || c.End <= c.Start || c.End > len(s) {
			t.Fatalf("finding [%d, %d) after %d in a text of %d bytes: %q", c.Start, c.End, end, len(s), s)
		}
		end = c.End
	}
}

// checkRedaction fails unless Redact is idempotent and stable.
func checkRedaction(t *testing.T, s string) {
	r := Redact(s)
	if r2 := Redact(r); r2 != r {
		t.Fatalf("Redact is not idempotent:\n%q\n%q\n%q", s, r, r2)
	}
	if HasCredential(r) != HasCredential(s) {
		t.Fatalf("detection changed by redaction (%v before): %q -> %q", HasCredential(s), s, r)
	}
	for _, c := range FindCredentials(r) {
		if r[c.Start:c.End] != Placeholder {
			t.Fatalf("redacted text still holds %q (%s): %q -> %q", r[c.Start:c.End], c.What(), s, r)
		}
	}
}

// checkPlanted plants secret between head and tail and fails unless the credential is found and the redacted text is
// the same as with another secret. Secrets with bytes that end the planted
// form (whitespace, quotes, '&', '#', '<', '>', and the bytes in forbidden)
// or that start with a quote or a backslash are skipped: they are not that
// form's secret.
func checkPlanted(t *testing.T, head, secret, tail, forbidden string) {
	if secret == "" || isQuote(secret[0]) || secret[0] == '\\' || strings.ContainsAny(secret, forbidden) {
		return
	}
	for i := 0; i < len(secret); i++ {
		if endsValue(secret[i]) {
			return
		}
	}
	s, other := head+secret+tail, head+"x"+tail
	if !HasCredential(s) {
		t.Fatalf("planted secret %q not found in %q", secret, s)
	}
	if got, want := Redact(s), Redact(other); got != want {
		t.Fatalf("redaction depends on the secret %q:\n%q\n%q", secret, got, want)
	}
}

func validName(name string) bool {
	for i := 0; i < len(name); i++ {
		if !isNameByte(name[i]) {
			return false
		}
	}
	return name != "" && IsCredentialName(name)
}
