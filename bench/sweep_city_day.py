"""A compliance sweep of one whole-city school day, against the same checks as plain SQL (the floor); and the
nightly job's work for one ordinary night and for a Monday night, against theirs.

    .venv/bin/python bench/sweep_city_day.py [--database-url postgres://postgres@127.0.0.1:5432/sj_bench_compliance]
                                             [--day 2026-11-10] [--rule ID ...] [--processes 2]
    .venv/bin/python bench/sweep_city_day.py --night ordinary|monday [--night ...] | --nights
                                             [--database-url .../sj_bench_night] [--day 2026-11-10] [--rule ID ...]

Uses its own database (created and migrated when missing, seeded with
``seed_demo --scale city --seed 1`` when it has no schools): for the one
school day ``--day`` alone (default database ``sj_bench_compliance``), or, in
the night mode, for every day the two nights look at (default database
``sj_bench_night``, below).

The one-day mode (without ``--night``/``--nights``):

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

The night mode (``--night ordinary``, ``--night monday``, both with ``--nights``
or ``--night`` twice): the nightly job (``compliance/services/schedule.py``)
of one night, each rule over its own days:

- the ordinary night is the night after ``--day`` (a school day, default
  Tuesday 2026-11-10): the run of Wednesday 02:00 whose previous run was on
  Tuesday; the every-day and school-day rules over Tuesday, the completeness
  rules (``grace_param``: HW-4-PUBLISH, AS-REPORT-MISSING) over Monday, the
  registration rules, the complaint rules over their own due dates;
- the Monday night is the Monday of ``--day``'s week (2026-11-09), the run of
  Monday 02:00 whose previous run was on Saturday: the every-day rules over
  Saturday and Sunday, the completeness rules over Friday and Saturday (Friday
  is the school day among them), no school-day rule (no school day in its
  window), the registration and complaint rules.

Preparation: the seed covers every day the two nights' rule windows
(``schedule.rule_window``) reach, one span (Friday 2026-11-06 to Tuesday
2026-11-10 by default), so one database serves both nights. ``seed_demo``
seeds a date range itself: homework and after-school reports on the span's
school days; institutions' sessions on its days (subject-type courses on school
days, non-subject courses on the rest days when the span has any, and the
TI-13-HOLIDAY share of subject-type sessions moved to a rest day); prepayments
on any of its days. So the weekend's sessions and prepayments are the seed's
own rows; nothing is added besides. A database seeded for other days is
refused (drop it, or pass another ``--database-url``).

For each night:

1. The nightly job's work, timed as a whole: ``nightly_plan(night=,
   previous=)`` + ``run_create_parts(trigger=schedule, night=)`` +
   ``run_execute_sync`` on the created run (every part executed in this
   process, batched as the tasks carry them), once on an empty findings table
   ("first") and once more ("again": the night's run deleted between, untimed,
   as a night has one run); per rule as in the one-day mode. With
   ``--processes`` N > 1, the same with N processes executing the tasks.
2. The floor, per rule: the hand-written statements of the one-day mode once
   per school day in the rule's window (one statement, city, per day), the
   other rules' own statements of the "again" sweep replayed; the night's
   findings and events written back with ``COPY``; the ratios.
3. The rules with no part that night, and what the data holds on the nights'
   days (homework items, sessions, prepayments), so the weekend's work shows.

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


def _setup(args, span=None) -> None:
    """Point Django at the benchmark's database (created, migrated and seeded when missing): seeded for ``span``
    (``(first, last)``, or a function giving them once the database is migrated), else for ``--day`` alone."""
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
    date_from, date_to = (span() if callable(span) else span) or (args.day, args.day)
    if not School.objects.exists():
        days = str(date_from) if date_from == date_to else f"{date_from} to {date_to}"
        print(f"seeding the city for {days} (once) ...", flush=True)
        started = time.perf_counter()
        call_command("seed_demo", scale="city", seed=1, date_from=date_from, date_to=date_to, verbosity=0)
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


def _floors(rule_days: dict[str, list[dt.date]], captured) -> dict[str, tuple[float, str]]:
    """Each check once as plain SQL, warm: the hand-written statement once for each of the rule's school days
    (``rule_days``), else the rule's own statements replayed."""
    from django.db import connection

    from compliance.parameters import parameter_value

    hand_days = sorted({day for days in rule_days.values() for day in days})
    hand = {day: floor_statements(day, lambda key, _day=day: parameter_value(key, on=_day)) for day in hand_days}
    floors: dict[str, tuple[float, str]] = {}
    with connection.cursor() as cur:
        cur.execute("SET jit = off")  # as the sweep runs them: the floor must not pay for JIT compilation either
        for rule_id, days in rule_days.items():
            if days and rule_id in hand[days[0]]:
                seconds = 0.0
                for day in days:
                    statement, params = hand[day][rule_id]
                    cur.execute(statement, params)
                    cur.fetchall()  # warm
                    t = time.perf_counter()
                    cur.execute(statement, params)
                    cur.fetchall()
                    seconds += time.perf_counter() - t
                floors[rule_id] = (seconds, "1 statement, city" + (f", x {len(days)} days" if len(days) > 1 else ""))
            else:
                statements = captured.get(rule_id, [])
                t = time.perf_counter()
                for text in statements:
                    cur.execute(text)
                    if cur.description:
                        cur.fetchall()
                seconds = time.perf_counter() - t if statements else 0.0  # a rule with nothing to look at issues none
                floors[rule_id] = (seconds, f"{len(statements)} replayed")
    return floors


@dataclasses.dataclass(frozen=True)
class Night:
    """One night of the nightly job: the date it runs on and the date of the run before it."""

    name: str
    night: dt.date
    previous: dt.date

    def describe(self) -> str:
        return (
            f"the {self.name} night: the run of {self.night:%a %Y-%m-%d} 02:00, the previous run "
            f"{self.previous:%a %Y-%m-%d} 02:00"
        )


def nights_of(day: dt.date) -> dict[str, Night]:
    """The ordinary night after ``day`` (a school day: Tuesday's data, Wednesday's run) and the Monday night of
    ``day``'s week (Saturday's run before it)."""
    monday = day - dt.timedelta(days=day.weekday())
    return {
        "ordinary": Night("ordinary", day + dt.timedelta(days=1), day),
        "monday": Night("monday", monday, monday - dt.timedelta(days=2)),
    }


def night_span(nights) -> tuple[dt.date, dt.date]:
    """Every day the nights' rule windows reach (the complaint rules' own dates aside): the days to seed."""
    from compliance import registry
    from compliance.services import rule_window

    windows = [
        window
        for n in nights
        for r in registry.auto_rules()
        if (window := rule_window(r, night=n.night, previous=n.previous)) is not None and window[0] <= window[1]
    ]
    return min(w[0] for w in windows), max(w[1] for w in windows)


def _night_data(span: tuple[dt.date, dt.date]) -> dict[dt.date, tuple[bool, int, int, int]]:
    """Per day of ``span``: (school day, homework items, sessions, prepayments); refuses a database seeded for
    other days (a school day without homework, a rest day without sessions)."""
    from django.db.models import Count
    from django.db.models.functions import TruncDate

    from homework.models import HomeworkItem
    from institutions.models import Prepayment, Session
    from schools.calendar import SchoolCalendar

    first, last = span
    items = dict(
        HomeworkItem.objects.filter(date__range=span).values("date").annotate(n=Count("id")).values_list("date", "n")
    )
    sessions = dict(
        Session.objects.filter(starts_at__date__range=span)
        .annotate(day=TruncDate("starts_at"))
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    payments = dict(
        Prepayment.objects.filter(paid_on__range=span)
        .values("paid_on")
        .annotate(n=Count("id"))
        .values_list("paid_on", "n")
    )
    out = {}
    for info in SchoolCalendar().days(first, last):
        out[info.date] = (
            info.is_school_day,
            items.get(info.date, 0),
            sessions.get(info.date, 0),
            payments.get(info.date, 0),
        )
    missing = [d for d, (school, n_items, n_sessions, _) in out.items() if not (n_items if school else n_sessions)]
    if missing:
        raise SystemExit(
            f"the database holds no homework (school days) or sessions (rest days) on {', '.join(map(str, missing))}:"
            f" it was seeded for other days; drop it or pass another --database-url"
        )
    return out


def _empty_night(night: Night, rule_ids) -> None:
    """The findings emptied (as ``_empty_findings``) and the night's run deleted (a night has one run)."""
    from django.db import connection

    from compliance.models import ComplianceRun, ComplianceRunPart, Finding, FindingEvent

    Finding.objects.filter(rule_id__in=rule_ids).delete()
    ComplianceRun.objects.filter(night=night.night).delete()
    with connection.cursor() as cur:
        for model in (Finding, FindingEvent, ComplianceRunPart):
            cur.execute(sql.SQL("VACUUM ANALYZE {}").format(sql.Identifier(model._meta.db_table)))


def _night_sweep(night: Night, rule_ids, label: str, processes: int = 1):
    """The nightly job's work for ``night``: plan, record, execute every part (this process, or ``processes``
    processes); returns its seconds, the seconds per rule (one process) and the planned parts."""
    from django.db import connection

    from compliance import services
    from compliance.choices import RunTrigger
    from compliance.models import ComplianceRun
    from compliance.services import reconcile

    ComplianceRun.objects.filter(night=night.night).delete()  # "again": the night's run once more (untimed)
    per_rule: dict[str, float] = defaultdict(float)
    wanted = set(rule_ids)
    started = time.perf_counter()
    parts, gaps = services.nightly_plan(night=night.night, previous=night.previous)
    parts = [p for p in parts if p.rule_id in wanted]
    run = services.run_create_parts(parts=parts, trigger=RunTrigger.SCHEDULE, night=night.night, calendar_gaps=gaps)
    planned = time.perf_counter() - started
    if processes == 1:
        t = time.perf_counter()
        tasks = len(services.part_batches(run.pk))  # the batches run_execute_sync executes, counted (untimed)
        started += time.perf_counter() - t
        sweep_rule_districts = reconcile.sweep_rule_districts

        def timed(*, rule, **kwargs):
            t = time.perf_counter()
            try:
                return sweep_rule_districts(rule=rule, **kwargs)
            finally:
                per_rule[rule.id] += time.perf_counter() - t

        reconcile.sweep_rule_districts = timed
        try:
            run = services.run_execute_sync(run=run)
        finally:
            reconcile.sweep_rule_districts = sweep_rule_districts
    else:
        import multiprocessing

        batches = services.part_batches(run.pk)
        tasks = len(batches)
        connection.close()  # each process opens its own, as each worker process does
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            list(pool.imap_unordered(_execute_parts, batches))
        run = services.run_refresh(run_id=run.pk)
    total = time.perf_counter() - started
    label = label if processes == 1 else f"{label}, {processes} processes"
    rules = len({p.rule_id for p in parts})
    print(
        f"sweep {label}: {total:.2f}s (plan and record {planned:.2f}s) for {run.parts_total} parts ({rules} rules, "
        f"{tasks} tasks; run {run.date_from}..{run.date_to}) — {run.state}, new {run.new_count}, still open "
        f"{run.still_open_count}, cleared {run.cleared_count}"
        + (f", {len(run.errors)} errors: {run.errors[:3]}" if run.errors else "")
    )
    return total, per_rule, parts


def _rule_days(parts) -> dict[str, tuple[dt.date, dt.date, list[dt.date]]]:
    """Per rule of the plan: its first and last day over its parts and the school days among them (the days the
    hand-written floor statements run for)."""
    from schools.calendar import SchoolCalendar

    calendars = SchoolCalendar.for_districts({p.district.pk for p in parts})
    out: dict[str, tuple[dt.date, dt.date, set]] = {}
    for p in parts:
        first, last, school = out.get(p.rule_id, (p.date_from, p.date_to, set()))
        school |= set(calendars[p.district.pk].school_days(p.date_from, p.date_to))
        out[p.rule_id] = (min(first, p.date_from), max(last, p.date_to), school)
    return {rule_id: (first, last, sorted(school)) for rule_id, (first, last, school) in sorted(out.items())}


def _ratio(sweep: float, floor: float) -> str:
    """A rule's ratio; "-" when its floor is nothing (it issued no statement: nothing to look at that day)."""
    return f"{sweep / floor:.1f}" if floor else "-"


def _days_label(first: dt.date, last: dt.date) -> str:
    return f"{first:%m-%d}" if first == last else f"{first:%m-%d}..{last:%m-%d}"


def measure_night(night: Night, rules, processes: int) -> dict[str, float]:
    """The figures of one night (printed); returns the totals for the summary."""
    from django.db.models import Count

    from compliance import registry
    from compliance.models import Finding, FindingEvent
    from compliance.parameters import parameter_value

    rule_ids = [r.id for r in rules]
    print(f"\n== {night.describe()}")
    captured, originals = _capture_rule_sql(rules)
    try:
        _empty_night(night, rule_ids)
        first, _, _ = _night_sweep(night, rule_ids, f"{night.name} night first (empty findings table)")
        captured.clear()
        again, per_rule, parts = _night_sweep(night, rule_ids, f"{night.name} night again (same data)")
    finally:
        registry._registry.update(originals)
    parallel = parallel_again = None
    if processes > 1:
        _empty_night(night, rule_ids)
        parallel, _, _ = _night_sweep(night, rule_ids, f"{night.name} night first", processes=processes)
        parallel_again, _, _ = _night_sweep(night, rule_ids, f"{night.name} night again", processes=processes)

    days = _rule_days(parts)
    yesterday = night.night - dt.timedelta(days=1)
    hand = set(floor_statements(yesterday, lambda key: parameter_value(key, on=yesterday)))
    floors = _floors({r: (school if r in hand else []) for r, (_, _, school) in days.items()}, captured)
    floor = sum(v[0] for v in floors.values())
    swept = list(days)

    found = dict(
        Finding.objects.filter(rule_id__in=swept).values("rule_id").annotate(n=Count("id")).values_list("rule_id", "n")
    )
    print(f"\n{'rule':<24}{'days':>13}{'sweep s':>9}{'floor s':>9}{'ratio':>8}{'findings':>10}  floor is")
    for rule_id, (first_day, last_day, _) in days.items():
        s, (fl, how) = per_rule.get(rule_id, 0.0), floors[rule_id]
        undated = not registry.get_rule(rule_id).dated
        span = "registry" if undated else _days_label(first_day, last_day)
        print(f"{rule_id:<24}{span:>13}{s:>9.3f}{fl:>9.3f}{_ratio(s, fl):>8}{found.get(rule_id, 0):>10}  {how}")
    writes = write_floor(Finding.objects.filter(rule_id__in=swept))
    idle = [r for r in rule_ids if r not in days]
    if idle:
        print(f"no part tonight (nothing they look at in their window): {', '.join(idle)}")
    findings = Finding.objects.filter(rule_id__in=swept).count()
    print(f"\nfindings in the table: {findings}; history events: {FindingEvent.objects.count()}")
    print(f"nightly job, {night.name} night: first {first:.2f}s, again {again:.2f}s")
    print(f"floor (the same checks as plain SQL): {floor:.2f}s")
    print(f"ratio sweep/floor: first {first / floor:.2f}, again {again / floor:.2f}")
    if parallel is not None and parallel_again is not None:
        print(
            f"with {processes} processes executing the parts: first {parallel:.2f}s, again {parallel_again:.2f}s; "
            f"ratio {parallel / floor:.2f} / {parallel_again / floor:.2f}"
        )
    print(
        f"writes alone (the same {findings} findings and their events written back with COPY, foreign keys "
        f"checked at commit): {writes:.2f}s; checks + writes {floor + writes:.2f}s; ratio sweep/(checks + writes): "
        f"first {first / (floor + writes):.2f}, again {again / (floor + writes):.2f}"
        + (
            f"; with {processes} processes {parallel / (floor + writes):.2f} / {parallel_again / (floor + writes):.2f}"
            if parallel is not None and parallel_again is not None
            else ""
        )
    )
    from compliance.models import ComplianceRun

    ComplianceRun.objects.filter(night=night.night).delete()
    return {"first": first, "again": again, "floor": floor, "writes": writes, "findings": findings}


def main_nights(args) -> None:
    """The night mode (see the module docstring)."""
    every = nights_of(args.day)
    chosen = [every[name] for name in (["ordinary", "monday"] if args.nights else dict.fromkeys(args.night))]
    _setup(args, span=lambda: night_span(every.values()))
    from django.db import connection

    from compliance import registry
    from schools.models import School, SchoolClass

    with connection.cursor() as cur:
        cur.execute("ANALYZE")  # planner statistics, as autovacuum keeps them on a live database
    span = night_span(every.values())
    data = _night_data(span)
    rules = [r for r in registry.auto_rules() if not args.rule or r.id in args.rule]
    print(
        f"city: {School.objects.count()} schools, {SchoolClass.objects.count()} classes; "
        f"{len(rules)} auto rules registered"
    )
    print(f"PostgreSQL {connection.pg_version // 10000}, {os.cpu_count()} cores")
    print(
        "the seeded days: "
        + "; ".join(
            f"{day:%a %m-%d} {'school day' if school else 'rest day'}: {items} homework items, {sessions} sessions, "
            f"{payments} prepayments"
            for day, (school, items, sessions, payments) in data.items()
        )
    )
    results = {n.name: measure_night(n, rules, args.processes) for n in chosen}
    print()
    for name, r in results.items():
        print(
            f"nightly job, {name} night: first {r['first']:.2f}s, again {r['again']:.2f}s; floor {r['floor']:.2f}s, "
            f"ratio {r['first'] / r['floor']:.2f} / {r['again'] / r['floor']:.2f}; checks + writes "
            f"{r['floor'] + r['writes']:.2f}s, ratio {r['first'] / (r['floor'] + r['writes']):.2f} / "
            f"{r['again'] / (r['floor'] + r['writes']):.2f} ({r['findings']} findings)"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL"),
        help="default: sj_bench_compliance (one day), sj_bench_night (the nights) on the server of DATABASE_URL",
    )
    parser.add_argument(
        "--day",
        type=dt.date.fromisoformat,
        default=dt.date(2026, 11, 10),
        help="the school day swept; in the night mode, the day before the ordinary night, in the Monday night's week",
    )
    parser.add_argument("--rule", action="append", default=[], help="only these rules (default: every auto rule)")
    parser.add_argument(
        "--processes",
        type=int,
        default=2,
        help="also sweep with this many processes executing the parts in parallel (1: skip)",
    )
    parser.add_argument(
        "--night", action="append", choices=["ordinary", "monday"], default=[], help="the nightly job of this night"
    )
    parser.add_argument("--nights", action="store_true", help="both nights: --night ordinary --night monday")
    args = parser.parse_args()
    if args.night or args.nights:
        args.database_url = args.database_url or default_url("sj_bench_night")
        main_nights(args)
        return
    args.database_url = args.database_url or default_url("sj_bench_compliance")
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

    floors = _floors({rule_id: [args.day] for rule_id in rule_ids}, captured)
    floor = sum(v[0] for v in floors.values())
    writes = write_floor(Finding.objects.filter(rule_id__in=rule_ids))

    print(f"\n{'rule':<24}{'sweep s':>9}{'floor s':>9}{'ratio':>8}  floor is")
    for rule_id in rule_ids:
        s, (fl, how) = per_rule.get(rule_id, 0.0), floors[rule_id]
        print(f"{rule_id:<24}{s:>9.3f}{fl:>9.3f}{_ratio(s, fl):>8}  {how}")
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
