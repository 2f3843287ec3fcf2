"""Reads of inspections, through the one scoping mechanism."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from accounts.choices import Role
from accounts.scoping import is_city, restrict, role_of
from institutions.models import Institution
from schools.models import School

from .choices import ItemResult
from .models import Inspection, InspectionItem


def may_record(user) -> bool:
    """City staff and district staff record inspections (the service says so again, with the district)."""
    profile = role_of(user)
    return is_city(user) or (profile is not None and profile.role == Role.DISTRICT)


def inspections_visible(*, user) -> QuerySet[Inspection]:
    """The inspections ``user`` may see, with what a list row shows: subject, district, violation count."""
    return restrict(
        Inspection.objects.select_related("district", "school", "institution").annotate(
            violations=Count("items", filter=Q(items__result=ItemResult.VIOLATION)),
            checked=Count("items", filter=~Q(items__result=ItemResult.NOT_CHECKED)),
        ),
        user,
    )


def inspection_with_items(*, user, pk: int) -> Inspection:
    """One inspection in ``user``'s scope with its items (and their findings) and photos; DoesNotExist otherwise."""
    return (
        restrict(Inspection.objects.select_related("district", "school", "institution", "created_by"), user)
        .prefetch_related(
            Prefetch("items", queryset=InspectionItem.objects.select_related("finding").order_by("rule_id")),
            "photos",
        )
        .get(pk=pk)
    )


def subjects_of(district) -> tuple[QuerySet[School], QuerySet[Institution]]:
    """The schools and institutions of a district an inspection may be of."""
    return (
        School.objects.filter(district=district).order_by("name"),
        Institution.objects.filter(district=district).order_by("name"),
    )
