"""The dashboards app's raw SQL: rebuilding the summary tables for some districts and dates, and the figures the
district and city dashboards count from them (``DASH_*``, one statement per figure, a row per district).

Written one way, as ``compliance/sql.py`` and ``accounts/sql.py`` are: ``psycopg.sql`` compositions whose table
names are identifiers from the models' ``_meta``, columns written plainly as the database names them, and every
value a named parameter (``%(districts)s::bigint[]``: a Python list, sent as an array). The grade bands, the
minutes each band counts and its limit come from ``homework.limits``, the definitions the HW-5 rules use, so the
dashboard's "within limit" is the rules' answer. ``tests/dashboards/test_refresh.py`` and ``test_figures.py``
run each statement on PostgreSQL; ``tests/dashboards/test_limits_agree.py`` holds the counts to the HW-5 findings.
"""

from __future__ import annotations

from functools import lru_cache

from psycopg import sql

from afterschool.models import DailyReport
from complaints.models import Complaint
from compliance.models import RectificationNotice, RectificationReport, RuleParameter
from homework.choices import HomeworkKind
from homework.limits import MinuteLimit, band_case, counted_minutes_sql
from homework.models import CompletionSurvey, HomeworkDay, HomeworkItem
from institutions.models import Course, Institution, Prepayment
from schools.models import School, SchoolClass

from .models import (
    AfterschoolDayStat,
    ClassDayStat,
    FindingDayStat,
    HomeworkDayStat,
    HomeworkMinutes,
    HomeworkMinutesToDate,
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
    "homework_minutes_to_date": _table(HomeworkMinutesToDate),
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
    "institution": _table(Institution),
    "course": _table(Course),
    "prepayment": _table(Prepayment),
    "complaint": _table(Complaint),
    "notice": _table(RectificationNotice),
    "notice_report": _table(RectificationReport),
    "rule_parameter": _table(RuleParameter),
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
#: other in a circle): a refresh rewrites the running histogram of every later day, which another refresh may be
#: rewriting
REFRESH_LOCK = "SELECT pg_advisory_xact_lock(7311, d::int) FROM unnest(%(districts)s::bigint[]) AS d ORDER BY d"

#: the planner must know how many days it joins, or it loops over the filings once per class-day
SCHOOL_DAYS_ANALYZE = _render("ANALYZE {school_day}")


def limit_column(limit: MinuteLimit) -> str:
    """The ``SchoolDay`` column that holds a band's limit in force on the day (``limit_g36``)."""
    return f"limit_{limit.band.lower()}"


#: a refresh of some schools only: their rows among the districts'
OF_SCHOOLS = sql.SQL("AND s.id = ANY(%(schools)s::bigint[])")


def class_days_insert(schools: bool = False) -> str:
    """One ``ClassDayStat`` row per class and school day of the districts and dates (of ``%(schools)s`` only when
    ``schools``): expected, filed, on time, the written minutes the HW-5 rules count, and whether they are within
    the band's limit (built from ``homework.limits.MINUTE_LIMITS`` each time, so it follows the definitions)."""
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
                AND i.date BETWEEN %(date_from)s AND %(date_to)s {of_item_schools}
            GROUP BY i.school_class_id, i.date
        ) m ON m.school_class_id = c.id AND m.date = sd.date
        WHERE sd.district_id = ANY(%(districts)s::bigint[]) AND sd.date BETWEEN %(date_from)s AND %(date_to)s
            {of_schools}
        """,
        of_schools=OF_SCHOOLS if schools else sql.SQL(""),
        of_item_schools=sql.SQL("AND i.school_id = ANY(%(schools)s::bigint[])") if schools else sql.SQL(""),
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

#: the running histogram (``HomeworkMinutesToDate``) of some rows of the daily one (``{hist_where}``), on top of the
#: last row before them (``{base_where}``): for each day with filed class-days and each m from 0 to the largest
#: number of minutes seen so far, the class-days on or before that day with at most m minutes (the day's own
#: histogram added up over m, then over the days, then the earlier total added)
_MINUTES_TO_DATE = """
    WITH hist AS (
        SELECT district_id, grade_band, date, minutes, SUM(class_days) AS n
        FROM {homework_minutes} WHERE {hist_where}
        GROUP BY 1, 2, 3, 4
    ), base AS (
        SELECT DISTINCT ON (district_id, grade_band) district_id, grade_band, at_most
        FROM {homework_minutes_to_date} WHERE {base_where}
        ORDER BY district_id, grade_band, date DESC
    ), top AS (
        SELECT h.district_id, h.grade_band, GREATEST(MAX(h.minutes), MAX(cardinality(b.at_most)) - 1) AS top
        FROM hist h LEFT JOIN base b USING (district_id, grade_band)
        GROUP BY 1, 2
    ), grid AS (
        -- every minute from 0 to the top of each day with filings: the day's counts added to a grid of zeros (an
        -- aggregate, not an outer join, which the planner would merge on the band alone)
        SELECT district_id, grade_band, date, m, SUM(n) AS n
        FROM (
            SELECT d.district_id, d.grade_band, d.date, m.m, 0 AS n
            FROM (SELECT DISTINCT district_id, grade_band, date FROM hist) d
            JOIN top t USING (district_id, grade_band)
            CROSS JOIN LATERAL generate_series(0, t.top) AS m(m)
            UNION ALL
            SELECT district_id, grade_band, date, minutes, n FROM hist
        ) cells
        GROUP BY 1, 2, 3, 4
    ), day_at_most AS (
        SELECT district_id, grade_band, date, m,
            SUM(n) OVER (PARTITION BY district_id, grade_band, date ORDER BY m) AS n
        FROM grid
    ), to_date AS (
        SELECT district_id, grade_band, date, m,
            SUM(n) OVER (PARTITION BY district_id, grade_band, m ORDER BY date) AS n
        FROM day_at_most
    )
    SELECT t.district_id, t.grade_band, t.date,
        array_agg((t.n + COALESCE(b.at_most[LEAST(t.m + 1, cardinality(b.at_most))], 0))::int ORDER BY t.m) AS at_most
    FROM to_date t LEFT JOIN base b USING (district_id, grade_band)
    GROUP BY 1, 2, 3
"""
#: a refresh's districts from its first day on (later days count the refreshed ones)
FROM_DAY = sql.SQL("district_id = ANY(%(districts)s::bigint[]) AND date >= %(date_from)s")
BEFORE_DAY = sql.SQL("district_id = ANY(%(districts)s::bigint[]) AND date < %(date_from)s")
MINUTES_TO_DATE_DELETE = _render("DELETE FROM {homework_minutes_to_date} WHERE {from_day}", from_day=FROM_DAY)
MINUTES_TO_DATE_INSERT = _render(
    "INSERT INTO {homework_minutes_to_date} (district_id, grade_band, date, at_most)" + _MINUTES_TO_DATE,
    hist_where=FROM_DAY,
    base_where=BEFORE_DAY,
)

#: a range's two rows per district and band: the last on or before its end, the last before its start (or none)
MINUTES_TO_DATE_RANGE = _render(
    """
    SELECT d.id, b.band,
        (SELECT at_most FROM {homework_minutes_to_date} r
         WHERE r.district_id = d.id AND r.grade_band = b.band AND r.date <= %(date_to)s
         ORDER BY r.date DESC LIMIT 1) AS upto,
        (SELECT at_most FROM {homework_minutes_to_date} r
         WHERE r.district_id = d.id AND r.grade_band = b.band AND r.date < %(date_from)s
         ORDER BY r.date DESC LIMIT 1) AS earlier
    FROM unnest(%(districts)s::bigint[]) AS d(id) CROSS JOIN unnest(%(bands)s::text[]) AS b(band)
    """
)

#: one ``SchoolDayStat`` row per school and school day: the after-school report, on time, its figures
_SCHOOL_DAYS_INSERT = """
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
        {of_schools}
"""
SCHOOL_DAYS_INSERT = _render(_SCHOOL_DAYS_INSERT, of_schools=sql.SQL(""))

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

# -- a refresh of some schools (the sweep that follows their filings): their class-day and school-day rows are
# rebuilt, and the district-grain rows of their districts and dates moved by the difference, never counted afresh
# from the other schools' rows. Two statements per pair of tables: the old rows deleted and their sums subtracted
# (an UPDATE: the counts are positive, and an upsert of a negative row would fail their CHECK before it found its
# conflict), then the new rows inserted and their sums added (an upsert: a group may be new). Groups left at
# zero are deleted after, so the tables hold what a full rebuild would. Refreshes of a district run one at a time
# (``REFRESH_LOCK``), and nothing else writes these tables.

#: the schools' class-day rows of the range
_OF_SCHOOL_ROWS = sql.SQL(
    "district_id = ANY(%(districts)s::bigint[]) AND school_id = ANY(%(schools)s::bigint[])"
    " AND date BETWEEN %(date_from)s AND %(date_to)s"
)
_HOMEWORK_SUMS = """SELECT district_id, stage, grade_band, date, week, SUM(expected) AS expected, SUM(filed) AS filed,
        SUM(on_time) AS on_time, SUM(within_limit) AS within_limit,
        SUM(CASE WHEN filed = 1 THEN written_minutes ELSE 0 END) AS minutes
    FROM {rows} GROUP BY district_id, stage, grade_band, date, week"""
_MINUTES_COUNTS = """SELECT district_id, stage, grade_band, date, written_minutes AS minutes, COUNT(*) AS n
    FROM {rows} WHERE filed = 1 GROUP BY 1, 2, 3, 4, 5"""
_CLASS_DAY_COLUMNS = (
    "district_id, stage, grade_band, date, week, expected, filed, on_time, within_limit, written_minutes"
)

CLASS_DAYS_SUBTRACT = _render(
    """
    WITH gone AS (
        DELETE FROM {class_day} WHERE {of_school_rows} RETURNING {columns}
    ), days AS (
        UPDATE {homework_day_stat} h SET expected = h.expected - g.expected, filed = h.filed - g.filed,
            on_time = h.on_time - g.on_time, within_limit = h.within_limit - g.within_limit,
            minutes_total = h.minutes_total - g.minutes
        FROM ({sums}) g
        WHERE h.district_id = g.district_id AND h.stage = g.stage AND h.grade_band = g.grade_band AND h.date = g.date
        RETURNING 1
    )
    UPDATE {homework_minutes} m SET class_days = m.class_days - g.n
    FROM ({counts}) g
    WHERE m.district_id = g.district_id AND m.stage = g.stage AND m.grade_band = g.grade_band AND m.date = g.date
        AND m.minutes = g.minutes
    """,
    of_school_rows=_OF_SCHOOL_ROWS,
    columns=sql.SQL(_CLASS_DAY_COLUMNS),
    sums=sql.SQL(_HOMEWORK_SUMS).format(rows=sql.SQL("gone")),
    counts=sql.SQL(_MINUTES_COUNTS).format(rows=sql.SQL("gone")),
)

CLASS_DAYS_ADD = _render(
    """
    WITH added AS (
        {insert} RETURNING {columns}
    ), days AS (
        INSERT INTO {homework_day_stat} AS h (district_id, stage, grade_band, date, week, expected, filed, on_time,
            within_limit, minutes_total)
        {sums}
        ON CONFLICT (district_id, stage, grade_band, date) DO UPDATE SET expected = h.expected + EXCLUDED.expected,
            filed = h.filed + EXCLUDED.filed, on_time = h.on_time + EXCLUDED.on_time,
            within_limit = h.within_limit + EXCLUDED.within_limit,
            minutes_total = h.minutes_total + EXCLUDED.minutes_total
        RETURNING 1
    )
    INSERT INTO {homework_minutes} AS m (district_id, stage, grade_band, date, minutes, class_days)
    {counts}
    ON CONFLICT (district_id, stage, grade_band, date, minutes) DO UPDATE SET class_days = m.class_days + EXCLUDED.class_days
    """,
    insert=sql.SQL(class_days_insert(schools=True)),
    columns=sql.SQL(_CLASS_DAY_COLUMNS),
    sums=sql.SQL(_HOMEWORK_SUMS).format(rows=sql.SQL("added")),
    counts=sql.SQL(_MINUTES_COUNTS).format(rows=sql.SQL("added")),
)

_SCHOOL_DAY_COLUMNS = (
    "district_id, stage, date, week, expected, reported, on_time, enrolled, participants, pe_minutes,"
    " exercise_minutes, ended_after_min"
)
_AFTERSCHOOL_SUMS = """SELECT district_id, stage, date, week, SUM(expected) AS expected, SUM(reported) AS reported,
        SUM(on_time) AS on_time, SUM(enrolled) AS enrolled, SUM(participants) AS participants,
        SUM(pe_minutes) AS pe_minutes, SUM(exercise_minutes) AS exercise_minutes,
        SUM(ended_after_min) AS ended_after_min
    FROM {rows} GROUP BY district_id, stage, date, week"""

SCHOOL_DAYS_SUBTRACT = _render(
    """
    WITH gone AS (
        DELETE FROM {school_day_stat} WHERE {of_school_rows} RETURNING {columns}
    )
    UPDATE {afterschool_day_stat} a SET expected = a.expected - g.expected, reported = a.reported - g.reported,
        on_time = a.on_time - g.on_time, enrolled = a.enrolled - g.enrolled,
        participants = a.participants - g.participants, pe_minutes = a.pe_minutes - g.pe_minutes,
        exercise_minutes = a.exercise_minutes - g.exercise_minutes,
        ended_after_min = a.ended_after_min - g.ended_after_min
    FROM ({sums}) g
    WHERE a.district_id = g.district_id AND a.stage = g.stage AND a.date = g.date
    """,
    of_school_rows=_OF_SCHOOL_ROWS,
    columns=sql.SQL(_SCHOOL_DAY_COLUMNS),
    sums=sql.SQL(_AFTERSCHOOL_SUMS).format(rows=sql.SQL("gone")),
)

SCHOOL_DAYS_ADD = _render(
    """
    WITH added AS (
        {insert} RETURNING {columns}
    )
    INSERT INTO {afterschool_day_stat} AS a ({columns})
    {sums}
    ON CONFLICT (district_id, date, stage) DO UPDATE SET expected = a.expected + EXCLUDED.expected,
        reported = a.reported + EXCLUDED.reported, on_time = a.on_time + EXCLUDED.on_time,
        enrolled = a.enrolled + EXCLUDED.enrolled, participants = a.participants + EXCLUDED.participants,
        pe_minutes = a.pe_minutes + EXCLUDED.pe_minutes, exercise_minutes = a.exercise_minutes + EXCLUDED.exercise_minutes,
        ended_after_min = a.ended_after_min + EXCLUDED.ended_after_min
    """,
    insert=sql.SQL(_SCHOOL_DAYS_INSERT).format(**TABLES, of_schools=OF_SCHOOLS),
    columns=sql.SQL(_SCHOOL_DAY_COLUMNS),
    sums=sql.SQL(_AFTERSCHOOL_SUMS).format(rows=sql.SQL("added")),
)

#: the district-grain groups of the range a refresh of some schools left empty (a class or school gone)
EMPTY_GROUPS_DELETE = _render(
    """
    WITH minutes AS (DELETE FROM {homework_minutes} WHERE {scope} AND class_days = 0 RETURNING 1),
        days AS (DELETE FROM {homework_day_stat} WHERE {scope} AND expected = 0 RETURNING 1)
    DELETE FROM {afterschool_day_stat} WHERE {scope} AND expected = 0
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
    SELECT 'homework_minutes_to_date', COALESCE(c.district_id, w.district_id), COALESCE(c.date, w.date),
        COALESCE(c.grade_band, w.grade_band), c.at_most, w.at_most
    FROM ({minutes_to_date_all}) c
    FULL JOIN {homework_minutes_to_date} w USING (district_id, grade_band, date)
    WHERE c.at_most IS DISTINCT FROM w.at_most
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
    """,
    minutes_to_date_all=sql.SQL(_MINUTES_TO_DATE).format(
        **TABLES, hist_where=sql.SQL("TRUE"), base_where=sql.SQL("FALSE")
    ),
)


# -- what district and city dashboards count (``selectors``): one grouped statement per figure, district-grain
# tables only, a row per district (the city adds the rows up). ``%(districts)s`` are the districts whose figures
# are asked for, already checked against the caller's scope; ``%(stage)s`` and ``%(grade_band)s`` are '' for all.

#: the district-grain rows of the range (and of the stage and band when chosen)
_DISTRICT_RANGE = sql.SQL(
    "district_id = ANY(%(districts)s::bigint[]) AND date BETWEEN %(date_from)s AND %(date_to)s"
    " AND (%(stage)s = '' OR stage = %(stage)s)"
)

#: homework filing and minutes per band: per district, in all (district null), and per week in all (the trend)
DASH_HOMEWORK = _render(
    """
    SELECT district_id, week, grade_band, SUM(expected)::bigint AS expected, SUM(filed)::bigint AS filed,
        SUM(on_time)::bigint AS on_time, SUM(within_limit)::bigint AS within_limit,
        SUM(minutes_total)::bigint AS minutes_total
    FROM {homework_day_stat}
    WHERE {district_range} AND (%(grade_band)s = '' OR grade_band = %(grade_band)s)
    GROUP BY GROUPING SETS ((district_id, grade_band), (grade_band), (week, grade_band))
    """,
    district_range=_DISTRICT_RANGE,
)

#: with a stage chosen: the histogram of written minutes from the daily rows of that stage
DASH_HOMEWORK_MINUTES = _render(
    """
    SELECT district_id, grade_band, minutes, SUM(class_days)::bigint AS n
    FROM {homework_minutes}
    WHERE {district_range} AND (%(grade_band)s = '' OR grade_band = %(grade_band)s)
    GROUP BY 1, 2, 3
    """,
    district_range=_DISTRICT_RANGE,
)

#: after-school service per district, in all (district null), and per week in all (the trend)
DASH_AFTERSCHOOL = _render(
    """
    SELECT district_id, week, SUM(expected)::bigint AS expected, SUM(reported)::bigint AS reported,
        SUM(on_time)::bigint AS on_time, SUM(enrolled)::bigint AS enrolled,
        SUM(participants)::bigint AS participants, SUM(pe_minutes)::bigint AS pe_minutes,
        SUM(exercise_minutes)::bigint AS exercise_minutes, SUM(ended_after_min)::bigint AS ended_after_min
    FROM {afterschool_day_stat}
    WHERE {district_range}
    GROUP BY GROUPING SETS ((district_id), (), (week))
    """,
    district_range=_DISTRICT_RANGE,
)

#: the registry: institutions per district, category, licence and list status
DASH_REGISTRY = _render(
    """
    SELECT district_id, category, licence_status, list_status, COUNT(*) AS n
    FROM {institution} WHERE district_id = ANY(%(districts)s::bigint[])
    GROUP BY 1, 2, 3, 4
    """
)

#: sessions flagged in the range, per district and rule (``%(rules)s``: the session rules)
DASH_FLAGGED_SESSIONS = _render(
    """
    SELECT district_id, rule_id, SUM(findings)::bigint AS n
    FROM {finding_day_stat}
    WHERE district_id = ANY(%(districts)s::bigint[]) AND rule_id = ANY(%(rules)s::text[])
        AND date BETWEEN %(date_from)s AND %(date_to)s
    GROUP BY 1, 2
    """
)

#: prepayments taken in the range per district, and those over TI-15-PREPAY's limits in force on the range's last
#: day (the rule parameters' latest values from then) or not supervised
DASH_PREPAYMENTS = _render(
    """
    WITH limits AS (
        SELECT
            (SELECT (value #>> '{{}}')::numeric FROM {rule_parameter}
             WHERE key = 'prepay_max_months' AND effective_from <= %(date_to)s
             ORDER BY effective_from DESC LIMIT 1) AS months,
            (SELECT (value #>> '{{}}')::numeric FROM {rule_parameter}
             WHERE key = 'prepay_max_hours' AND effective_from <= %(date_to)s
             ORDER BY effective_from DESC LIMIT 1) AS hours
    )
    SELECT i.district_id, COUNT(*) AS n,
        COUNT(*) FILTER (WHERE p.months > l.months OR p.class_hours > l.hours OR NOT p.supervised) AS over
    FROM {prepayment} p
    JOIN {course} c ON c.id = p.course_id
    JOIN {institution} i ON i.id = c.institution_id
    CROSS JOIN limits l
    WHERE i.district_id = ANY(%(districts)s::bigint[]) AND p.paid_on BETWEEN %(date_from)s AND %(date_to)s
    GROUP BY 1
    """
)

#: findings per district and rule: dated in the range or undated; open / cleared / dismissed, the oldest open, the
#: time to rectify of the cleared (seconds)
DASH_FINDINGS = _render(
    """
    SELECT district_id, rule_id,
        SUM(findings) FILTER (WHERE status = ANY(%(active)s::text[]))::bigint AS open,
        SUM(findings) FILTER (WHERE status = ANY(%(cleared)s::text[]))::bigint AS cleared,
        SUM(findings) FILTER (WHERE status = %(dismissed)s)::bigint AS dismissed,
        MIN(first_seen_min) FILTER (WHERE status = ANY(%(active)s::text[]) AND findings > 0) AS oldest_open,
        EXTRACT(EPOCH FROM SUM(rectify_total) FILTER (WHERE status = ANY(%(cleared)s::text[]))) AS rectify_seconds
    FROM {finding_day_stat}
    WHERE district_id = ANY(%(districts)s::bigint[])
        AND (date BETWEEN %(date_from)s AND %(date_to)s OR date IS NULL)
    GROUP BY 1, 2
    """
)

#: complaints received in the range per category, per department and in all, each per district and in all (a
#: null district, category or department is "all"), and the last day one was resolved
DASH_COMPLAINTS = _render(
    """
    SELECT district_id, category, department, COUNT(*) AS received,
        COUNT(*) FILTER (WHERE NOT state = ANY(%(not_accepted)s::text[])) AS accepted,
        COUNT(*) FILTER (WHERE resolved_at IS NOT NULL) AS resolved,
        COUNT(*) FILTER (WHERE (state = ANY(%(awaiting_accept)s::text[]) AND accept_due < %(today)s)
            OR (state = ANY(%(awaiting_resolve)s::text[]) AND resolve_due < %(today)s)) AS overdue,
        MAX((resolved_at AT TIME ZONE %(tz)s)::date) AS last_resolved
    FROM {complaint}
    WHERE district_id = ANY(%(districts)s::bigint[]) AND received_on BETWEEN %(date_from)s AND %(date_to)s
    GROUP BY GROUPING SETS (
        (district_id, category), (district_id, department), (district_id), (category), (department), ()
    )
    """
)

#: the median handling time of the resolved ones, per district and in all (district null): statutory working days
#: after receipt up to the day of resolution, read from ``%(workdays)s``: element i (1-based) is how many working
#: days there are from the range's first day (``%(date_from)s``) to the (i-1)-th day after it
DASH_COMPLAINT_DAYS = _render(
    """
    SELECT district_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY days) AS median, COUNT(*) AS n
    FROM (
        SELECT district_id,
            GREATEST(0, (%(workdays)s::int[])[(resolved_at AT TIME ZONE %(tz)s)::date - %(date_from)s::date + 1]
                - (%(workdays)s::int[])[received_on - %(date_from)s::date + 1]) AS days
        FROM {complaint}
        WHERE district_id = ANY(%(districts)s::bigint[]) AND received_on BETWEEN %(date_from)s AND %(date_to)s
            AND resolved_at IS NOT NULL
    ) spans
    GROUP BY ROLLUP (district_id)
    """
)

#: rectification notices issued in the range per district: on time (a report submitted by the deadline was
#: accepted), overdue (the deadline passed with no report submitted by then accepted or awaiting review)
DASH_NOTICES = _render(
    """
    SELECT n.district_id, COUNT(*) AS issued,
        COUNT(*) FILTER (WHERE EXISTS (
            SELECT 1 FROM {notice_report} r
            WHERE r.notice_id = n.id AND r.decision = ANY(%(accepted)s::text[])
                AND (r.submitted_at AT TIME ZONE %(tz)s)::date <= n.deadline)) AS on_time,
        COUNT(*) FILTER (WHERE n.deadline < %(today)s AND NOT EXISTS (
            SELECT 1 FROM {notice_report} r
            WHERE r.notice_id = n.id AND r.decision = ANY(%(answered)s::text[])
                AND (r.submitted_at AT TIME ZONE %(tz)s)::date <= n.deadline)) AS overdue
    FROM {notice} n
    WHERE n.district_id = ANY(%(districts)s::bigint[]) AND n.issued_on BETWEEN %(date_from)s AND %(date_to)s
    GROUP BY 1
    """
)


#: every figure a district or city dashboard counts, by the name ``selectors.DistrictRows`` asks for it
_FIGURES = {
    "homework": DASH_HOMEWORK,
    "afterschool": DASH_AFTERSCHOOL,
    "registry": DASH_REGISTRY,
    "flagged": DASH_FLAGGED_SESSIONS,
    "prepayments": DASH_PREPAYMENTS,
    "findings": DASH_FINDINGS,
    "complaints": DASH_COMPLAINTS,
    "notices": DASH_NOTICES,
    "complaint_days": DASH_COMPLAINT_DAYS,
}


@lru_cache(maxsize=64)
def dashboard_figures(names: tuple[str, ...], stage: bool) -> str:
    """Some figures of a district or city dashboard in one statement (one round trip, one snapshot): a column per
    figure, the JSON array of its rows (as text: the caller decodes it). ``minutes``, the histogram, from the
    running rows, or with a stage chosen from that stage's daily rows; ``complaint_days`` when the caller could
    give the working days (``%(workdays)s``)."""
    figures = {**_FIGURES, "minutes": DASH_HOMEWORK_MINUTES if stage else MINUTES_TO_DATE_RANGE}
    return (
        sql.SQL("SELECT {}")
        .format(
            sql.SQL(", ").join(
                sql.SQL("(SELECT COALESCE(json_agg(x), '[]'::json)::text FROM ({}) x) AS {}").format(
                    sql.SQL(figures[name]), sql.Identifier(name)
                )
                for name in names
            )
        )
        .as_string()
    )
