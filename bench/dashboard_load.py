"""Dashboard endpoints under load at city scale, next to a trivial Django JSON view on the same server (the floor).

    .venv/bin/python bench/dashboard_load.py [--database-url postgres://postgres@127.0.0.1:5432/sj_bench_dash]
        [--redis-url redis://127.0.0.1:6379/1] [--scale city] [--reseed] [--prepare-only] [--clients 20]
        [--seconds 20] [--warmup 3] [--port 8765] [--workers 2]

A smoke run from nothing in well under a minute: ``--scale small --reseed --clients 2 --seconds 2``
(``tests/bench/test_prepare.py`` builds the small scale in CI).

1. Data (built when the database holds none, or with ``--reseed``): a fresh PostgreSQL
   database, migrated; ``seed_demo --scale city --seed 1`` (or ``--scale``) for schools, classes,
   institutions, after-school reports and complaints over the autumn semester so far
   (2026-09-01 .. 2026-11-27); the classes copied as the 2025–26 year's; then homework
   for the whole spring semester 2026 (2026-03-02 .. 2026-07-03, the 2025–26 classes)
   and the autumn semester so far (the 2026–27 classes), generated in SQL (one
   INSERT … SELECT per school day over every class, the demo generator's per-band plan
   of items and minutes, about 5 % of class-days over the band's limit, 2 % never filed,
   2 % filed three days late; no completion surveys), because the demo generator holds
   every item in memory; then the summary tables rebuilt from those raw rows with
   ``refresh_dashboards`` (timed), and findings derived from the class-days that break
   HW-5-* or HW-4-PUBLISH (open, notified, rectifying, rectified, cleared, dismissed),
   with the engine's fingerprint, evidence text and evidence digest, COPYed in a day at a time.
   The spring semester has no after-school reports (the seed covers autumn only).
2. gunicorn (``--workers`` sync workers, persistent DB connections) on 127.0.0.1 with
   ``bench.settings_bench`` (the project plus ``/bench/ping/``, a plain Django JSON view,
   and ``/bench/api-ping/``, a DRF view with the API's token authentication and
   permission: the floor of any authenticated endpoint), run twice: with the
   dashboard cache off (``DASHBOARD_CACHE_SECONDS=0``: every request counts from the
   summary tables) and with the default settings (the cache on, in Redis at
   ``--redis-url``, default ``REDIS_URL`` or redis://127.0.0.1:6379/1).
3. Per dashboard endpoint first its plain-SQL floor: the statements one request runs with the cache off (the
   token, the caller's scope, the calendar, the figures), captured in this process, run straight through psycopg by
   ``--clients`` closed-loop clients with a connection each (no Django, no HTTP): everything the database must do
   for the answer. The cache-off figures are printed against it too.
   Then per endpoint, ``--clients`` concurrent clients (4 processes of threads, one request
   at a time each, a new connection per request) for ``--seconds`` after ``--warmup``
   seconds (3): requests per second, p50 and p95 latency, for the trivial view, the
   district dashboard of 海淀区 (the largest district) and the city dashboard over four
   weeks, and 海淀区 over the whole spring semester; token authentication.
4. The working day (``--scenario working-day`` or ``all``, the default): the server with the default settings
   (the cache on, in Redis) and a Celery worker (``bench.settings_working_day``, broker at ``--broker-url``),
   while ``bench/load_complaints.py``'s load generator runs its parents (``--parents`` through the public
   complaint form, 5–15 s to fill it in) and its 6 school systems (each filing a whole school day of its
   classes through the bulk API, one earlier day of the four weeks after another, 1–3 s apart; the sweep each
   filing asks for runs on the worker and refreshes its districts' summary tables), ``--clients`` dashboard
   readers (one per district, 16, and the rest on the city dashboard, four weeks) read for
   ``--working-seconds``. The trivial view is measured on the same server first. Prints the readers' p50/p95
   (all, districts, city), the cache hit ratio (the ``Cache-Status`` the API answers), the filings and
   complaints the writers made and their p95, and the sweeps the worker ran. To keep the four weeks open for
   filing, ``hw_filing_grace_days`` is set to 400 from the window's first day (a dated parameter, as
   ``bench/load_complaints.py`` does).
Prints figures and the machine's load average before and after each run (the CPUs are shared);
asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import default_url, log, recreate_database  # noqa: E402 - after the path

SPRING = (dt.date(2026, 3, 2), dt.date(2026, 7, 3))  # the 2025–26 year's spring semester, whole
SEMESTER = (dt.date(2026, 9, 1), dt.date(2026, 11, 27))  # the autumn semester so far
WINDOW = (dt.date(2026, 10, 26), dt.date(2026, 11, 20))  # four weeks, what a dashboard shows by default
DISTRICT = "110108"

#: the demo generator's plan (homework/seed.py PLAN): band, subject, kind, at home, minutes low, high
PLAN = [
    ("G12", "chinese", "reading", True, 10, 20),
    ("G12", "maths", "oral", True, 5, 10),
    ("G12", "chinese", "written", False, 10, 15),
    ("G12", "english", "oral", True, 5, 10),
    ("G36", "chinese", "written", True, 15, 20),
    ("G36", "maths", "written", True, 15, 20),
    ("G36", "english", "written", True, 5, 10),
    ("G36", "chinese", "reading", True, 15, 20),
    ("G36", "science", "practical", True, 10, 15),
    ("G79", "chinese", "written", True, 15, 20),
    ("G79", "maths", "written", True, 15, 20),
    ("G79", "english", "written", True, 10, 15),
    ("G79", "physics", "written", True, 10, 15),
    ("G79", "history", "reading", True, 10, 15),
    ("G79", "english", "oral", True, 5, 10),
]


def database_ready(url: str) -> bool:
    import psycopg

    try:
        conn = psycopg.connect(url, autocommit=True)
    except psycopg.OperationalError:
        return False
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM dashboards_classdaystat")
            return cur.fetchone()[0] > 0
    except psycopg.Error:
        return False
    finally:
        conn.close()


def django_setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings_bench"
    import django

    django.setup()


def copy_classes(academic_year: int) -> int:
    """The seeded classes again for an earlier academic year (the same schools, grades and names)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO schools_schoolclass (school_id, academic_year, grade, name, headcount) "
            "SELECT school_id, %s, grade, name, headcount FROM schools_schoolclass WHERE academic_year = 2026",
            [academic_year],
        )
        return cur.rowcount


def generate_homework(days: list[dt.date], academic_year: int) -> int:
    """A semester's homework of every class of the year, one set-based INSERT … SELECT per school day."""
    from django.db import connection
    from django.utils import timezone

    plan = ", ".join(f"('{b}', '{s}', '{k}', {str(h).lower()}, {lo}, {hi})" for b, s, k, h, lo, hi in PLAN)
    band = "CASE WHEN c.grade <= 2 THEN 'G12' WHEN c.grade <= 6 THEN 'G36' ELSE 'G79' END"
    # a deterministic draw in 0..99 per class-day: < 5 heavy, 5–6 never filed, 7–8 filed three days late
    draw = "((hashtext(c.id::text || ':' || %(day)s::text)::bigint & 2147483647) %% 100)"
    total = 0
    with connection.cursor() as cur:
        cur.execute("SET synchronous_commit = off")
        for day in days:
            filed = timezone.make_aware(dt.datetime.combine(day, dt.time(18, 30)))
            late = filed + dt.timedelta(days=3)
            params = {"day": day, "filed": filed, "late": late, "year": academic_year}
            cur.execute(
                f"""
                INSERT INTO homework_homeworkitem (school_class_id, school_id, date, subject, kind, minutes, at_home,
                    for_parents, parent_grading, self_grading, punitive, beyond_standard, content, filed_at)
                SELECT c.id, c.school_id, %(day)s, p.subject, p.kind,
                    CASE WHEN {draw} < 5 AND p.subject = 'maths' AND p.kind = 'written'
                         THEN CASE WHEN p.band = 'G36' THEN 70 ELSE 80 END
                         ELSE p.lo + (hashtext(c.id::text || p.subject || p.kind || %(day)s::text)::bigint
                                      & 2147483647) %% (p.hi - p.lo + 1) END,
                    p.at_home, false, false, false, false, false, '',
                    CASE WHEN {draw} BETWEEN 7 AND 8 THEN %(late)s ELSE %(filed)s END
                FROM schools_schoolclass c
                JOIN (VALUES {plan}) AS p(band, subject, kind, at_home, lo, hi) ON p.band = {band}
                WHERE c.academic_year = %(year)s AND {draw} NOT BETWEEN 5 AND 6
                """,
                params,
            )
            total += cur.rowcount
            cur.execute(
                f"""
                INSERT INTO homework_homeworkday (school_class_id, school_id, date, no_homework, first_filed_at,
                    last_filed_at)
                SELECT c.id, c.school_id, %(day)s, false,
                    CASE WHEN {draw} BETWEEN 7 AND 8 THEN %(late)s ELSE %(filed)s END,
                    CASE WHEN {draw} BETWEEN 7 AND 8 THEN %(late)s ELSE %(filed)s END
                FROM schools_schoolclass c WHERE c.academic_year = %(year)s AND {draw} NOT BETWEEN 5 AND 6
                """,
                params,
            )
    return total


#: the spread of statuses of the generated findings, drawn per class-day
STATUSES = ["open", "open", "open", "notified", "rectifying", "rectified", "cleared", "cleared", "dismissed", "open"]
FINDING_COLUMNS = (
    "rule_id",
    "kind",
    "district_id",
    "school_id",
    "school_class_id",
    "period_start",
    "evidence",
    "summary",
    "fingerprint",
    "status",
    "first_seen",
    "last_seen",
    "status_changed_at",
    "sweep_token",
    "evidence_digest",
)


def finding_rows(rows) -> list[tuple]:
    """The findings of violating class-days, as the engine writes them: its fingerprint of the violation, its
    evidence text (the class-day's head: school, class, grade, date) and its digest of evidence and summary, so a
    later sweep of the same class-day finds these rows and leaves them unrewritten when nothing changed.

    ``rows``: (rule_id, district_id, school_id, school_class_id, date, school name, class name, grade, filed).
    """
    from django.utils import timezone

    from compliance.registry import Violation
    from compliance.services.reconcile import evidence_digest, evidence_text

    out = []
    for rule_id, district_id, school_id, class_id, day, school, name, grade, filed in rows:
        if rule_id == "HW-4-PUBLISH":
            summary = f"{school} {name} {day:%m-%d} 作业" + ("逾期公示" if filed else "未公示")
        else:
            summary = f"{school} {name} {day:%m-%d} 书面作业时间超过规定"
        v = Violation(
            evidence={"school": school, "class": name, "grade": grade, "date": day.isoformat()},
            date=day,
            school_id=school_id,
            school_class_id=class_id,
            summary=summary[:300],
            district_id=district_id,
        )
        text = evidence_text(v)
        seen = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0)))
        out.append(
            (
                rule_id,
                "auto",
                district_id,
                school_id,
                class_id,
                day,
                text,
                v.summary,
                v.fingerprint(rule_id),
                STATUSES[(class_id + day.timetuple().tm_yday) % 10],
                seen,
                seen,
                seen + dt.timedelta(days=class_id % 9),
                "bench",
                evidence_digest(text, v.summary),
            )
        )
    return out


def generate_findings() -> int:
    """Findings for the class-days that break HW-5-* or HW-4-PUBLISH, with a spread of statuses and ages: the
    violating class-days read a day at a time, their rows built by ``finding_rows`` and COPYed in."""
    from django.db import connection

    total = 0
    with connection.cursor() as cur:
        cur.execute("SELECT DISTINCT date FROM dashboards_classdaystat ORDER BY date")
        days = [r[0] for r in cur.fetchall()]
        for day in days:
            cur.execute(
                """
                SELECT CASE WHEN d.filed = 0 OR d.on_time = 0 THEN 'HW-4-PUBLISH' ELSE 'HW-5-' || d.grade_band END,
                    d.district_id, d.school_id, d.school_class_id, d.date, s.name, c.name, c.grade, d.filed > 0
                FROM dashboards_classdaystat d
                JOIN schools_school s ON s.id = d.school_id JOIN schools_schoolclass c ON c.id = d.school_class_id
                WHERE d.date = %s AND (d.filed = 0 OR d.on_time = 0 OR d.within_limit = 0)
                ORDER BY d.school_class_id
                """,
                [day],
            )
            rows = finding_rows(cur.fetchall())
            with cur.cursor.copy(f"COPY compliance_finding ({', '.join(FINDING_COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            total += len(rows)
    return total


def prepare(url: str, scale: str = "city") -> None:
    """The benchmark's database from nothing: dropped, created, migrated, then ``build(scale)``."""
    from django.core.management import call_command

    recreate_database(url)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    log(f"migrated in {time.perf_counter() - started:.0f}s")
    build(scale)


def build(scale: str = "city") -> None:
    """The benchmark's data in the (migrated, empty) database Django is connected to, at one of ``seed_demo``'s
    scales: ``city`` (the benchmark's), ``district`` or ``small`` (3 districts, 6 schools: seconds, for CI)."""
    from django.core.management import call_command
    from django.db import connection

    from schools.calendar import SchoolCalendar

    started = time.perf_counter()
    call_command(
        "seed_demo",
        scale=scale,
        seed=1,
        date_from=SEMESTER[0],
        date_to=SEMESTER[1],
        only=["schools", "institutions", "afterschool", "complaints"],
        verbosity=0,
    )
    log(f"seed_demo --scale {scale} (no homework) in {time.perf_counter() - started:.0f}s")
    log(f"classes copied for 2025–26: {copy_classes(2025):,}")
    for (start, end), year in ((SPRING, 2025), (SEMESTER, 2026)):
        days = SchoolCalendar(None).school_days(start, end)
        started = time.perf_counter()
        items = generate_homework(days, year)
        log(
            f"homework {start}..{end}: {items:,} items over {len(days)} school days generated in SQL in "
            f"{time.perf_counter() - started:.0f}s"
        )
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    started = time.perf_counter()
    call_command("refresh_dashboards", date_from=SPRING[0], date_to=SEMESTER[1], verbosity=0)
    log(f"summary tables for both semesters rebuilt in {time.perf_counter() - started:.0f}s (refresh_dashboards)")
    started = time.perf_counter()
    findings = generate_findings()
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    log(f"findings: {findings:,} generated in {time.perf_counter() - started:.0f}s")


def tokens() -> dict[str, str]:
    from django.contrib.auth import get_user_model

    from schools.models import District
    from tests.factories import api_token, user_with_role

    out = {}
    for role, name, district in (
        ("city", "bench-city", None),
        ("district", "bench-haidian", District.objects.get(code=DISTRICT)),
    ):
        user = get_user_model().objects.filter(username=name).first() or user_with_role(
            role, username=name, district=district
        )
        out[role] = api_token(user)
    return out


def sizes() -> dict[str, int]:
    from django.db import connection

    out = {}
    with connection.cursor() as cur:
        for table in (
            "homework_homeworkitem",
            "homework_homeworkday",
            "dashboards_classdaystat",
            "dashboards_homeworkdaystat",
            "dashboards_homeworkminutes",
            "dashboards_schooldaystat",
            "afterschool_dailyreport",
            "compliance_finding",
            "complaints_complaint",
            "institutions_institution",
            "schools_schoolclass",
        ):
            cur.execute(f"SELECT count(*) FROM {table}")
            out[table] = cur.fetchone()[0]
    return out


# -- load ----------------------------------------------------------------------------


def _client(port, path, headers, until, warm_until, results):
    """One client: a request after another, each after the warm-up noted as (path, status, seconds, cache hit)."""
    while time.perf_counter() < until:
        now = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            status, hit = response.status, response.getheader("Cache-Status", "").endswith("; hit")
        except OSError:
            status, hit = 0, False
        finally:
            conn.close()
        if now >= warm_until:
            results.append((path, status, time.perf_counter() - now, hit))


def _process(port, clients, seconds, warmup, queue):
    """One process of clients, one thread each: ``clients`` is a list of (path, headers)."""
    start = time.perf_counter()
    results: list = []
    threads = [
        threading.Thread(target=_client, args=(port, path, headers, start + warmup + seconds, start + warmup, results))
        for path, headers in clients
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    queue.put(results)


def load_all(port: int, clients: list, seconds: float, warmup: float = 3.0) -> list:
    """``clients`` (path, headers) spread over up to 4 processes for ``seconds`` after ``warmup``: every
    request's (path, status, seconds, cache hit)."""
    groups = [g for g in (clients[i::4] for i in range(4)) if g]
    queue: multiprocessing.Queue = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_process, args=(port, g, seconds, warmup, queue)) for g in groups]
    for p in procs:
        p.start()
    results = [r for _ in procs for r in queue.get()]
    for p in procs:
        p.join()
    return results


def load(port: int, path: str, headers: dict, clients: int, seconds: float, warmup: float = 3.0) -> dict:
    return _figures(load_all(port, [(path, headers)] * clients, seconds, warmup), seconds)


def _figures(results: list, seconds: float) -> dict:
    latencies = sorted(r[2] for r in results if r[1] == 200)
    q = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else [0] * 99
    return {
        "requests": len(latencies),
        "errors": len(results) - len(latencies),
        "rps": len(latencies) / seconds,
        "p50": q[49] * 1000,
        "p95": q[94] * 1000,
    }


def statements_of(path: str, headers: dict) -> list[str]:
    """The SQL statements one request of ``path`` runs with the dashboard cache off, as sent to PostgreSQL (captured
    in this process with Django's test client): the token, the caller's scope, the calendar and the figures."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    with override_settings(DASHBOARD_CACHE_SECONDS=0), CaptureQueriesContext(connection) as queries:
        response = Client().get(path, **{f"HTTP_{k.upper()}": v for k, v in headers.items()})
    if response.status_code != 200:
        raise SystemExit(f"{path}: HTTP {response.status_code}: {response.content[:300]!r}")
    return [q["sql"] for q in queries.captured_queries]


def _sql_client(url, statements, until, warm_until, results):
    """One client of the plain-SQL floor: its own connection (as a server worker keeps one), the statements of one
    request after another, each round noted as (statements, 200, seconds, False)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cursor:
        while time.perf_counter() < until:
            now = time.perf_counter()
            for statement in statements:
                cursor.execute(statement.encode())
                if cursor.description is not None:
                    cursor.fetchall()
            if now >= warm_until:
                results.append(("sql", 200, time.perf_counter() - now, False))


def _sql_process(url, statements, clients, seconds, warmup, queue):
    start = time.perf_counter()
    results: list = []
    threads = [
        threading.Thread(target=_sql_client, args=(url, statements, start + warmup + seconds, start + warmup, results))
        for _ in range(clients)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    queue.put(results)


def sql_load(url: str, statements: list[str], clients: int, seconds: float, warmup: float = 3.0) -> dict:
    """The plain-SQL floor of an endpoint: ``clients`` closed-loop clients (spread over 4 processes, as the HTTP
    clients are) each running the endpoint's statements straight through psycopg, no Django, no HTTP."""
    queue: multiprocessing.Queue = multiprocessing.Queue()
    split = [clients // 4 + (1 if i < clients % 4 else 0) for i in range(4)]
    procs = [
        multiprocessing.Process(target=_sql_process, args=(url, statements, n, seconds, warmup, queue))
        for n in split
        if n
    ]
    for p in procs:
        p.start()
    results = [r for _ in procs for r in queue.get()]
    for p in procs:
        p.join()
    return _figures(results, seconds)


def wait_for(port: int, seconds: float = 30) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/bench/ping/")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("the server did not start")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL") or default_url("sj_bench_dash"),
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/1"),
        help="the cache of the benchmark server",
    )
    parser.add_argument(
        "--scale",
        choices=["small", "district", "city"],
        default="city",
        help="seed_demo's scale of the data built (small: seconds, for a smoke run)",
    )
    parser.add_argument("--reseed", action="store_true", help="drop and rebuild the benchmark database")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=3, help="seconds of load before the measured ones")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--prepare-only", action="store_true", help="build the data, run no load")
    parser.add_argument("--scenario", choices=["cache", "working-day", "all"], default="all")
    parser.add_argument("--working-seconds", type=float, default=60, help="the working day's measured seconds")
    parser.add_argument("--parents", type=int, default=200, help="the working day's parents at the complaint form")
    parser.add_argument(
        "--broker-url",
        default=os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/13"),
        help="the working day's Celery broker",
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.reseed or not database_ready(args.database_url):
        django_setup(args.database_url)
        prepare(args.database_url, args.scale)
    else:
        django_setup(args.database_url)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)  # the current schema (indexes) on the data built before
        log("using the existing benchmark database (migrated; --reseed rebuilds it)")
    keys = tokens()
    counts = sizes()
    for table, n in counts.items():
        log(f"  {table}: {n:,} rows")
    if args.prepare_only:
        return
    from django.db import connections

    connections.close_all()
    if args.scenario in ("cache", "all"):
        measure(args, keys)
    if args.scenario in ("working-day", "all"):
        working_day(args)


def measure(args, keys: dict[str, str], caches=("off", "default")) -> dict:
    """The load against the benchmark server, started once per cache setting; prints the table of figures (the
    trivial JSON view first: the floor) and returns them."""
    window = f"date_from={WINDOW[0]}&date_to={WINDOW[1]}"
    district_auth = {"Authorization": f"Token {keys['district']}"}
    endpoints = [
        (f"district dashboard {DISTRICT}", f"/api/v1/dashboards/districts/{DISTRICT}/?{window}", district_auth),
        ("city dashboard", f"/api/v1/dashboards/city/?{window}", {"Authorization": f"Token {keys['city']}"}),
        (
            f"district {DISTRICT}, whole spring semester",
            f"/api/v1/dashboards/districts/{DISTRICT}/?date_from={SPRING[0]}&date_to={SPRING[1]}",
            district_auth,
        ),
    ]
    results = {}
    log(f"load average {loadavg()}")
    if "off" in caches:  # the database's own share: each endpoint's statements, run plainly by as many clients
        for name, path, headers in endpoints:
            statements = statements_of(path, headers)
            before = loadavg()
            r = results[(name, "sql")] = sql_load(
                args.database_url, statements, args.clients, args.seconds, args.warmup
            )
            log(
                f"{name}, plain SQL ({len(statements)} statements): {r['requests']} rounds, {r['rps']:.1f}/s, "
                f"p95 {r['p95']:.1f} ms (load average before {before}, after {loadavg()})"
            )
    # first every request counts afresh from the summary tables; then the default settings (the cache on)
    for i, cache in enumerate(caches):
        with server(args, cache):
            if i == 0:
                results[("trivial JSON view (floor)", "-")] = run(args, "trivial JSON view (floor)", "/bench/ping/", {})
                results[("trivial DRF view, token auth", "-")] = run(
                    args, "trivial DRF view, token auth", "/bench/api-ping/", district_auth
                )
            for name, path, headers in endpoints:
                results[(name, cache)] = run(args, name, path, headers)

    floor = results[("trivial JSON view (floor)", "-")]
    print()
    print(
        f"{args.clients} concurrent clients, {args.seconds:g} s per endpoint, gunicorn {args.workers} sync workers, "
        f"{os.cpu_count()} CPUs shared with PostgreSQL and the load generator; dashboards over "
        f"{WINDOW[0]}..{WINDOW[1]}; load average at the end {loadavg()}"
    )
    print(
        f"{'endpoint':40} {'cache':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p95/floor':>10} {'rps floor/x':>12}"
    )
    for (name, cache), r in results.items():
        ratio = r["p95"] / floor["p95"] if floor["p95"] else float("inf")
        print(
            f"{name:40} {cache:>7} {r['rps']:8.1f} {r['p50']:8.1f} {r['p95']:8.1f} {ratio:10.2f} "
            f"{floor['rps'] / r['rps'] if r['rps'] else float('inf'):12.2f}"
        )
    sql_floors = [(name, results[(name, "off")], r) for (name, cache), r in results.items() if cache == "sql"]
    if sql_floors:
        print()
        print(f"{'cache off, against its own SQL run plainly':40} {'p95 ms':>8} {'SQL p95':>8} {'ratio':>7}")
        for name, off, plain in sql_floors:
            print(f"{name:40} {off['p95']:8.1f} {plain['p95']:8.1f} {off['p95'] / plain['p95']:7.2f}")
    return results


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


class server:
    """gunicorn on 127.0.0.1 with the benchmark settings, for the length of a ``with`` block.

    ``cache``: "off" sets ``DASHBOARD_CACHE_SECONDS=0``; "default" leaves the setting to its default.
    ``working_day``: the working day's settings, and a Celery worker beside the server.
    """

    def __init__(self, args, cache: str, working_day: bool = False):
        self.args, self.cache, self.working_day = args, cache, working_day
        self.worker = None

    def __enter__(self):
        env = {
            **os.environ,
            "DATABASE_URL": self.args.database_url,
            "DJANGO_SETTINGS_MODULE": "bench.settings_bench",
            "DATABASE_CONN_MAX_AGE": "600",
            "DJANGO_DEBUG": "false",
            "CELERY_TASK_ALWAYS_EAGER": "true",
            "REDIS_URL": self.args.redis_url,
        }
        env.pop("DASHBOARD_CACHE_SECONDS", None)
        if self.cache == "off":
            env["DASHBOARD_CACHE_SECONDS"] = "0"
        if self.working_day:
            env.update(
                DJANGO_SETTINGS_MODULE="bench.settings_working_day",
                CELERY_TASK_ALWAYS_EAGER="false",
                CELERY_BROKER_URL=self.args.broker_url,
            )
            self.worker = subprocess.Popen(
                [
                    str(ROOT / ".venv/bin/celery"),
                    "-A",
                    "shuangjian",
                    "worker",
                    "--concurrency",
                    "1",
                    "-l",
                    "warning",
                    "--without-gossip",
                    "--without-mingle",
                    "--purge",
                ],
                env=env,
                cwd=ROOT,
            )
        self.process = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/gunicorn"),
                "shuangjian.wsgi:application",
                "--chdir",
                str(ROOT),
                "--workers",
                str(self.args.workers),
                "--bind",
                f"127.0.0.1:{self.args.port}",
                "--backlog",
                "256",
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=ROOT,
        )
        wait_for(self.args.port)
        return self

    def __exit__(self, *exc):
        for process in (self.process, self.worker):
            if process is not None:
                process.terminate()
                process.wait(timeout=60)


def run(args, name: str, path: str, headers: dict) -> dict:
    # one request first: a status other than 200 is a broken benchmark, not a slow one
    conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=60)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise SystemExit(f"{name}: HTTP {response.status}: {body[:300]!r}")
    if "dashboards" in path:
        log(f"{name}: homework filing {json.loads(body)['homework']['filing']}, {len(body):,} bytes")
    before = loadavg()
    r = load(args.port, path, headers, args.clients, args.seconds, args.warmup)
    log(
        f"{name}: {r['requests']} requests, {r['errors']} errors, {r['rps']:.1f}/s, p95 {r['p95']:.1f} ms "
        f"(load average before {before}, after {loadavg()})"
    )
    return r


# -- the working day ----------------------------------------------------------------------------------------


def working_day_plan(args) -> tuple[dict, list]:
    """The load generator's plan (6 school systems in six districts, the institutions and schools parents name)
    and the readers (path, headers): one per district dashboard, the rest on the city's."""
    from compliance.models import RuleParameter
    from institutions.models import Institution
    from schools.calendar import SchoolCalendar
    from schools.models import District, School, SchoolClass
    from tests.factories import api_token, user_with_role

    days = SchoolCalendar(None).school_days(*WINDOW)
    RuleParameter.objects.update_or_create(
        key="hw_filing_grace_days",
        effective_from=WINDOW[0],
        defaults={"value": 400, "source": "bench/dashboard_load.py: the four weeks stay open for filing"},
    )
    districts = list(District.objects.order_by("code"))
    plan: dict = {
        "schools": [],
        "institutions": [{"id": i.pk, "name": i.name} for i in Institution.objects.order_by("id")[:200]],
        "complaint_schools": [{"id": s.pk, "name": s.name} for s in School.objects.order_by("id")],
        "districts": [d.pk for d in districts],
        # one earlier day after another, and round again (a re-filing replaces the day's subjects)
        "days": [d.isoformat() for d in reversed(days)] * 10,
        "today": dt.date.today().isoformat(),
    }
    firsts = (School.objects.filter(district=d).order_by("id").first() for d in districts)
    for school in [s for s in firsts if s is not None][:6]:  # the first school of six districts
        name = f"bench-school-{school.pk}"
        user = get_or_make(
            name, lambda n=name, s=school: user_with_role("school", username=n, school=s, district=s.district)
        )
        classes = list(SchoolClass.objects.filter(school=school, academic_year=2026).values_list("id", "grade"))
        plan["schools"].append({"id": school.pk, "token": api_token(user), "classes": classes})
    window = f"date_from={WINDOW[0]}&date_to={WINDOW[1]}"
    # the city's readers: those beyond one per district (4 of 20), at least one
    on_city = max(1, args.clients - len(districts)) if args.clients > len(districts) else max(1, args.clients // 5)
    readers = []
    for district in districts[: args.clients - on_city]:
        name = f"bench-district-{district.code}"
        user = get_or_make(name, lambda n=name, d=district: user_with_role("district", username=n, district=d))
        readers.append(
            (f"/api/v1/dashboards/districts/{district.code}/?{window}", {"Authorization": f"Token {api_token(user)}"})
        )
    city = get_or_make("bench-city", lambda: user_with_role("city", username="bench-city"))
    while len(readers) < args.clients:
        readers.append((f"/api/v1/dashboards/city/?{window}", {"Authorization": f"Token {api_token(city)}"}))
    return plan, readers


def get_or_make(username: str, make):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username=username).first() or make()


def _p(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] * 1000 if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def working_day(args) -> dict:
    """Dashboard readers (the cache on) while parents complain and school systems file; prints the figures."""
    import tempfile

    from django.db import connections

    from bench.load_complaints import summary
    from compliance.models import ComplianceRun

    plan, readers = working_day_plan(args)
    runs_before = ComplianceRun.objects.count()
    connections.close_all()
    with tempfile.TemporaryDirectory() as tmp, server(args, "default", working_day=True):
        floor = run(args, "trivial JSON view (floor)", "/bench/ping/", {})
        for path, headers in {p: h for p, h in readers}.items():  # each endpoint once: the workers warmed
            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=60)
            conn.request("GET", path, headers=headers)
            conn.getresponse().read()
            conn.close()
        plan.update(
            seconds=args.working_seconds + args.warmup + 5,
            think=[5.0, 15.0],
            users=args.parents,
            host=f"http://127.0.0.1:{args.port}",
        )
        plan_path, out_path = Path(tmp) / "plan.json", Path(tmp) / "out.json"
        plan_path.write_text(json.dumps(plan))
        log(f"load average {loadavg()}; {args.parents} parents and {len(plan['schools'])} school systems start")
        writers = subprocess.Popen(
            [sys.executable, str(ROOT / "bench/load_complaints.py"), "--client", str(plan_path), str(out_path)],
            cwd=ROOT,
        )
        time.sleep(5)  # the parents arrive; the first filings are in
        results = load_all(args.port, readers, args.working_seconds, args.warmup)
        writers.wait()
        written = json.loads(out_path.read_text())
    from django.db import connection

    connection.connect()
    runs = ComplianceRun.objects.count() - runs_before
    ok = [r for r in results if r[1] == 200]
    city = [r[2] for r in ok if "/city/" in r[0]]
    district = [r[2] for r in ok if "/districts/" in r[0]]
    hits = sum(1 for r in ok if r[3])
    records = written["records"]
    filings = [r for r in records if r[0] == "POST homework (bulk)"]
    complaints = [r for r in records if r[0] == "POST complaint"]
    print()
    print(
        f"working day: {len(readers)} dashboard readers ({sum('/city/' in p for p, _h in readers)} on the city "
        f"dashboard, the others one per district), {args.working_seconds:g} s, gunicorn {args.workers} sync "
        f"workers + 1 Celery worker, cache on (Redis); load average at the end {loadavg()}"
    )
    all_times = [r[2] for r in ok]
    print(f"{'':34} {'requests':>9} {'p50 ms':>8} {'p95 ms':>8} {'p95/floor':>10}")
    print(f"{'trivial JSON view (floor)':34} {floor['requests']:9d} {floor['p50']:8.1f} {floor['p95']:8.1f} {1:10.2f}")
    for name, times in (
        ("readers, all", all_times),
        ("district dashboards", district),
        ("city dashboard", city),
        ("  answered from the cache", [r[2] for r in ok if r[3]]),
        ("  counted (a miss)", [r[2] for r in ok if not r[3]]),
    ):
        p95 = _p(times, 95)
        print(f"{name:34} {len(times):9d} {_p(times, 50):8.1f} {p95:8.1f} {p95 / floor['p95']:10.2f}")
    print(
        f"cache hits {hits}/{len(ok)} = {hits / len(ok):.1%}; reader errors {len(results) - len(ok)}; "
        f"filings {sum(1 for r in filings if r[3])} ok of {len(filings)} (p95 {summary(filings, 1)['p95']:.0f} ms), "
        f"complaints {len(written['accepted'])} accepted (submission p95 {summary(complaints, 1)['p95']:.0f} ms); "
        f"compliance runs on the worker {runs}"
    )
    return {"floor": floor, "p95": _p(all_times, 95), "hits": hits / len(ok) if ok else 0.0}


if __name__ == "__main__":
    main()
