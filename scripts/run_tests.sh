#!/usr/bin/env bash
# The suite on PostgreSQL (DATABASE_URL, set by scripts/pgserver.py: your server, the one on :5432, or the embedded
# one). Redis is used when configured or answering on localhost; without it the tests marked `services` and
# `worker` are skipped (loudly). With CI=true Redis is required.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

if [ -z "${DATABASE_URL:-}" ]; then
  echo "ERROR: DATABASE_URL is not set; run the suite with 'make test' (which finds or starts PostgreSQL)." >&2
  exit 1
fi

answers() { "$BIN/python" - "$1" "$2" <<'PY'
import socket, sys
s = socket.socket(); s.settimeout(1)
try:
    s.connect((sys.argv[1], int(sys.argv[2]))); print("yes")
except OSError:
    print("no")
PY
}

if [ -z "${CELERY_BROKER_URL:-}" ] && [ "$(answers 127.0.0.1 6379)" = yes ]; then
  export CELERY_BROKER_URL="redis://127.0.0.1:6379/0"
  export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/1}"
fi
if [ -z "${CELERY_BROKER_URL:-}" ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "ERROR: CI=true but Redis is not reachable (CELERY_BROKER_URL='${CELERY_BROKER_URL:-}')." >&2
    exit 1
  fi
  echo "############################################################################"
  echo "## WARNING: Redis not reachable: tests marked 'services' and 'worker'      ##"
  echo "## are SKIPPED.                                                            ##"
  echo "############################################################################"
  unset CELERY_BROKER_URL REDIS_URL
fi
# Tests decide themselves when tasks run eagerly; the worker tests start real workers.
export CELERY_TASK_ALWAYS_EAGER="${CELERY_TASK_ALWAYS_EAGER:-true}"

"$BIN/ruff" format --check . || { echo "ERROR: run 'make format'"; exit 1; }
"$BIN/ruff" check . || exit 1
"$BIN/python" manage.py makemigrations --check --dry-run >/dev/null || { echo "ERROR: models changed without a migration"; exit 1; }
exec "$BIN/pytest" -n "${PYTEST_WORKERS:-2}" --dist loadfile -q --durations=10 "$@"
