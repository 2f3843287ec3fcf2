"""Writes of the homework app: filing a batch of items, a class's whole day, a completion survey."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from compliance.services import sweep_request
from shuangjian.errors import ConflictError, ServiceError

from .models import CompletionSurvey, HomeworkDay, HomeworkItem
from .validation import CleanItem, validate_day, validate_items

COPY_COLUMNS = (
    "school_class_id", "school_id", "date", "subject", "kind", "minutes", "at_home", "for_parents",
    "parent_grading", "self_grading", "punitive", "beyond_standard", "content", "filed_at", "filed_by_id",
)


@dataclass
class FilingResult:
    """What a filing did: items written, items it replaced, class-days touched."""

    created: int = 0
    replaced: int = 0
    days: int = 0
    school_ids: set[int] = field(default_factory=set)
    dates: set[dt.date] = field(default_factory=set)

    def as_dict(self) -> dict:
        return {"created": self.created, "replaced": self.replaced, "days": self.days}


def _user_id(user):
    return user.pk if getattr(user, "is_authenticated", False) else None


def homework_file(
    *, user, items: list[dict], labels: list[str] | None = None, whole_day: tuple[int, dt.date] | None = None,
    now: dt.datetime | None = None,
) -> FilingResult:
    """File homework items for ``user``: all or nothing.

    Every row is checked first (``validation.validate_items``); one bad row
    raises a ``ServiceError`` naming each bad row and nothing is saved.
    Re-filing a class, date and subject replaces that subject's items; with
    ``whole_day`` (the web form files one class's day) every item of that day is
    replaced, and a day filed with no items is published as "no homework today".
    A sweep of the affected schools and dates is requested after commit.
    """
    clean, errors = validate_items(items, user=user, labels=labels)
    if whole_day is not None:
        day_errors = validate_day(user=user, school_class_id=whole_day[0], day=whole_day[1])
        if day_errors:
            errors = {**errors, "day": day_errors}
        elif any((c.school_class_id, c.date) != whole_day for c in clean):
            errors = {**errors, "day": {"school_class": [_("整天填报时每一条作业都应属于该班级和日期")]}}
    if errors:
        raise ServiceError(
            _("作业填报有误（%(n)d 处），未保存任何数据 / %(n)d rows have errors, nothing was saved") % {"n": len(errors)},
            fields=errors,
        )
    return homework_write(user=user, items=clean, whole_day=whole_day, now=now)


def homework_write(
    *, user, items: list[CleanItem], whole_day: tuple[int, dt.date] | None = None, now: dt.datetime | None = None,
) -> FilingResult:
    """Write validated items in one transaction (call ``homework_file`` unless the rows were just validated)."""
    try:
        return _write(user=user, items=items, whole_day=whole_day, now=now or timezone.now())
    except (IntegrityError, connection.Database.IntegrityError) as exc:
        # two filings of the same class-day raced: the other one committed first
        raise ConflictError(
            _("同一班级当天的作业正由另一请求同时填报，本次未保存：请稍后重新提交 / a concurrent filing of the same "
              "class-day won; nothing was saved, please re-submit"),
        ) from exc


def _write(*, user, items: list[CleanItem], whole_day, now: dt.datetime) -> FilingResult:
    user_id = _user_id(user)
    result = FilingResult()
    with transaction.atomic():
        if whole_day is not None:
            result.replaced = _delete_days([whole_day])
        else:
            filed = _filed_days({(c.school_class_id, c.date) for c in items})
            result.replaced = _delete_subjects(
                {(c.school_class_id, c.date, c.subject) for c in items if (c.school_class_id, c.date) in filed}
            )
        if connection.vendor == "postgresql":
            _copy_items(items, now=now, user_id=user_id)
        else:
            HomeworkItem.objects.bulk_create(
                [HomeworkItem(filed_at=now, filed_by_id=user_id, **_fields(c)) for c in items], batch_size=1000
            )
        result.created = len(items)
        days = {(c.school_class_id, c.date): c.school_id for c in items}
        if whole_day is not None and whole_day not in days:
            from schools.models import SchoolClass

            days[whole_day] = SchoolClass.objects.values_list("school_id", flat=True).get(pk=whole_day[0])
        _upsert_days(days, now=now, user_id=user_id, no_homework_day=whole_day if not items else None)
        result.days = len(days)
        result.school_ids = set(days.values())
        result.dates = {day for _, day in days}
        sweep_request(school_ids=result.school_ids, dates=result.dates, reason="homework")
    return result


def _upsert_days(days: dict, *, now: dt.datetime, user_id: int | None, no_homework_day) -> None:
    """Record each class-day as filed: first filing sets ``first_filed_at``, a later one only ``last_filed_at``."""
    if connection.vendor == "postgresql":
        keys = list(days)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {HomeworkDay._meta.db_table} "
                "(school_class_id, date, school_id, no_homework, first_filed_at, last_filed_at, filed_by_id) "
                "SELECT c, d, s, n, %s, %s, %s FROM unnest(%s::int[], %s::date[], %s::int[], %s::bool[]) AS k(c, d, s, n) "
                "ON CONFLICT (school_class_id, date) DO UPDATE SET last_filed_at = EXCLUDED.last_filed_at, "
                "filed_by_id = EXCLUDED.filed_by_id, no_homework = EXCLUDED.no_homework",
                [now, now, user_id, [k[0] for k in keys], [k[1] for k in keys], list(days.values()),
                 [k == no_homework_day for k in keys]],
            )
        return
    HomeworkDay.objects.bulk_create(
        [
            HomeworkDay(school_class_id=class_id, date=day, school_id=school_id, first_filed_at=now,
                        last_filed_at=now, filed_by_id=user_id, no_homework=(class_id, day) == no_homework_day)
            for (class_id, day), school_id in days.items()
        ],
        update_conflicts=True,
        unique_fields=["school_class", "date"],
        update_fields=["last_filed_at", "filed_by", "no_homework"],
        batch_size=2000,
    )


def _fields(c: CleanItem) -> dict:
    return {
        "school_class_id": c.school_class_id, "school_id": c.school_id, "date": c.date, "subject": c.subject,
        "kind": c.kind, "minutes": c.minutes, "at_home": c.at_home, "for_parents": c.for_parents,
        "parent_grading": c.parent_grading, "self_grading": c.self_grading, "punitive": c.punitive,
        "beyond_standard": c.beyond_standard, "content": c.content,
    }


def _copy_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


_B = {True: "t", False: "f"}


def copy_line(c: CleanItem, stamp: str, filed_by: str) -> str:
    """One item as a line of PostgreSQL COPY text format (columns of ``COPY_COLUMNS``)."""
    b = _B
    return (
        f"{c.school_class_id}\t{c.school_id}\t{c.date.isoformat()}\t{c.subject}\t{c.kind}\t{c.minutes}\t"
        f"{b[c.at_home]}\t{b[c.for_parents]}\t{b[c.parent_grading]}\t{b[c.self_grading]}\t{b[c.punitive]}\t"
        f"{b[c.beyond_standard]}\t{_copy_text(c.content)}\t{stamp}\t{filed_by}\n"
    )


def copy_lines(buf: io.StringIO) -> None:
    """COPY prepared lines into the item table."""
    buf.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {HomeworkItem._meta.db_table} ({', '.join(COPY_COLUMNS)}) FROM STDIN", buf
        )


def _copy_items(items: list[CleanItem], *, now: dt.datetime, user_id: int | None) -> None:
    """Insert with PostgreSQL COPY (text format): an order of magnitude faster than INSERT for 5,000 rows."""
    stamp = now.isoformat()
    filed_by = str(user_id) if user_id else "\\N"
    buf = io.StringIO()
    buf.writelines(copy_line(c, stamp, filed_by) for c in items)
    copy_lines(buf)


def _filed_days(days: set[tuple[int, dt.date]]) -> set[tuple[int, dt.date]]:
    """The class-days among ``days`` filed before: only their items can need replacing (one query)."""
    if not days:
        return set()
    if connection.vendor == "postgresql":
        classes, dates = zip(*days)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT h.school_class_id, h.date FROM {HomeworkDay._meta.db_table} h "
                "JOIN unnest(%s::int[], %s::date[]) AS k(c, d) ON h.school_class_id = k.c AND h.date = k.d",
                [list(classes), list(dates)],
            )
            return set(cursor.fetchall())
    q = Q()
    for class_id, day in days:
        q |= Q(school_class_id=class_id, date=day)
    return set(HomeworkDay.objects.filter(q).values_list("school_class_id", "date"))


def _delete_subjects(keys: set[tuple[int, dt.date, str]]) -> int:
    """Delete the items of these (class, date, subject) keys; return how many."""
    if not keys:
        return 0
    table = HomeworkItem._meta.db_table
    if connection.vendor == "postgresql":
        classes, dates, subjects = zip(*keys)
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {table} h USING unnest(%s::int[], %s::date[], %s::text[]) AS k(c, d, s) "
                "WHERE h.school_class_id = k.c AND h.date = k.d AND h.subject = k.s",
                [list(classes), list(dates), list(subjects)],
            )
            return cursor.rowcount
    deleted = 0
    keys = sorted(keys)
    for i in range(0, len(keys), 200):
        q = Q()
        for class_id, day, subject in keys[i : i + 200]:
            q |= Q(school_class_id=class_id, date=day, subject=subject)
        deleted += HomeworkItem.objects.filter(q).delete()[0]
    return deleted


def _delete_days(days: list[tuple[int, dt.date]]) -> int:
    q = Q()
    for class_id, day in days:
        q |= Q(school_class_id=class_id, date=day)
    return HomeworkItem.objects.filter(q).delete()[0]


def survey_record(
    *, user, school_class_id: int, date: dt.date, subject: str, kind: str, measured_minutes: int, sample_size: int,
) -> CompletionSurvey:
    """Record (or correct) the measured average completion time of a filed item; the minute rules then count it."""
    item = HomeworkItem.objects.filter(
        school_class_id=school_class_id, date=date, subject=subject, kind=kind
    ).values_list("school_id", flat=True).first()
    if item is None:
        raise ServiceError(_("没有找到对应的作业：请先填报该班级当天该学科的作业"),
                           fields={"subject": [_("该班级当天没有此学科、此类型的作业")]})
    with transaction.atomic():
        survey, _created = CompletionSurvey.objects.update_or_create(
            school_class_id=school_class_id, date=date, subject=subject, kind=kind,
            defaults={"school_id": item, "measured_minutes": measured_minutes, "sample_size": sample_size,
                      "recorded_at": timezone.now(), "recorded_by_id": _user_id(user)},
        )
        sweep_request(school_ids=[item], dates=[date], reason="homework-survey")
    return survey


@dataclass
class ClassMoveResult:
    """What moving a class's homework rows to its new school changed: row counts, and the dates they fall on."""

    items: int = 0
    days: int = 0
    surveys: int = 0
    dates: set[dt.date] = field(default_factory=set)

    def as_dict(self) -> dict:
        return {"items": self.items, "days": self.days, "surveys": self.surveys}


def homework_move_class(*, school_class_id: int, school_id: int) -> ClassMoveResult:
    """Give every homework row of a class the school the class now belongs to (作业随班级转校).

    Items, filing days and surveys store the class's school themselves (scoping and the rules read it without a
    join), so a class that moves school must take them along, or the old school keeps listing the class's homework
    and the new one misses it. Call it inside the transaction that moves the class (``schools.services``); it
    checks nothing itself.
    """
    result = ClassMoveResult()
    for model in (HomeworkItem, HomeworkDay, CompletionSurvey):
        rows = model.objects.filter(school_class_id=school_class_id).exclude(school_id=school_id)
        result.dates.update(rows.values_list("date", flat=True).distinct())
        moved = rows.update(school_id=school_id)
        if model is HomeworkItem:
            result.items = moved
        elif model is HomeworkDay:
            result.days = moved
        else:
            result.surveys = moved
    return result
