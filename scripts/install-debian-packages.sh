#!/usr/bin/env bash
# Installs the Debian packages the tests and benchmarks use, as root: wrk drives the benchmarks' static
# request lists, promtool (from prometheus) checks /metrics in the tests, haproxy routes the cluster,
# and headless chromium loads /docs with no internet in the tests. The package lists are
# only refreshed when the install fails without them. `.ci/run` and `npm test` (tests/support/
# debian-packages.ts, when a tool is missing) both call this, so the list lives here only.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
packages=(wrk prometheus haproxy chromium)
apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null ||
  (apt-get update -qq && apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null)
