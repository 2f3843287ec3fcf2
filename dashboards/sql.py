"""The dashboards app's raw SQL: rebuilding the summary tables for some districts and dates.

Written one way, as ``compliance/sql.py`` and ``accounts/sql.py`` are: ``psycopg.sql`` compositions whose table
names are identifiers from the models' ``_meta``, columns written plainly as the database names them, and every
value a named parameter (``%(districts)s::bigint[]``: a Python list, sent as an array). The grade bands, the
minutes each band counts and its limit come from ``homework.limits``, the definitions the HW-5 rules use, so the
dashboard's "within limit" is the rules' answer. ``tests/dashboards/test_refresh.py`` and ``test_figures.py``
run each statement on PostgreSQL; ``tests/dashboards/test_limits_agree.py`` holds the counts to the HW-5 findings.
"""

from __future__ import annotations

from psycopg import sql

from afterschool.models import DailyReport
from homework.choices import HomeworkKind
from homework.limits import MinuteLimit, band_case, counted_minutes_sql
from homework.models import CompletionSurvey, HomeworkDay, HomeworkItem
from schools.models import School, SchoolClass

from .models import (
    AfterschoolDayStat,
    ClassDayStat,
    FindingDayStat,
    HomeworkDayStat,
    HomeworkMinutes,
    HomeworkWeekMinutes,
    SchoolDay,
    SchoolDayStat,
)


def _table(model) -> sql.Identifier:
    return sql.Identifier(model._meta.db_table)


TABLES = {
    "school_day": _table(SchoolDay),
    "class_day": _table(ClassDayStat),
    "homework_day_stat": _table(HomeworkDayStat),
    "homework_minutes": _table(HomeworkMinutes),
    "homework_week_minutes": _table(HomeworkWeekMinutes),
    "school_day_stat": _table(SchoolDayStat),
    "afterschool_day_stat": _table(AfterschoolDayStat),
    "school": _table(School),
    "klass": _table(SchoolClass),
    "item": _table(HomeworkItem),
    "homework_day": _table(HomeworkDay),
    "survey": _table(CompletionSurvey),
    "report": _table(DailyReport),
    "finding_day_stat": _table(FindingDayStat),
    "finding": sql.Identifier("compliance_finding"),
}
#: the summary tables rebuilt per district and date (``DELETE`` then ``INSERT … SELECT``)
SUMMARY_TABLES = (ClassDayStat, HomeworkDayStat, HomeworkMinutes, SchoolDayStat, AfterschoolDayStat)
#: a summary table's rows of the districts and dates
SCOPE = sql.SQL("district_id = ANY(%(districts)s::bigint[]) AND date BETWEEN %(date_from)s AND %(date_to)s")


def _render(text: str, **extra: sql.Composable) -> str:
    return sql.SQL(text).format(**TABLES, scope=SCOPE, **extra).as_string()


def summary_delete(model) -> str:
    """Delete a summary table's rows of the districts and dates."""
    return _render("DELETE FROM {table} WHERE {scope}", table=_table(model))


#: one refresh of a district at a time (in district order, so two refreshes of several districts never wait on each
#: other in a circle): a refresh rebuilds whole weeks from days another refresh may be rebuilding
REFRESH_LOCK = "SELECT pg_advisory_xact_lock(7311, d::int) FROM unnest(%(districts)s::bigint[]) AS d ORDER BY d"

#: the planner must know how many days it joins, or it loops over the filings once per class-day
SCHOOL_DAYS_ANALYZE = _render("ANALYZE {school_day}")


def limit_column(limit: MinuteLimit) -> str:
    """The ``SchoolDay`` column that holds a band's limit in force on the day (``limit_g36``)."""
    return f"limit_{limit.band.lower()}"


def class_days_insert() -> str:
    """One ``ClassDayStat`` row per class and school day of the districts and dates: expected, filed, on time,
    the written minutes the HW-5 rules count, and whether they are within the band's limit (built from
    ``homework.limits.MINUTE_LIMITS`` each time, so it follows the definitions)."""
    grade = sql.SQL("c.grade")

    def minutes(limit: MinuteLimit) -> sql.Composable:
        return sql.SQL("COALESCE(m.home_minutes, 0)" if limit.at_home_only else "COALESCE(m.minutes, 0)")

    def within(limit: MinuteLimit) -> sql.Composable:
        bound = sql.SQL("sd.{}").format(sql.Identifier(limit_column(limit))) if limit.param else sql.Literal(0)
        return sql.SQL("CASE WHEN {} <= {} THEN 1 ELSE 0 END").format(minutes(limit), bound)

    counted = counted_minutes_sql("i", "cs")
    return _render(
        """
        INSERT INTO {class_day} (district_id, school_id, school_class_id, stage, grade, grade_band, date, week,
            expected, filed, on_time, written_minutes, within_limit)
        SELECT sd.district_id, s.id, c.id, s.stage, c.grade, {band}, sd.date, sd.week, 1,
            CASE WHEN hd.id IS NULL THEN 0 ELSE 1 END,
            CASE WHEN hd.first_filed_at <= sd.homework_cutoff THEN 1 ELSE 0 END,
            {minutes},
            CASE WHEN hd.id IS NULL THEN 0 ELSE {within} END
        FROM {school_day} sd
        JOIN {school} s ON s.district_id = sd.district_id
        JOIN {klass} c ON c.school_id = s.id AND c.academic_year = sd.academic_year
        LEFT JOIN {homework_day} hd ON hd.school_class_id = c.id AND hd.date = sd.date
        LEFT JOIN (
            SELECT i.school_class_id, i.date, SUM({counted}) AS minutes,
                SUM(CASE WHEN i.at_home THEN {counted} ELSE 0 END) AS home_minutes
            FROM {item} i
            JOIN {school} si ON si.id = i.school_id
            LEFT JOIN {survey} cs ON cs.school_class_id = i.school_class_id AND cs.date = i.date
                AND cs.subject = i.subject AND cs.kind = i.kind
            WHERE i.kind = {written} AND si.district_id = ANY(%(districts)s::bigint[])
                AND i.date BETWEEN %(date_from)s AND %(date_to)s
            GROUP BY i.school_class_id, i.date
        ) m ON m.school_class_id = c.id AND m.date = sd.date
        WHERE sd.district_id = ANY(%(districts)s::bigint[]) AND sd.date BETWEEN %(date_from)s AND %(date_to)s
        """,
        band=band_case(grade, lambda limit: sql.Literal(str(limit.band))),
        minutes=band_case(grade, minutes),
        within=band_case(grade, within),
        counted=counted,
        written=sql.Literal(str(HomeworkKind.WRITTEN)),
    )


#: the class-days summed per district, stage, band and day
HOMEWORK_DAYS_INSERT = _render(
    """
    INSERT INTO {homework_day_stat} (district_id, stage, grade_band, date, week, expected, filed, on_time,
        within_limit, minutes_total)
    SELECT district_id, stage, grade_band, date, week, SUM(expected), SUM(filed), SUM(on_time), SUM(within_limit),
        SUM(CASE WHEN filed = 1 THEN written_minutes ELSE 0 END)
    FROM {class_day}
    WHERE {scope}
    GROUP BY district_id, stage, grade_band, date, week
    """
)

#: how many filed class-days had each number of written minutes, per district, stage, band and day
HOMEWORK_MINUTES_INSERT = _render(
    """
    INSERT INTO {homework_minutes} (district_id, stage, grade_band, date, minutes, class_days)
    SELECT district_id, stage, grade_band, date, written_minutes, COUNT(*)
    FROM {class_day}
    WHERE {scope} AND filed = 1
    GROUP BY district_id, stage, grade_band, date, written_minutes
    """
)

#: the weeks (Mondays ``week_from`` .. ``week_to``) a refresh touched: their histogram rows rebuilt from the days'
WEEK_MINUTES_DELETE = _render(
    """
    DELETE FROM {homework_week_minutes}
    WHERE district_id = ANY(%(districts)s::bigint[]) AND week BETWEEN %(week_from)s AND %(week_to)s
    """
)
WEEK_MINUTES_INSERT = _render(
    """
    INSERT INTO {homework_week_minutes} (district_id, grade_band, week, minutes, class_days)
    SELECT district_id, grade_band, date_trunc('week', date)::date, minutes, SUM(class_days)
    FROM {homework_minutes}
    WHERE district_id = ANY(%(districts)s::bigint[])
        AND date BETWEEN %(week_from)s AND %(week_to)s::date + 6
    GROUP BY 1, 2, 3, 4
    """
)

#: one ``SchoolDayStat`` row per school and school day: the after-school report, on time, its figures
SCHOOL_DAYS_INSERT = _render(
    """
    INSERT INTO {school_day_stat} (district_id, school_id, stage, date, week, expected, reported, on_time,
        enrolled, participants, pe_minutes, exercise_minutes, ended_after_min)
    SELECT sd.district_id, s.id, s.stage, sd.date, sd.week, 1,
        CASE WHEN r.id IS NULL THEN 0 ELSE 1 END,
        CASE WHEN r.first_filed_at < sd.report_cutoff THEN 1 ELSE 0 END,
        COALESCE(r.enrolled, 0), COALESCE(r.participants, 0), COALESCE(r.pe_minutes, 0),
        COALESCE(r.pe_minutes + r.stage1_minutes, 0),
        CASE WHEN r.end_time >= sd.min_end_time THEN 1 ELSE 0 END
    FROM {school_day} sd
    JOIN {school} s ON s.district_id = sd.district_id
    LEFT JOIN {report} r ON r.school_id = s.id AND r.date = sd.date
    WHERE sd.district_id = ANY(%(districts)s::bigint[]) AND sd.date BETWEEN %(date_from)s AND %(date_to)s
    """
)

#: the school-days summed per district, stage and day
AFTERSCHOOL_DAYS_INSERT = _render(
    """
    INSERT INTO {afterschool_day_stat} (district_id, stage, date, week, expected, reported, on_time, enrolled,
        participants, pe_minutes, exercise_minutes, ended_after_min)
    SELECT district_id, stage, date, week, SUM(expected), SUM(reported), SUM(on_time), SUM(enrolled),
        SUM(participants), SUM(pe_minutes), SUM(exercise_minutes), SUM(ended_after_min)
    FROM {school_day_stat}
    WHERE {scope}
    GROUP BY district_id, stage, date, week
    """
)

#: the district-grain tables against the finer tables they sum, in one query: a row per group whose sums differ
#: (summary, district, day, the group's other key, the finer tables' sums, the summary's), none when they agree
SUMMARY_DISAGREEMENTS = _render(
    """
    SELECT 'homework_day_stat', COALESCE(c.district_id, h.district_id), COALESCE(c.date, h.date),
        COALESCE(c.stage, h.stage) || ' ' || COALESCE(c.grade_band, h.grade_band),
        ARRAY[c.expected, c.filed, c.on_time, c.within_limit, c.minutes],
        ARRAY[h.expected, h.filed, h.on_time, h.within_limit, h.minutes_total]
    FROM (SELECT district_id, stage, grade_band, date, SUM(expected) AS expected, SUM(filed) AS filed,
              SUM(on_time) AS on_time, SUM(within_limit) AS within_limit,
              SUM(CASE WHEN filed = 1 THEN written_minutes ELSE 0 END) AS minutes
          FROM {class_day} GROUP BY 1, 2, 3, 4) c
    FULL JOIN {homework_day_stat} h USING (district_id, stage, grade_band, date)
    WHERE (c.expected, c.filed, c.on_time, c.within_limit, c.minutes)
        IS DISTINCT FROM (h.expected, h.filed, h.on_time, h.within_limit, h.minutes_total)
    UNION ALL
    SELECT 'homework_minutes', COALESCE(c.district_id, m.district_id), COALESCE(c.date, m.date),
        COALESCE(c.stage, m.stage) || ' ' || COALESCE(c.grade_band, m.grade_band) || ' '
            || COALESCE(c.minutes, m.minutes),
        ARRAY[c.n], ARRAY[m.class_days]
    FROM (SELECT district_id, stage, grade_band, date, written_minutes AS minutes, COUNT(*) AS n
          FROM {class_day} WHERE filed = 1 GROUP BY 1, 2, 3, 4, 5) c
    FULL JOIN {homework_minutes} m USING (district_id, stage, grade_band, date, minutes)
    WHERE c.n IS DISTINCT FROM m.class_days
    UNION ALL
    SELECT 'homework_week_minutes', COALESCE(c.district_id, w.district_id), COALESCE(c.week, w.week),
        COALESCE(c.grade_band, w.grade_band) || ' ' || COALESCE(c.minutes, w.minutes),
        ARRAY[c.n], ARRAY[w.class_days]
    FROM (SELECT district_id, grade_band, date_trunc('week', date)::date AS week, minutes, SUM(class_days) AS n
          FROM {homework_minutes} GROUP BY 1, 2, 3, 4) c
    FULL JOIN {homework_week_minutes} w USING (district_id, grade_band, week, minutes)
    WHERE c.n IS DISTINCT FROM w.class_days
    UNION ALL
    SELECT 'afterschool_day_stat', COALESCE(c.district_id, a.district_id), COALESCE(c.date, a.date),
        COALESCE(c.stage, a.stage),
        ARRAY[c.expected, c.reported, c.on_time, c.enrolled, c.participants, c.pe_minutes, c.exercise_minutes,
            c.ended_after_min],
        ARRAY[a.expected, a.reported, a.on_time, a.enrolled, a.participants, a.pe_minutes, a.exercise_minutes,
            a.ended_after_min]
    FROM (SELECT district_id, stage, date, SUM(expected) AS expected, SUM(reported) AS reported,
              SUM(on_time) AS on_time, SUM(enrolled) AS enrolled, SUM(participants) AS participants,
              SUM(pe_minutes) AS pe_minutes, SUM(exercise_minutes) AS exercise_minutes,
              SUM(ended_after_min) AS ended_after_min
          FROM {school_day_stat} GROUP BY 1, 2, 3) c
    FULL JOIN {afterschool_day_stat} a USING (district_id, stage, date)
    WHERE (c.expected, c.reported, c.on_time, c.enrolled, c.participants, c.pe_minutes, c.exercise_minutes,
            c.ended_after_min)
        IS DISTINCT FROM (a.expected, a.reported, a.on_time, a.enrolled, a.participants, a.pe_minutes,
            a.exercise_minutes, a.ended_after_min)
    UNION ALL
    SELECT 'finding_day_stat', COALESCE(f.district_id, s.district_id), NULLIF(COALESCE(f.day, s.day), '-infinity'),
        COALESCE(f.rule_id, s.rule_id) || ' ' || COALESCE(f.status, s.status),
        ARRAY[f.n, EXTRACT(EPOCH FROM f.first_seen_min), EXTRACT(EPOCH FROM f.rectify_total)],
        ARRAY[s.findings, EXTRACT(EPOCH FROM s.first_seen_min), EXTRACT(EPOCH FROM s.rectify_total)]
    FROM (SELECT district_id, COALESCE(period_start, '-infinity') AS day, rule_id, status, COUNT(*) AS n,
              MIN(first_seen) AS first_seen_min, SUM(status_changed_at - first_seen) AS rectify_total
          FROM {finding} GROUP BY 1, 2, 3, 4) f
    FULL JOIN (SELECT district_id, COALESCE(date, '-infinity') AS day, rule_id, status, findings, first_seen_min,
                   rectify_total
               FROM {finding_day_stat} WHERE findings <> 0) s USING (district_id, day, rule_id, status)
    WHERE (f.n, f.first_seen_min, f.rectify_total) IS DISTINCT FROM (s.findings, s.first_seen_min, s.rectify_total)
    ORDER BY 1, 2, 3, 4
    """
)
