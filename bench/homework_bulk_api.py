"""Homework filing through the bulk API into PostgreSQL, against PostgreSQL's own COPY of the same rows.

    .venv/bin/python bench/homework_bulk_api.py [--database-url postgres://postgres@127.0.0.1:5432/sj_bench_homework]
                                                [--day 2026-11-10] [--items 0] [--scale city]

Uses its own database (created and migrated when missing; the city's schools
and classes seeded when empty, or with ``--scale small`` the 6 schools of
``seed_demo --scale small --only schools``: a smoke run in seconds, as CI runs it).
1. One city school day of homework (``homework.seed.day_items`` for every
   class, about 200,000 items) is POSTed to ``/api/v1/homework/`` in batches
   of 5,000, in process (DRF's APIClient, no HTTP server), timed per request.
   The filing-triggered sweep is only requested (rows in SweepRequest), as in
   production, where a worker runs it; step 3 runs that sweep.
2. The floor: the same rows COPYed from memory into the emptied table.
3. The day is swept for the HW rules (``run_create`` + ``run_execute_sync``),
   after marking all but 2 % of the class-days as published on time.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import default_url, ensure_database  # noqa: E402 - after the path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL") or default_url("sj_bench_homework"),
    )
    parser.add_argument("--day", type=dt.date.fromisoformat, default=dt.date(2026, 11, 10))
    parser.add_argument("--items", type=int, default=0, help="file only this many items (0: the whole day)")
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=2, help="also time this many concurrent callers")
    parser.add_argument(
        "--scale",
        choices=["small", "city"],
        default="city",
        help="the schools and classes seeded into an empty database",
    )
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = args.database_url
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuangjian.settings")
    ensure_database(args.database_url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext  # noqa: F401 - keeps DEBUG cursors off
    from rest_framework.test import APIClient

    import compliance.services as compliance_services
    from accounts.models import Profile
    from compliance.models import ComplianceRun, Finding, FindingEvent, SweepRequest
    from compliance.services import run_create, run_execute_sync
    from homework import sql
    from homework.models import HomeworkDay, HomeworkItem
    from homework.seed import day_items
    from homework.services import item_row
    from schools.models import School, SchoolClass

    call_command("migrate", verbosity=0)
    if not School.objects.exists():
        t = time.perf_counter()
        if args.scale == "city":
            _seed_city_classes()
        else:
            call_command("seed_demo", scale=args.scale, seed=1, only=["schools"], verbosity=0)
        print(f"created the schools and classes ({args.scale} scale) in {time.perf_counter() - t:.1f}s")
    classes = list(
        SchoolClass.objects.filter(academic_year=2026).order_by("id").values_list("id", "school_id", "grade")
    )
    rng = random.Random(7)
    items = []
    for class_id, school_id, grade in classes:
        items.extend(
            day_items(rng, class_id=class_id, school_id=school_id, grade=grade, day=args.day, violation_rate=0.05)
        )
    if args.items:
        items = items[: args.items]
    print(
        f"load average before the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
        "(other work on the machine slows PostgreSQL and so both figures)"
    )
    print(f"{len(School.objects.all())} schools, {len(classes)} classes, {len(items)} items for {args.day}")

    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(username="bench-city")
    Profile.objects.get_or_create(user=user, defaults={"role": "city"})
    client = APIClient()
    client.force_authenticate(user)

    # the sweep a filing asks for is timed in step 3, not inside each POST
    compliance_services.sweeps._schedule_pending_sweep = lambda: None

    def api_fields(c):
        return {
            "school_class": c.school_class_id,
            "date": c.date.isoformat(),
            "subject": c.subject,
            "kind": c.kind,
            "minutes": c.minutes,
            "at_home": c.at_home,
            "for_parents": c.for_parents,
            "parent_grading": c.parent_grading,
            "self_grading": c.self_grading,
            "punitive": c.punitive,
            "beyond_standard": c.beyond_standard,
            "content": c.content,
        }

    # a batch never splits a class's day: re-filing replaces a class-day-subject, so a school system sends a
    # class's day whole
    batches, current = [], []
    for c in items:
        if len(current) >= args.batch - 10 and current[-1].school_class_id != c.school_class_id:
            batches.append(current)
            current = []
        current.append(c)
    batches.append(current)
    bodies = [json.dumps([api_fields(c) for c in batch]).encode() for batch in batches]

    def empty():
        with connection.cursor() as cur:
            cur.execute(
                f"TRUNCATE {HomeworkItem._meta.db_table}, {HomeworkDay._meta.db_table}, "
                f"{SweepRequest._meta.db_table}, {FindingEvent._meta.db_table}, {Finding._meta.db_table} "
                "RESTART IDENTITY CASCADE"
            )
            cur.execute(f"VACUUM ANALYZE {HomeworkItem._meta.db_table}")

    # 1. the API -----------------------------------------------------------------------------
    def post_all(clients: int) -> tuple[float, list[float]]:
        """POST every batch with ``clients`` concurrent callers (each a thread with its own connection)."""
        from concurrent.futures import ThreadPoolExecutor

        from django.db import connections

        timings: list[float] = []

        def worker(chunk):
            c = APIClient()
            c.force_authenticate(user)
            try:
                for body in chunk:
                    t = time.perf_counter()
                    resp = c.post("/api/v1/homework/", body, content_type="application/json")
                    timings.append(time.perf_counter() - t)
                    if resp.status_code != 201:
                        raise RuntimeError(f"API refused a batch: {resp.status_code} {resp.content[:300]!r}")
            finally:
                connections.close_all()

        started = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(worker, [bodies[i::clients] for i in range(clients)]))
        return time.perf_counter() - started, sorted(timings)

    # a school files its day while the day is open (until 20:00 the day after, ``periods.closing``): the clock is
    # set to noon of the day filed, running on from there (the closing check is one query per request)
    import time_machine

    filing_clock = time_machine.travel(
        dt.datetime.combine(args.day, dt.time(12, 0), tzinfo=ZoneInfo("Asia/Shanghai")), tick=True
    )
    filing_clock.start()
    api_rate = 0.0
    for clients in sorted({1, args.clients}):
        empty()
        api_seconds, per_batch = post_all(clients)
        filed = HomeworkItem.objects.count()
        rate = filed / api_seconds
        if clients == 1:
            api_rate = rate
        print(
            f"API   : {filed} items in {api_seconds:.2f}s = {rate:,.0f} items/s with {clients} client(s) "
            f"(batches of about {args.batch}: median {per_batch[len(per_batch) // 2] * 1000:.0f} ms, "
            f"slowest {per_batch[-1] * 1000:.0f} ms)"
        )

    # a re-filing of the same day: every item replaces its predecessor
    t = time.perf_counter()
    for body in bodies[:4]:
        client.post("/api/v1/homework/", body, content_type="application/json")
    refile = sum(len(b) for b in batches[:4]) / (time.perf_counter() - t)
    print(f"API re-filing (replace) : {refile:,.0f} items/s over the first {min(4, len(bodies))} batches")

    # 2. the floor: PostgreSQL COPY of the same rows ------------------------------------------------
    empty()
    stamp = dt.datetime.now(dt.UTC)
    rows = [item_row(c, filed_at=stamp, filed_by_id=user.pk) for c in items]
    t = time.perf_counter()
    from django.db import transaction

    with transaction.atomic():
        sql.items_copy(rows)
    copy_seconds = time.perf_counter() - t
    copy_rate = len(items) / copy_seconds
    print(f"COPY  : {len(items)} items in {copy_seconds:.2f}s = {copy_rate:,.0f} items/s")
    print(f"ratio : one API client reaches {api_rate / copy_rate:.1%} of COPY ({copy_rate / api_rate:.1f}x slower)")

    # 3. one city school day filed and swept --------------------------------------------------------
    empty()
    t0 = time.perf_counter()
    for body in bodies:
        client.post("/api/v1/homework/", body, content_type="application/json")
    filed_seconds = time.perf_counter() - t0
    filing_clock.stop()  # the sweep runs on today's clock, after the day's deadline
    # the schools published on time, but for 2 % of the class-days (HW-4-PUBLISH finds those)
    on_time = dt.datetime.combine(args.day, dt.time(11, 0), tzinfo=dt.UTC)
    HomeworkDay.objects.filter(
        id__in=HomeworkDay.objects.order_by("?")[: int(0.98 * len(classes))].values("id")
    ).update(first_filed_at=on_time)
    t1 = time.perf_counter()
    with connection.cursor() as cur:
        # what autovacuum does after a bulk load; timed with the sweep
        cur.execute(f"ANALYZE {HomeworkItem._meta.db_table}, {HomeworkDay._meta.db_table}")
    hw_rules = [
        "HW-5-G12",
        "HW-5-G36",
        "HW-5-G79",
        "HW-4-PARENT",
        "HW-4-PUNITIVE",
        "HW-4-STANDARD",
        "HW-6-SELFGRADE",
        "HW-4-PUBLISH",
    ]
    run = run_execute_sync(run=run_create(date_from=args.day, date_to=args.day, rule_ids=hw_rules))
    swept_seconds = time.perf_counter() - t1
    by_rule = {r: Finding.objects.filter(rule_id=r).count() for r in hw_rules}
    print(
        f"city day: filed {len(items)} items in {filed_seconds:.1f}s, swept {len(hw_rules)} rules x "
        f"{len(run.district_codes)} districts in {swept_seconds:.1f}s, total {filed_seconds + swept_seconds:.1f}s "
        f"(run {run.state}, {run.new_count} findings: {by_rule})"
    )
    ComplianceRun.objects.filter(pk=run.pk).delete()
    return 0


def _seed_city_classes() -> None:
    """About 1,700 schools and 38,000 classes in the 16 districts, in the city's proportions."""
    from schools.models import District, School, SchoolClass
    from schools.seed import SCALES, grades_of

    rng = random.Random(1)
    counts = SCALES["city"]["schools_per_district"]
    schools = []
    for district in District.objects.all():
        for i in range(counts.get(district.code, 50)):
            r = rng.random()
            stage = "primary" if r < 0.55 else "junior" if r < 0.8 else "nine_year"
            schools.append(
                School(
                    district=district,
                    name=f"{district.name}第{i + 1}学校",
                    code=f"B{district.code}{i:04d}",
                    stage=stage,
                )
            )
    School.objects.bulk_create(schools, batch_size=2000)
    classes = [
        SchoolClass(school=school, academic_year=2026, grade=grade, name=f"{grade}年级{n}班", headcount=40)
        for school in School.objects.all()
        for grade in grades_of(school.stage)
        for n in range(1, rng.randint(3, 5) + 1)
    ]
    SchoolClass.objects.bulk_create(classes, batch_size=5000)


if __name__ == "__main__":
    sys.exit(main())
