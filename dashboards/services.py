"""Writes of the dashboards app: rebuild the summary tables for some districts and dates.

``stats_refresh`` is set-based: per call, one DELETE and one INSERT … SELECT per
summary table over the whole scope (``dashboards/sql.py``), whatever the number
of classes, items or reports. The only Python loop
is over the days of the range, to resolve the school calendar and the dated
rule parameters into ``SchoolDay`` rows.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from compliance.parameters import parameter_segments
from homework.limits import LIMIT_PARAMS, MINUTE_LIMITS
from schools.calendar import SchoolCalendar, academic_year
from schools.models import District

from . import sql
from .caching import figures_changed, stats_version_bump
from .models import ClassDayStat, SchoolDay, SchoolDayStat

#: the dated rule parameters the summary tables resolve per day (the written-minute limits: ``homework.limits``)
PARAM_KEYS = ("hw_filing_deadline", "hw_filing_grace_days", *LIMIT_PARAMS, "as_filing_grace_days", "as_min_end_time")


@dataclass
class RefreshCounts:
    school_days: int = 0
    class_days: int = 0
    school_day_reports: int = 0


logger = logging.getLogger(__name__)


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _hhmm(value) -> dt.time:
    if isinstance(value, dt.time):
        return value
    hour, minute = (int(x) for x in str(value).split(":")[:2])
    return dt.time(hour, minute)


def _school_day_rows(district: District, date_from: dt.date, date_to: dt.date) -> list[SchoolDay]:
    """The district's school days in the range with the parameters in force on each (raises ``CalendarGap``)."""
    calendar = SchoolCalendar(district)
    tz = timezone.get_default_timezone()
    rows = []
    for start, end, params in parameter_segments(PARAM_KEYS, date_from, date_to):
        hw_at = _hhmm(params["hw_filing_deadline"])
        hw_grace = int(params["hw_filing_grace_days"])
        as_grace = int(params["as_filing_grace_days"])
        for day in calendar.school_days(start, end):
            rows.append(
                SchoolDay(
                    district=district,
                    date=day,
                    week=week_start(day),
                    academic_year=academic_year(day),
                    # HW-4-PUBLISH: filed by the deadline time, grace days later (inclusive)
                    homework_cutoff=timezone.make_aware(
                        dt.datetime.combine(day + dt.timedelta(days=hw_grace), hw_at), tz
                    ),
                    # AS-REPORT-MISSING: first filed before the end of the day grace days later
                    report_cutoff=timezone.make_aware(
                        dt.datetime.combine(day + dt.timedelta(days=as_grace + 1), dt.time.min), tz
                    ),
                    **{sql.limit_column(limit): limit.limit(params) for limit in MINUTE_LIMITS if limit.param},
                    min_end_time=_hhmm(params["as_min_end_time"]),
                )
            )
    return rows


def _refresh(cursor, ids, date_from, date_to) -> None:
    """Rebuild every summary table's rows of the districts and dates (statements in ``dashboards/sql.py``)."""
    scope = {"districts": ids, "date_from": date_from, "date_to": date_to}
    for model in sql.SUMMARY_TABLES:
        cursor.execute(sql.summary_delete(model), scope)
    cursor.execute(sql.class_days_insert(), scope)
    cursor.execute(sql.HOMEWORK_DAYS_INSERT, scope)
    cursor.execute(sql.HOMEWORK_MINUTES_INSERT, scope)
    cursor.execute(sql.SCHOOL_DAYS_INSERT, scope)


def _note_refreshed() -> None:
    """Note when the figures were last rebuilt, for the pages' "数据截至" stamp (``selectors.figures_as_of``)."""
    from django.core.cache import cache

    from .selectors import REFRESHED_AT_KEY

    try:
        cache.set(REFRESHED_AT_KEY, timezone.now(), None)
    except Exception:
        logger.warning("dashboards refresh stamp not stored", exc_info=True)


def stats_refresh(*, district_ids=None, date_from: dt.date, date_to: dt.date) -> RefreshCounts:
    """Recompute every summary row of these districts (all when None) and dates, in one transaction.

    Days after today are left out: a filing is not expected before its day.
    Raises ``CalendarGap`` for a year the calendar does not know.
    """
    date_to = min(date_to, timezone.localdate())
    districts = list(District.objects.filter(pk__in=district_ids) if district_ids else District.objects.all())
    counts = RefreshCounts()
    if date_to < date_from or not districts:
        return counts
    ids = [d.pk for d in districts]
    day_rows = [row for d in districts for row in _school_day_rows(d, date_from, date_to)]
    with transaction.atomic(), connection.cursor() as cursor:
        SchoolDay.objects.filter(district_id__in=ids, date__range=(date_from, date_to)).delete()
        SchoolDay.objects.bulk_create(day_rows, batch_size=2000)
        cursor.execute(sql.SCHOOL_DAYS_ANALYZE)
        _refresh(cursor, ids, date_from, date_to)
        figures_changed()
    _note_refreshed()
    counts.school_days = len(day_rows)
    counts.class_days = ClassDayStat.objects.filter(district_id__in=ids, date__range=(date_from, date_to)).count()
    counts.school_day_reports = SchoolDayStat.objects.filter(
        district_id__in=ids, date__range=(date_from, date_to), reported=1
    ).count()
    return counts


#: the rules that check what the summary tables count (homework filings, after-school reports): a run of
#: other rules only (complaints, institutions) changes findings, which dashboards read directly
SUMMARY_RULE_PREFIXES = ("HW-", "AS-")
#: how long the note that a run's figures were refreshed is kept (a lost note only repeats a refresh)
RUN_REFRESHED_SECONDS = 24 * 3600


def stats_refresh_later(*, district_ids, date_from: dt.date, date_to: dt.date) -> None:
    """Ask a worker to refresh these districts and dates once the current transaction commits (a class moved).

    The task is looked up by its registered name (``dashboards.apps`` imports the tasks at start-up), so this
    module does not import the tasks module that imports it.
    """
    from shuangjian.celery import app

    ids = sorted({int(i) for i in district_ids}) if district_ids else None
    refresh = app.tasks["dashboards.tasks.refresh_stats"]
    transaction.on_commit(lambda: refresh.delay(ids, date_from.isoformat(), date_to.isoformat()))


def stats_refresh_for_run(*, run_id: int) -> RefreshCounts:
    """After a compliance run: refresh the districts and dates it covered, once per state of its parts.

    Its sweep follows new filings (the debounced sweep) or the nightly schedule,
    so the summary tables of its scope are rebuilt; a run of complaint or
    institution rules only needs the cached dashboards dropped. The engine may
    report a run finished more than once (its parts counted again): the refresh
    is skipped when no part finished since the last one.
    """
    from compliance.models import ComplianceRun

    run = ComplianceRun.objects.get(pk=run_id)
    parts = run.parts.aggregate(done=Count("id", filter=Q(finished_at__isnull=False)), last=Max("finished_at"))
    marker_key = f"dashboards:run-refreshed:{run_id}"
    marker = f"{parts['done']}:{parts['last'].isoformat() if parts['last'] else ''}"
    if cache.get(marker_key) == marker:
        return RefreshCounts()
    if run.rule_ids and not any(r.startswith(SUMMARY_RULE_PREFIXES) for r in run.rule_ids):
        stats_version_bump()
        counts = RefreshCounts()
    else:
        ids = list(District.objects.filter(code__in=run.district_codes).values_list("pk", flat=True)) or None
        counts = stats_refresh(district_ids=ids, date_from=run.date_from, date_to=run.date_to)
    cache.set(marker_key, marker, timeout=RUN_REFRESHED_SECONDS)
    return counts
