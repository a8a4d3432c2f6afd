package diag

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNearest(t *testing.T) {
	keys := []string{"min-replicas", "max-replicas", "rabbitmq-queue", "enabled"}
	require.Equal(t, "min-replicas", Nearest("min-replica", keys))
	require.Equal(t, "enabled", Nearest("enabeld", keys))
	require.Equal(t, "rabbitmq-queue", Nearest("rabitmq-queue", keys))
	require.Equal(t, "", Nearest("completely-unrelated-thing", keys))
	require.Equal(t, "", Nearest("x", nil))
}

func TestRenderingAndSorting(t *testing.T) {
	var l List
	l.Warnf(Ref{Kind: "Deployment", Name: "b"}, "f", "careful")
	l.Errorf(Ref{Kind: "Deployment", Namespace: "ml", Name: "a"}, "ml-autoscaling.io/max-replicas", "ten", "a whole number", "not a whole number")
	l.Sort()
	require.True(t, l.HasErrors())
	require.Equal(t, Error, l[0].Severity)
	require.Equal(t, `Deployment/ml/a: ml-autoscaling.io/max-replicas: "ten": not a whole number (allowed: a whole number)`, l[0].Error())
	require.Equal(t, "Deployment/b: f: careful", l[1].Error())
	require.Len(t, l.Errors(), 1)
}

func TestCredentialsAreRedacted(t *testing.T) {
	var l List
	l.Errorf(Ref{Kind: "Deployment", Name: "w"}, "ml-autoscaling.io/rabbitmq-queue", "amqp://user:secret@rabbit:5672/vhost", "see amqp://a:b@c", "bad %s", "https://x:y@h/p")
	msg := l.Error()
	require.NotContains(t, msg, "secret")
	require.NotContains(t, msg, "x:y@")
	require.NotContains(t, msg, "a:b@")
	require.Contains(t, msg, "amqp://REDACTED@rabbit:5672/vhost")
	l = nil
	l.Errorf(Ref{APIVersion: "v1?sig=s1gnature", Kind: "k://u:kindpass@h", Namespace: "token=nspass", Name: "n?apikey=namepass"},
		"spec.profiles.http://u:fieldpass@h.x", "", "", "unknown field")
	msg = l.Error()
	for _, secret := range []string{"s1gnature", "kindpass", "nspass", "namepass", "fieldpass"} {
		require.NotContains(t, msg, secret)
		require.NotContains(t, l[0].Resource.APIVersion, secret)
	}
}
