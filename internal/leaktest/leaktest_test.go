package leaktest

import (
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/stretchr/testify/require"
)

func TestSecrets(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"amqp://celery:hunter2hunter2@rabbit/", []string{"hunter2hunter2"}},
		{"https://ghp_token123@github.com/", []string{"ghp_token123"}},
		{"http://h/?auth_token=abcdef&sig=xy", []string{"abcdef"}},
		{"http://h/?token=REDACTED", nil},
		{`sum(x{key="abcdefgh"})`, nil},
	}
	for _, c := range cases {
		require.Equal(t, c.want, Secrets(c.in), c.in)
	}
}

func TestRepeated(t *testing.T) {
	input := "http://h/?client_secret=abcdef123"
	leaky := diag.List{{Severity: diag.Error, Field: "f", Value: "abcdef123", Message: "bad"}}
	secret, msg := Repeated(input, leaky)
	require.Equal(t, "abcdef123", secret)
	require.Contains(t, msg, "abcdef123")
	var redacted diag.List
	redacted.Errorf(diag.Ref{}, "f", input, "see abcdef123 in allowed", "bad")
	secret, _ = Repeated(input, redacted)
	require.Empty(t, secret, "values are redacted and what is allowed is not searched")
}
