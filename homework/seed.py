"""Demo homework for ``seed_demo``: every seeded class's homework over the span's school days.

About ``violation_rate`` of the class-days break each HW rule (a class-day not
filed by the deadline for HW-4-PUBLISH). ``day_items`` is shared with the bulk
filing benchmark so the demo and the benchmark file the same shape of data.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from schools.calendar import SchoolCalendar
from schools.models import District, SchoolClass

from . import sql
from .models import CompletionSurvey, HomeworkDay
from .services import item_row
from .validation import CleanItem

#: what a class of each band is usually given: (subject, kind, at_home, minutes range)
PLAN = {
    "G12": [
        ("chinese", "reading", True, (10, 20)),
        ("maths", "oral", True, (5, 10)),
        ("chinese", "written", False, (10, 15)),
        ("english", "oral", True, (5, 10)),
    ],
    "G36": [
        ("chinese", "written", True, (15, 20)),
        ("maths", "written", True, (15, 20)),
        ("english", "written", True, (5, 10)),
        ("chinese", "reading", True, (15, 20)),
        ("science", "practical", True, (10, 15)),
    ],
    "G79": [
        ("chinese", "written", True, (15, 20)),
        ("maths", "written", True, (15, 20)),
        ("english", "written", True, (10, 15)),
        ("physics", "written", True, (10, 15)),
        ("history", "reading", True, (10, 15)),
        ("english", "oral", True, (5, 10)),
    ],
}
FLAG_RULES = ("for_parents", "punitive", "beyond_standard", "self_grading")
CONTENT = {
    "chinese": "课文朗读与生字练习",
    "maths": "课本练习题",
    "english": "单词跟读与书写",
    "physics": "课后习题",
    "history": "阅读教材相关章节",
    "science": "观察记录",
}


def _band(grade: int) -> str:
    return "G12" if grade <= 2 else "G36" if grade <= 6 else "G79"


def day_items(
    rng, *, class_id: int, school_id: int, grade: int, day: dt.date, violation_rate: float
) -> list[CleanItem]:
    """One class's homework for one day; each HW item rule is broken with probability ``violation_rate``."""
    band = _band(grade)
    items = []
    for subject, kind, at_home, (lo, hi) in PLAN[band]:
        items.append(dict(subject=subject, kind=kind, at_home=at_home, minutes=rng.randint(lo, hi)))
    if band == "G12" and rng.random() < violation_rate:
        items.append(dict(subject="maths", kind="written", at_home=True, minutes=rng.randint(5, 15)))
    if band != "G12" and rng.random() < violation_rate:
        # a heavy day: one subject's written homework pushes the total over the band's limit
        items[1]["minutes"] = 70 if band == "G36" else 80
    flagged = {flag: rng.random() < violation_rate for flag in FLAG_RULES}
    out = []
    for n, it in enumerate(items):
        flags = {flag: bool(on and n == 0) for flag, on in flagged.items()}
        out.append(
            CleanItem(
                label="",
                school_class_id=class_id,
                school_id=school_id,
                date=day,
                content=CONTENT.get(it["subject"], ""),
                parent_grading=False,
                **it,
                **flags,
            )
        )
    return out


def _filed_at(rng, day: dt.date, late: bool) -> dt.datetime:
    when = dt.datetime.combine(day, dt.time(16 + rng.randint(0, 3), rng.randint(0, 59)))
    if late:
        when += dt.timedelta(days=3)
    return timezone.make_aware(when)


def seed(*, rng, scale, violation_rate, date_from, date_to, log) -> None:
    classes = list(SchoolClass.objects.order_by("id").values_list("id", "school_id", "grade", "school__district_id"))
    if not classes:
        log("homework: no classes, nothing to seed")
        return
    days_of = {d.pk: SchoolCalendar(d).school_days(date_from, date_to) for d in District.objects.all()}
    items: list[CleanItem] = []
    filings, surveys = [], []
    stamp_of: dict[tuple[int, dt.date], dt.datetime] = {}
    for class_id, school_id, grade, district_id in classes:
        for day in days_of.get(district_id, []):
            if rng.random() < violation_rate:
                if rng.random() < 0.5:
                    continue  # never filed
                late = True
            else:
                late = False
            filed_at = _filed_at(rng, day, late)
            day_list = day_items(
                rng, class_id=class_id, school_id=school_id, grade=grade, day=day, violation_rate=violation_rate
            )
            items.extend(day_list)
            stamp_of[(class_id, day)] = filed_at
            filings.append(
                HomeworkDay(
                    school_class_id=class_id,
                    school_id=school_id,
                    date=day,
                    first_filed_at=filed_at,
                    last_filed_at=filed_at,
                )
            )
            written = [i for i in day_list if i.kind == "written"]
            if written and rng.random() < 0.05:
                it = written[0]
                surveys.append(
                    CompletionSurvey(
                        school_class_id=class_id,
                        school_id=school_id,
                        date=day,
                        subject=it.subject,
                        kind=it.kind,
                        measured_minutes=max(0, it.minutes + rng.randint(-5, 10)),
                        sample_size=rng.randint(5, 12),
                        recorded_at=filed_at + dt.timedelta(days=1),
                    )
                )
    sql.items_copy(item_row(c, filed_at=stamp_of[(c.school_class_id, c.date)], filed_by_id=None) for c in items)
    HomeworkDay.objects.bulk_create(filings, batch_size=5000)
    CompletionSurvey.objects.bulk_create(surveys, batch_size=5000)
    log(f"homework: {len(items)} items, {len(filings)} class-days filed, {len(surveys)} completion surveys")
