"""Reads of the complaints app: public tracking, the staff inbox."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, Count, DateField, F, Q, Value, When

from accounts.scoping import restrict

from .choices import AWAITING_ACCEPT, AWAITING_RESOLVE
from .crypto import secret_hash, secret_matches
from .models import Complaint

_DUMMY_HASH = None


def tracked_by_secret(queryset, *, tracking_code: str, secret: str):
    """The row of ``queryset`` with this tracking code when the secret matches its hash; None otherwise, in about
    the same time either way (a missing code still hashes once). Complaints and refund requests share it."""
    global _DUMMY_HASH
    from .services import normalise_code

    code = normalise_code(tracking_code)
    row = queryset.filter(tracking_code=code).first() if code else None
    if row is None:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = secret_hash("not-a-secret")
        secret_matches(secret or "", _DUMMY_HASH)
        return None
    if not secret_matches((secret or "").strip().upper(), row.secret_hash):
        return None
    return row


def complaint_track(*, tracking_code: str, secret: str) -> Complaint | None:
    """The complaint when the code and the secret match; None otherwise, in about the same time either way."""
    return tracked_by_secret(Complaint.objects.select_related("district"), tracking_code=tracking_code, secret=secret)


def public_events(complaint: Complaint):
    return complaint.events.filter(public=True).order_by("at", "id")


def public_status(complaint: Complaint) -> dict:
    """What the complainant sees: status, deadlines and the public part of the timeline, nothing personal."""
    return {
        "tracking_code": complaint.tracking_code,
        "state": complaint.state,
        "state_label": str(complaint.get_state_display()),
        "category": complaint.category,
        "category_label": str(complaint.get_category_display()),
        "district": complaint.district.name,
        "department_label": str(complaint.get_department_display()),
        "received_on": complaint.received_on,
        "accept_due": complaint.accept_due,
        "resolve_due": complaint.resolve_due,
        "outcome": complaint.outcome if complaint.resolved_at else "",
        "can_reopen": complaint.reopen_count == 0 and complaint.state in ("rejected", "resolved", "closed"),
        "events": [
            {
                "at": e.at,
                "kind": e.kind,
                "kind_label": str(e.get_kind_display()),
                "to_state": e.to_state,
                "actor": e.actor_label,
                "note": e.note,
            }
            for e in public_events(complaint)
        ],
    }


def complaint_inbox(*, user):
    """The complaints the user may see, the most urgent deadline first."""
    next_due = Case(
        When(state__in=AWAITING_ACCEPT, then=F("accept_due")),
        When(state__in=AWAITING_RESOLVE, then=F("resolve_due")),
        default=Value(None),
        output_field=DateField(),
    )
    qs = (
        restrict(Complaint.objects.all(), user)
        .select_related("district", "institution", "school", "teacher", "assigned_to")
        .annotate(due=next_due, photo_count=Count("photos"))
    )
    return qs.order_by(F("due").asc(nulls_last=True), "received_at", "id")


#: how close in time two complaints about the same phone or institution must be to be flagged as a possible repeat
DUPLICATE_WINDOW = dt.timedelta(days=7)


def possible_duplicates(complaint: Complaint, *, user) -> list[dict]:
    """Other complaints the user may see that may be the same case: the same complainant's phone (compared by its
    digest, never in clear) or the same institution, received within 7 days either side. Each with why it matched."""
    same = Q()
    if complaint.phone_digest:
        same |= Q(phone_digest=complaint.phone_digest)
    if complaint.institution_id:
        same |= Q(institution_id=complaint.institution_id)
    if not same:
        return []
    around = (complaint.received_on - DUPLICATE_WINDOW, complaint.received_on + DUPLICATE_WINDOW)
    rows = (
        restrict(Complaint.objects.all(), user)
        .filter(same, received_on__range=around)
        .exclude(pk=complaint.pk)
        .select_related("district")
        .order_by("received_on", "id")[:20]
    )
    out = []
    for other in rows:
        reasons = []
        if complaint.phone_digest and other.phone_digest == complaint.phone_digest:
            reasons.append("phone")
        if complaint.institution_id and other.institution_id == complaint.institution_id:
            reasons.append("institution")
        out.append({"complaint": other, "reasons": reasons})
    return out
