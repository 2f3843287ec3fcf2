"""Reads of the compliance engine, always through the scoping mechanism."""

from accounts.scoping import restrict

from . import registry
from .choices import ACTIVE_STATUSES
from .models import Finding


def findings_visible(*, user):
    return restrict(Finding.objects.all(), user).select_related(
        "district", "school", "school_class", "institution", "teacher"
    )


def open_findings_for_landing(*, user, limit=20) -> list[dict]:
    """The caller's active findings, newest first, each with the rule's title and what to fix."""
    rows = findings_visible(user=user).filter(status__in=ACTIVE_STATUSES).order_by("-period_start", "-id")[:limit]
    out = []
    for f in rows:
        rule = registry.get_rule(f.rule_id) if registry.is_registered(f.rule_id) else None
        out.append({"finding": f, "rule": rule})
    return out
