"""The engine's own rule: RX-OVERDUE, a rectification notice past its deadline or returned twice (portal rule).

Dated by the notice's deadline (overdue) or by the day of the second return, keyed by the notice, so each notice
escalates at most once for each reason, however many sweeps see it. The schedule sweeps a deadline the night
after it passes (``days = own``), a review sweeps its day at once.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Exists, OuterRef
from django.utils import timezone

from .choices import ANSWERED, ReportDecision, RuleDays
from .models import RectificationNotice, RectificationReport
from .registry import SweepContext, Violation, rule


def _due_dates(first: dt.date, last: dt.date) -> dict[int, set[dt.date]]:
    out: dict[int, set[dt.date]] = defaultdict(set)
    for district_id, deadline in RectificationNotice.objects.filter(deadline__range=(first, last)).values_list(
        "district_id", "deadline"
    ):
        out[district_id].add(deadline)
    returned = RectificationReport.objects.filter(
        decision=ReportDecision.RETURNED, decided_at__date__range=(first, last), notice__returns__gte=2
    )
    for district_id, decided_at in returned.values_list("notice__district_id", "decided_at"):
        out[district_id].add(timezone.localdate(decided_at))
    return dict(out)


def _evidence(notice: RectificationNotice, **more) -> dict:
    subject = notice.school or notice.institution
    return {
        "notice_id": notice.pk,
        "notice": notice.number,
        "subject": subject.name if subject else "",
        "issued_on": notice.issued_on.isoformat(),
        "deadline": notice.deadline.isoformat(),
        "working_days": notice.working_days,
        "state": notice.state,
        "returns": notice.returns,
        "reports": [
            {
                "submitted_at": timezone.localtime(r.submitted_at).isoformat(),
                "decision": r.decision,
                "decided_at": timezone.localtime(r.decided_at).isoformat() if r.decided_at else None,
                "reason": r.decision_reason,
            }
            for r in notice.reports.all()
        ],
        **more,
    }


@rule(
    "RX-OVERDUE",
    article=18,
    severity="high",
    subject="school",
    days=RuleDays.OWN,
    due_dates=_due_dates,
    reads=("compliance.rectificationnotice", "compliance.rectificationreport"),
    title_zh="整改逾期或整改报告两次被退回",
    title_en="Rectification overdue, or its report returned twice",
    hint_zh="整改通知期限已过仍无通过复核的整改报告，或整改报告两次被退回：升级督办，市教委可见。",
    hint_en="The notice's deadline passed without an accepted report, or its report was returned twice: "
    "escalated, visible to the city.",
)
def rx_overdue(ctx: SweepContext) -> list[Violation]:
    """A notice whose deadline in the range has passed with no report submitted by then that was accepted or still
    awaits review (the bureau's review time is not the subject's delay; a report returned after the deadline makes
    the notice overdue then: the review sweeps the deadline's day); a notice whose report was returned a second time
    on a day of the range."""
    today = timezone.localdate()
    notices = ctx.in_districts(RectificationNotice.objects.all())
    if ctx.school_ids is not None:
        notices = notices.filter(school_id__in=ctx.school_ids)
    on_time = RectificationReport.objects.filter(
        notice=OuterRef("pk"), decision__in=ANSWERED, submitted_at__date__lte=OuterRef("deadline")
    )
    overdue = notices.filter(deadline__range=(ctx.date_from, min(ctx.date_to, today - dt.timedelta(days=1))))
    overdue = overdue.exclude(Exists(on_time))
    returned = notices.filter(returns__gte=2).filter(
        Exists(
            RectificationReport.objects.filter(
                notice=OuterRef("pk"),
                decision=ReportDecision.RETURNED,
                decided_at__date__range=(ctx.date_from, ctx.date_to),
            )
        )
    )
    rows = (overdue | returned).distinct().select_related("school", "institution").prefetch_related("reports")
    out = []
    for n in rows:
        subject = n.school or n.institution
        ids = {"school_id": n.school_id, "institution_id": n.institution_id}
        if (
            ctx.date_from <= n.deadline <= ctx.date_to
            and n.deadline < today
            and not any(
                r.decision in ANSWERED and timezone.localdate(r.submitted_at) <= n.deadline for r in n.reports.all()
            )
        ):
            out.append(
                Violation(
                    **ids,
                    date=n.deadline,
                    key=f"notice:{n.pk}:overdue",
                    evidence=_evidence(n, reason="overdue"),
                    summary=f"{subject.name} 整改通知 {n.number} 已于 {n.deadline} 到期，未有通过复核的整改报告",
                )
            )
        returns = sorted(
            (r for r in n.reports.all() if r.decision == ReportDecision.RETURNED and r.decided_at),
            key=lambda r: r.decided_at,
        )
        if len(returns) >= 2:
            second = timezone.localdate(returns[1].decided_at)
            if ctx.date_from <= second <= ctx.date_to:
                out.append(
                    Violation(
                        **ids,
                        date=second,
                        key=f"notice:{n.pk}:returned",
                        evidence=_evidence(n, reason="returned_twice"),
                        summary=f"{subject.name} 整改通知 {n.number} 的整改报告第二次被退回",
                    )
                )
    return out
