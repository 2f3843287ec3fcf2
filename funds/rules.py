"""The prepaid-funds rules (Art. 15): TI-15-CUSTODY, TI-15-EARLY-RELEASE, TI-15-REFUND.

- TI-15-CUSTODY (undated, the money as it stands): a subject-type institution's prepayment not paid into its
  registered supervised account (one finding per prepayment), or the last closing balance of its current account
  below ``custody_min_ratio`` × the undelivered value of its prepayments (one finding per institution, the
  shortfall in yuan in the evidence);
- TI-15-EARLY-RELEASE (every day, dated by the release's value date): a release dated before its session's day,
  or one that brings the money released for a pupil's prepayment above what the lessons attended by then are
  worth (fee / hours bought × lessons attended); one finding per release line;
- TI-15-REFUND (the requests' own dates, like the complaint deadlines): a refund request not decided and paid by
  its deadline, ``refund_working_days`` working days after it came in on the district's calendar.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from compliance.choices import RuleDays
from compliance.registry import SweepContext, Violation, rule
from institutions import rule_queries as rq
from institutions.choices import Category
from institutions.models import Prepayment

from .choices import LineKind, RefundState
from .models import Attendance, RefundRequest, StatementLine
from .selectors import current_balances, undelivered_by_institution

CENT = Decimal("0.01")
MONEY = DecimalField(max_digits=16, decimal_places=2)


def _money(value) -> str:
    return str(Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP))


@rule(
    "TI-15-CUSTODY",
    article=15,
    severity="high",
    subject="institution",
    reads=(
        "funds.supervisedaccount",
        "funds.bankstatement",
        "funds.statementline",
        "funds.attendance",
        "funds.refundrequest",
        "institutions.prepayment",
    ),
    dated=False,
    params=("custody_min_ratio",),
    title_zh="预收费未进入监管账户或监管余额不足",
    title_en="Prepaid fees outside the supervised account, or the balance below the undelivered lessons",
    hint_zh="预收费须全部存入登记的资金监管账户，账户余额不得低于未消课时对应的费用：补足差额。",
    hint_en="Pay every prepaid fee into the registered supervised account and keep its balance at or above the "
    "fees of undelivered lessons: make up the shortfall.",
)
def ti_15_custody(ctx: SweepContext) -> list[Violation]:
    ratio = Decimal(str(ctx.params["custody_min_ratio"]))
    institutions = rq.institutions(ctx).filter(category=Category.SUBJECT)
    out: list[Violation] = []
    # paid elsewhere: no account, another institution's, or one closed before the fee was paid
    elsewhere = (
        Prepayment.objects.filter(course__institution__in=institutions)
        .filter(
            Q(supervised_account__isnull=True)
            | ~Q(supervised_account__institution_id=F("course__institution_id"))
            | Q(supervised_account__closed_on__lt=F("paid_on"))
        )
        .select_related("course__institution", "supervised_account")
    )
    for p in elsewhere:
        inst = p.course.institution
        out.append(
            Violation(
                institution_id=inst.pk,
                key=f"prepayment:{p.pk}",
                evidence=rq.institution_evidence(
                    inst,
                    prepayment_id=p.pk,
                    receipt_no=p.receipt_no,
                    paid_on=p.paid_on.isoformat(),
                    amount=_money(p.amount),
                    account=p.supervised_account.account_no if p.supervised_account else p.account,
                ),
                summary=f"{inst.name} 收据 {p.receipt_no or p.pk} 的预收费 {p.amount} 元未进入登记的监管账户",
            )
        )
    owed = undelivered_by_institution(institutions)
    balances = current_balances(institutions.filter(pk__in=list(owed)))
    names = {i.pk: i for i in institutions.filter(pk__in=list(owed))}
    for pk, undelivered in owed.items():
        required = (ratio * undelivered).quantize(CENT, rounding=ROUND_HALF_UP)
        account, balance, balance_on = balances.get(pk, (None, None, None))
        held = balance or Decimal("0")
        if held >= required:
            continue
        inst = names[pk]
        shortfall = required - held
        out.append(
            Violation(
                institution_id=pk,
                key="balance",
                evidence=rq.institution_evidence(
                    inst,
                    account=account.account_no if account else None,
                    bank=account.bank.name if account else None,
                    balance=_money(held),
                    balance_on=balance_on.isoformat() if balance_on else None,
                    undelivered=_money(undelivered),
                    ratio=str(ratio),
                    shortfall=_money(shortfall),
                ),
                summary=f"{inst.name} 监管余额 {_money(held)} 元，未消课时费用 {_money(undelivered)} 元，"
                f"差额 {_money(shortfall)} 元",
            )
        )
    return out


@rule(
    "TI-15-EARLY-RELEASE",
    article=15,
    severity="high",
    subject="institution",
    days=RuleDays.EVERY,
    reads=("funds.statementline", "funds.attendance", "institutions.session"),
    title_zh="监管资金提前划拨",
    title_en="Supervised money released before the lessons were delivered",
    hint_zh="监管资金须按课消进度划拨（一课一消）：不得在上课前或超过已上课时划拨。",
    hint_en="Release supervised money lesson by lesson: never before the lesson, never more than delivered.",
)
def ti_15_early_release(ctx: SweepContext) -> list[Violation]:
    if rq.skipped(ctx):
        return []
    tz = timezone.get_current_timezone()
    released_to_date = (
        StatementLine.objects.filter(
            prepayment=OuterRef("prepayment_id"), kind=LineKind.RELEASE, value_date__lte=OuterRef("value_date")
        )
        .order_by()
        .values("prepayment_id")
        .annotate(s=Sum("amount"))
        .values("s")[:1]
    )
    attended_to_date = (
        Attendance.objects.filter(prepayment=OuterRef("prepayment_id"))
        .annotate(day=TruncDate("session__starts_at", tzinfo=tz))
        .filter(day__lte=OuterRef("value_date"))
        .order_by()
        .values("prepayment_id")
        .annotate(n=Count("*"))
        .values("n")[:1]
    )
    rows = (
        ctx.in_districts(
            StatementLine.objects.filter(kind=LineKind.RELEASE, value_date__range=(ctx.date_from, ctx.date_to)),
            "account__institution__district_id",
        )
        .annotate(
            session_day=TruncDate("session__starts_at", tzinfo=tz),
            released=Coalesce(Subquery(released_to_date, output_field=MONEY), Decimal("0")),
            attended=Coalesce(Subquery(attended_to_date, output_field=IntegerField()), 0),
        )
        .annotate(
            delivered=ExpressionWrapper(
                F("prepayment__amount") * F("attended") / F("prepayment__class_hours"), output_field=MONEY
            )
        )
        .filter(Q(value_date__lt=F("session_day")) | Q(released__gt=F("delivered") + CENT / 2))
        .select_related("account__institution", "prepayment", "session")
    )
    out = []
    for ln in rows:
        inst = ln.account.institution
        problems = []
        if ln.value_date < ln.session_day:
            problems.append(f"{ln.value_date} 划拨 {ln.session_day} 的课次")
        delivered = Decimal(ln.delivered).quantize(CENT, rounding=ROUND_HALF_UP)
        if ln.released > delivered:
            problems.append(f"累计划拨 {_money(ln.released)} 元，已上课时值 {_money(delivered)} 元")
        out.append(
            Violation(
                institution_id=inst.pk,
                date=ln.value_date,
                key=f"release:{ln.pk}",
                evidence=rq.institution_evidence(
                    inst,
                    txn_id=ln.txn_id,
                    account=ln.account.account_no,
                    value_date=ln.value_date.isoformat(),
                    amount=_money(ln.amount),
                    session_id=ln.session_id,
                    session_day=ln.session_day.isoformat(),
                    receipt_no=ln.prepayment.receipt_no,
                    released_to_date=_money(ln.released),
                    lessons_attended=ln.attended,
                    delivered_value=_money(delivered),
                ),
                summary=f"{inst.name} 流水 {ln.txn_id}：" + "；".join(problems),
            )
        )
    return out


def _refund_due_dates(first: dt.date, last: dt.date) -> dict[int, set[dt.date]]:
    out: dict[int, set[dt.date]] = defaultdict(set)
    rows = RefundRequest.objects.filter(due_on__range=(first, last)).values_list("district_id", "requested_on")
    for district_id, requested_on in rows.distinct():
        out[district_id].add(requested_on)
    return dict(out)


@rule(
    "TI-15-REFUND",
    article=15,
    severity="medium",
    subject="institution",
    days=RuleDays.OWN,
    due_dates=_refund_due_dates,
    reads=("funds.refundrequest",),
    params=("refund_working_days",),
    title_zh="退费申请未在期限内答复并退款",
    title_en="Refund request not decided and paid within the deadline",
    hint_zh="收到家长退费申请后，须在规定工作日内答复，同意的须从监管账户退款。",
    hint_en="Answer a parent's refund request and pay an accepted refund from the supervised account within the "
    "deadline.",
)
def ti_15_refund(ctx: SweepContext) -> list[Violation]:
    """A request whose deadline passed (today after it) neither refused nor paid, or decided or paid after it."""
    if rq.skipped(ctx):
        return []
    today = timezone.localdate()
    rows = (
        ctx.in_districts(
            RefundRequest.objects.filter(requested_on__range=(ctx.date_from, ctx.date_to), due_on__isnull=False)
        )
        .filter(
            Q(state__in=(RefundState.REQUESTED, RefundState.ACCEPTED), due_on__lt=today)
            | Q(state=RefundState.PAID, paid_on__gt=F("due_on"))
            | Q(state=RefundState.REFUSED, decided_on__gt=F("due_on"))
        )
        .select_related("institution")
    )
    out = []
    for r in rows:
        done = r.paid_on if r.state == RefundState.PAID else r.decided_on if r.state == RefundState.REFUSED else None
        out.append(
            Violation(
                institution_id=r.institution_id,
                district_id=r.district_id,
                date=r.requested_on,
                key=f"refund:{r.pk}",
                evidence=rq.institution_evidence(
                    r.institution,
                    refund=r.tracking_code,
                    refund_id=r.pk,
                    state=r.state,
                    requested_on=r.requested_on.isoformat(),
                    due_on=r.due_on.isoformat(),
                    decided_on=r.decided_on.isoformat() if r.decided_on else None,
                    paid_on=r.paid_on.isoformat() if r.paid_on else None,
                    days_late=((done or today) - r.due_on).days,
                ),
                summary=f"退费申请 {r.tracking_code} 期限 {r.due_on:%m-%d}，"
                + (f"{done:%m-%d} 才办结" if done else "尚未办结"),
            )
        )
    return out
