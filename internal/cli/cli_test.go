package cli

import (
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/transform"
	"github.com/stretchr/testify/require"
)

func TestStrict(t *testing.T) {
	cases := []struct {
		name      string
		flagGiven bool
		flagValue bool
		env       string
		want      *transform.Switch
		err       string
	}{
		{"neither: the policy decides", false, false, "", nil, ""},
		{"flag on", true, true, "", &transform.Switch{On: true, Source: "--strict=true"}, ""},
		{"flag off", true, false, "", &transform.Switch{On: false, Source: "--strict=false"}, ""},
		{"environment on", false, false, "true", &transform.Switch{On: true, Source: "ML_AUTOSCALING_STRICT=true"}, ""},
		{"environment off", false, false, "false", &transform.Switch{On: false, Source: "ML_AUTOSCALING_STRICT=false"}, ""},
		{"the flag wins over the environment", true, false, "true", &transform.Switch{On: false, Source: "--strict=false"}, ""},
		{"the flag wins over a bad environment value", true, true, "yes", &transform.Switch{On: true, Source: "--strict=true"}, ""},
		{"a bad environment value", false, false, "yes", nil, `environment variable ML_AUTOSCALING_STRICT: "yes": not a boolean (allowed: true or false)`},
		{"no other spelling", false, false, "1", nil, `"1": not a boolean`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Strict(c.flagGiven, c.flagValue, func(k string) string {
				require.Equal(t, StrictEnv, k)
				return c.env
			})
			if c.err != "" {
				require.Error(t, err)
				require.Contains(t, err.Error(), c.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, c.want, got)
		})
	}
}
