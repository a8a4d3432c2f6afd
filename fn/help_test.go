package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestEveryCommandHasHelpWithExample checks --help on the root and every subcommand.
func TestEveryCommandHasHelpWithExample(t *testing.T) {
	root := newRoot()
	cmds := append(root.Commands(), root)
	for _, c := range cmds {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" {
			continue
		}
		require.NotEmpty(t, strings.TrimSpace(c.Example), "%s has no example", c.Name())
		args := []string{"--help"}
		if c != root {
			args = []string{c.Name(), "--help"}
		}
		out, _, err := runFn(args...)
		require.NoError(t, err)
		require.Contains(t, out, "Examples:", c.Name())
	}
	out, _, err := runFn("version")
	require.NoError(t, err)
	require.NotEmpty(t, strings.TrimSpace(out))
}
