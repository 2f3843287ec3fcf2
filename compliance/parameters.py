"""Dated rule parameters: the value in force on a date, and the date ranges over which a rule's parameters are constant."""

from __future__ import annotations

import datetime as dt

from .models import RuleParameter


class MissingParameter(LookupError):
    pass


def parameter_value(key: str, *, on: dt.date):
    row = RuleParameter.objects.filter(key=key, effective_from__lte=on).order_by("-effective_from").first()
    if row is None:
        raise MissingParameter(f"parameter {key} has no value in force on {on}")
    return row.value


def parameters_in_force(*, on: dt.date) -> dict:
    """Every parameter's value on ``on`` (for the rule catalogue)."""
    values = {}
    for row in RuleParameter.objects.filter(effective_from__lte=on).order_by("key", "effective_from"):
        values[row.key] = row  # later rows overwrite earlier ones
    return values


def parameter_segments(keys, date_from: dt.date, date_to: dt.date) -> list[tuple[dt.date, dt.date, dict]]:
    """Split ``[date_from, date_to]`` where any of ``keys`` changes value.

    Returns ``[(start, end, {key: value})]`` so that a rule runs once per
    segment with plain values, and a sweep of a past date uses the values in
    force then. One query for all keys.
    """
    keys = list(keys)
    if not keys:
        return [(date_from, date_to, {})]
    rows = list(RuleParameter.objects.filter(key__in=keys, effective_from__lte=date_to).order_by("effective_from"))
    change_dates = sorted({r.effective_from for r in rows if r.effective_from > date_from})
    starts = [date_from, *change_dates]
    segments = []
    for i, start in enumerate(starts):
        end = starts[i + 1] - dt.timedelta(days=1) if i + 1 < len(starts) else date_to
        values = {}
        for r in rows:
            if r.effective_from <= start:
                values[r.key] = r.value
        missing = [k for k in keys if k not in values]
        if missing:
            raise MissingParameter(f"no value in force on {start} for {', '.join(missing)}")
        segments.append((start, end, values))
    return segments
