"""Findings and their status changes: a staff member moves a finding along its workflow, or records a case.

Every change is written with its history event (who, when, why) and its audit record in one transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.scoping import restrict
from shuangjian.errors import ConflictError, ForbiddenError, ServiceError

from .. import registry
from ..choices import ALLOWED_TRANSITIONS, FindingStatus, RuleKind
from ..models import Finding, FindingEvent

#: the most findings one bulk status change touches (a page of the list is 50)
BULK_LIMIT = 500


def subject_ids(v: registry.Violation) -> dict:
    """A violation's subjects as a finding's foreign keys."""
    return {
        "school_id": v.school_id,
        "school_class_id": v.school_class_id,
        "teacher_id": v.teacher_id,
        "institution_id": v.institution_id,
    }


def finding_set_status(*, finding: Finding, status: str, actor, reason: str, request=None) -> Finding:
    """A staff member changes a finding's status; every change is recorded with who, when and why."""
    if not reason or not reason.strip():
        raise ServiceError("请填写变更原因 / a reason is required", fields={"reason": ["必填"]})
    allowed = ALLOWED_TRANSITIONS.get(finding.status, set())
    if status not in allowed:
        raise ServiceError(
            f"不能从“{finding.get_status_display()}”改为“{FindingStatus(status).label if status in FindingStatus.values else status}”",
            code="illegal_transition",
            fields={"status": [f"允许的状态：{', '.join(sorted(allowed)) or '无'}"]},
        )
    now = timezone.now()
    with transaction.atomic():
        updated = Finding.objects.filter(pk=finding.pk, status=finding.status).update(
            status=status, status_changed_at=now
        )
        if not updated:
            raise ConflictError("该问题的状态已被他人修改，请刷新后重试 / changed by someone else, reload and retry")
        FindingEvent.objects.create(
            finding=finding, from_status=finding.status, to_status=status, actor=actor, at=now, reason=reason.strip()
        )
        audit_record(
            actor=actor,
            action="status_change",
            obj=finding,
            request=request,
            detail={"from": finding.status, "to": status, "reason": reason.strip()},
        )
    finding.refresh_from_db()
    return finding


def findings_set_status_bulk(*, user, finding_ids, status: str, reason: str, request=None) -> dict:
    """Bureau staff move the chosen findings to ``status`` at once, with one reason: each finding the transition
    rules allow from its own status is changed (history event and audit record each, in one transaction); the
    others are left as they are and reported. Only district and city staff: a school or an institution changes
    its own finding on its page, one at a time.

    Returns ``{"changed": [findings], "skipped": [(finding, why)]}``.
    """
    from accounts.scoping import is_city, role_of

    profile = role_of(user)
    if not (is_city(user) or (profile is not None and profile.role == "district")):
        raise ForbiddenError(_("只有区、市教委工作人员可以批量变更问题状态"))
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = [_("请填写变更原因")]
    if status not in FindingStatus.values:
        errors["status"] = [_("请选择新状态")]
    ids = sorted({int(i) for i in finding_ids or ()})
    if not ids:
        errors["finding_ids"] = [_("请先勾选问题")]
    if errors:
        raise ServiceError(
            _("批量变更未完成：%(fields)s") % {"fields": "；".join(e[0] for e in errors.values())}, fields=errors
        )
    if len(ids) > BULK_LIMIT:
        raise ServiceError(
            _("一次最多变更 %(n)d 条问题") % {"n": BULK_LIMIT}, fields={"finding_ids": [_("选择的问题过多")]}
        )
    target = FindingStatus(status)
    now = timezone.now()
    changed, skipped = [], []
    with transaction.atomic():
        # the caller's scope decides what may be touched; rows locked in id order (no deadlock between two bulks)
        locked = list(
            restrict(Finding.objects.all(), user).filter(pk__in=ids).select_for_update(of=("self",)).order_by("pk")
        )
        found = {f.pk for f in locked}
        for missing in (i for i in ids if i not in found):
            skipped.append((missing, _("不存在或无权查看")))
        events, audits = [], []
        for f in locked:
            if target not in ALLOWED_TRANSITIONS.get(f.status, set()):
                skipped.append(
                    (f, _("不能从“%(from)s”改为“%(to)s”") % {"from": f.get_status_display(), "to": target.label})
                )
                continue
            events.append(
                FindingEvent(finding=f, from_status=f.status, to_status=target, actor=user, at=now, reason=reason)
            )
            audits.append((f, f.status))
            changed.append(f)
        if changed:
            Finding.objects.filter(pk__in=[f.pk for f in changed]).update(status=target, status_changed_at=now)
            FindingEvent.objects.bulk_create(events)
            for f, before in audits:
                audit_record(
                    actor=user,
                    action="status_change",
                    obj=f,
                    request=request,
                    detail={"from": before, "to": str(target), "reason": reason, "bulk": len(changed)},
                )
    for f in changed:
        f.status, f.status_changed_at = target, now
    return {"changed": changed, "skipped": skipped}


def finding_create_case(
    *,
    rule_id: str,
    district,
    actor,
    evidence: dict,
    summary: str = "",
    date: dt.date | None = None,
    school=None,
    school_class=None,
    teacher=None,
    institution=None,
    key: str = "",
    request=None,
) -> Finding:
    """Record a ``case`` finding (an upheld complaint, an inspection) under a registered rule ID."""
    if not registry.is_registered(rule_id):
        raise ServiceError(f"未知的规则编号：{rule_id}", fields={"rule_id": ["未登记的规则"]})
    v = registry.Violation(
        evidence=evidence,
        date=date,
        school_id=getattr(school, "pk", None),
        school_class_id=getattr(school_class, "pk", None),
        teacher_id=getattr(teacher, "pk", None),
        institution_id=getattr(institution, "pk", None),
        key=key or f"case:{uuid.uuid4().hex}",
    )
    now = timezone.now()
    with transaction.atomic():
        finding = Finding.objects.create(
            rule_id=rule_id,
            kind=RuleKind.CASE,
            district=district,
            period_start=date,
            evidence=evidence,
            summary=summary[:300],
            fingerprint=v.fingerprint(rule_id),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            first_seen=now,
            last_seen=now,
            status_changed_at=now,
            **subject_ids(v),
        )
        FindingEvent.objects.create(
            finding=finding,
            from_status="",
            to_status=FindingStatus.OPEN,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            at=now,
            reason=summary or "人工立案 / recorded by staff",
        )
        audit_record(
            actor=actor,
            action="create",
            obj=finding,
            request=request,
            detail={
                "rule_id": rule_id,
                "kind": RuleKind.CASE,
                "summary": finding.summary,
                "date": date,
                **{name: value for name, value in subject_ids(v).items() if value is not None},
            },
        )
    return finding
