"""The nightly schedule: every rule over the days that became checkable for it since the previous night.

Decided per rule from its metadata (``registry.Rule``), never per weekday:

- a rule on school days or on every calendar day looks at the days since the previous night's run (normally
  yesterday; after nights the job did not run, every day since, at most ``MAX_CATCH_UP_DAYS``). Weekends,
  holidays and vacations are swept like any day; a school-day rule simply finds no school day in them (a
  district with none in its window gets no part for that rule);
- a completeness rule (``grace_param``: something must be filed for each day) looks at the days whose deadline
  passed since the previous night: day D is due once D + grace days has ended, so the night of D + grace + 1
  sweeps it. The look-back therefore reaches grace + 1 days behind tonight;
- a rule on its subjects' own dates (``RuleDays.OWN``: complaints, dated by the day they came in) asks the rule
  which of those dates hold a deadline that passed since the previous night;
- registration rules (no date) are judged every night on the registry as it stands.

A district whose calendar does not know a day of its windows (a year the holiday calendar does not cover yet)
gets no dated part; the run records the gap with the year (``ComplianceRun.calendar_gaps``) and ends with an
error that says where city staff enter the year. Nothing is guessed.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction

from schools.models import District

from .. import registry
from ..choices import RuleDays, RunTrigger
from ..models import ComplianceRun
from ..parameters import MissingParameter, parameter_value
from .dispatch import run_enqueue
from .runs import PlannedPart, run_create_parts

logger = logging.getLogger(__name__)

#: after nights the job did not run (the scheduler was down), it catches up at most this many days
MAX_CATCH_UP_DAYS = 31


def _grace_days(rule: registry.Rule, on: dt.date) -> int:
    try:
        return max(int(parameter_value(rule.grace_param, on=on)), 0)
    except MissingParameter:
        return 0  # the part itself fails and names the missing parameter


def rule_window(rule: registry.Rule, *, night: dt.date, previous: dt.date) -> tuple[dt.date, dt.date] | None:
    """The days ``rule`` must be swept over on ``night``, given the night the job last ran (``previous``); None
    for rules on their subjects' own dates (``nightly_plan`` asks them)."""
    yesterday = night - dt.timedelta(days=1)
    if not rule.dated:
        return yesterday, yesterday  # the registry now; judged with the values in force yesterday
    if rule.days == RuleDays.OWN:
        return None
    if rule.grace_param:
        grace = dt.timedelta(days=_grace_days(rule, yesterday))
        return previous - grace, yesterday - grace
    return previous, yesterday


def previous_night(night: dt.date) -> dt.date:
    """The night the schedule last ran before ``night``; at most ``MAX_CATCH_UP_DAYS`` back, which is also where
    the first night ever starts (what was recorded before the schedule ran is checked once)."""
    last = (
        ComplianceRun.objects.filter(night__lt=night, night__isnull=False)
        .order_by("-night")
        .values_list("night", flat=True)
        .first()
    )
    earliest = night - dt.timedelta(days=MAX_CATCH_UP_DAYS)
    return earliest if last is None else max(last, earliest)


def nightly_plan(*, night: dt.date, previous: dt.date | None = None) -> tuple[list[PlannedPart], list[dict]]:
    """The parts of ``night``'s run (each rule × district with its own days) and the calendar gaps met."""
    from schools.calendar import CalendarGap, SchoolCalendar

    previous = previous_night(night) if previous is None else previous
    districts = list(District.objects.order_by("code"))
    calendars = SchoolCalendar.for_districts([d.pk for d in districts])
    parts: list[PlannedPart] = []
    gaps: dict[tuple[str, int], dict] = {}
    known: dict[tuple[int, dt.date, dt.date], list | None] = {}

    def days_of(district, date_from, date_to):
        """The district's calendar over the window, or None after recording the gap."""
        key = (district.pk, date_from, date_to)
        if key not in known:
            try:
                known[key] = calendars[district.pk].days(date_from, date_to)
            except CalendarGap as exc:
                known[key] = None
                gaps.setdefault(
                    (district.code, exc.year), {"district": district.code, "year": exc.year, "error": exc.message}
                )
        return known[key]

    for rule in registry.auto_rules():
        window = rule_window(rule, night=night, previous=previous)
        if window is None:
            assert rule.due_dates is not None  # registry.register insists
            due = rule.due_dates(previous, night - dt.timedelta(days=1))
            windows = {d.pk: (min(due[d.pk]), max(due[d.pk])) for d in districts if due.get(d.pk)}
        elif window[1] < window[0]:
            continue
        else:
            windows = {d.pk: window for d in districts}
        for district in districts:
            if district.pk not in windows:
                continue
            date_from, date_to = windows[district.pk]
            if rule.dated:
                days = days_of(district, date_from, date_to)
                if days is None:
                    continue
                if rule.days == RuleDays.SCHOOL and not any(d.is_school_day for d in days):
                    continue  # nothing this rule looks at in this district's window
            parts.append(PlannedPart(rule_id=rule.id, district=district, date_from=date_from, date_to=date_to))
    return parts, list(gaps.values())


def run_nightly(*, night: dt.date) -> ComplianceRun:
    """Create and send the run of ``night`` (the date the schedule runs on: it checks what became checkable since
    the previous night). Idempotent: a night has one run (a database constraint), and asking again returns it."""
    existing = ComplianceRun.objects.filter(night=night).first()
    if existing is not None:
        return existing
    parts, gaps = nightly_plan(night=night)
    try:
        with transaction.atomic():
            run = run_create_parts(parts=parts, trigger=RunTrigger.SCHEDULE, night=night, calendar_gaps=gaps)
            run_enqueue(run=run)
    except IntegrityError:  # another scheduler process created it meanwhile
        return ComplianceRun.objects.get(night=night)
    if gaps:
        logger.error("nightly sweep of %s: the calendar does not know %s", night, sorted({g["year"] for g in gaps}))
    return run
