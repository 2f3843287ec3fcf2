#!/usr/bin/env bash
# Runs the suite on PostgreSQL and Redis when they are configured or answer on
# localhost; otherwise on SQLite with the service tests skipped (loudly).
# With CI=true the services are required.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

answers() { "$BIN/python" - "$1" "$2" <<'PY'
import socket, sys
s = socket.socket(); s.settimeout(1)
try:
    s.connect((sys.argv[1], int(sys.argv[2]))); print("yes")
except OSError:
    print("no")
PY
}

if [ -z "${DATABASE_URL:-}" ] && [ "$(answers 127.0.0.1 5432)" = yes ]; then
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/shuangjian"
fi
if [ -z "${CELERY_BROKER_URL:-}" ] && [ "$(answers 127.0.0.1 6379)" = yes ]; then
  export CELERY_BROKER_URL="redis://127.0.0.1:6379/0"
  export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/1}"
fi

if [ -z "${DATABASE_URL:-}" ] || [ -z "${CELERY_BROKER_URL:-}" ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "ERROR: CI=true but PostgreSQL and Redis are not both reachable (DATABASE_URL='${DATABASE_URL:-}', CELERY_BROKER_URL='${CELERY_BROKER_URL:-}')." >&2
    exit 1
  fi
  echo "############################################################################"
  echo "## WARNING: PostgreSQL and/or Redis not reachable: running on SQLite,     ##"
  echo "## tests marked 'services' and 'worker' are SKIPPED.                      ##"
  echo "############################################################################"
  unset DATABASE_URL CELERY_BROKER_URL REDIS_URL
fi
# Tests decide themselves when tasks run eagerly; the worker tests start real workers.
export CELERY_TASK_ALWAYS_EAGER="${CELERY_TASK_ALWAYS_EAGER:-true}"

"$BIN/ruff" check . || exit 1
"$BIN/python" manage.py makemigrations --check --dry-run >/dev/null || { echo "ERROR: models changed without a migration"; exit 1; }
exec "$BIN/pytest" -n "${PYTEST_WORKERS:-2}" --dist loadfile -q "$@"
