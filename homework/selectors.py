"""Reads of the homework app, always through the scoping mechanism."""

from __future__ import annotations

import datetime as dt

from django.core import signing

from accounts.scoping import restrict
from schools.choices import Subject, grade_band
from schools.models import SchoolClass

from .models import HomeworkDay, HomeworkItem

SHARE_SALT = "homework.publication"


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
    return {"school_class": school_class, "date": date, "items": items, "record": day_record(
        school_class=school_class, date=date), "written_minutes": written, "band": grade_band(school_class.grade)}


def latest_filed_date(*, school_class: SchoolClass, on_or_before: dt.date) -> dt.date | None:
    return HomeworkDay.objects.filter(school_class=school_class, date__lte=on_or_before).order_by(
        "-date").values_list("date", flat=True).first()


def share_token(school_class: SchoolClass) -> str:
    """The signed token of a class's public publication link (parents need no account)."""
    return signing.dumps({"c": school_class.pk}, salt=SHARE_SALT, compress=True)


def class_from_token(token: str) -> SchoolClass | None:
    try:
        data = signing.loads(token, salt=SHARE_SALT)
    except signing.BadSignature:
        return None
    return SchoolClass.objects.select_related("school").filter(pk=data.get("c")).first()
