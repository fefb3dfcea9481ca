#!/usr/bin/env bash
# The alert rules in infra/prometheus: `promtool check rules` on the rules and `promtool test rules` on their unit
# tests (each alert fired by some series, not by others). promtool comes with Debian's prometheus package, which
# .ci/system-packages.sh installs. Run by CI (.ci/run) and by `npm run alerts:check`.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v promtool >/dev/null 2>&1; then
  echo "promtool is needed: bash .ci/system-packages.sh (or apt-get install prometheus)" >&2
  exit 1
fi
promtool check rules infra/prometheus/portal-line.rules.yml
promtool test rules infra/prometheus/portal-line.rules.test.yml
