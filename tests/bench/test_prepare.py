"""Every benchmark of ``bench/`` prepared from an empty database at its smallest scale and measured once.

A benchmark is only run by hand (``make bench``), so nothing else notices when a model change breaks one; these
smoke runs do, in CI. They use the test database (emptied after each test), servers on free ports and a second or
less of load: the figures they print mean nothing, only that the benchmark printed them.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.worker import database_url as worker_database_url

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.bench, pytest.mark.services, pytest.mark.django_db(transaction=True)]


def database_url() -> str:
    """The test database as a URL, for the benchmarks' servers and scripts (separate processes)."""
    return worker_database_url(connection.settings_dict)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def _servers_keep_apart(monkeypatch):
    """The benchmark servers share Redis with the tests: their cache keys get a prefix of their own."""
    monkeypatch.setenv("CACHE_KEY_PREFIX", f"bench-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}")


def run_script(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DJANGO_DEBUG": "false"},
    )


def table_row(out: str, name: str) -> list[float]:
    """The figures of one row of a printed table (after the dashboard table's cache column)."""
    match = re.search(
        rf"^{re.escape(name)}\s+(?:(?:-|off|default)\s+)?((?:[\d.]+|inf)(?:\s+(?:[\d.]+|inf))+)\s*$", out, re.M
    )
    assert match, f"no row {name!r} in:\n{out}"
    return [float(x) for x in match.group(1).split()]


def test_dashboard_load_prepares_and_measures(capfd):
    from bench import dashboard_load
    from compliance.models import Finding
    from compliance.registry import Violation
    from compliance.services.reconcile import evidence_digest, evidence_text
    from dashboards.models import ClassDayStat

    dashboard_load.build("small")

    assert ClassDayStat.objects.filter(date__range=dashboard_load.SPRING).exists()
    assert ClassDayStat.objects.filter(date__range=dashboard_load.SEMESTER).exists()
    findings = list(Finding.objects.all())
    assert len(findings) > 100
    assert {f.status for f in findings} == {"open", "notified", "rectifying", "rectified", "cleared", "dismissed"}
    assert {f.rule_id for f in findings} >= {"HW-4-PUBLISH", "HW-5-G36", "HW-5-G79"}
    for f in findings:
        # the engine's evidence (in its key order), digest and fingerprint: a sweep finds these rows as its own
        evidence = {key: f.evidence[key] for key in ("school", "class", "grade", "date")}
        v = Violation(
            evidence=evidence,
            date=f.period_start,
            school_id=f.school_id,
            school_class_id=f.school_class_id,
            summary=f.summary,
        )
        assert f.evidence_digest == evidence_digest(evidence_text(v), f.summary), f
        assert f.fingerprint == v.fingerprint(f.rule_id), f
        assert f.summary.startswith(f"{evidence['school']} {evidence['class']} {f.period_start:%m-%d} ")

    keys = dashboard_load.tokens()
    args = dashboard_load.parse_args(
        [
            "--database-url",
            database_url(),
            "--redis-url",
            os.environ.get("REDIS_URL", ""),
            "--port",
            str(free_port()),
            "--workers",
            "1",
            "--clients",
            "1",
            "--seconds",
            "0.2",
            "--warmup",
            "0",
        ]
    )
    from django.db import connections

    connections.close_all()  # the server's workers and the load's processes open their own
    results = dashboard_load.measure(args, keys, caches=("off",))

    out = capfd.readouterr().out
    assert re.search(r"^endpoint\s+cache\s+req/s\s+p50 ms\s+p95 ms\s+p95/floor", out, re.M), out
    floor = table_row(out, "trivial JSON view (floor)")
    assert floor[0] > 0 and floor[3] == 1.0  # req/s, and the floor's ratio to itself
    for name in (
        "trivial DRF view, token auth",
        "district dashboard 110108",
        "city dashboard",
        "district 110108, whole spring semester",
    ):
        assert table_row(out, name)[0] > 0, name
    assert all(r["requests"] > 0 and r["errors"] == 0 for r in results.values()), results
    assert "homework filing {'expected': " in out
    # each dashboard's own statements, run plainly by as many clients: its database floor
    assert re.search(r"^cache off, against its own SQL run plainly\s+p95 ms\s+SQL p95\s+ratio", out, re.M), out
    for name in ("district dashboard 110108", "city dashboard", "district 110108, whole spring semester"):
        assert results[(name, "sql")]["requests"] > 0, name

    # the working day: readers with the cache on while parents complain and school systems file, a worker sweeping
    args.clients, args.working_seconds, args.parents = 4, 2.0, 3
    day = dashboard_load.working_day(args)
    out = capfd.readouterr().out
    for name in ("readers, all", "district dashboards", "city dashboard"):
        assert table_row(out, name)[0] > 0, (name, out)
    assert re.search(r"^cache hits \d+/\d+ = [\d.]+%; reader errors 0; filings \d+ ok of \d+", out, re.M), out
    assert day["p95"] > 0 and 0 <= day["hits"] <= 1


def test_load_complaints_prepares_and_measures(capfd):
    from bench import load_complaints
    from complaints.models import Complaint

    plan = load_complaints.build(2)
    assert len(plan["schools"]) == 2 and all(s["classes"] and s["token"] for s in plan["schools"])
    assert plan["institutions"] and plan["complaint_schools"] and len(plan["districts"]) == 3
    args = load_complaints.parse_args(
        [
            "--database-url",
            database_url(),
            "--redis-url",
            os.environ.get("REDIS_URL", ""),
            "--port",
            str(free_port()),
            "--workers",
            "1",
            "--users",
            "2",
            "--schools",
            "2",
            "--seconds",
            "1.5",
            "--think",
            "0.1,0.3",
        ]
    )
    load_complaints.measure(args, plan)

    out = capfd.readouterr().out
    for name in ("parents: GET form", "parents: POST complaint", "schools: POST homework (bulk)", "all requests"):
        assert table_row(out, name)[0] > 0, name  # requests made
    assert re.search(r"^target \(zero lost, zero 5xx, p95 < 300 ms\): (PASS|FAIL)$", out, re.M), out
    assert "  PASS  zero complaints lost: 0 lost" in out
    assert "  PASS  at least one complaint accepted" in out
    assert Complaint.objects.exists()
    assert "  PASS  zero 5xx answers: 0 5xx" in out


def test_homework_bulk_api_prepares_and_measures():

    result = run_script(
        "bench/homework_bulk_api.py",
        "--database-url",
        database_url(),
        "--scale",
        "small",
        "--items",
        "200",
        "--batch",
        "50",
        "--clients",
        "1",
    )

    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "6 schools, " in out and " items for 2026-11-10" in out
    assert re.search(r"^API   : 200 items in [\d.]+s = [\d,]+ items/s with 1 client", out, re.M), out
    assert re.search(r"^COPY  : 200 items in [\d.]+s = [\d,]+ items/s$", out, re.M), out  # the floor
    assert re.search(r"^ratio : one API client reaches [\d.]+% of COPY", out, re.M), out
    assert re.search(r"^city day: filed 200 items in .* \(run done, \d+ findings", out, re.M), out


def test_sweep_city_day_prepares_and_measures():
    """The script seeds the city when it finds no schools; here the same seed at the small scale, first."""
    from django.core.management import call_command

    day = dt.date(2026, 11, 10)
    call_command("seed_demo", scale="small", seed=1, date_from=day, date_to=day, verbosity=0)
    from django.db import connections

    connections.close_all()

    result = run_script(
        "bench/sweep_city_day.py", "--database-url", database_url(), "--day", day.isoformat(), "--processes", "1"
    )

    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert re.search(r"^sweep first \(empty findings table\): [\d.]+s for \d+ parts .* done, new [1-9]", out, re.M), out
    assert re.search(r"^sweep again \(same data\): [\d.]+s .* done, new 0, still open [1-9]", out, re.M), out
    assert re.search(r"^floor \(the same checks as plain SQL\): [\d.]+s$", out, re.M), out
    assert re.search(r"^ratio sweep/floor: first [\d.]+, again [\d.]+", out, re.M), out
    assert re.search(r"^HW-4-PUBLISH\s+[\d.]+\s+[\d.]+", out, re.M), out


def test_sweep_city_day_nights_prepare_and_measure():
    """The night mode: the seed covers both nights' days (Friday's completeness to Tuesday), the nightly plan of
    each night sweeps each rule over its own days, and both nights print their figures next to their floors."""
    from django.core.management import call_command

    from bench.sweep_city_day import night_span, nights_of

    day = dt.date(2026, 11, 10)  # a Tuesday
    nights = nights_of(day)
    assert (nights["ordinary"].night, nights["ordinary"].previous) == (dt.date(2026, 11, 11), day)
    assert (nights["monday"].night, nights["monday"].previous) == (dt.date(2026, 11, 9), dt.date(2026, 11, 7))
    span = night_span(nights.values())
    assert span == (dt.date(2026, 11, 6), day)
    call_command("seed_demo", scale="small", seed=1, date_from=span[0], date_to=span[1], verbosity=0)
    from django.db import connections

    connections.close_all()

    result = run_script(
        "bench/sweep_city_day.py",
        "--database-url",
        database_url(),
        "--day",
        day.isoformat(),
        "--nights",
        "--processes",
        "1",
    )

    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert re.search(r"^the seeded days: .*Sat 11-07 rest day: 0 homework items, [1-9]\d* sessions", out, re.M), out
    for name in ("ordinary", "monday"):
        assert re.search(
            rf"^sweep {name} night first \(empty findings table\): [\d.]+s .* done, new [1-9]", out, re.M
        ), out
        assert re.search(
            rf"^sweep {name} night again \(same data\): [\d.]+s .* done, new 0, still open [1-9]", out, re.M
        )
        assert re.search(rf"^nightly job, {name} night: first [\d.]+s, again [\d.]+s; floor [\d.]+s, ratio", out, re.M)
    ordinary, monday = out.split("== the monday night")
    assert re.search(r"^HW-4-PUBLISH\s+11-09\s+[\d.]+\s+[\d.]+", ordinary, re.M), out  # Monday's, due by now
    assert re.search(r"^HW-5-G36\s+11-10\s+[\d.]+\s+[\d.]+", ordinary, re.M), out
    assert re.search(r"^HW-4-PUBLISH\s+11-06\.\.11-07\s+[\d.]+\s+[\d.]+", monday, re.M), out  # Friday's
    assert re.search(r"^TI-13-HOLIDAY\s+11-07\.\.11-08\s+[\d.]+\s+[\d.]+", monday, re.M), out  # the weekend
    assert re.search(r"^no part tonight .*HW-5-G36", monday, re.M), out  # no school day over the weekend


def test_funds_import_prepares_and_measures():
    """A city day's statements at the smallest scale: the API, the file upload, the file again and COPY, side by
    side, each with its line rate."""
    from django.db import connections

    connections.close_all()
    result = run_script(
        "bench/funds_import.py", "--database-url", database_url(), "--keep", "--institutions", "3", "--lines", "10"
    )

    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "prepared 3 accounts, 30 statement lines for 2026-11-10" in out, out
    assert re.search(r"^API \(3 POSTs\)\s+[\d.]+\s+[\d,]+\s+[\d.]+%$", out, re.M), out
    assert re.search(r"^file upload \(one CSV\)\s+[\d.]+\s+[\d,]+\s+[\d.]+%$", out, re.M), out
    assert re.search(r"^file again \(all skipped\)\s+[\d.]+\s+[\d,]+\s+[\d.]+%$", out, re.M), out
    assert re.search(r"^COPY \(the floor\)\s+[\d.]+\s+[\d,]+\s+100\.0%$", out, re.M), out
    assert re.search(r"^city day: 3 statements x 10 lines = 30 lines; API [\d,]+ lines/s", out, re.M), out
