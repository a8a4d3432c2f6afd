package kedatest

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRabbitMQAccepts(t *testing.T) {
	amqp := map[string]string{"host": "amqp://user:pass@rabbitmq.ml.svc:5672/"}
	http := map[string]string{"host": "http://user:pass@rabbitmq.ml.svc:15672/"}
	sum := func(extra map[string]string) map[string]string {
		md := map[string]string{"mode": "QueueLength", "value": "20", "protocol": "http", "useRegex": "true", "operation": "sum",
			"excludeUnacknowledged": "true", "queueName": `(?-i)^(?:a|b\.c)$`}
		for k, v := range extra {
			md[k] = v
		}
		return md
	}
	cases := []struct {
		name     string
		metadata map[string]string
		auth     map[string]string
		protocol string
		err      string
	}{
		{"one queue over AMQP", map[string]string{"mode": "QueueLength", "value": "20", "queueName": "celery"}, amqp, "amqp", ""},
		{"several queues summed over HTTP", sum(nil), http, "http", ""},
		{"regex needs the management API", sum(map[string]string{"protocol": "auto"}), amqp, "", "useRegex=true only with HTTP protocol"},
		{"ready messages need the management API", map[string]string{"mode": "QueueLength", "value": "20", "queueName": "q", "excludeUnacknowledged": "true"}, amqp, "", "excludeUnacknowledged=true only with HTTP"},
		{"unknown operation", sum(map[string]string{"operation": "total"}), http, "", "operation mode total"},
		{"unknown key", sum(map[string]string{"queueNames": "a,b"}), http, "", "does not know: queueNames"},
		{"no host", sum(nil), nil, "", `missing required parameter "host"`},
		{"no queue", map[string]string{"mode": "QueueLength", "value": "20"}, amqp, "", `missing required parameter "queueName"`},
		{"rate needs HTTP", map[string]string{"mode": "MessageRate", "value": "20", "queueName": "q"}, amqp, "", "must be HTTP"},
		{"value not a number", map[string]string{"mode": "QueueLength", "value": "many", "queueName": "q"}, amqp, "", "value"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			protocol, err := RabbitMQAccepts(c.metadata, c.auth)
			if c.err != "" {
				require.ErrorContains(t, err, c.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, c.protocol, protocol)
		})
	}
}
