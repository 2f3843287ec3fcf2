"""The one validation core of every filing path: the web form, the spreadsheet upload and the bulk API.

Plain Python over dicts, with one query for every class the rows name
(restricted to the caller's scope), so 5,000 items validate in milliseconds.
Each field is read by its entry in ``FIELDS`` (a parser of ``shuangjian.cells``, whether it is required, the
message of a bad value); then the checks that need the class and the calendar run on the parsed row.
Errors are keyed by the row's label (``"row 3"`` for the third API item,
``"row 17"`` for spreadsheet row 17) and then by field, so every path can
name the row and the field the user has to fix.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.scoping import restrict
from periods.closing import HOMEWORK, Closing, closing_for
from schools.calendar import CalendarGap, DayKind, SchoolCalendar, academic_year
from schools.choices import Subject
from schools.models import SchoolClass
from shuangjian import cells

from .choices import MAX_BATCH, MAX_ITEM_MINUTES, HomeworkKind

FLAGS = ("for_parents", "parent_grading", "self_grading", "punitive", "beyond_standard")

MSG_REQUIRED = gettext_lazy("必填")
MSG_CLASS = gettext_lazy("班级不存在或不在您的管辖范围")
MSG_MINUTES = gettext_lazy("作业时长应为 0 到 %(max)d 之间的整数（分钟）")
MSG_FUTURE = gettext_lazy("不能填报未来日期的作业")
MSG_YEAR = gettext_lazy("日期不在该班级所在学年内")
MSG_GRADE = gettext_lazy("年级应为 1 到 9 之间的整数")
MSG_FLAG = gettext_lazy("应为“是”或“否”（可填 是/否、Y/N、true/false、1/0、√/×）")
MAX_CONTENT = 500

SUBJECTS = cells.choice_map(Subject)
KINDS = cells.choice_map(HomeworkKind)


@dataclass(slots=True)
class CleanItem:
    """One valid row, ready to be written."""

    label: str
    school_class_id: int
    school_id: int
    date: dt.date
    subject: str
    kind: str
    minutes: int
    at_home: bool
    for_parents: bool
    parent_grading: bool
    self_grading: bool
    punitive: bool
    beyond_standard: bool
    content: str
    #: the class's district (the filing's audit event names it)
    district_id: int = 0

    @property
    def key(self) -> tuple:
        return (self.school_class_id, self.date, self.subject, self.kind)


def _memo(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The same few strings (a date, a subject) repeat over thousands of rows: parse each once per process."""
    cache: dict[str, Any] = {}

    def parsed(value):
        if type(value) is not str:
            return parse(value)
        found = cache.get(value)
        if found is None:
            if len(cache) > 10_000:
                cache.clear()
            found = cache[value] = parse(value)
        return found

    return parsed


# The parsers below take the value a JSON client sends as it is (an int, a bool, printable text) before handing
# anything else to the shared parser: 5,000 rows of 14 fields are read per request.


def _code(mapping: dict[str, str], message: str) -> Callable[[Any], str]:
    def parse(value) -> str:
        code = mapping.get(value.strip()) if isinstance(value, str) else None
        if code is None:
            raise cells.CellError(message % {"value": value})
        return code

    return parse


def _id(value) -> int:
    return value if type(value) is int else cells.parse_int(value)


def _flag(default: bool) -> Callable[[Any], bool]:
    def parse(value) -> bool:
        return value if value is True or value is False else cells.parse_bool(value, default=default)

    return parse


def _minutes(value) -> int:
    if type(value) is int and 0 <= value <= MAX_ITEM_MINUTES:
        return value
    return cells.parse_int(value, min_value=0, max_value=MAX_ITEM_MINUTES)


def _content(value) -> str:
    if type(value) is str and value.isprintable() and len(value) <= MAX_CONTENT and value[:1] != "'":
        return value.strip()
    return cells.parse_text(value, max_length=MAX_CONTENT)


@dataclass(frozen=True, slots=True)
class Field:
    """How one field of a row is read: its parser, whether it is required (else ``default``), and the message of a
    value the parser refuses (``None``: the parser's own)."""

    name: str
    parse: Callable[[Any], Any]
    required: bool = True
    default: Any = None
    message: Callable[[], str] | None = None


FIELDS: tuple[Field, ...] = (
    Field("school_class", _id, message=lambda: str(MSG_CLASS)),
    # optional: a check that the class id is the class the sender meant
    Field(
        "grade", lambda v: cells.parse_int(v, min_value=1, max_value=9), required=False, message=lambda: str(MSG_GRADE)
    ),
    Field("date", _memo(cells.parse_date)),
    Field("subject", _memo(_code(SUBJECTS, gettext_lazy("未知学科：%(value)s")))),
    Field("kind", _memo(_code(KINDS, gettext_lazy("未知作业类型：%(value)s（应为 书面/口头/实践/阅读）")))),
    Field("minutes", _minutes, message=lambda: MSG_MINUTES % {"max": MAX_ITEM_MINUTES}),
    Field("at_home", _flag(True), required=False, default=True, message=lambda: str(MSG_FLAG)),
    *(Field(name, _flag(False), required=False, default=False, message=lambda: str(MSG_FLAG)) for name in FLAGS),
    Field("content", _content, required=False, default=""),
)
#: ``FIELDS`` as plain tuples for the loop over every row
_PLAN = tuple((f.name, f.parse, f.required, f.default, f.message) for f in FIELDS)


def row_name(label: str) -> str:
    """A row's label as a reader sees it, in the interface's language: ``row 9`` is 第 9 行 (row 9 in English)."""
    number = label[4:] if label.startswith("row ") else ""
    return _("第 %(n)s 行") % {"n": number} if number.isdigit() else label


class _Errors(dict):
    """``{label: {field: [message]}}``; ``closed`` holds the labels of rows refused because their day is closed."""

    closed: set[str]

    def __init__(self):
        super().__init__()
        self.closed = set()

    def add(self, label: str, field: str, message) -> None:
        self.setdefault(label, {}).setdefault(field, []).append(str(message))


def _parse_row(label: str, row, errors: _Errors) -> dict | None:
    """The row's values by ``FIELDS``, or None when a field is bad (each bad field is in ``errors``)."""
    if type(row) is not dict:
        errors.add(label, "non_field_errors", _("每一条作业应为一个对象（JSON object）"))
        return None
    values, bad, get = {}, False, row.get
    for name, parse, required, default, message in _PLAN:
        raw = get(name)
        if raw is None or (type(raw) is str and (not raw or raw.isspace())):
            if required:
                errors.add(label, name, MSG_REQUIRED)
                bad = True
            values[name] = default
            continue
        try:
            values[name] = parse(raw)
        except cells.CellError as exc:
            errors.add(label, name, message() if message else exc)
            bad = True
    return None if bad else values


class _Calendars:
    """One SchoolCalendar per district, one lookup per (district, date) for the whole batch."""

    def __init__(self):
        self._calendars: dict[int, SchoolCalendar] = {}
        self._days: dict[tuple[int, dt.date], str | CalendarGap] = {}

    def problem(self, district_id: int, day: dt.date) -> str | None:
        key = (district_id, day)
        if key not in self._days:
            cal = self._calendars.setdefault(district_id, SchoolCalendar(district_id))
            try:
                info = cal.day(day)
                self._days[key] = (
                    ""
                    if info.is_school_day
                    else (
                        _("%(date)s 不是上学日（%(kind)s），不能填报作业")
                        % {"date": day.isoformat(), "kind": DayKind.DISPLAY[info.kind]}
                    )
                )
            except CalendarGap as exc:
                self._days[key] = exc.message
        return self._days[key] or None


@dataclass(frozen=True, slots=True)
class _Class:
    school_id: int
    district_id: int
    grade: int
    academic_year: int


def _class_problems(
    values: dict, klass: _Class | None, *, today: dt.date, calendars: _Calendars, closing: Closing | None
) -> list:
    """[(field, message)] for what the parsed row gets wrong about its class and the calendar."""
    if klass is None:
        return [("school_class", MSG_CLASS)]
    problems = []
    grade, day = values["grade"], values["date"]
    if grade is not None and grade != klass.grade:
        problems.append(
            (
                "grade",
                _("该班级是 %(actual)d 年级，与填写的 %(given)d 年级不符：请核对班级ID")
                % {"actual": klass.grade, "given": grade},
            )
        )
    if day > today:
        problems.append(("date", MSG_FUTURE))
    elif academic_year(day) != klass.academic_year:
        problems.append(("date", MSG_YEAR))
    elif problem := calendars.problem(klass.district_id, day):
        problems.append(("date", problem))
    elif closing is not None and closing.is_closed(day):
        problems.append(("date", CLOSED))
    return problems


#: the marker ``_class_problems`` gives a row whose day is closed (the message names the day)
CLOSED = object()


def _classes(parsed: list, user) -> dict[int, _Class]:
    """The classes the rows name that ``user`` may file for (one query)."""
    ids = {values["school_class"] for _label, values in parsed}
    if not ids:
        return {}
    rows = restrict(SchoolClass.objects.filter(pk__in=ids), user).values_list(
        "id", "school_id", "school__district_id", "grade", "academic_year"
    )
    return {pk: _Class(*rest) for pk, *rest in rows}


def validate_items(
    rows, *, user, labels: list[str] | None = None, today: dt.date | None = None, check_closing: bool = True
):
    """Check ``rows`` (dicts of raw values) for ``user``; return ``(clean items, errors)``.

    ``errors`` is ``{label: {field: [message]}}``; a row with any error yields no
    clean item. A class that does not exist and one outside the caller's scope
    give the same message, so the API never reveals another school's classes.
    A row of a closed day (``periods.closing``) is refused, its label in ``errors.closed``; the closing times of
    all the rows' dates are read in one query. Only an approved correction passes ``check_closing=False``.
    """
    if len(rows) > MAX_BATCH:
        return [], {
            "items": {
                "non_field_errors": [
                    _("一次最多填报 %(max)d 条作业，本次 %(n)d 条") % {"max": MAX_BATCH, "n": len(rows)}
                ]
            }
        }
    today = today or timezone.localdate()
    labels = labels or [f"row {i}" for i in range(1, len(rows) + 1)]
    errors = _Errors()
    parsed = [
        (label, values) for label, row in zip(labels, rows) if (values := _parse_row(label, row, errors)) is not None
    ]
    classes = _classes(parsed, user)
    calendars = _Calendars()
    closing = closing_for(HOMEWORK, {values["date"] for _label, values in parsed}) if check_closing else None
    clean: list[CleanItem] = []
    first_row_of: dict[tuple, str] = {}
    for label, values in parsed:
        klass = classes.get(values["school_class"])
        problems = _class_problems(values, klass, today=today, calendars=calendars, closing=closing)
        for field, message in problems:
            if message is CLOSED:
                assert closing is not None
                errors.closed.add(label)
                message = closing.message(values["date"])
            errors.add(label, field, message)
        if problems:
            continue
        del values["grade"]
        item = CleanItem(
            label=label,
            school_id=klass.school_id,
            district_id=klass.district_id,
            school_class_id=values.pop("school_class"),
            **values,
        )
        other = first_row_of.setdefault(item.key, label)
        if other != label:
            message = _("%(first)s 与 %(second)s 重复填报（同一班级、日期、学科、类型只能填报一条）") % {
                "first": row_name(other),
                "second": row_name(label),
            }
            errors.add(label, "subject", message)
            errors.add(other, "subject", message)
            continue
        clean.append(item)
    if errors:
        clean = [c for c in clean if c.label not in errors]
    return clean, errors


def validate_day(
    *, user, school_class_id, day, today: dt.date | None = None, check_closing: bool = True
) -> dict[str, list[str]]:
    """Check one class-day filed as a whole (the web form, "no homework today"): ``{field: [message]}``.

    A closed day gives ``{"closed": [message]}`` beside the date's message (the caller answers 409)."""
    today = today or timezone.localdate()
    row = (
        restrict(SchoolClass.objects.filter(pk=school_class_id), user)
        .values_list("school__district_id", "academic_year")
        .first()
    )
    if row is None:
        return {"school_class": [str(MSG_CLASS)]}
    if day > today:
        return {"date": [str(MSG_FUTURE)]}
    if academic_year(day) != row[1]:
        return {"date": [str(MSG_YEAR)]}
    problem = _Calendars().problem(row[0], day)
    if problem:
        return {"date": [problem]}
    if check_closing:
        closing = closing_for(HOMEWORK, [day])
        if closing.is_closed(day):
            return {"date": [closing.message(day)], "closed": [closing.message(day)]}
    return {}


def class_limits(*, on: dt.date) -> dict[str, int]:
    """The written-homework limit of each grade band in force on a date (0 for grades 1–2 at home)."""
    from compliance.parameters import parameter_value

    return {
        "G12": 0,
        "G36": int(parameter_value("hw_max_minutes_g36", on=on)),
        "G79": int(parameter_value("hw_max_minutes_g79", on=on)),
    }
