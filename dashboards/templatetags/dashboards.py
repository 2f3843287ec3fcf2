"""Template filters of the dashboard pages: rates as percentages, codes and rule IDs as labels in the reader's language."""

from django import template
from django.utils import translation

from compliance import registry

from .. import labels

register = template.Library()


@register.filter
def pct(value):
    """0.8532 -> 85.3%; no denominator (or no figure at all) -> an en dash."""
    if value is None or value == "":
        return "–"
    return f"{value * 100:.1f}%"


@register.filter
def dash(value):
    return "–" if value is None else value


@register.filter
def label(value, kind):
    return labels.label(kind, value)


@register.filter
def rule_title(rule_id):
    """A rule's title in the reader's language (the ID itself for an unregistered one)."""
    if not registry.is_registered(rule_id):
        return rule_id
    return registry.get_rule(rule_id).title(translation.get_language())


@register.filter
def get(mapping, key):
    return (mapping or {}).get(key)
