#!/usr/bin/env bash
# Runs every benchmark in bench/ in turn; each prints its own figures.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
for script in bench/*.py; do
  echo "== $script"
  .venv/bin/python "$script" || status=1
done
exit $status
