"""The one validation core of every filing path: the web form, the spreadsheet upload and the bulk API.

Plain Python over dicts, with one query for every class the rows name
(restricted to the caller's scope), so 5,000 items validate in milliseconds.
Errors are keyed by the row's label (``"row 3"`` for the third API item,
``"row 17"`` for spreadsheet row 17) and then by field, so every path can
name the row and the field the user has to fix.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.scoping import restrict
from schools.calendar import CalendarGap, DayKind, SchoolCalendar
from schools.choices import Subject
from schools.models import SchoolClass

from .choices import MAX_BATCH, MAX_ITEM_MINUTES, HomeworkKind

FLAGS = ("for_parents", "parent_grading", "self_grading", "punitive", "beyond_standard")
REQUIRED = ("school_class", "date", "subject", "kind", "minutes")

MSG_REQUIRED = gettext_lazy("必填")
MSG_CLASS = gettext_lazy("班级不存在或不在您的管辖范围")
MSG_MINUTES = gettext_lazy("作业时长应为 0 到 %(max)d 之间的整数（分钟）")
MSG_FUTURE = gettext_lazy("不能填报未来日期的作业")
MSG_YEAR = gettext_lazy("日期不在该班级所在学年内")

TRUE_WORDS = {"true", "1", "是", "y", "yes", "t", "√"}
FALSE_WORDS = {"false", "0", "否", "n", "no", "f", ""}


def _choice_map(choices) -> dict[str, str]:
    """Accept a code (``maths``) or its Chinese label (``数学``)."""
    with translation.override("zh-hans"):
        mapping = {str(label): value for value, label in choices}
    mapping.update({value: value for value, _ in choices})
    return mapping


SUBJECTS = _choice_map(Subject.choices)
KINDS = _choice_map(HomeworkKind.choices)


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

    @property
    def key(self) -> tuple:
        return (self.school_class_id, self.date, self.subject, self.kind)


class _Bad(ValueError):
    pass


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_int(value) -> int:
    if isinstance(value, bool):
        raise _Bad
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise _Bad
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise _Bad


def parse_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip().replace("/", "-").replace(".", "-")
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            parts = text.split("-")
            if len(parts) == 3 and all(p.isdigit() for p in parts):
                try:
                    return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
                except ValueError:
                    pass
    raise _Bad


def parse_bool(value, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word == "":
            return default
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise _Bad


def _academic_year(day: dt.date) -> int:
    return day.year if day.month >= 9 else day.year - 1


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
                self._days[key] = "" if info.is_school_day else (
                    _("%(date)s 不是上学日（%(kind)s），不能填报作业") % {"date": day.isoformat(), "kind": DayKind.DISPLAY[info.kind]}
                )
            except CalendarGap as exc:
                self._days[key] = exc.message
        return self._days[key] or None


def validate_items(rows, *, user, labels: list[str] | None = None, today: dt.date | None = None):
    """Check ``rows`` (dicts of raw values) for ``user``; return ``(clean items, errors)``.

    ``errors`` is ``{label: {field: [message]}}``; a row with any error yields no
    clean item. A class that does not exist and one outside the caller's scope
    give the same message, so the API never reveals another school's classes.
    """
    today = today or timezone.localdate()
    labels = labels or [f"row {i}" for i in range(1, len(rows) + 1)]
    errors: dict[str, dict[str, list[str]]] = {}

    def add(label, field, message):
        errors.setdefault(label, {}).setdefault(field, []).append(str(message))

    if len(rows) > MAX_BATCH:
        return [], {"items": {"non_field_errors": [_("一次最多填报 %(max)d 条作业，本次 %(n)d 条") % {"max": MAX_BATCH, "n": len(rows)}]}}

    class_ids = set()
    for row in rows:
        if isinstance(row, dict):
            try:
                class_ids.add(parse_int(row.get("school_class")))
            except _Bad:
                pass
    classes = {
        pk: (school_id, district_id, grade, year)
        for pk, school_id, district_id, grade, year in restrict(
            SchoolClass.objects.filter(pk__in=class_ids), user
        ).values_list("id", "school_id", "school__district_id", "grade", "academic_year")
    } if class_ids else {}

    calendars = _Calendars()
    clean: list[CleanItem] = []
    first_row_of: dict[tuple, str] = {}
    dates: dict = {}  # the same few date strings repeat over thousands of rows
    flag_defaults = (("at_home", True), *((f, False) for f in FLAGS))
    for label, row in zip(labels, rows):
        if type(row) is not dict:
            add(label, "non_field_errors", _("每一条作业应为一个对象（JSON object）"))
            continue
        get = row.get
        bad = False

        value = get("school_class")
        class_id = None
        if type(value) is int and value in classes:
            class_id = value
        elif _blank(value):
            add(label, "school_class", MSG_REQUIRED)
            bad = True
        else:
            try:
                class_id = parse_int(value)
            except _Bad:
                class_id = None
            if class_id not in classes:
                class_id = None
                add(label, "school_class", MSG_CLASS)
                bad = True

        value = get("grade")  # optional: a check that the class id is the class the sender meant
        if value is not None and not _blank(value):
            try:
                grade = parse_int(value)
                if not 1 <= grade <= 9:
                    raise _Bad
            except _Bad:
                add(label, "grade", _("年级应为 1 到 9 之间的整数"))
                bad = True
            else:
                if class_id is not None and classes[class_id][2] != grade:
                    add(label, "grade", _("该班级是 %(actual)d 年级，与填写的 %(given)d 年级不符：请核对班级ID") % {
                        "actual": classes[class_id][2], "given": grade})
                    bad = True

        value = get("date")
        day = dates.get(value) if type(value) is str else None
        if day is None:
            if _blank(value):
                add(label, "date", MSG_REQUIRED)
                bad = True
            else:
                try:
                    day = parse_date(value)
                except _Bad:
                    add(label, "date", _("日期格式应为 YYYY-MM-DD"))
                    bad = True
                else:
                    if type(value) is str:
                        dates[value] = day

        value = get("subject")
        subject = SUBJECTS.get(value) if type(value) is str else None
        if subject is None:
            if _blank(value):
                add(label, "subject", MSG_REQUIRED)
            else:
                subject = SUBJECTS.get(str(value).strip())
                if subject is None:
                    add(label, "subject", _("未知学科：%(value)s") % {"value": value})
            bad = bad or subject is None

        value = get("kind")
        kind = KINDS.get(value) if type(value) is str else None
        if kind is None:
            if _blank(value):
                add(label, "kind", MSG_REQUIRED)
            else:
                kind = KINDS.get(str(value).strip())
                if kind is None:
                    add(label, "kind", _("未知作业类型：%(value)s（应为 书面/口头/实践/阅读）") % {"value": value})
            bad = bad or kind is None

        value = get("minutes")
        if type(value) is int and 0 <= value <= MAX_ITEM_MINUTES:
            minutes = value
        elif _blank(value):
            add(label, "minutes", MSG_REQUIRED)
            bad = True
        else:
            try:
                minutes = parse_int(value)
                if not 0 <= minutes <= MAX_ITEM_MINUTES:
                    raise _Bad
            except _Bad:
                add(label, "minutes", MSG_MINUTES % {"max": MAX_ITEM_MINUTES})
                bad = True

        flags = {}
        for field, default in flag_defaults:
            value = get(field)
            if value is None:
                flags[field] = default
            elif value is True or value is False:
                flags[field] = value
            else:
                try:
                    flags[field] = parse_bool(value, default)
                except _Bad:
                    add(label, field, _("应为 是/否（true/false）"))
                    bad = True
        content = get("content") or ""
        if type(content) is not str:
            content = str(content)
        if len(content) > 500:
            add(label, "content", _("作业内容最多 500 字"))
            bad = True

        if day is not None:
            if day > today:
                add(label, "date", MSG_FUTURE)
                bad = True
            elif class_id is not None:
                _school_id, district_id, _grade, year = classes[class_id]
                if _academic_year(day) != year:
                    add(label, "date", MSG_YEAR)
                    bad = True
                else:
                    problem = calendars.problem(district_id, day)
                    if problem:
                        add(label, "date", problem)
                        bad = True
        if bad:
            continue
        key = (class_id, day, subject, kind)
        other = first_row_of.get(key)
        if other is not None:
            message = _("同一班级、日期、学科、类型重复填报：%(first)s 与 %(second)s") % {"first": other, "second": label}
            add(label, "subject", message)
            add(other, "subject", message)
            continue
        first_row_of[key] = label
        clean.append(CleanItem(
            label=label, school_class_id=class_id, school_id=classes[class_id][0], date=day, subject=subject,
            kind=kind, minutes=minutes, content=content.strip(), **flags,
        ))
    if errors:
        bad = set(errors)
        clean = [c for c in clean if c.label not in bad]
    return clean, errors


def validate_day(*, user, school_class_id, day, today: dt.date | None = None) -> dict[str, list[str]]:
    """Check one class-day filed as a whole (the web form, "no homework today"): ``{field: [message]}``."""
    today = today or timezone.localdate()
    row = restrict(SchoolClass.objects.filter(pk=school_class_id), user).values_list(
        "school__district_id", "academic_year").first()
    if row is None:
        return {"school_class": [str(MSG_CLASS)]}
    if day > today:
        return {"date": [str(MSG_FUTURE)]}
    if _academic_year(day) != row[1]:
        return {"date": [str(MSG_YEAR)]}
    problem = _Calendars().problem(row[0], day)
    return {"date": [problem]} if problem else {}


def class_limits(*, on: dt.date) -> dict[str, int | None]:
    """The written-homework limit of each grade band in force on a date (0 for grades 1–2 at home)."""
    from compliance.parameters import parameter_value

    return {
        "G12": 0,
        "G36": int(parameter_value("hw_max_minutes_g36", on=on)),
        "G79": int(parameter_value("hw_max_minutes_g79", on=on)),
    }
