#!/bin/sh
# Installs the real Prometheus and promtool (Debian package "prometheus") that
# the tests using internal/promtest start. Idempotent and quiet: it does
# nothing when both binaries are already on PATH, prints nothing on success,
# and prints apt's output only when the installation fails.
#
# Usage (as root, or with sudo available): sh internal/promtest/install.sh
set -eu

if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
	exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	SUDO="sudo"
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! {
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
		$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus
} >"$log" 2>&1; then
	cat "$log" >&2
	echo "install.sh: installing the Debian package prometheus failed (output above)" >&2
	exit 1
fi

for bin in prometheus promtool; do
	if ! command -v "$bin" >/dev/null 2>&1; then
		echo "install.sh: $bin is still not on PATH after installing the package prometheus" >&2
		exit 1
	fi
done
