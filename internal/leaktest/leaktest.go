// Package leaktest finds the secrets of a text with the tool's credential
// detector (diag.FindCredentials), for tests that check that no message or
// output repeats one. It is imported from tests only.
package leaktest

import (
	"strings"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
)

// MinLen is the shortest secret worth looking for: shorter ones are too
// likely to occur in a message by chance.
const MinLen = 6

// Secrets returns the secrets in s of at least MinLen bytes: the values of
// credential parameters and, of a URL's user information, the password
// (or the whole of it when it has no password). Placeholders are skipped.
func Secrets(s string) []string {
	var out []string
	for _, c := range diag.FindCredentials(s) {
		secret := s[c.Start:c.End]
		if _, pw, ok := strings.Cut(secret, ":"); ok && c.Param == "" {
			secret = pw // a user name may well be a word of the message
		}
		if len(secret) >= MinLen && !strings.Contains(secret, diag.Placeholder) {
			out = append(out, secret)
		}
	}
	return out
}

// Repeated returns a secret of input that a diagnostic repeats in its
// resource, field, value or message, and that diagnostic's text; "" when
// none does. What is allowed is fixed text and not searched.
func Repeated(input string, d diag.List) (secret, message string) {
	for _, secret := range Secrets(input) {
		for _, x := range d {
			full := x.Error()
			if x.Allowed = ""; strings.Contains(x.Error(), secret) {
				return secret, full
			}
		}
	}
	return "", ""
}
