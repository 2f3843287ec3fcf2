#!/usr/bin/env bash
# `make demo`: migrate, seed the small demo once, sweep its fortnight and refresh the dashboards (so every role
# sees findings and figures at the first login), print the logins and a complaint to track, serve on :8000.
# DATABASE_URL is set by scripts/pgserver.py (your server, the one on :5432, or the embedded one).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
SEED_FROM=2026-11-09
SEED_TO=2026-11-20
$PY manage.py migrate --noinput
$PY manage.py compilemessages --ignore=.venv >/dev/null 2>&1 || true
seeded=$($PY manage.py seed_demo --scale small --seed 1 --if-empty --date-from "$SEED_FROM" --date-to "$SEED_TO")
echo "$seeded"
if ! grep -q "nothing to do" <<<"$seeded"; then
  echo "compliance sweep over the seeded fortnight ($SEED_FROM – $SEED_TO) ..."
  $PY manage.py sweep --from "$SEED_FROM" --to "$SEED_TO" --sync
  echo "refreshing the dashboards ..."
  $PY manage.py refresh_dashboards
fi
$PY manage.py demo_users
$PY manage.py shell -c "
from complaints.models import Complaint
from complaints.seed import DEMO_SECRET
c = Complaint.objects.order_by('received_at').first()
if c:
    print(f'demo complaint: tracking code {c.tracking_code}, secret {DEMO_SECRET}')
    print(f'  try it at http://127.0.0.1:8000/complaints/track/?code={c.tracking_code}')
"
exec $PY manage.py runserver 127.0.0.1:8000
