"""Reads of the homework app, always through the scoping mechanism."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core import signing
from django.utils.translation import gettext_lazy

from accounts.scoping import restrict
from compliance.parameters import MissingParameter
from schools.choices import GradeBand, Subject, grade_band
from schools.models import SchoolClass

from .choices import HomeworkKind
from .models import HomeworkDay, HomeworkItem

SHARE_SALT = "homework.publication"

#: the rule that checks a grade band's daily written minutes (the day form names it next to the limit)
LIMIT_RULES = {GradeBand.G12: "HW-5-G12", GradeBand.G36: "HW-5-G36", GradeBand.G79: "HW-5-G79"}


def classes_for_filing(*, user):
    return restrict(SchoolClass.objects.select_related("school"), user).order_by("grade", "name")


def day_items(*, school_class: SchoolClass, date: dt.date) -> list[HomeworkItem]:
    """A class-day's items in the order of the subject list."""
    order = {value: i for i, value in enumerate(Subject.values)}
    items = list(HomeworkItem.objects.filter(school_class=school_class, date=date))
    return sorted(items, key=lambda i: (order.get(i.subject, 99), i.kind))


def day_record(*, school_class: SchoolClass, date: dt.date) -> HomeworkDay | None:
    return HomeworkDay.objects.filter(school_class=school_class, date=date).first()


def publication(*, school_class: SchoolClass, date: dt.date) -> dict:
    """What the publication page shows: the items by subject, the written total, whether the day was filed."""
    items = day_items(school_class=school_class, date=date)
    written = sum(i.minutes for i in items if i.kind == "written")
    return {
        "school_class": school_class,
        "date": date,
        "items": items,
        "record": day_record(school_class=school_class, date=date),
        "written_minutes": written,
        "band": grade_band(school_class.grade),
    }


def latest_filed_date(*, school_class: SchoolClass, on_or_before: dt.date) -> dt.date | None:
    return (
        HomeworkDay.objects.filter(school_class=school_class, date__lte=on_or_before)
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )


def share_token(school_class: SchoolClass) -> str:
    """The signed token of a class's public publication link (parents need no account)."""
    return signing.dumps({"c": school_class.pk}, salt=SHARE_SALT, compress=True)


def class_from_token(token: str) -> SchoolClass | None:
    try:
        data = signing.loads(token, salt=SHARE_SALT)
    except signing.BadSignature:
        return None
    return SchoolClass.objects.select_related("school").filter(pk=data.get("c")).first()


@dataclass(frozen=True)
class WrittenLoad:
    """A class-day's written minutes against its grade band's limit and the rule that checks it."""

    band: str
    rule_id: str
    total: int
    limit: int

    @property
    def over(self) -> bool:
        return self.total > self.limit


def day_written_load(*, school_class: SchoolClass, date: dt.date) -> WrittenLoad | None:
    """The filed day's written minutes (at home only for grades 1–2) against the limit in force that day.

    The teacher's estimates, as the day form's running total shows them; the
    sweep later counts a completion survey's measured minutes where one exists.
    None when no limit is in force on that date.
    """
    from .validation import class_limits

    band = grade_band(school_class.grade)
    try:
        limit = class_limits(on=date)[band]
    except MissingParameter:
        return None
    items = HomeworkItem.objects.filter(school_class=school_class, date=date, kind=HomeworkKind.WRITTEN)
    if band == GradeBand.G12:
        items = items.filter(at_home=True)
    total = sum(items.values_list("minutes", flat=True))
    return WrittenLoad(band=band, rule_id=LIMIT_RULES[band], total=total, limit=limit)


# -- the school's filing grid (landing page) -------------------------------------------------------------------

#: school days the landing grid shows: today when it is one, and the ones before it
GRID_DAYS = 5
#: how far back the grid looks for them (a long holiday: 国庆 is 7 days, plus weekends)
GRID_LOOKBACK_DAYS = 30


class FilingState:
    """The state of one class-day on the landing grid, in the order a clerk has to act on it."""

    NOT_FILED = "not_filed"
    OVER_LIMIT = "over_limit"
    LATE = "late"
    FILED = "filed"

    LABELS = {
        NOT_FILED: gettext_lazy("未填报"),
        OVER_LIMIT: gettext_lazy("超出时长上限"),
        LATE: gettext_lazy("逾期填报"),
        FILED: gettext_lazy("已填报"),
    }


@dataclass(frozen=True)
class GridCell:
    school_class_id: int
    date: dt.date
    state: str
    no_homework: bool = False
    #: first published after the day's deadline (also when the state shows the limit, which matters more)
    late: bool = False
    written: int | None = None
    limit: int | None = None
    rule_id: str = ""

    @property
    def label(self):
        return FilingState.LABELS[self.state]


@dataclass
class FilingGrid:
    """Classes (rows) by school days (columns, oldest first) and each class-day's state."""

    days: list[dt.date]
    rows: list[tuple[SchoolClass, list[GridCell]]]
    calendar_problem: str = ""

    def counts(self) -> list[dict]:
        """Per day: how many classes are filed, of how many (the column's footer)."""
        out = []
        for i, day in enumerate(self.days):
            cells = [cells[i] for _, cells in self.rows]
            filed = sum(1 for c in cells if c.state != FilingState.NOT_FILED)
            out.append({"date": day, "filed": filed, "total": len(cells)})
        return out


def grid_days(*, district_id: int, today: dt.date, n: int = GRID_DAYS) -> list[dt.date]:
    """Today when it is a school day and the school days before it, ``n`` in all, oldest first (the calendar's
    make-up working days included, holidays, weekends and vacations left out)."""
    from schools.calendar import SchoolCalendar

    days = SchoolCalendar(district_id).school_days(today - dt.timedelta(days=GRID_LOOKBACK_DAYS), today)
    return days[-n:]


def filing_grid(*, user, days: list[dt.date]) -> FilingGrid:
    """Each of the user's classes on each of ``days``: filed, not filed, filed late, or over the limit.

    Set-based: one query for the classes, one for every filed class-day of them on those days with its written
    minutes (the minutes HW-5 counts: ``limits.MINUTE_LIMITS``, a survey's measured minutes where one exists), and
    one for the parameters in force (the limits and the filing deadline), whatever the number of classes.
    "Filed late" is a day first published after that day's deadline (``hw_filing_deadline``, 20:00); HW-4-PUBLISH
    records a finding only once the grace day has passed too.
    """
    from django.db.models import IntegerField, OuterRef, Q, Subquery, Sum
    from django.db.models.functions import Coalesce
    from django.utils import timezone

    from compliance.parameters import parameter_segments
    from schools.calendar import academic_year

    from .limits import LIMIT_OF, LIMIT_PARAMS, with_counted_minutes

    if not days:
        return FilingGrid(days=[], rows=[])
    classes = list(
        restrict(SchoolClass.objects.filter(academic_year__in={academic_year(d) for d in days}), user).order_by(
            "grade", "name", "pk"
        )
    )
    counted = Q(kind=HomeworkKind.WRITTEN) & (Q(school_class__grade__gte=3) | Q(at_home=True))
    written = (
        with_counted_minutes(
            HomeworkItem.objects.filter(school_class_id=OuterRef("school_class_id"), date=OuterRef("date"))
        )
        .filter(counted)
        .order_by()
        .values("school_class_id")
        .annotate(total=Sum("counted"))
        .values("total")
    )
    filed = {
        (d.school_class_id, d.date): d
        for d in HomeworkDay.objects.filter(school_class__in=[c.pk for c in classes], date__in=days)
        .order_by()
        .annotate(written=Coalesce(Subquery(written, output_field=IntegerField()), 0))
        .only("school_class_id", "date", "no_homework", "first_filed_at")
    }
    params_on: dict[dt.date, dict] = {}
    for start, end, params in parameter_segments((*LIMIT_PARAMS, "hw_filing_deadline"), days[0], days[-1]):
        for day in days:
            if start <= day <= end:
                params_on[day] = params
    rows = []
    for c in classes:
        band = grade_band(c.grade)
        cells = []
        for day in days:
            params = params_on.get(day, {})
            record = filed.get((c.pk, day))
            if record is None:
                cells.append(GridCell(c.pk, day, FilingState.NOT_FILED))
                continue
            minute_limit = LIMIT_OF[band]
            limit = minute_limit.limit(params) if (minute_limit.param is None or minute_limit.param in params) else None
            late = False
            deadline = params.get("hw_filing_deadline")
            if deadline:
                hour, minute = (int(x) for x in str(deadline).split(":"))
                late = record.first_filed_at > timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))
            state = FilingState.LATE if late else FilingState.FILED
            if limit is not None and record.written > limit:
                state = FilingState.OVER_LIMIT
            cells.append(
                GridCell(
                    c.pk,
                    day,
                    state,
                    no_homework=record.no_homework,
                    late=late,
                    written=record.written,
                    limit=limit,
                    rule_id=minute_limit.rule_id,
                )
            )
        rows.append((c, cells))
    return FilingGrid(days=days, rows=rows)


# -- the day form: every class's filing of a day at once ------------------------------------------------------

#: the fields of an item the day form edits, in its column order
FORM_FIELDS = (
    "subject",
    "kind",
    "minutes",
    "at_home",
    "for_parents",
    "parent_grading",
    "self_grading",
    "punitive",
    "beyond_standard",
    "content",
)


def day_filings(*, user, date: dt.date | None) -> dict[int, dict]:
    """``{class id: {"filed", "no_homework", "items": [{field: value}]}}`` for every class of ``user`` filed on
    ``date``, the items in the order of the subject list: two queries, so the day form switches class (and copies
    a day) in the browser without loading a page."""
    if date is None:
        return {}
    order = {value: i for i, value in enumerate(Subject.values)}
    out: dict[int, dict] = {}
    for class_id, no_homework in restrict(HomeworkDay.objects.filter(date=date), user).values_list(
        "school_class_id", "no_homework"
    ):
        out[class_id] = {"filed": True, "no_homework": no_homework, "items": []}
    items = restrict(HomeworkItem.objects.filter(date=date), user).order_by().values("school_class_id", *FORM_FIELDS)
    for row in sorted(items, key=lambda r: (order.get(r["subject"], 99), r["kind"])):
        entry = out.setdefault(row.pop("school_class_id"), {"filed": True, "no_homework": False, "items": []})
        entry["items"].append(row)
    return out


def previous_school_day(*, district_id: int, day: dt.date) -> dt.date | None:
    """The school day before ``day`` by the district's calendar (None when none in the last 30 days, or the
    calendar does not know the year)."""
    from schools.calendar import CalendarGap, SchoolCalendar

    try:
        days = SchoolCalendar(district_id).school_days(day - dt.timedelta(days=GRID_LOOKBACK_DAYS), day)
    except CalendarGap:
        return None
    days = [d for d in days if d < day]
    return days[-1] if days else None


def next_class(classes, current_id: int):
    """The class after ``current_id`` in the day form's list (None after the last)."""
    ids = [c.pk for c in classes]
    if current_id in ids and ids.index(current_id) + 1 < len(ids):
        return classes[ids.index(current_id) + 1]
    return None
