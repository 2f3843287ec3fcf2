#!/usr/bin/env bash
# Runs the benchmarks in bench/ in turn; each prints its own figures. With arguments, runs the one named:
#   bash scripts/run_bench.sh                                                   # all of them (make bench)
#   bash scripts/run_bench.sh bench/load_complaints.py --users 5 --seconds 5   # one, here a short smoke run
# (bench/settings_*.py and bench/urls_bench.py are the benchmark server's settings, not benchmarks.)
set -uo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then
  exec .venv/bin/python "$@"
fi
status=0
for script in bench/homework_bulk_api.py bench/sweep_city_day.py bench/dashboard_load.py bench/load_complaints.py; do
  echo "== $script"
  .venv/bin/python "$script" || status=1
done
echo "== bench/sweep_city_day.py --nights"
.venv/bin/python bench/sweep_city_day.py --nights || status=1
exit $status
