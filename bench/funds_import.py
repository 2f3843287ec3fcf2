"""A city day's bank statements imported into PostgreSQL, against PostgreSQL's own COPY of the same rows.

    .venv/bin/python bench/funds_import.py [--database-url postgres://postgres@127.0.0.1:5432/sj_bench_funds]
                                           [--institutions 640] [--lines 50] [--day 2026-11-10]

Uses its own database (dropped and created afresh, then migrated). It registers ``--institutions`` subject-type
institutions (spread over the city's districts), each with one supervised account, one course with
``--lines`` // 5 prepayments (receipt numbers) and four lessons. One statement per account for ``--day`` holds
``--lines`` lines: a deposit per prepayment, the rest releases of (lesson, prepayment) pairs.

1. The bank's API: one ``POST /api/v1/funds/bank/statements/`` per account (DRF's APIClient in process, no HTTP
   server), as the custodian bank's token; the sweep each import asks for is only requested, as in production
   where a worker runs it.
2. The upload: the same day as one CSV file through ``funds.imports.statement_file_import`` (district staff's
   upload page without the page), after emptying the statements.
3. Importing the same file again (every transaction already there: nothing saved).
4. The floor: the same statements and lines COPYed into the emptied tables (``funds.sql``).

Prints figures side by side; asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import default_url, recreate_database  # noqa: E402 - after the path


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL") or default_url("sj_bench_funds"))
    parser.add_argument("--institutions", type=int, default=640)
    parser.add_argument("--lines", type=int, default=50, help="lines per statement (at least 5)")
    parser.add_argument("--day", type=dt.date.fromisoformat, default=dt.date(2026, 11, 10))
    parser.add_argument("--keep", action="store_true", help="reuse the database as it is (the test's)")
    return parser.parse_args(argv)


def build(n: int, lines: int, day: dt.date):
    """The institutions, accounts, prepayments and lessons; returns {account: [(kind, ...), ...]}."""
    from zoneinfo import ZoneInfo

    from funds.models import Bank, SupervisedAccount
    from institutions.models import Course, Institution, Prepayment, Session
    from schools.models import District

    tz = ZoneInfo("Asia/Shanghai")
    districts = list(District.objects.order_by("code"))
    bank, _ = Bank.objects.get_or_create(code="BENCH", defaults={"name": "基准测试存管银行"})
    institutions = Institution.objects.bulk_create(
        [
            Institution(
                name=f"基准培训学校{i:04d}",
                credit_code=f"52BENCH{i:011d}",
                district=districts[i % len(districts)],
                category="subject",
                domain="academic",
                audience=["compulsory"],
                mode="offline",
                nonprofit=True,
                licence_status="valid",
                licence_no=f"教民{i:06d}",
            )
            for i in range(n)
        ]
    )
    accounts = SupervisedAccount.objects.bulk_create(
        [
            SupervisedAccount(
                institution=inst,
                bank=bank,
                account_no=f"6222{inst.pk:012d}",
                agreement_no=f"JG-{inst.pk}",
                agreement_signed_on=dt.date(2026, 8, 1),
                opened_on=dt.date(2026, 9, 1),
            )
            for inst in institutions
        ]
    )
    courses = Course.objects.bulk_create(
        [
            Course(
                institution=inst,
                name="五年级数学",
                subject="maths",
                content_grade=5,
                min_grade=5,
                max_grade=5,
                mode="offline",
                class_size=20,
                lesson_minutes=45,
                price_per_lesson=Decimal("60.00"),
            )
            for inst in institutions
        ]
    )
    pupils = max(1, lines // 5)
    prepayments = Prepayment.objects.bulk_create(
        [
            Prepayment(
                course=c,
                paid_on=day - dt.timedelta(days=7),
                amount=Decimal("1800.00"),
                class_hours=30,
                months=3,
                account="",
                supervised=True,
                supervised_account=a,
                receipt_no=f"R{c.pk}-{k}",
            )
            for c, a in zip(courses, accounts, strict=True)
            for k in range(pupils)
        ]
    )
    starts = [dt.datetime.combine(day - dt.timedelta(days=d), dt.time(18, 0), tzinfo=tz) for d in range(4)]
    sessions = Session.objects.bulk_create(
        [
            Session(course=c, starts_at=s, ends_at=s + dt.timedelta(minutes=45), mode="offline", site=None)
            for c in courses
            for s in starts
        ]
    )
    by_course_p: dict[int, list] = {}
    for p in prepayments:
        by_course_p.setdefault(p.course_id, []).append(p)
    by_course_s: dict[int, list] = {}
    for s in sessions:
        by_course_s.setdefault(s.course_id, []).append(s)
    plan = {}
    for c, a in zip(courses, accounts, strict=True):
        rows = [("deposit", p.paid_on, Decimal("1800.00"), p.receipt_no, None, p.pk, None) for p in by_course_p[c.pk]]
        pairs = [(s, p) for s in by_course_s[c.pk] for p in by_course_p[c.pk]]
        i = 0
        while len(rows) < lines:
            s, p = pairs[i % len(pairs)]
            rows.append(("release", day, Decimal("60.00"), p.receipt_no, s.pk, p.pk, s.pk))
            i += 1
        plan[a] = rows[:lines]
    return plan


def main(argv=None):
    args = parse_args(argv)
    if args.lines < 5:
        raise SystemExit("--lines must be at least 5")
    if not args.keep:
        recreate_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuangjian.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import transaction
    from rest_framework.test import APIClient

    import compliance.services as compliance_services
    from accounts.models import Profile
    from funds import sql
    from funds.imports import COLUMNS, statement_file_import
    from funds.models import Bank, BankStatement, StatementLine

    if not args.keep:
        call_command("migrate", verbosity=0)
    t = time.perf_counter()
    plan = build(args.institutions, args.lines, args.day)
    total = sum(len(rows) for rows in plan.values())
    print(f"prepared {len(plan)} accounts, {total} statement lines for {args.day} in {time.perf_counter() - t:.1f}s")
    print(
        f"load average before the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
        "(other work on the machine slows PostgreSQL and so every figure)"
    )
    # the sweep an import asks for is requested (a row per district), not run: a worker runs it in production
    compliance_services.sweeps._schedule_pending_sweep = lambda: None

    def empty():
        StatementLine.objects.all().delete()
        BankStatement.objects.all().delete()

    User = get_user_model()
    bank_user = User.objects.create(username="bench-bank")
    Profile.objects.create(user=bank_user, role="bank", bank=Bank.objects.get(code="BENCH"))
    staff = User.objects.create(username="bench-city")
    Profile.objects.create(user=staff, role="city")

    # 1. the bank's API, one statement per request
    client = APIClient()
    client.force_authenticate(bank_user)
    bodies = [
        {
            "account_no": account.account_no,
            "statement_date": args.day.isoformat(),
            "closing_balance": "9999.00",
            "lines": [
                {
                    "txn_id": f"T{account.pk}-{i}",
                    "kind": kind,
                    "value_date": value_date.isoformat(),
                    "amount": str(amount),
                    "reference": reference,
                    **({"session_id": session_id} if session_id else {}),
                }
                for i, (kind, value_date, amount, reference, session_id, _p, _s) in enumerate(rows)
            ],
        }
        for account, rows in plan.items()
    ]
    t = time.perf_counter()
    for body in bodies:
        response = client.post("/api/v1/funds/bank/statements/", body, format="json")
        if response.status_code != 201:
            raise SystemExit(f"the API refused a statement: {response.status_code} {response.content[:500]!r}")
    api_seconds = time.perf_counter() - t
    assert StatementLine.objects.count() == total

    # 2. the upload: one CSV file with the whole day
    empty()
    header = ",".join(c.label for c in COLUMNS)
    out = [header]
    for account, rows in plan.items():
        for i, (kind, value_date, amount, reference, session_id, _p, _s) in enumerate(rows):
            out.append(
                f"{account.account_no},{args.day},9999.00,T{account.pk}-{i},{kind},{value_date},{amount},"
                f"{reference},{session_id or ''}"
            )
    data = ("\n".join(out) + "\n").encode()
    t = time.perf_counter()
    result = statement_file_import(actor=staff, file=io.BytesIO(data))
    file_seconds = time.perf_counter() - t
    assert result.lines == total, result

    # 3. the same file again: every transaction known, nothing saved
    t = time.perf_counter()
    again = statement_file_import(actor=staff, file=io.BytesIO(data))
    again_seconds = time.perf_counter() - t
    assert again.lines == 0 and again.skipped_lines == total

    # 4. the floor: COPY of the same rows
    empty()
    now = dt.datetime.now(dt.UTC)
    t = time.perf_counter()
    with transaction.atomic():
        sql.statements_copy((a.pk, args.day, Decimal("9999.00"), "file", now) for a in plan)
        ids = dict(BankStatement.objects.values_list("account_id", "id"))
        sql.lines_copy(
            (ids[a.pk], a.pk, f"T{a.pk}-{i}", kind, value_date, amount, reference, prepayment_id, session_id, None)
            for a, rows in plan.items()
            for i, (kind, value_date, amount, reference, session_id, prepayment_id, _s) in enumerate(rows)
        )
    copy_seconds = time.perf_counter() - t

    def rate(seconds):
        return total / seconds if seconds else float("inf")

    print(f"{'path':<28}{'seconds':>10}{'lines/s':>12}{'vs COPY':>10}")
    for name, seconds in (
        (f"API ({len(plan)} POSTs)", api_seconds),
        ("file upload (one CSV)", file_seconds),
        ("file again (all skipped)", again_seconds),
        ("COPY (the floor)", copy_seconds),
    ):
        print(f"{name:<28}{seconds:>10.2f}{rate(seconds):>12,.0f}{copy_seconds / seconds:>10.1%}")
    print(
        f"city day: {len(plan)} statements x {args.lines} lines = {total} lines; "
        f"API {rate(api_seconds):,.0f} lines/s, file {rate(file_seconds):,.0f} lines/s, COPY {rate(copy_seconds):,.0f} lines/s"
    )


if __name__ == "__main__":
    main()
