"""Reads for prepaid funds: the undelivered value of prepayments, balances, the funds dashboard.

Undelivered value of a prepayment = its fee × (hours bought − lessons attended) / hours bought, less the refunds
paid on it, never below zero. A lesson is delivered to a pupil when the pupil's attendance of a session is
recorded (``Attendance``); each session is one class hour (课时).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, Round
from django.utils import timezone

from institutions.choices import Category, LicenceStatus, ListStatus
from institutions.models import Institution, Prepayment

from .choices import LineKind, RefundState
from .models import Attendance, BankStatement, RefundRequest, StatementLine, SupervisedAccount

MONEY = DecimalField(max_digits=16, decimal_places=2)
ZERO = Value(Decimal("0.00"), output_field=MONEY)


def _count(queryset) -> Subquery:
    return Subquery(
        queryset.order_by().values("prepayment_id").annotate(n=Count("*")).values("n")[:1], output_field=IntegerField()
    )


def with_undelivered(prepayments, *, on: dt.date | None = None):
    """Annotate ``attended`` (lessons delivered), ``refunded`` (refunds paid) and ``undelivered`` (yuan)."""
    attendance = Attendance.objects.filter(prepayment=OuterRef("pk"))
    refunds = RefundRequest.objects.filter(prepayment=OuterRef("pk"), state=RefundState.PAID)
    if on is not None:
        attendance = attendance.filter(session__starts_at__date__lte=on)
        refunds = refunds.filter(paid_on__lte=on)
    refunded = Subquery(
        refunds.order_by().values("prepayment_id").annotate(s=Sum("amount")).values("s")[:1], output_field=MONEY
    )
    return prepayments.annotate(
        attended=Coalesce(_count(attendance), 0),
        refunded=Coalesce(refunded, ZERO),
    ).annotate(
        undelivered=Greatest(
            Round(
                ExpressionWrapper(
                    F("amount") * Greatest(F("class_hours") - F("attended"), 0) / Greatest(F("class_hours"), 1),
                    output_field=MONEY,
                ),
                2,
            )
            - F("refunded"),
            ZERO,
            output_field=MONEY,
        )
    )


def undelivered_by_institution(institutions) -> dict[int, Decimal]:
    """{institution id: undelivered value} for the institutions of a queryset, one query."""
    rows = (
        with_undelivered(Prepayment.objects.filter(course__institution__in=institutions))
        .values("course__institution_id")
        .annotate(total=Sum("undelivered"))
        .values_list("course__institution_id", "total")
    )
    return {i: (total or Decimal("0")) for i, total in rows}


def current_balances(institutions) -> dict[int, tuple[SupervisedAccount, Decimal | None, dt.date | None]]:
    """{institution id: (current account, last closing balance or None, its date)}."""
    latest = BankStatement.objects.filter(account=OuterRef("pk")).order_by("-statement_date")
    accounts = (
        SupervisedAccount.objects.filter(institution__in=institutions, closed_on__isnull=True)
        .select_related("bank")
        .annotate(
            balance=Subquery(latest.values("closing_balance")[:1]),
            balance_on=Subquery(latest.values("statement_date")[:1]),
        )
    )
    return {a.institution_id: (a, a.balance, a.balance_on) for a in accounts}


def funds_overview(*, user, ratio: Decimal) -> dict:
    """The funds page: totals, the risk list ranked by shortfall, refunds; per district for city staff."""
    institutions = (
        Institution.objects.visible_to(user)
        .filter(Q(category=Category.SUBJECT) | Q(supervised_accounts__isnull=False))
        .distinct()
    )
    names = {i.pk: i for i in institutions.select_related("district")}
    undelivered = undelivered_by_institution(institutions)
    balances = current_balances(institutions)
    districts: dict[int, dict] = {}
    risks = []
    for pk, inst in names.items():
        account, balance, balance_on = balances.get(pk, (None, None, None))
        owed = undelivered.get(pk, Decimal("0"))
        held = balance or Decimal("0")
        d = districts.setdefault(
            inst.district_id,
            {"district": inst.district, "held": Decimal("0"), "undelivered": Decimal("0"), "below": 0},
        )
        d["held"] += held
        d["undelivered"] += owed
        shortfall = (ratio * owed - held).quantize(Decimal("0.01"))
        if shortfall > 0:
            d["below"] += 1
            risks.append(
                {
                    "institution": inst,
                    "account": account,
                    "balance": balance,
                    "balance_on": balance_on,
                    "undelivered": owed,
                    "shortfall": shortfall,
                }
            )
    for d in districts.values():
        d["coverage"] = (d["held"] / d["undelivered"]) if d["undelivered"] else None
    risks.sort(key=lambda r: r["shortfall"], reverse=True)
    today = timezone.localdate()
    refunds = RefundRequest.objects.visible_to(user)
    refund_counts = refunds.aggregate(
        requested=Count("pk"),
        on_time=Count("pk", filter=Q(state=RefundState.PAID, paid_on__lte=F("due_on"))),
        overdue=Count(
            "pk",
            filter=Q(state=RefundState.PAID, paid_on__gt=F("due_on"))
            | Q(state__in=(RefundState.REQUESTED, RefundState.ACCEPTED), due_on__lt=today),
        ),
        refused=Count("pk", filter=Q(state=RefundState.REFUSED)),
    )
    held = sum((d["held"] for d in districts.values()), Decimal("0"))
    owed = sum((d["undelivered"] for d in districts.values()), Decimal("0"))
    return {
        "held": held,
        "undelivered": owed,
        "coverage": (held / owed) if owed else None,
        "districts": sorted(districts.values(), key=lambda d: d["district"].code),
        "risks": risks,
        "refunds": refund_counts,
        "ratio": ratio,
    }


def public_funds_status(institution_ids) -> dict[int, dict]:
    """For the public look-up: whether an institution's fees are under supervision, and whether a black-listed or
    revoked institution still holds prepaid money (undelivered value above zero)."""
    institutions = Institution.objects.filter(pk__in=institution_ids)
    supervised = set(
        SupervisedAccount.objects.filter(institution__in=institutions, closed_on__isnull=True).values_list(
            "institution_id", flat=True
        )
    )
    flagged = institutions.filter(Q(list_status=ListStatus.BLACK) | Q(licence_status=LicenceStatus.REVOKED))
    owed = undelivered_by_institution(flagged) if flagged.exists() else {}
    return {
        pk: {"supervised": pk in supervised, "holds_prepaid": owed.get(pk, Decimal("0")) > 0}
        for pk in institutions.values_list("pk", flat=True)
    }


def public_funds_status_by_code(credit_code: str) -> dict | None:
    """The look-up page's funds line for one institution (by credit code)."""
    from django.urls import reverse

    inst = Institution.objects.filter(credit_code=(credit_code or "").upper()).first()
    if inst is None:
        return None
    status = public_funds_status([inst.pk])[inst.pk]
    account = SupervisedAccount.objects.filter(institution=inst, closed_on__isnull=True).select_related("bank").first()
    status["bank"] = account.bank.name if account else ""
    status["refund_url"] = reverse("funds:refund-request")
    return status


def released_q() -> Q:
    return Q(kind=LineKind.RELEASE)


def refund_list(user):
    return RefundRequest.objects.visible_to(user).select_related("institution", "prepayment__course", "district")


def account_list(user):
    return SupervisedAccount.objects.visible_to(user).select_related("institution", "bank")


def statement_list(user):
    return (
        BankStatement.objects.visible_to(user)
        .select_related("account__institution", "account__bank")
        .annotate(line_count=Count("lines"))
    )


def has_lines(account) -> Exists:
    return Exists(StatementLine.objects.filter(account=account))
