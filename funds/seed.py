"""Demo prepaid funds for ``seed_demo``: a supervised account for every subject-type institution at one of three
custodian banks, receipt numbers and attendance for the seeded prepayments and sessions, one statement per
account on the last seeded day (deposits, lesson-by-lesson releases, refunds paid, the closing balance), with
about ``violation_rate`` of the accounts (at least two when it is above zero) short of the undelivered value (TI-15-CUSTODY) and of the releases (as many) made
the day before their lesson (TI-15-EARLY-RELEASE); and refund requests in every state, a few of them late
(TI-15-REFUND). Every demo refund request shares the complaints' demo tracking secret.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from complaints.crypto import phone_digest
from complaints.crypto import secret_hash as tracking_secret_hash
from complaints.seed import DEMO_SECRET
from complaints.services import ALPHABET
from institutions.choices import Category
from institutions.models import Institution, Prepayment, Session

from .choices import LineKind, RefundState, StatementSource
from .models import Attendance, Bank, BankStatement, RefundRequest, StatementLine, SupervisedAccount
from .services import refund_due_on

BANKS = [("ICBC-BJ", "中国工商银行北京市分行"), ("CCB-BJ", "中国建设银行北京市分行"), ("BOB", "北京银行")]
REFUNDS = {"small": 12, "district": 60, "city": 400}
CENT = Decimal("0.01")


def seed(*, rng, scale, violation_rate, date_from, date_to, log) -> None:
    institutions = list(Institution.objects.filter(category=Category.SUBJECT).select_related("district").order_by("pk"))
    if not institutions:
        log("funds: no subject-type institutions, nothing to seed")
        return
    banks = [Bank.objects.get_or_create(code=code, defaults={"name": name})[0] for code, name in BANKS]
    existing = set(SupervisedAccount.objects.values_list("institution_id", flat=True))
    accounts = SupervisedAccount.objects.bulk_create(
        [
            SupervisedAccount(
                institution=inst,
                bank=banks[inst.pk % len(banks)],
                account_no=f"{6222 + inst.pk % len(banks)}{inst.pk:012d}",
                agreement_no=f"JG-{inst.district.code}-{inst.pk:06d}",
                agreement_signed_on=date_from - dt.timedelta(days=120),
                opened_on=date_from - dt.timedelta(days=90),
            )
            for inst in institutions
            if inst.pk not in existing
        ]
    )
    by_institution = {a.institution_id: a for a in SupervisedAccount.objects.filter(closed_on__isnull=True)}
    prepayments = list(
        Prepayment.objects.filter(course__institution__in=institutions).select_related("course").order_by("pk")
    )
    for p in prepayments:
        p.receipt_no = p.receipt_no or f"SJ{p.pk:08d}"
        if p.supervised and p.supervised_account_id is None:
            p.supervised_account = by_institution.get(p.course.institution_id)
    Prepayment.objects.bulk_update(prepayments, ["receipt_no", "supervised_account"], batch_size=2000)
    attendance = _attendance(rng, prepayments, date_to)
    statements, lines, early = _statements(rng, by_institution, prepayments, attendance, date_to, violation_rate)
    refunds = _refunds(rng, scale, prepayments, by_institution, date_from, date_to, violation_rate)
    log(
        f"funds: {len(accounts)} accounts, {len(attendance)} attendances, {statements} statements with {lines} "
        f"lines ({early} early releases), {refunds} refund requests (tracking secret {DEMO_SECRET})"
    )


def _attendance(rng, prepayments, until: dt.date) -> list[Attendance]:
    """Each pupil attends nine lessons in ten of their course's sessions up to ``until``, within the hours bought."""
    by_course = defaultdict(list)
    for p in prepayments:
        by_course[p.course_id].append(p)
    used: dict[int, int] = defaultdict(int)
    rows = []
    sessions = Session.objects.filter(course_id__in=list(by_course), starts_at__date__lte=until).order_by("starts_at")
    for s in sessions.only("id", "course_id", "starts_at"):
        for p in by_course[s.course_id]:
            if p.paid_on <= timezone.localdate(s.starts_at) and used[p.pk] < p.class_hours and rng.random() < 0.9:
                used[p.pk] += 1
                rows.append(Attendance(session_id=s.pk, prepayment_id=p.pk))
    return Attendance.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)


def _statements(rng, accounts, prepayments, attendance, day: dt.date, violation_rate):
    """One statement per account on ``day``: its deposits and releases, a balance short for a few accounts."""
    per_hour = {p.pk: (p.amount / p.class_hours).quantize(CENT) for p in prepayments if p.class_hours}
    session_days = dict(
        Session.objects.filter(pk__in={a.session_id for a in attendance}).values_list("id", "starts_at")
    )
    payments = {p.pk: p for p in prepayments}
    statements, lines, early = {}, [], 0
    balance: dict[int, Decimal] = defaultdict(Decimal)
    for p in prepayments:
        account = p.supervised_account
        if account is None or p.paid_on < day - dt.timedelta(days=31):
            continue
        statements.setdefault(
            account.pk, BankStatement(account=account, statement_date=day, source=StatementSource.FILE)
        )
        lines.append(_line(account, f"D{p.pk:010d}", LineKind.DEPOSIT, p.paid_on, p.amount, p.receipt_no, prepayment=p))
        balance[account.pk] += p.amount
    at_least = 2 if violation_rate > 0 else 0
    early_ones = set(
        rng.sample(
            range(len(attendance)), min(len(attendance), max(at_least, round(len(attendance) * violation_rate / 4)))
        )
    )
    for i, a in enumerate(attendance):
        p = payments[a.prepayment_id]
        account = p.supervised_account
        if account is None or account.pk not in statements:
            continue
        value_date = timezone.localdate(session_days[a.session_id])
        if i in early_ones:
            value_date -= dt.timedelta(days=1)  # TI-15-EARLY-RELEASE: the day before the lesson
            early += 1
        if value_date < p.paid_on:
            continue
        amount = per_hour[p.pk]
        lines.append(
            _line(
                account,
                f"R{a.session_id}-{a.prepayment_id}",
                LineKind.RELEASE,
                value_date,
                amount,
                p.receipt_no,
                prepayment=p,
                session_id=a.session_id,
            )
        )
        balance[account.pk] -= amount
    at_least = 2 if violation_rate > 0 else 0
    short = set(
        rng.sample(sorted(statements), min(len(statements), max(at_least, round(len(statements) * violation_rate))))
    )
    for account_pk, statement in statements.items():
        held = max(balance[account_pk], Decimal("0"))
        if account_pk in short:  # TI-15-CUSTODY: money gone from the account (a few accounts, at least two)
            held = (held * Decimal(rng.choice(["0.6", "0.8", "0.95"]))).quantize(CENT)
        statement.closing_balance = held
    done = set(BankStatement.objects.filter(statement_date=day).values_list("account_id", flat=True))
    fresh = [s for s in statements.values() if s.account_id not in done]
    created = {s.account_id: s for s in BankStatement.objects.bulk_create(fresh)}
    lines = [line for line in lines if line.account_id in created]
    for line in lines:
        line.statement = created[line.account_id]
    StatementLine.objects.bulk_create(lines, batch_size=5000, ignore_conflicts=True)
    return len(created), len(lines), early


def _line(account, txn, kind, value_date, amount, reference, *, prepayment=None, session_id=None, refund=None):
    return StatementLine(
        account=account,
        txn_id=txn,
        kind=kind,
        value_date=value_date,
        amount=amount,
        reference=reference,
        prepayment=prepayment,
        session_id=session_id,
        refund=refund,
    )


def _refunds(rng, scale, prepayments, accounts, date_from, date_to, violation_rate) -> int:
    """Refund requests in every state; the paid ones appear on their account's statement."""
    today = timezone.localdate()
    secret = tracking_secret_hash(DEMO_SECRET)
    pool = [p for p in prepayments if p.supervised_account_id]
    rng.shuffle(pool)
    states = [RefundState.REQUESTED, RefundState.ACCEPTED, RefundState.REFUSED, RefundState.PAID]
    codes = set(RefundRequest.objects.values_list("tracking_code", flat=True))
    created = 0
    for i, p in enumerate(pool[: REFUNDS.get(scale, REFUNDS["small"])]):
        state = states[i % len(states)]
        late = violation_rate > 0 and rng.random() < max(violation_rate, 0.25)
        inst = p.course.institution
        waiting = state in (RefundState.REQUESTED, RefundState.ACCEPTED)
        requested_on = (today - dt.timedelta(days=rng.randint(1, 3))) if waiting else date_from
        if late and waiting:
            requested_on = date_from  # long past its deadline
        elif late and state == RefundState.PAID:
            requested_on = date_from - dt.timedelta(days=21)  # paid two days after its deadline
        due_on = refund_due_on(district=inst.district, start=requested_on)
        while True:
            code = "TF" + "".join(rng.choice(ALPHABET) for _ in range(10))
            if code not in codes:
                codes.add(code)
                break
        phone = f"13{rng.randrange(10**9):09d}"
        refund = RefundRequest(
            tracking_code=code,
            secret_hash=secret,
            institution=inst,
            prepayment=p,
            district_id=inst.district_id,
            reason=rng.choice(["孩子转学", "课程安排与学校活动冲突", "对教学质量不满意", ""]),
            contact_name=rng.choice("王李张刘陈") + "女士",
            contact_phone=phone,
            phone_digest=phone_digest(phone),
            requested_on=requested_on,
            due_on=due_on,
            state=state,
        )
        half = (p.amount / 2).quantize(CENT)
        decided = requested_on + dt.timedelta(days=rng.randint(1, 4))
        if state in (RefundState.ACCEPTED, RefundState.PAID):
            refund.amount, refund.decided_on = half, decided
        if state == RefundState.REFUSED:
            refund.refusal_reason, refund.decided_on = "已上课时超过一半，按合同不予退费", decided
        if state == RefundState.PAID:
            paid_on = (due_on + dt.timedelta(days=2)) if (late and due_on) else decided + dt.timedelta(days=1)
            refund.paid_on = min(paid_on, date_to)
        refund.save()
        created += 1
        if state == RefundState.PAID:
            statement = BankStatement.objects.filter(account_id=p.supervised_account_id, statement_date=date_to).first()
            if statement is not None and refund.paid_on >= date_to - dt.timedelta(days=31):
                StatementLine.objects.create(
                    statement=statement,
                    account_id=p.supervised_account_id,
                    txn_id=f"F{refund.pk:010d}",
                    kind=LineKind.REFUND,
                    value_date=refund.paid_on,
                    amount=half,
                    reference=code,
                    refund=refund,
                )
                statement.closing_balance = max(statement.closing_balance - half, Decimal("0"))
                statement.save(update_fields=["closing_balance"])
    return created
