"""Reads of the homework app, always through the scoping mechanism."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core import signing

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
