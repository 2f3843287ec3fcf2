"""Reads of filing periods: the corrections a user may see, a class-day's history of versions."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count

from accounts.choices import Role
from accounts.scoping import is_city, role_of

from .choices import CorrectionStatus
from .closing import HOMEWORK, closing_for
from .models import Correction, DayVersion


def corrections_visible(*, user):
    return (
        Correction.objects.visible_to(user)
        .select_related("school", "requested_by", "decided_by")
        .annotate(class_count=Count("days"))
    )


def may_request(user) -> bool:
    profile = role_of(user)
    return profile is not None and profile.role == Role.SCHOOL


def may_decide(user) -> bool:
    profile = role_of(user)
    return is_city(user) or (profile is not None and profile.role == Role.DISTRICT)


def pending_count(*, user) -> int:
    return Correction.objects.visible_to(user).filter(status=CorrectionStatus.PENDING).count()


def day_history(*, school_class_id: int, date: dt.date) -> list[DayVersion]:
    """The superseded versions of a class-day, oldest first, each with the correction that replaced it."""
    return list(
        DayVersion.objects.filter(school_class_id=school_class_id, date=date)
        .select_related("correction", "correction__decided_by")
        .order_by("version")
    )


def day_state(*, school_class_id: int, date: dt.date) -> dict:
    """What the day pages show about a class-day's period: closed or open (and when it closes), its history."""
    closing = closing_for(HOMEWORK, [date])
    history = day_history(school_class_id=school_class_id, date=date)
    return {
        "closes_at": closing.closes_at(date),
        "closed": closing.is_closed(date),
        "history": history,
        "corrected_at": history[-1].replaced_at if history else None,
    }
