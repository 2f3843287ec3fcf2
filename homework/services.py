"""Writes of the homework app: filing a batch of items, a class's whole day, a completion survey."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import AuditAction
from compliance.services import sweep_request
from periods.closing import DayClosedError
from shuangjian.errors import ConflictError, ServiceError

from . import sql
from .models import CompletionSurvey, HomeworkDay, HomeworkItem
from .validation import CleanItem, validate_day, validate_items


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
    *,
    user,
    items: list[dict],
    labels: list[str] | None = None,
    whole_day: tuple[int, dt.date] | None = None,
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
    closed = bool(getattr(errors, "closed", None))
    if whole_day is not None:
        day_errors = validate_day(user=user, school_class_id=whole_day[0], day=whole_day[1])
        if day_errors.pop("closed", None):
            closed = True
        if day_errors:
            errors = {**errors, "day": day_errors}
        elif any((c.school_class_id, c.date) != whole_day for c in clean):
            errors = {**errors, "day": {"school_class": [_("整天填报时每一条作业都应属于该班级和日期")]}}
    if errors:
        if closed:
            # the day is closed: a conflict with the state of the data (409), not a bad request
            raise DayClosedError(
                _(
                    "填报的日期已关闭，未保存任何数据：已关闭的日期只能通过更正申请修改（%(n)d 处）/ the day is closed, "
                    "nothing was saved: ask for a correction"
                )
                % {"n": len(errors)},
                fields=dict(errors),
            )
        raise ServiceError(
            _("作业填报有误（%(n)d 处），未保存任何数据") % {"n": len(errors)},
            fields=dict(errors),
        )
    return homework_write(user=user, items=clean, whole_day=whole_day, now=now)


def homework_write(
    *,
    user,
    items: list[CleanItem],
    whole_day: tuple[int, dt.date] | None = None,
    now: dt.datetime | None = None,
) -> FilingResult:
    """Write validated items in one transaction (call ``homework_file`` unless the rows were just validated)."""
    try:
        return _write(user=user, items=items, whole_day=whole_day, now=now or timezone.now())
    except IntegrityError as exc:
        # two filings of the same class-day raced: the other one committed first
        raise ConflictError(
            _("同一班级当天的作业正由另一请求同时填报，本次未保存：请稍后重新提交"),
        ) from exc


def _write(*, user, items: list[CleanItem], whole_day, now: dt.datetime) -> FilingResult:
    user_id = _user_id(user)
    result = FilingResult()
    with transaction.atomic():
        if whole_day is not None:
            result.replaced = sql.items_delete_days({whole_day})
        else:
            filed = sql.days_filed({(c.school_class_id, c.date) for c in items})
            result.replaced = sql.items_delete_subjects(
                {(c.school_class_id, c.date, c.subject) for c in items if (c.school_class_id, c.date) in filed}
            )
        result.created = sql.items_copy(item_row(c, filed_at=now, filed_by_id=user_id) for c in items)
        days = {(c.school_class_id, c.date): c.school_id for c in items}
        district_ids = {c.district_id for c in items}
        if whole_day is not None and whole_day not in days:
            from schools.models import SchoolClass

            school_id, district_id = SchoolClass.objects.values_list("school_id", "school__district_id").get(
                pk=whole_day[0]
            )
            days[whole_day] = school_id
            district_ids.add(district_id)
        sql.days_upsert(days, now=now, user_id=user_id, no_homework_day=whole_day if not items else None)
        result.days = len(days)
        result.school_ids = set(days.values())
        result.dates = {day for _, day in days}
        sweep_request(school_ids=result.school_ids, dates=result.dates, reason="homework")
        _audit_filing(user=user, days=days, result=result, district_ids=district_ids)
    return result


def _audit_filing(*, user, days: dict, result: FilingResult, district_ids: set[int]) -> None:
    """One audit event per filing (a bulk request of 5,000 items is one event): who, which class-days (by date),
    how many items were replaced and written."""
    by_date: dict[str, list[int]] = {}
    for class_id, day in sorted(days, key=lambda k: (k[1], k[0])):
        by_date.setdefault(day.isoformat(), []).append(class_id)
    district_ids.discard(0)
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        object_type="homework.homeworkday",
        object_repr=f"作业填报：{result.days} 个班级日，{result.created} 项"[:200],
        district=next(iter(district_ids)) if len(district_ids) == 1 else None,
        detail={
            "filing": "homework",
            "class_days": by_date,
            "class_day_count": result.days,
            "items_before": result.replaced,
            "items_after": result.created,
        },
    )


def item_row(c: CleanItem, *, filed_at: dt.datetime, filed_by_id: int | None) -> tuple:
    """One valid item as a row of ``sql.items_copy`` (the order of ``sql.ITEM_COPY_FIELDS``)."""
    return (
        c.school_class_id,
        c.school_id,
        c.date,
        c.subject,
        c.kind,
        c.minutes,
        c.at_home,
        c.for_parents,
        c.parent_grading,
        c.self_grading,
        c.punitive,
        c.beyond_standard,
        c.content,
        filed_at,
        filed_by_id,
    )


def survey_record(
    *,
    user,
    school_class_id: int,
    date: dt.date,
    subject: str,
    kind: str,
    measured_minutes: int,
    sample_size: int,
) -> CompletionSurvey:
    """Record (or correct) the measured average completion time of a filed item; the minute rules then count it."""
    item = (
        HomeworkItem.objects.filter(school_class_id=school_class_id, date=date, subject=subject, kind=kind)
        .values_list("school_id", flat=True)
        .first()
    )
    if item is None:
        raise ServiceError(
            _("没有找到对应的作业：请先填报该班级当天该学科的作业"),
            fields={"subject": [_("该班级当天没有此学科、此类型的作业")]},
        )
    with transaction.atomic():
        survey, _created = CompletionSurvey.objects.update_or_create(
            school_class_id=school_class_id,
            date=date,
            subject=subject,
            kind=kind,
            defaults={
                "school_id": item,
                "measured_minutes": measured_minutes,
                "sample_size": sample_size,
                "recorded_at": timezone.now(),
                "recorded_by_id": _user_id(user),
            },
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
