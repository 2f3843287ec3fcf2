#!/usr/bin/env bash
# `make demo`: migrate, seed the small demo once, print the logins, serve on 127.0.0.1:8000.
# DATABASE_URL is set by scripts/pgserver.py (your server, the one on :5432, or the embedded one).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
$PY manage.py migrate --noinput
$PY manage.py compilemessages --ignore=.venv >/dev/null 2>&1 || true
$PY manage.py seed_demo --scale small --seed 1 --if-empty
$PY manage.py demo_users
exec $PY manage.py runserver 127.0.0.1:8000
