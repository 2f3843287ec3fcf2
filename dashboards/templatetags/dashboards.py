"""Template filters of the dashboard pages: rates as percentages, codes as Chinese labels."""

from django import template

from .. import labels

register = template.Library()

LABELS = {
    "band": labels.BAND, "stage": labels.STAGE, "severity": labels.SEVERITY, "category": labels.CATEGORY,
    "licence": labels.LICENCE, "list_status": labels.LIST_STATUS, "complaint_category": labels.COMPLAINT_CATEGORY,
    "department": labels.DEPARTMENT,
}


@register.filter
def pct(value):
    """0.8532 -> 85.3%; no denominator -> an en dash."""
    if value is None:
        return "–"
    return f"{value * 100:.1f}%"


@register.filter
def dash(value):
    return "–" if value is None else value


@register.filter
def label(value, kind):
    return LABELS.get(kind, {}).get(value, value)


@register.filter
def get(mapping, key):
    return (mapping or {}).get(key)
