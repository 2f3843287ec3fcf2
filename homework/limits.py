"""The daily written-homework limits of Art. 5 (书面作业时间), defined once for the HW-5 rules and the dashboards.

A class's written minutes of a school day are the sum over its written items
of the minutes counted: a completion survey's measured minutes where one exists
(``CompletionSurvey``: one per class, day, subject and kind), the teacher's
estimate otherwise. Grades 1–2 may have no written homework to do at home (only
items ``at_home`` count, limit 0); grades 3–6 and 7–9 may have up to the dated
parameter's minutes over all written items. The grade bands are
``schools.choices.GRADE_BANDS``.

``homework.rules`` checks these limits with the ORM; ``dashboards`` counts the
class-days within them in SQL with ``band_case``. A test holds the two to the
same answer on the same data (``tests/dashboards/test_limits_agree.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.db.models import F, FilteredRelation, Q
from django.db.models.functions import Coalesce
from psycopg import sql

from schools.choices import GRADE_BANDS, GradeBand


@dataclass(frozen=True)
class MinuteLimit:
    """The limit of one grade band: which items count and how many minutes a day they may take."""

    band: GradeBand
    rule_id: str
    #: the dated rule parameter that holds the limit; None: no minutes at all
    param: str | None
    #: only written homework to do at home counts (grades 1–2: written practice in school is allowed)
    at_home_only: bool

    @property
    def grades(self) -> tuple[int, int]:
        return GRADE_BANDS[self.band]

    def limit(self, params: Mapping) -> int:
        """The limit in minutes, given the parameters in force."""
        return int(params[self.param]) if self.param else 0

    def item_filters(self) -> dict:
        """The homework items whose minutes count against this limit, as ORM filters."""
        from .choices import HomeworkKind

        low, high = self.grades
        filters = {"kind": HomeworkKind.WRITTEN, "school_class__grade__gte": low, "school_class__grade__lte": high}
        return {**filters, "at_home": True} if self.at_home_only else filters


MINUTE_LIMITS = (
    MinuteLimit(GradeBand.G12, "HW-5-G12", param=None, at_home_only=True),
    MinuteLimit(GradeBand.G36, "HW-5-G36", param="hw_max_minutes_g36", at_home_only=False),
    MinuteLimit(GradeBand.G79, "HW-5-G79", param="hw_max_minutes_g79", at_home_only=False),
)
LIMIT_OF = {limit.band: limit for limit in MINUTE_LIMITS}
LIMIT_PARAMS = tuple(limit.param for limit in MINUTE_LIMITS if limit.param)


def with_counted_minutes(queryset):
    """Annotate each homework item with the measured minutes of its completion survey, if any (one LEFT JOIN),
    as ``measured``, and the minutes counted, ``counted``: measured, else estimated."""
    path = "school_class__homework_surveys"
    return (
        queryset.annotate(
            survey=FilteredRelation(
                path,
                condition=Q(
                    **{f"{path}__date": F("date"), f"{path}__subject": F("subject"), f"{path}__kind": F("kind")}
                ),
            ),
        )
        .annotate(measured=F("survey__measured_minutes"))
        .annotate(counted=Coalesce(F("measured"), F("minutes")))
    )


def counted_minutes_sql(item: str, survey: str) -> sql.Composed:
    """``with_counted_minutes``'s ``counted`` in SQL, for an item table alias and its LEFT JOINed survey's alias
    (joined on class, date, subject and kind)."""
    return sql.SQL("COALESCE({}.measured_minutes, {}.minutes)").format(sql.Identifier(survey), sql.Identifier(item))


def band_case(grade: sql.Composable, then: Callable[[MinuteLimit], sql.Composable]) -> sql.Composed:
    """A SQL ``CASE`` over a grade expression with one branch per band of ``MINUTE_LIMITS``, each giving
    ``then(limit)``: e.g. the band's name, the minutes it counts, or whether they are within its limit."""
    branches = [
        sql.SQL("WHEN {} BETWEEN {} AND {} THEN {}").format(
            grade, sql.Literal(limit.grades[0]), sql.Literal(limit.grades[1]), then(limit)
        )
        for limit in MINUTE_LIMITS
    ]
    return sql.SQL("CASE {} END").format(sql.SQL(" ").join(branches))
