"""A compliance sweep of one whole-city school day, against the same checks as plain SQL (the floor).

    .venv/bin/python bench/sweep_city_day.py [--database-url postgres://postgres@127.0.0.1:5432/sj_bench_compliance]
                                             [--day 2026-11-10] [--rule ID ...]

Uses its own database (created and migrated when missing, seeded with
``seed_demo --scale city --seed 1`` for that one day when it has no schools).

1. The sweep: ``run_create`` + every part executed in this process, batched
   as the tasks carry them (a few rules' parts each, all sixteen districts of a
   rule together; the work a worker does: rule queries, the findings upsert,
   clearing, history, the run's progress), once on an empty findings table
   ("first") and once more ("again", nothing new), timed in total and per rule
   (its statements and its findings; a task's bookkeeping is in the total only).
2. The floor, per rule, timed once warm:
   - the rules over the day's filings (HW-*, AS report rules) as one hand-written
     SQL statement each over the whole city, returning the same violating rows
     with the columns the evidence shows;
   - every other rule: the very SQL statements the rule issued during the sweep,
     replayed as raw SQL (what the database must do for that check, without the
     engine around it).
3. The ratio sweep / floor; and, to show what of the rest is the database's
   own work, the same findings and history events written back with COPY
   (psycopg's ``cursor.copy()``: the writes alone) and the ratio
   sweep / (checks + writes).
4. The sweep again with ``--processes`` (default 2) processes executing the
   rules' tasks side by side, as a worker with that concurrency does.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from psycopg import sql  # noqa: E402

from bench.common import default_url, ensure_database  # noqa: E402 - after the path


def floor_statements(day: dt.date, params) -> dict[str, tuple[sql.Composed, list]]:
    """The hand-written checks: one statement each, the whole city, the same rows the rule reports."""
    from afterschool.models import DailyReport
    from homework.models import CompletionSurvey, HomeworkDay, HomeworkItem
    from schools.models import School, SchoolClass

    names = {
        "item": sql.Identifier(HomeworkItem._meta.db_table),
        "survey": sql.Identifier(CompletionSurvey._meta.db_table),
        "hday": sql.Identifier(HomeworkDay._meta.db_table),
        "cls": sql.Identifier(SchoolClass._meta.db_table),
        "school": sql.Identifier(School._meta.db_table),
        "report": sql.Identifier(DailyReport._meta.db_table),
    }

    def q(text: str, **extra) -> sql.Composed:
        return sql.SQL(text).format(**names, **extra)

    item_cols = sql.SQL(
        "i.id, i.school_id, i.school_class_id, i.date, i.subject, i.kind, i.minutes, i.at_home, i.for_parents, "
        "i.parent_grading, i.self_grading, i.punitive, i.beyond_standard, i.content, c.name, c.grade, s.name"
    )
    base = q(
        "FROM {item} i JOIN {cls} c ON c.id = i.school_class_id JOIN {school} s ON s.id = i.school_id WHERE i.date = %s"
    )
    measured = q(
        "LEFT JOIN {survey} cs ON cs.school_class_id = i.school_class_id AND cs.date = i.date "
        "AND cs.subject = i.subject AND cs.kind = i.kind"
    )

    def over(low, high, limit):
        return (
            q(
                "SELECT * FROM (SELECT {cols}, cs.measured_minutes, COALESCE(cs.measured_minutes, i.minutes) "
                "AS counted, SUM(COALESCE(cs.measured_minutes, i.minutes)) OVER (PARTITION BY i.school_class_id, "
                "i.date) AS total FROM {item} i JOIN {cls} c ON c.id = i.school_class_id JOIN {school} s "
                "ON s.id = i.school_id {measured} WHERE i.date = %s AND i.kind = 'written' "
                "AND c.grade BETWEEN %s AND %s) t WHERE total > %s ORDER BY date, school_class_id, subject",
                cols=item_cols,
                measured=measured,
            ),
            [day, low, high, int(limit)],
        )

    def flag(condition):
        return (
            q(
                "SELECT {cols} {base} AND ({condition}) ORDER BY i.date, i.school_class_id, i.subject",
                cols=item_cols,
                base=base,
                condition=sql.SQL(condition),
            ),
            [day],
        )

    def reports(condition, extra=()):
        return (
            q(
                "SELECT r.*, s.name, s.code FROM {report} r JOIN {school} s ON s.id = r.school_id "
                "WHERE r.date = %s AND ({condition}) ORDER BY r.date, r.school_id",
                condition=sql.SQL(condition),
            ),
            [day, *extra],
        )

    deadline = params("hw_filing_deadline")
    hour, minute = (int(x) for x in str(deadline).split(":"))
    from django.utils import timezone

    cutoff = timezone.make_aware(
        dt.datetime.combine(day + dt.timedelta(days=int(params("hw_filing_grace_days"))), dt.time(hour, minute))
    )
    year = day.year if day.month >= 9 else day.year - 1
    return {
        "HW-5-G12": (
            q(
                "SELECT {cols}, cs.measured_minutes, COALESCE(cs.measured_minutes, i.minutes) AS counted "
                "FROM {item} i JOIN {cls} c ON c.id = i.school_class_id JOIN {school} s ON s.id = i.school_id "
                "{measured} WHERE i.date = %s AND i.kind = 'written' AND i.at_home AND c.grade BETWEEN 1 AND 2 "
                "AND COALESCE(cs.measured_minutes, i.minutes) > 0 ORDER BY i.date, i.school_class_id, "
                "i.subject",
                cols=item_cols,
                measured=measured,
            ),
            [day],
        ),
        "HW-5-G36": over(3, 6, params("hw_max_minutes_g36")),
        "HW-5-G79": over(7, 9, params("hw_max_minutes_g79")),
        "HW-4-PARENT": flag("i.for_parents OR i.parent_grading"),
        "HW-4-PUNITIVE": flag("i.punitive"),
        "HW-4-STANDARD": flag("i.beyond_standard"),
        "HW-6-SELFGRADE": flag("i.self_grading"),
        "HW-4-PUBLISH": (
            q(
                "SELECT c.id, c.name, c.grade, c.school_id, s.name, d.first_filed_at FROM {cls} c "
                "JOIN {school} s ON s.id = c.school_id LEFT JOIN {hday} d ON d.school_class_id = c.id "
                "AND d.date = %s WHERE c.academic_year = %s AND (d.id IS NULL OR d.first_filed_at > %s)"
            ),
            [day, year, cutoff],
        ),
        "AS-8-PE": reports("r.pe_minutes + r.stage1_minutes < %s", [int(params("as_min_pe_minutes"))]),
        "AS-8-END": reports("r.end_time < %s", [str(params("as_min_end_time"))]),
        "AS-9-NEWLESSON": reports("r.new_lessons"),
        "AS-9-VOLUNTARY": reports("r.compulsory"),
    }


def _execute_parts(part_ids):
    from compliance import services

    services.run_parts_execute(part_ids=part_ids)


def _setup(args) -> None:
    """Point Django at the benchmark's database (created, migrated and seeded when missing)."""
    import psycopg

    try:
        psycopg.connect(args.database_url, connect_timeout=5).close()
    except psycopg.OperationalError:
        ensure_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuangjian.settings")
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_DEBUG", "false")  # as a worker runs: no query log kept per statement
    import django

    django.setup()
    from django.core.management import call_command

    from schools.models import School

    call_command("migrate", verbosity=0)
    # a finished run asks the workers to refresh the dashboards' summary tables: a task of its own (in this
    # eager process it would run inside the last part); not part of the sweep measured here
    from compliance.signals import run_finished

    run_finished.disconnect(dispatch_uid="dashboards_refresh_after_run")
    if not School.objects.exists():
        print(f"seeding the city for {args.day} (once) ...", flush=True)
        started = time.perf_counter()
        call_command("seed_demo", scale="city", seed=1, date_from=args.day, date_to=args.day, verbosity=0)
        print(f"  seeded in {time.perf_counter() - started:.0f}s")


def _capture_rule_sql(rules) -> tuple[dict[str, list[str]], dict]:
    """Wrap each rule so that the SQL it issues during the sweep is kept (for the replayed floor); returns the
    captured statements by rule and the original rules (to put back)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from compliance import registry

    captured: dict[str, list[str]] = defaultdict(list)
    originals = {}
    for r in rules:

        def wrapped(ctx, _func=r.func, _id=r.id):
            connection.queries_log.clear()  # the log keeps 9,000 queries; a capture must start within it
            with CaptureQueriesContext(connection) as q:
                result = _func(ctx)
            captured[_id].extend(x["sql"] for x in q.captured_queries)
            return result

        originals[r.id] = r
        registry._registry[r.id] = dataclasses.replace(r, func=wrapped)
    return captured, originals


def _sweep(args, rule_ids, label: str, processes: int = 1):
    """One sweep of the day as the workers run it; returns its seconds and the seconds per rule (one process)."""
    from django.db import connection

    from compliance import services
    from compliance.services import reconcile

    run = services.run_create(date_from=args.day, date_to=args.day, rule_ids=rule_ids, trigger="cli")
    per_rule: dict[str, float] = defaultdict(float)
    batches = services.part_batches(run.pk)  # what the tasks carry: a few rules' parts each
    sweep_rule_districts = reconcile.sweep_rule_districts
    started = time.perf_counter()
    if processes == 1:
        # per rule: its statements and its findings' reconciliation (a batch's bookkeeping is paid once)
        def timed(*, rule, **kwargs):
            t = time.perf_counter()
            try:
                return sweep_rule_districts(rule=rule, **kwargs)
            finally:
                per_rule[rule.id] += time.perf_counter() - t

        reconcile.sweep_rule_districts = timed
        try:
            for part_ids in batches:
                services.run_parts_execute(part_ids=part_ids)
        finally:
            reconcile.sweep_rule_districts = sweep_rule_districts
    else:
        import multiprocessing

        connection.close()  # each process opens its own, as each worker process does
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            list(pool.imap_unordered(_execute_parts, batches))
    total = time.perf_counter() - started
    run.refresh_from_db()
    label = label if processes == 1 else f"{label}, {processes} processes"
    print(
        f"sweep {label}: {total:.2f}s for {run.parts_total} parts (16 districts x {len(rule_ids)} rules, "
        f"{len(batches)} tasks) — "
        f"{run.state}, new {run.new_count}, still open {run.still_open_count}, cleared {run.cleared_count}"
        + (f", {len(run.errors)} failed parts: {run.errors[:3]}" if run.errors else "")
    )
    return total, per_rule


def _empty_findings(args, rule_ids) -> None:
    """Delete the findings (events cascade) and vacuum, as autovacuum keeps a live table: otherwise each
    benchmark run leaves the previous runs' dead rows in the pages the sweep writes."""
    from django.db import connection

    from compliance.models import ComplianceRun, ComplianceRunPart, Finding, FindingEvent

    Finding.objects.filter(rule_id__in=rule_ids).delete()
    ComplianceRun.objects.filter(trigger="cli", date_from=args.day).delete()
    with connection.cursor() as cur:
        for model in (Finding, FindingEvent, ComplianceRunPart):
            cur.execute(sql.SQL("VACUUM ANALYZE {}").format(sql.Identifier(model._meta.db_table)))


def _floors(args, rule_ids, captured) -> dict[str, tuple[float, str]]:
    """Each check once as plain SQL, warm: the hand-written statement, else the rule's own statements replayed."""
    from django.db import connection

    from compliance.parameters import parameter_value

    hand = floor_statements(args.day, lambda key: parameter_value(key, on=args.day))
    floors: dict[str, tuple[float, str]] = {}
    with connection.cursor() as cur:
        cur.execute("SET jit = off")  # as the sweep runs them: the floor must not pay for JIT compilation either
        for rule_id in rule_ids:
            if rule_id in hand:
                statement, params = hand[rule_id]
                cur.execute(statement, params)
                cur.fetchall()  # warm
                t = time.perf_counter()
                cur.execute(statement, params)
                cur.fetchall()
                floors[rule_id] = (time.perf_counter() - t, "1 statement, city")
            else:
                statements = captured.get(rule_id, [])
                t = time.perf_counter()
                for text in statements:
                    cur.execute(text)
                    if cur.description:
                        cur.fetchall()
                floors[rule_id] = (time.perf_counter() - t, f"{len(statements)} replayed")
    return floors


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL") or default_url("sj_bench_compliance"),
    )
    parser.add_argument("--day", type=dt.date.fromisoformat, default=dt.date(2026, 11, 10))
    parser.add_argument("--rule", action="append", default=[], help="only these rules (default: every auto rule)")
    parser.add_argument(
        "--processes",
        type=int,
        default=2,
        help="also sweep with this many processes executing the parts in parallel (1: skip)",
    )
    args = parser.parse_args()
    _setup(args)
    from django.db import connection

    from compliance import registry
    from compliance.models import ComplianceRun, Finding, FindingEvent
    from homework.models import HomeworkItem
    from schools.models import School, SchoolClass

    with connection.cursor() as cur:
        cur.execute("ANALYZE")  # planner statistics, as autovacuum keeps them on a live database
    rules = [r for r in registry.auto_rules() if not args.rule or r.id in args.rule]
    rule_ids = [r.id for r in rules]
    print(
        f"city: {School.objects.count()} schools, {SchoolClass.objects.count()} classes, "
        f"{HomeworkItem.objects.filter(date=args.day).count()} homework items on {args.day}; "
        f"{len(rules)} auto rules registered: {', '.join(rule_ids)}"
    )
    print(f"PostgreSQL {connection.pg_version // 10000}, {os.cpu_count()} cores")

    captured, originals = _capture_rule_sql(rules)
    _empty_findings(args, rule_ids)
    first, _ = _sweep(args, rule_ids, "first (empty findings table)")
    captured.clear()
    again, per_rule = _sweep(args, rule_ids, "again (same data)")
    registry._registry.update(originals)
    parallel = parallel_again = None
    if args.processes > 1:
        _empty_findings(args, rule_ids)
        parallel, _ = _sweep(args, rule_ids, "first (empty findings table)", processes=args.processes)
        parallel_again, _ = _sweep(args, rule_ids, "again (same data)", processes=args.processes)

    floors = _floors(args, rule_ids, captured)
    floor = sum(v[0] for v in floors.values())
    writes = write_floor(Finding.objects.filter(rule_id__in=rule_ids))

    print(f"\n{'rule':<24}{'sweep s':>9}{'floor s':>9}{'ratio':>8}  floor is")
    for rule_id in rule_ids:
        s, (fl, how) = per_rule.get(rule_id, 0.0), floors[rule_id]
        print(f"{rule_id:<24}{s:>9.3f}{fl:>9.3f}{(s / fl if fl else float('nan')):>8.1f}  {how}")
    findings = Finding.objects.filter(rule_id__in=rule_ids).count()
    print(f"\nfindings in the table: {findings}; history events: {FindingEvent.objects.count()}")
    print(f"sweep of one city school day: first {first:.2f}s, again {again:.2f}s (target < 10 s on 2 cores)")
    print(f"floor (the same checks as plain SQL): {floor:.2f}s")
    print(f"ratio sweep/floor: first {first / floor:.2f}, again {again / floor:.2f} (target < 1.5)")
    if parallel is not None and parallel_again is not None:
        print(
            f"with {args.processes} processes executing the parts (as {args.processes} worker processes do): "
            f"first {parallel:.2f}s, again {parallel_again:.2f}s; ratio {parallel / floor:.2f} / "
            f"{parallel_again / floor:.2f}"
        )
    print(
        f"writes alone (the same {findings} findings and their events written back with COPY, foreign keys "
        f"checked at commit): {writes:.2f}s; checks + writes {floor + writes:.2f}s; ratio sweep/(checks + writes): "
        f"first {first / (floor + writes):.2f}, again {again / (floor + writes):.2f}"
        + (
            f"; with {args.processes} processes {parallel / (floor + writes):.2f} / "
            f"{parallel_again / (floor + writes):.2f}"
            if parallel is not None and parallel_again is not None
            else ""
        )
    )
    ComplianceRun.objects.filter(trigger="cli", date_from=args.day).delete()


def write_floor(findings) -> float:
    """What writing a sweep's findings costs the database alone: the rows the sweep wrote (findings and their
    history events) are read out, deleted, and written back with ``COPY`` (psycopg's ``cursor.copy()``) in one
    transaction, foreign keys checked at its commit (the sweep writes them with ``INSERT … ON CONFLICT`` and
    commits the same checks). Returns the seconds of the ``COPY``s and the commit."""
    from django.db import connection, transaction

    from compliance.models import Finding, FindingEvent

    def columns(model):
        return sql.SQL(", ").join(sql.Identifier(f.column) for f in model._meta.concrete_fields)

    finding_table = sql.Identifier(Finding._meta.db_table)
    event_table = sql.Identifier(FindingEvent._meta.db_table)
    ids = list(findings.values_list("id", flat=True))
    copied: dict[str, bytes] = {}
    with connection.cursor() as cur:
        for name, table, key in (("findings", finding_table, "id"), ("events", event_table, "finding_id")):
            out = bytearray()
            statement = sql.SQL("COPY (SELECT {} FROM {} WHERE {} = ANY(%s)) TO STDOUT").format(
                columns(Finding if name == "findings" else FindingEvent), table, sql.Identifier(key)
            )
            with cur.cursor.copy(statement, [ids]) as copy:
                for chunk in copy:
                    out += chunk
            copied[name] = bytes(out)
    findings.delete()  # the events cascade
    with connection.cursor() as cur:
        cur.execute(sql.SQL("VACUUM ANALYZE {}").format(finding_table))
        cur.execute(sql.SQL("VACUUM ANALYZE {}").format(event_table))
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL synchronous_commit = off")  # as the sweep commits
        for model, table, data in (
            (Finding, finding_table, copied["findings"]),
            (FindingEvent, event_table, copied["events"]),
        ):
            with cur.cursor.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(table, columns(model))) as copy:
                copy.write(data)
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
