"""Writes of the dashboards app: rebuild the summary tables for some districts and dates.

``stats_refresh`` is set-based: per call, one DELETE and one INSERT … SELECT per
summary table over the whole scope (plain SQL that PostgreSQL and SQLite both
run), whatever the number of classes, items or reports. The only Python loop
is over the days of the range, to resolve the school calendar and the dated
rule parameters into ``SchoolDay`` rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from compliance.parameters import parameter_segments
from schools.calendar import SchoolCalendar, academic_year
from schools.models import District

from .caching import figures_changed, stats_version_bump
from .models import ClassDayStat, HomeworkDayStat, HomeworkMinutes, SchoolDay, SchoolDayStat

#: the dated rule parameters the summary tables resolve per day
PARAM_KEYS = (
    "hw_filing_deadline", "hw_filing_grace_days", "hw_max_minutes_g36", "hw_max_minutes_g79",
    "as_filing_grace_days", "as_min_end_time",
)


@dataclass
class RefreshCounts:
    school_days: int = 0
    class_days: int = 0
    school_day_reports: int = 0


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
            rows.append(SchoolDay(
                district=district, date=day, week=week_start(day), academic_year=academic_year(day),
                # HW-4-PUBLISH: filed by the deadline time, grace days later (inclusive)
                homework_cutoff=timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=hw_grace), hw_at), tz),
                # AS-REPORT-MISSING: first filed before the end of the day grace days later
                report_cutoff=timezone.make_aware(
                    dt.datetime.combine(day + dt.timedelta(days=as_grace + 1), dt.time.min), tz),
                limit_g36=int(params["hw_max_minutes_g36"]),
                limit_g79=int(params["hw_max_minutes_g79"]),
                min_end_time=_hhmm(params["as_min_end_time"]),
            ))
    return rows


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _in(ids) -> str:
    return ", ".join(["%s"] * len(ids))


def _homework_tables():
    from homework.models import CompletionSurvey, HomeworkDay, HomeworkItem

    return _table(HomeworkItem), _table(HomeworkDay), _table(CompletionSurvey)


def _refresh_class_days(cursor, ids, date_from, date_to) -> None:
    item, day, survey = _homework_tables()
    school = '"schools_school"'
    klass = '"schools_schoolclass"'
    params = [*ids, date_from, date_to]
    cursor.execute(
        f"DELETE FROM {_table(ClassDayStat)} WHERE district_id IN ({_in(ids)}) AND date BETWEEN %s AND %s", params
    )
    # written minutes as the HW-5-* rules count them: a survey's measured minutes where one exists;
    # grades 1–2 count written homework to do at home, grades 3–9 all written homework
    cursor.execute(
        f"""
        INSERT INTO {_table(ClassDayStat)} (district_id, school_id, school_class_id, stage, grade, grade_band,
            date, week, expected, filed, on_time, written_minutes, within_limit)
        SELECT sd.district_id, s.id, c.id, s.stage, c.grade,
            CASE WHEN c.grade <= 2 THEN 'G12' WHEN c.grade <= 6 THEN 'G36' ELSE 'G79' END,
            sd.date, sd.week, 1,
            CASE WHEN hd.id IS NULL THEN 0 ELSE 1 END,
            CASE WHEN hd.first_filed_at <= sd.homework_cutoff THEN 1 ELSE 0 END,
            CASE WHEN c.grade <= 2 THEN COALESCE(m.home_minutes, 0) ELSE COALESCE(m.minutes, 0) END,
            CASE WHEN hd.id IS NULL THEN 0
                 WHEN c.grade <= 2 THEN CASE WHEN COALESCE(m.home_minutes, 0) = 0 THEN 1 ELSE 0 END
                 WHEN c.grade <= 6 THEN CASE WHEN COALESCE(m.minutes, 0) <= sd.limit_g36 THEN 1 ELSE 0 END
                 ELSE CASE WHEN COALESCE(m.minutes, 0) <= sd.limit_g79 THEN 1 ELSE 0 END END
        FROM {_table(SchoolDay)} sd
        JOIN {school} s ON s.district_id = sd.district_id
        JOIN {klass} c ON c.school_id = s.id AND c.academic_year = sd.academic_year
        LEFT JOIN {day} hd ON hd.school_class_id = c.id AND hd.date = sd.date
        LEFT JOIN (
            SELECT i.school_class_id, i.date,
                SUM(COALESCE(cs.measured_minutes, i.minutes)) AS minutes,
                SUM(CASE WHEN i.at_home THEN COALESCE(cs.measured_minutes, i.minutes) ELSE 0 END) AS home_minutes
            FROM {item} i
            JOIN {school} si ON si.id = i.school_id
            LEFT JOIN {survey} cs ON cs.school_class_id = i.school_class_id AND cs.date = i.date
                AND cs.subject = i.subject AND cs.kind = i.kind
            WHERE i.kind = 'written' AND si.district_id IN ({_in(ids)}) AND i.date BETWEEN %s AND %s
            GROUP BY i.school_class_id, i.date
        ) m ON m.school_class_id = c.id AND m.date = sd.date
        WHERE sd.district_id IN ({_in(ids)}) AND sd.date BETWEEN %s AND %s
        """,
        params + params,
    )
    for model in (HomeworkDayStat, HomeworkMinutes):
        cursor.execute(
            f"DELETE FROM {_table(model)} WHERE district_id IN ({_in(ids)}) AND date BETWEEN %s AND %s", params
        )
    cursor.execute(
        f"""
        INSERT INTO {_table(HomeworkDayStat)} (district_id, stage, grade_band, date, week, expected, filed, on_time,
            within_limit, minutes_total)
        SELECT district_id, stage, grade_band, date, week, SUM(expected), SUM(filed), SUM(on_time), SUM(within_limit),
            SUM(CASE WHEN filed = 1 THEN written_minutes ELSE 0 END)
        FROM {_table(ClassDayStat)}
        WHERE district_id IN ({_in(ids)}) AND date BETWEEN %s AND %s
        GROUP BY district_id, stage, grade_band, date, week
        """,
        params,
    )
    cursor.execute(
        f"""
        INSERT INTO {_table(HomeworkMinutes)} (district_id, stage, grade_band, date, minutes, class_days)
        SELECT district_id, stage, grade_band, date, written_minutes, COUNT(*)
        FROM {_table(ClassDayStat)}
        WHERE district_id IN ({_in(ids)}) AND date BETWEEN %s AND %s AND filed = 1
        GROUP BY district_id, stage, grade_band, date, written_minutes
        """,
        params,
    )


def _refresh_school_days(cursor, ids, date_from, date_to) -> None:
    from afterschool.models import DailyReport

    params = [*ids, date_from, date_to]
    cursor.execute(
        f"DELETE FROM {_table(SchoolDayStat)} WHERE district_id IN ({_in(ids)}) AND date BETWEEN %s AND %s", params
    )
    cursor.execute(
        f"""
        INSERT INTO {_table(SchoolDayStat)} (district_id, school_id, stage, date, week, expected, reported, on_time,
            enrolled, participants, pe_minutes, exercise_minutes, ended_after_min)
        SELECT sd.district_id, s.id, s.stage, sd.date, sd.week, 1,
            CASE WHEN r.id IS NULL THEN 0 ELSE 1 END,
            CASE WHEN r.first_filed_at < sd.report_cutoff THEN 1 ELSE 0 END,
            COALESCE(r.enrolled, 0), COALESCE(r.participants, 0), COALESCE(r.pe_minutes, 0),
            COALESCE(r.pe_minutes + r.stage1_minutes, 0),
            CASE WHEN r.end_time >= sd.min_end_time THEN 1 ELSE 0 END
        FROM {_table(SchoolDay)} sd
        JOIN "schools_school" s ON s.district_id = sd.district_id
        LEFT JOIN {_table(DailyReport)} r ON r.school_id = s.id AND r.date = sd.date
        WHERE sd.district_id IN ({_in(ids)}) AND sd.date BETWEEN %s AND %s
        """,
        params,
    )


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
        if connection.vendor == "postgresql":
            # the planner must know how many days it joins, or it loops over the filings once per class-day
            cursor.execute(f"ANALYZE {_table(SchoolDay)}")
        _refresh_class_days(cursor, ids, date_from, date_to)
        _refresh_school_days(cursor, ids, date_from, date_to)
        figures_changed()
    counts.school_days = len(day_rows)
    counts.class_days = ClassDayStat.objects.filter(district_id__in=ids, date__range=(date_from, date_to)).count()
    counts.school_day_reports = SchoolDayStat.objects.filter(
        district_id__in=ids, date__range=(date_from, date_to), reported=1).count()
    return counts


def stats_refresh_later(*, district_ids, date_from: dt.date, date_to: dt.date) -> None:
    """Ask a worker to refresh once the current transaction commits (for filings and sweeps)."""
    from .tasks import refresh_stats

    ids = sorted({int(i) for i in district_ids}) if district_ids else None
    transaction.on_commit(lambda: refresh_stats.delay(ids, date_from.isoformat(), date_to.isoformat()))


#: the rules that check what the summary tables count (homework filings, after-school reports): a run of
#: other rules only (complaints, institutions) changes findings, which dashboards read directly
SUMMARY_RULE_PREFIXES = ("HW-", "AS-")
#: how long the note that a run's figures were refreshed is kept (a lost note only repeats a refresh)
RUN_REFRESHED_SECONDS = 24 * 3600


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
