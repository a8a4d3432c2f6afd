package kedatest

import (
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/kedacore/keda/v2/pkg/scalers/scalersconfig"
)

// rabbitMQMetadata mirrors KEDA v2.21.0's rabbitMQMetadata
// (pkg/scalers/rabbitmq_scaler.go): the same fields with the same `keda`
// tags, so that KEDA's own typed-config parser reads a trigger the way the
// RabbitMQ scaler does. Left out are the TLS files, Azure workload identity
// and OAuth2 settings, which the tool never emits.
type rabbitMQMetadata struct {
	triggerIndex int

	QueueName             string        `keda:"name=queueName,                       order=triggerMetadata"`
	Mode                  string        `keda:"name=mode,                                 order=triggerMetadata, optional, default=Unknown"`
	QueueLength           float64       `keda:"name=queueLength,                  order=triggerMetadata, optional"`
	Value                 float64       `keda:"name=value,                              order=triggerMetadata, optional"`
	ActivationValue       float64       `keda:"name=activationValue,          order=triggerMetadata, optional"`
	Host                  string        `keda:"name=host,                                 order=triggerMetadata;authParams;resolvedEnv"`
	Protocol              string        `keda:"name=protocol,                         order=triggerMetadata;authParams, default=auto"`
	VhostName             string        `keda:"name=vhostName,                       order=triggerMetadata;authParams, optional"`
	UseRegex              bool          `keda:"name=useRegex,                           order=triggerMetadata, optional"`
	ExcludeUnacknowledged bool          `keda:"name=excludeUnacknowledged, order=triggerMetadata, optional"`
	PageSize              int64         `keda:"name=pageSize,                          order=triggerMetadata, default=100"`
	Operation             string        `keda:"name=operation,                       order=triggerMetadata, default=sum"`
	Timeout               time.Duration `keda:"name=timeout,                  order=triggerMetadata, optional"`
	Username              string        `keda:"name=username, order=authParams;resolvedEnv, optional"`
	Password              string        `keda:"name=password, order=authParams;resolvedEnv, optional"`
	EnableTLS             string        `keda:"name=tls,         order=authParams, default=disable"`
	UnsafeSsl             bool          `keda:"name=unsafeSsl,   order=triggerMetadata, optional"`
}

// Validate applies the checks of KEDA v2.21.0's rabbitMQMetadata.Validate and
// validateTrigger on the mirrored fields (my reading of that code), plus the
// operation check its management-API path makes when it sums queues.
func (r *rabbitMQMetadata) Validate() error {
	if r.Protocol != "amqp" && r.Protocol != "http" && r.Protocol != "auto" {
		return fmt.Errorf("the protocol has to be either `amqp`, `http`, or `auto` but is `%s`", r.Protocol)
	}
	if r.EnableTLS != "enable" && r.EnableTLS != "disable" {
		return fmt.Errorf("incorrect value for TLS given: %s", r.EnableTLS)
	}
	if r.PageSize < 1 {
		return fmt.Errorf("pageSize should be 1 or greater")
	}
	if (r.Username != "" || r.Password != "") && (r.Username == "" || r.Password == "") {
		return fmt.Errorf("username and password must be given together")
	}
	if r.Protocol == "auto" {
		u, err := url.Parse(r.Host)
		if err != nil {
			return fmt.Errorf("can't parse host to find protocol: %w", err)
		}
		switch u.Scheme {
		case "amqp", "amqps":
			r.Protocol = "amqp"
		case "http", "https":
			r.Protocol = "http"
		default:
			return fmt.Errorf("unknown host URL scheme: `%s`", u.Scheme)
		}
	}
	if r.UseRegex && r.Protocol != "http" {
		return fmt.Errorf("configure useRegex=true only with HTTP protocol")
	}
	if r.ExcludeUnacknowledged && r.Protocol != "http" {
		return fmt.Errorf("configure excludeUnacknowledged=true only with HTTP protocol")
	}
	if r.UseRegex && !slices.Contains([]string{"sum", "avg", "max"}, r.Operation) {
		return fmt.Errorf("operation mode %s must be one of sum, avg, max", r.Operation)
	}
	return r.validateTrigger()
}

func (r *rabbitMQMetadata) validateTrigger() error {
	all := []string{"QueueLength", "MessageRate", "DeliverGetRate", "PublishedToDeliveredRatio", "ExpectedQueueConsumptionTime"}
	if r.QueueLength == 0 && r.Mode == "Unknown" && r.Value == 0 {
		return nil // KEDA's defaults: QueueLength, 20
	}
	if r.QueueLength != 0 && (r.Mode != "Unknown" || r.Value != 0) {
		return fmt.Errorf("queueLength is deprecated; use mode and value")
	}
	if r.QueueLength != 0 {
		return nil
	}
	switch {
	case r.Mode == "Unknown":
		return fmt.Errorf("mode must be specified")
	case r.Value == 0:
		return fmt.Errorf("value must be specified")
	case !slices.Contains(all, r.Mode):
		return fmt.Errorf("trigger mode %s must be one of %s", r.Mode, strings.Join(all, ", "))
	case r.Mode != "QueueLength" && r.Protocol != "http":
		return fmt.Errorf("protocol %s not supported; must be HTTP to use trigger mode %s", r.Protocol, r.Mode)
	case r.Protocol == "amqp" && r.Timeout != 0:
		return fmt.Errorf("AMQP protocol doesn't support custom timeouts: %d", r.Timeout)
	}
	return nil
}

// RabbitMQAccepts parses a rabbitmq trigger's metadata, with the parameters
// its TriggerAuthentication resolves from Secrets (authParams, e.g. host),
// through KEDA v2.21.0's typed-config parser into the RabbitMQ scaler's
// metadata and applies its validation, without connecting anywhere. Keys
// the scaler does not know are an error too (KEDA only logs them, and then
// ignores them). It returns the protocol KEDA would use.
func RabbitMQAccepts(metadata, authParams map[string]string) (protocol string, err error) {
	known := map[string]bool{}
	t := reflect.TypeOf(rabbitMQMetadata{})
	for i := 0; i < t.NumField(); i++ {
		if tag, ok := t.Field(i).Tag.Lookup("keda"); ok {
			name, _, _ := strings.Cut(strings.TrimPrefix(tag, "name="), ",")
			known[strings.TrimSpace(name)] = true
		}
	}
	var unknown []string
	for k := range metadata {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	var errs []error
	if len(unknown) > 0 {
		errs = append(errs, fmt.Errorf("metadata keys the RabbitMQ scaler does not know: %s", strings.Join(unknown, ", ")))
	}
	cfg := &scalersconfig.ScalerConfig{TriggerType: "rabbitmq", TriggerMetadata: metadata, AuthParams: authParams, ResolvedEnv: map[string]string{}}
	m := &rabbitMQMetadata{}
	if err := cfg.TypedConfig(m); err != nil {
		errs = append(errs, err)
	}
	return m.Protocol, errors.Join(errs...)
}
