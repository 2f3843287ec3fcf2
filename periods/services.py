"""Writes of filing periods: a school asks to correct a closed day; district staff approve or reject it.

Approval replaces the class-days' homework in ONE transaction: the class rows are locked (``select_for_update``),
each day's version must still be the one the request was made against, the old rows are kept as a ``DayVersion``
(a unique version number per class-day: two approvals from the same version cannot both apply), the new rows are
written, the findings open on those class-days get a "审批更正" event in their history, and a sweep of the day is
asked for (the mechanism every homework filing uses).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.choices import Role
from accounts.models import AuditAction
from accounts.scoping import is_city, restrict, role_of
from compliance.choices import ACTIVE_STATUSES
from compliance.models import Finding, FindingEvent
from compliance.services import sweep_request
from homework.models import HomeworkDay, HomeworkItem
from homework.validation import CleanItem, row_name, validate_day, validate_items
from notifications.choices import NotificationKind
from notifications.services import notify_district_staff, notify_school
from schools.models import SchoolClass
from shuangjian.errors import ConflictError, ForbiddenError, ServiceError

from .choices import MAX_CLASSES, MAX_ROWS, CorrectionStatus
from .closing import HOMEWORK, closing_for
from .models import Correction, CorrectionDay, DayVersion

ITEM_FIELDS = (
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


def _required(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ServiceError(_("请填写原因"), fields={field: [_("必填")]})
    return value


def current_versions(*, class_ids, date: dt.date) -> dict[int, int]:
    """The version each class-day is at (0: never corrected), one query."""
    rows = (
        DayVersion.objects.filter(school_class_id__in=class_ids, date=date)
        .values("school_class_id")
        .annotate(v=Max("version"))
        .values_list("school_class_id", "v")
    )
    found = dict(rows)
    return {pk: found.get(pk, 0) for pk in class_ids}


def _stored(c: CleanItem) -> dict:
    return {"school_class": c.school_class_id, **{f: getattr(c, f) for f in ITEM_FIELDS}}


def correction_request(
    *,
    user,
    date: dt.date,
    class_ids: list[int],
    reason: str,
    items: list[dict],
    labels: list[str] | None = None,
    file_name: str = "",
    request=None,
) -> Correction:
    """A school asks to correct a closed day: the class-days, why, and their new rows (none: "no homework").

    The rows are checked as any filing is (the same validation core), except that their day is closed; each must
    be of the correction's date and one of its classes. District staff are notified.
    """
    profile = role_of(user)
    if profile is None or profile.role != Role.SCHOOL:
        raise ForbiddenError(_("只有学校工作人员可以为本校提出更正申请"))
    reason = _required(reason, "reason")
    class_ids = sorted({int(pk) for pk in class_ids})
    if not class_ids:
        raise ServiceError(_("请选择要更正的班级"), fields={"school_classes": [_("至少选择一个班级")]})
    if len(class_ids) > MAX_CLASSES:
        raise ServiceError(
            _("一次最多更正 %(n)d 个班级") % {"n": MAX_CLASSES}, fields={"school_classes": [_("班级过多")]}
        )
    if len(items) > MAX_ROWS:
        raise ServiceError(_("一次最多更正 %(n)d 条作业") % {"n": MAX_ROWS}, fields={"items": [_("条数过多")]})
    classes = {c.pk: c for c in restrict(SchoolClass.objects.filter(pk__in=class_ids), user)}
    if set(classes) != set(class_ids):
        raise ServiceError(
            _("班级不存在或不在您的管辖范围"), fields={"school_classes": [_("班级不存在或不在您的管辖范围")]}
        )
    closing = closing_for(HOMEWORK, [date])
    if not closing.is_closed(date):
        raise ServiceError(
            _("%(date)s 尚未截止填报，可直接在作业填报页修改，无需申请更正") % {"date": date.isoformat()},
            fields={"date": [_("该日尚未关闭")]},
        )
    _refuse_locked_month(next(iter(classes.values())).school.district_id, date)
    errors: dict = {}
    for pk in class_ids:
        day_errors = validate_day(user=user, school_class_id=pk, day=date, check_closing=False)
        if day_errors:
            errors[classes[pk].name] = day_errors
    if errors:
        raise ServiceError(_("更正申请有误，未保存"), fields=errors)
    labels = labels or [f"row {i}" for i in range(1, len(items) + 1)]
    clean, row_errors = validate_items(items, user=user, labels=labels, check_closing=False)
    row_errors = {k: dict(v) for k, v in row_errors.items()}
    for c in clean:
        if c.date != date:
            row_errors.setdefault(c.label, {}).setdefault("date", []).append(
                _("%(row)s的日期应为更正日期 %(date)s") % {"row": row_name(c.label), "date": date.isoformat()}
            )
        elif c.school_class_id not in classes:
            row_errors.setdefault(c.label, {}).setdefault("school_class", []).append(
                _("%(row)s的班级不在本次更正的班级中") % {"row": row_name(c.label)}
            )
    if row_errors:
        raise ServiceError(_("更正的作业有误（%(n)d 行），未保存任何数据") % {"n": len(row_errors)}, fields=row_errors)
    school = profile.school
    versions = current_versions(class_ids=class_ids, date=date)
    with transaction.atomic():
        correction = Correction.objects.create(
            school=school,
            date=date,
            reason=reason,
            rows=[_stored(c) for c in clean],
            file_name=file_name[:200],
            requested_by=user,
            requested_at=timezone.now(),
        )
        CorrectionDay.objects.bulk_create(
            CorrectionDay(correction=correction, school_class_id=pk, base_version=versions[pk]) for pk in class_ids
        )
        audit_record(
            actor=user,
            action=AuditAction.CREATE,
            obj=correction,
            request=request,
            detail={
                "correction": "requested",
                "date": date.isoformat(),
                "class_ids": class_ids,
                "rows": len(clean),
                "reason": reason,
            },
        )
        notify_district_staff(
            school.district,
            kind=NotificationKind.CORRECTION_REQUESTED,
            title=_("%(school)s 申请更正 %(date)s 的作业（%(n)d 个班级）")
            % {"school": school.name, "date": date.isoformat(), "n": len(class_ids)},
            body=reason,
            url=reverse("periods:detail", args=[correction.pk]),
        )
    return correction


def _decider(user) -> None:
    profile = role_of(user)
    if not (is_city(user) or (profile is not None and profile.role == Role.DISTRICT)):
        raise ForbiddenError(_("只有区教委或市教委工作人员可以审批更正申请"))


def _refuse_locked_month(district_id: int, day: dt.date) -> None:
    """A month whose district report the city accepted is locked: its days are corrected only after the city reopens
    it (``dashboards.services``, audited)."""
    from dashboards.selectors import month_locked

    if month_locked(district_id, day):
        raise ConflictError(
            _("%(month)s 的区月报已由市教委审核通过，该月数据已锁定，不能更正；如确需更正，请联系市教委重新开放该月。")
            % {"month": day.strftime("%Y-%m")},
            code="month_locked",
            fields={"date": [_("该月已锁定")]},
        )


def _lock_pending(correction: Correction) -> Correction:
    locked = Correction.objects.select_for_update().get(pk=correction.pk)
    if locked.status != CorrectionStatus.PENDING:
        raise ConflictError(
            _("该更正申请已被审批（%(status)s），请刷新后查看") % {"status": locked.get_status_display()},
            fields={"status": [locked.get_status_display()]},
        )
    return locked


def correction_approve(*, user, correction: Correction, reason: str = "", request=None) -> Correction:
    """Apply a pending correction: the new rows replace the class-days' rows in one transaction (see the module)."""
    _decider(user)
    reason = (reason or "").strip()
    now = timezone.now()
    try:
        with transaction.atomic():
            correction = _lock_pending(correction)
            _refuse_locked_month(correction.school.district_id, correction.date)
            days = list(correction.days.all())
            class_ids = [d.school_class_id for d in days]
            # one approval at a time per class: the class rows are the lock (in id order: no deadlock)
            classes = {c.pk: c for c in SchoolClass.objects.select_for_update().filter(pk__in=class_ids).order_by("pk")}
            versions = current_versions(class_ids=class_ids, date=correction.date)
            moved = [d for d in days if versions[d.school_class_id] != d.base_version]
            if moved:
                names = "、".join(classes[d.school_class_id].name for d in moved)
                raise ConflictError(
                    _(
                        "%(classes)s %(date)s 的作业在本申请提出后已被另一份更正修改，本申请未应用：请驳回，"
                        "由学校按现有数据重新申请"
                    )
                    % {"classes": names, "date": correction.date.isoformat()},
                    fields={"school_classes": [names]},
                )
            before = _replace(correction=correction, days=days, classes=classes, user=user, now=now)
            correction.status = CorrectionStatus.APPROVED
            correction.decided_by = user
            correction.decided_at = now
            correction.decision_reason = reason
            correction.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
            marked = _mark_findings(correction=correction, class_ids=class_ids, user=user, now=now)
            sweep_request(school_ids=[correction.school_id], dates=[correction.date], reason="homework-correction")
            audit_record(
                actor=user,
                action=AuditAction.STATUS_CHANGE,
                obj=correction,
                request=request,
                detail={
                    "correction": "approved",
                    "date": correction.date.isoformat(),
                    "class_ids": class_ids,
                    "items_before": before,
                    "items_after": len(correction.rows),
                    "findings_marked": marked,
                    "reason": reason,
                },
            )
            notify_school(
                correction.school,
                kind=NotificationKind.CORRECTION_DECIDED,
                title=_("%(date)s 的作业更正申请已批准") % {"date": correction.date.isoformat()},
                body=reason,
                url=reverse("periods:detail", args=[correction.pk]),
            )
    except IntegrityError as exc:  # the version key: another approval of the same class-day committed first
        raise ConflictError(
            _("同一班级当天的另一份更正已先被批准，本申请未应用：请驳回，由学校按现有数据重新申请"),
        ) from exc
    return correction


def _replace(*, correction: Correction, days: list[CorrectionDay], classes: dict, user, now: dt.datetime) -> int:
    """Keep each class-day's rows as a version, write the new ones; return how many items were replaced."""
    date, class_ids = correction.date, [d.school_class_id for d in days]
    old_items: dict[int, list[dict]] = defaultdict(list)
    for item in HomeworkItem.objects.filter(date=date, school_class_id__in=class_ids).order_by("subject", "kind"):
        old_items[item.school_class_id].append(
            {**{f: getattr(item, f) for f in ITEM_FIELDS}, "filed_at": item.filed_at.isoformat()}
        )
    records = {r.school_class_id: r for r in HomeworkDay.objects.filter(date=date, school_class_id__in=class_ids)}
    new_rows: dict[int, list[dict]] = defaultdict(list)
    for row in correction.rows:
        new_rows[row["school_class"]].append(row)
    DayVersion.objects.bulk_create(
        DayVersion(
            school_class_id=d.school_class_id,
            school_id=classes[d.school_class_id].school_id,
            date=date,
            version=d.base_version + 1,
            items=old_items.get(d.school_class_id, []),
            no_homework=bool(records.get(d.school_class_id) and records[d.school_class_id].no_homework),
            filed=d.school_class_id in records,
            first_filed_at=getattr(records.get(d.school_class_id), "first_filed_at", None),
            last_filed_at=getattr(records.get(d.school_class_id), "last_filed_at", None),
            correction=correction,
            replaced_at=now,
        )
        for d in days
    )
    replaced, _detail = HomeworkItem.objects.filter(date=date, school_class_id__in=class_ids).delete()
    HomeworkItem.objects.bulk_create(
        HomeworkItem(
            school_class_id=row["school_class"],
            school_id=classes[row["school_class"]].school_id,
            date=date,
            filed_at=now,
            filed_by=user,
            **{f: row[f] for f in ITEM_FIELDS},
        )
        for row in correction.rows
    )
    for d in days:
        pk = d.school_class_id
        record = records.get(pk)
        if record is None:
            # a day never filed: filed now, through the correction (first_filed_at is now, so still late)
            HomeworkDay.objects.create(
                school_class_id=pk,
                school_id=classes[pk].school_id,
                date=date,
                no_homework=not new_rows.get(pk),
                first_filed_at=now,
                last_filed_at=now,
                filed_by=correction.requested_by,
            )
        else:
            record.no_homework = not new_rows.get(pk)
            record.last_filed_at = now
            record.save(update_fields=["no_homework", "last_filed_at"])
        d.items_before = len(old_items.get(pk, []))
        d.items_after = len(new_rows.get(pk, []))
    CorrectionDay.objects.bulk_update(days, ["items_before", "items_after"])
    return replaced


def _mark_findings(*, correction: Correction, class_ids: list[int], user, now: dt.datetime) -> int:
    """The findings still open on the corrected class-days get "审批更正" in their history (the sweep the
    correction asks for then clears those the new data no longer shows, with its own event): never silently."""
    on_day = Q(period_end__gte=correction.date) | Q(period_end__isnull=True, period_start=correction.date)
    findings = list(
        Finding.objects.filter(
            on_day, school_class_id__in=class_ids, period_start__lte=correction.date, status__in=ACTIVE_STATUSES
        )
    )
    note = _("审批更正：更正申请 #%(id)d 于 %(at)s 批准，数据已按更正替换（原数据保留为历史版本）") % {
        "id": correction.pk,
        "at": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"),
    }
    FindingEvent.objects.bulk_create(
        FindingEvent(finding=f, from_status=f.status, to_status=f.status, actor=user, at=now, reason=note)
        for f in findings
    )
    return len(findings)


def correction_reject(*, user, correction: Correction, reason: str, request=None) -> Correction:
    """Reject a pending correction with a reason; nothing of the day changes."""
    _decider(user)
    reason = _required(reason, "reason")
    with transaction.atomic():
        correction = _lock_pending(correction)
        correction.status = CorrectionStatus.REJECTED
        correction.decided_by = user
        correction.decided_at = timezone.now()
        correction.decision_reason = reason
        correction.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        audit_record(
            actor=user,
            action=AuditAction.STATUS_CHANGE,
            obj=correction,
            request=request,
            detail={"correction": "rejected", "date": correction.date.isoformat(), "reason": reason},
        )
        notify_school(
            correction.school,
            kind=NotificationKind.CORRECTION_DECIDED,
            title=_("%(date)s 的作业更正申请被驳回") % {"date": correction.date.isoformat()},
            body=reason,
            url=reverse("periods:detail", args=[correction.pk]),
        )
    return correction
