"""The complaint deadline rules (Art. 18): CP-18-ACCEPT and CP-18-RESOLVE.

Both are dated by the day a complaint was received and keyed by the
complaint, so each complaint is one finding. A complaint answered late stays a
finding (the deadline was missed); one still waiting is flagged once today is
past its deadline. The deadlines themselves are computed on the district's
calendar when the complaint is received or accepted (``services``).
"""

import datetime as dt
from collections import defaultdict

from django.db.models import F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from compliance.choices import RuleDays
from compliance.registry import Violation, rule

from .choices import AWAITING_RESOLVE, State
from .models import Complaint


def _evidence(c, **extra) -> dict:
    return {
        "complaint": c.tracking_code,
        "complaint_id": c.pk,
        "category": c.category,
        "department": c.department,
        "received_on": c.received_on.isoformat(),
        "state": c.state,
        **extra,
    }


def _iso(value):
    return value.isoformat() if value else None


def _due_dates(field: str):
    """The days complaints were received whose ``field`` deadline fell between two dates: the night after a
    deadline passes, the schedule sweeps the day the complaint came in."""

    def due_dates(first: dt.date, last: dt.date) -> dict[int, set[dt.date]]:
        out: dict[int, set[dt.date]] = defaultdict(set)
        rows = Complaint.objects.filter(**{f"{field}__range": (first, last)}).values_list("district_id", "received_on")
        for district_id, received_on in rows.distinct():
            out[district_id].add(received_on)
        return dict(out)

    return due_dates


@rule(
    "CP-18-ACCEPT",
    article=18,
    severity="medium",
    subject="district",
    days=RuleDays.OWN,
    due_dates=_due_dates("accept_due"),
    reads=("complaints.complaint",),
    dated=True,
    title_zh="投诉未在期限内受理",
    title_en="Complaint not accepted or rejected within the deadline",
    params=("complaint_accept_working_days",),
    hint_zh="请尽快受理或说明不予受理的理由。",
    hint_en="Accept the complaint or reject it with a reason.",
)
def cp_18_accept(ctx):
    """A complaint neither accepted nor rejected by its acceptance deadline (working days on the calendar)."""
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    rows = (
        ctx.in_districts(
            Complaint.objects.filter(received_on__range=(ctx.date_from, ctx.date_to), accept_due__isnull=False)
        )
        .annotate(responded_on=TruncDate("responded_at", tzinfo=tz))
        .filter(
            Q(responded_at__isnull=True, state=State.RECEIVED, accept_due__lt=today)
            | Q(responded_at__isnull=False, responded_on__gt=F("accept_due"))
        )
        .only(
            "id",
            "district_id",
            "tracking_code",
            "category",
            "department",
            "received_on",
            "state",
            "accept_due",
            "responded_at",
        )
    )
    out = []
    for c in rows:
        answered = c.responded_on
        late_until = answered or today
        out.append(
            Violation(
                date=c.received_on,
                district_id=c.district_id,
                key=f"complaint:{c.pk}",
                evidence=_evidence(
                    c,
                    accept_due=_iso(c.accept_due),
                    responded_on=_iso(answered),
                    days_late=(late_until - c.accept_due).days,
                ),
                summary=f"投诉{c.tracking_code}受理期限{c.accept_due:%m-%d}，"
                + (f"{answered:%m-%d}才答复" if answered else "尚未受理"),
            )
        )
    return out


@rule(
    "CP-18-RESOLVE",
    article=18,
    severity="medium",
    subject="district",
    days=RuleDays.OWN,
    due_dates=_due_dates("resolve_due"),
    reads=("complaints.complaint",),
    dated=True,
    title_zh="投诉未在期限内办结",
    title_en="Complaint not resolved within the deadline",
    params=("complaint_resolve_working_days",),
    hint_zh="请尽快办结投诉并答复投诉人。",
    hint_en="Resolve the complaint and reply to the complainant.",
)
def cp_18_resolve(ctx):
    """An accepted complaint not resolved by its resolution deadline (working days on the calendar)."""
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    rows = (
        ctx.in_districts(
            Complaint.objects.filter(received_on__range=(ctx.date_from, ctx.date_to), resolve_due__isnull=False)
        )
        .annotate(resolved_on=TruncDate("resolved_at", tzinfo=tz))
        .filter(
            Q(resolved_at__isnull=True, state__in=AWAITING_RESOLVE, resolve_due__lt=today)
            | Q(resolved_at__isnull=False, resolved_on__gt=F("resolve_due"))
        )
        .only(
            "id",
            "district_id",
            "tracking_code",
            "category",
            "department",
            "received_on",
            "state",
            "resolve_due",
            "resolved_at",
        )
    )
    out = []
    for c in rows:
        done = c.resolved_on
        out.append(
            Violation(
                date=c.received_on,
                district_id=c.district_id,
                key=f"complaint:{c.pk}",
                evidence=_evidence(
                    c,
                    resolve_due=_iso(c.resolve_due),
                    resolved_on=_iso(done),
                    days_late=((done or today) - c.resolve_due).days,
                ),
                summary=f"投诉{c.tracking_code}办结期限{c.resolve_due:%m-%d}，"
                + (f"{done:%m-%d}才办结" if done else "尚未办结"),
            )
        )
    return out
