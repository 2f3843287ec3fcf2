"""The rectification loop (发现 → 整改通知 → 限期整改 → 整改报告 → 复核 → 销号): notices, reports, reviews.

- ``notices_issue``: district (or city) staff issue notices for open findings, one per school or institution
  concerned, with a deadline in working days on the district's calendar by the findings' severity (the shortest
  when they differ); the findings become ``notified``.
- ``report_submit``: the school or institution answers with text and attachments; the findings become
  ``rectification_submitted``. Only the subject answers; it can no longer mark a finding rectified itself.
- ``report_review``: bureau staff accept (the findings ``rectified``, the notice closed) or return it with a reason
  (the findings ``rectifying`` again). A notice past its deadline without an accepted report, or returned twice,
  raises RX-OVERDUE (``compliance/rules.py``) on the schedule and right after a review.

Every step writes the findings' history, an audit event, and notifies the other side, in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.choices import Role
from accounts.scoping import is_city, restrict, role_of
from shuangjian.attachments import check_attachments
from shuangjian.errors import ConflictError, ForbiddenError, ServiceError

from .. import registry
from ..choices import FindingStatus, NoticeState, ReportDecision
from ..models import (
    Finding,
    FindingEvent,
    NoticeCounter,
    RectificationNotice,
    RectificationReport,
    ReportAttachment,
)
from ..parameters import parameter_value
from ..signals import records_changed
from .sweeps import sweep_after_write

#: a finding's severity → the parameter holding its rectification deadline in working days
DEADLINE_PARAMS = {
    "high": "rectify_working_days_serious",
    "medium": "rectify_working_days_ordinary",
    "low": "rectify_working_days_minor",
}
MEASURES = "《北京市关于进一步减轻义务教育阶段学生作业负担和校外培训负担的措施》"


def _bureau_district_id(user):
    """None for city staff, the district id for district staff; anyone else may not issue or review."""
    if is_city(user):
        return None
    profile = role_of(user)
    if profile is None or profile.role != Role.DISTRICT:
        raise ForbiddenError(_("只有市、区教委工作人员可以下发整改通知或复核整改报告"))
    return profile.district_id


def _rule(rule_id: str):
    return registry.get_rule(rule_id) if registry.is_registered(rule_id) else None


def severities_of(findings) -> set[str]:
    """The severities of the findings' rules (an unregistered rule ID counts as ordinary)."""
    return {(rule.severity if (rule := _rule(f.rule_id)) else "medium") for f in findings}


def notice_deadline(*, district, issued_on: dt.date, severities) -> tuple[int, dt.date]:
    """The working days and the deadline for findings of these severities issued on ``issued_on``: the
    shortest of their parameters, counted on the district's calendar (a holiday week is skipped)."""
    from schools.calendar import SchoolCalendar

    days = min(
        int(parameter_value(DEADLINE_PARAMS.get(s, DEADLINE_PARAMS["medium"]), on=issued_on)) for s in severities
    )
    return days, SchoolCalendar(district).add_working_days(issued_on, days)


def _next_number(district, year: int) -> str:
    counter, _created = NoticeCounter.objects.select_for_update().get_or_create(district=district, year=year)
    NoticeCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    counter.refresh_from_db()
    return f"{district.code}-{year}-{counter.last:04d}"


def _basis(findings) -> str:
    lines = []
    for rule_id in sorted({f.rule_id for f in findings}):
        rule = _rule(rule_id)
        if rule is not None:
            lines.append(f"{MEASURES}第{rule.article}条（{rule.id} {rule.title_zh}）")
    return "\n".join(lines)


def _notify_subject(notice: RectificationNotice, *, kind: str, title: str, body: str = "") -> None:
    from notifications import services as notifications

    url = f"/compliance/notices/{notice.pk}/"
    if notice.school_id:
        notifications.notify_school(notice.school, kind=kind, title=title, body=body, url=url)
    else:
        notifications.notify_institution(notice.institution, kind=kind, title=title, body=body, url=url)


def _move(findings, *, to: str, actor, reason: str, now) -> None:
    """Set the findings' status with one history event each (and tell the followers: the dashboards count them)."""
    records_changed.send(sender=Finding, district_ids={f.district_id for f in findings})
    Finding.objects.filter(pk__in=[f.pk for f in findings]).update(status=to, status_changed_at=now)
    FindingEvent.objects.bulk_create(
        FindingEvent(finding=f, from_status=f.status, to_status=to, actor=actor, at=now, reason=reason)
        for f in findings
        if f.status != to
    )


def notices_issue(*, actor, finding_ids, required_action: str, request=None) -> list[RectificationNotice]:
    """Issue rectification notices for open findings: one notice per school or institution concerned."""
    own_district = _bureau_district_id(actor)
    required_action = (required_action or "").strip()
    if not required_action:
        raise ServiceError(_("请填写整改要求"), fields={"required_action": [_("必填")]})
    ids = sorted({int(i) for i in finding_ids})
    if not ids:
        raise ServiceError(_("请选择要下发整改通知的问题"), fields={"finding_ids": [_("至少选择一条")]})
    now = timezone.now()
    today = timezone.localdate()
    notices = []
    with transaction.atomic():
        findings = list(
            restrict(Finding.objects.all(), actor)
            .filter(pk__in=ids)
            .select_for_update(of=("self",))
            .select_related("district", "school", "institution")
            .order_by("pk")
        )
        missing = sorted(set(ids) - {f.pk for f in findings})
        if missing:
            raise ServiceError(
                _("找不到这些问题或不在您的管辖范围：%(ids)s") % {"ids": ", ".join(map(str, missing))},
                code="not_found",
                fields={"finding_ids": [str(i) for i in missing]},
            )
        not_open = [f for f in findings if f.status != FindingStatus.OPEN]
        if not_open:
            raise ConflictError(
                _("只能对“待处理”的问题下发整改通知；这些问题已在整改流程中或已关闭：%(ids)s")
                % {"ids": ", ".join(f"#{f.pk}（{f.get_status_display()}）" for f in not_open[:20])},
                code="not_open",
                fields={"finding_ids": [str(f.pk) for f in not_open]},
            )
        no_subject = [f for f in findings if not f.school_id and not f.institution_id]
        if no_subject:
            raise ServiceError(
                _("这些问题没有可整改的学校或机构（如投诉办理期限类问题），不能下发整改通知：%(ids)s")
                % {"ids": ", ".join(f"#{f.pk}" for f in no_subject[:20])},
                fields={"finding_ids": [str(f.pk) for f in no_subject]},
            )
        groups: dict[tuple, list[Finding]] = defaultdict(list)
        for f in findings:
            subject = ("school", f.school_id) if f.school_id else ("institution", f.institution_id)
            groups[(f.district_id, *subject)].append(f)
        for (district_id, kind, subject_id), items in sorted(groups.items()):
            district = items[0].district
            if own_district is not None and district_id != own_district:
                raise ServiceError(_("只能对本区的问题下发整改通知"), code="out_of_scope")
            days, deadline = notice_deadline(district=district, issued_on=today, severities=severities_of(items))
            notice = RectificationNotice.objects.create(
                number=_next_number(district, today.year),
                district=district,
                school_id=subject_id if kind == "school" else None,
                institution_id=subject_id if kind == "institution" else None,
                issued_by=actor,
                issued_at=now,
                issued_on=today,
                working_days=days,
                deadline=deadline,
                basis=_basis(items),
                required_action=required_action,
            )
            notice.findings.set(items)
            reason = _("下发整改通知 %(number)s，限 %(deadline)s 前整改") % {
                "number": notice.number,
                "deadline": deadline.isoformat(),
            }
            _move(items, to=FindingStatus.NOTIFIED, actor=actor, reason=reason, now=now)
            audit_record(
                actor=actor,
                action="create",
                obj=notice,
                district=district_id,
                request=request,
                detail={
                    "number": notice.number,
                    "findings": [f.pk for f in items],
                    "deadline": deadline,
                    "working_days": days,
                    "subject": {kind: subject_id},
                },
            )
            _notify_subject(
                notice,
                kind="notice_received",
                title=_("收到整改通知 %(number)s，请于 %(deadline)s 前整改")
                % {"number": notice.number, "deadline": deadline},
                body=required_action,
            )
            notices.append(notice)
    return notices


def subject_may_answer(user, notice: RectificationNotice) -> bool:
    profile = role_of(user)
    if profile is None:
        return False
    if notice.school_id:
        return profile.role == Role.SCHOOL and profile.school_id == notice.school_id
    return profile.role == Role.INSTITUTION and profile.institution_id == notice.institution_id


def report_submit(*, actor, notice: RectificationNotice, text: str, files=(), request=None) -> RectificationReport:
    """The school or institution answers its notice; the findings wait for the bureau's review."""
    if not subject_may_answer(actor, notice):
        raise ForbiddenError(_("只有被通知的学校或机构可以提交整改报告"))
    text = (text or "").strip()
    if not text:
        raise ServiceError(_("请填写整改情况"), fields={"text": [_("必填")]})
    checked = check_attachments(files, field="files")
    now = timezone.now()
    with transaction.atomic():
        locked = RectificationNotice.objects.select_for_update().get(pk=notice.pk)
        if locked.state not in (NoticeState.ISSUED, NoticeState.RETURNED):
            raise ConflictError(
                _("该通知当前状态为“%(state)s”，不能再提交报告") % {"state": locked.get_state_display()},
                code="not_awaiting_report",
            )
        report = RectificationReport.objects.create(notice=locked, text=text, submitted_by=actor, submitted_at=now)
        for c in checked:
            attachment = ReportAttachment(
                report=report, name=c.name, content_type=c.content_type, extension=c.extension, size=c.size
            )
            attachment.file.save(c.name, c.file, save=False)
            attachment.save()
        findings = list(
            locked.findings.filter(status__in=[FindingStatus.NOTIFIED, FindingStatus.RECTIFYING]).select_for_update()
        )
        _move(
            findings,
            to=FindingStatus.SUBMITTED,
            actor=actor,
            reason=_("提交整改报告（通知 %(number)s）") % {"number": locked.number},
            now=now,
        )
        RectificationNotice.objects.filter(pk=locked.pk).update(state=NoticeState.SUBMITTED)
        audit_record(
            actor=actor,
            action="create",
            obj=report,
            district=locked.district_id,
            request=request,
            detail={"notice": locked.number, "attachments": [c.name for c in checked], "findings": len(findings)},
        )
        from notifications.services import notify_district_staff

        notify_district_staff(
            locked.district,
            kind="report_to_review",
            title=_("整改报告待复核：%(number)s（%(subject)s）") % {"number": locked.number, "subject": locked.subject},
            url=f"/compliance/notices/{locked.pk}/",
        )
    notice.refresh_from_db()
    return report


def report_review(*, actor, notice: RectificationNotice, decision: str, reason: str = "", request=None):
    """Bureau staff accept the pending report (the findings rectified, the notice closed) or return it with a
    reason (the findings rectifying again; the second return escalates as RX-OVERDUE)."""
    own_district = _bureau_district_id(actor)
    if own_district is not None and notice.district_id != own_district:
        raise ServiceError(_("只能复核本区的整改报告"), code="out_of_scope")
    if decision not in (ReportDecision.ACCEPTED, ReportDecision.RETURNED):
        raise ServiceError(_("请选择通过或退回"), fields={"decision": [_("无效的复核结果")]})
    reason = (reason or "").strip()
    if decision == ReportDecision.RETURNED and not reason:
        raise ServiceError(_("退回须说明理由"), fields={"reason": [_("必填")]})
    now = timezone.now()
    with transaction.atomic():
        locked = RectificationNotice.objects.select_for_update().get(pk=notice.pk)
        report = locked.reports.filter(decision=ReportDecision.PENDING).first()
        if report is None or locked.state != NoticeState.SUBMITTED:
            raise ConflictError(_("该通知没有待复核的整改报告"), code="nothing_to_review")
        RectificationReport.objects.filter(pk=report.pk).update(
            decision=decision, decided_by=actor, decided_at=now, decision_reason=reason
        )
        findings = list(locked.findings.filter(status=FindingStatus.SUBMITTED).select_for_update())
        if decision == ReportDecision.ACCEPTED:
            _move(
                findings,
                to=FindingStatus.RECTIFIED,
                actor=actor,
                reason=(_("整改报告通过复核，销号（通知 %(number)s）") % {"number": locked.number})
                + (f"：{reason}" if reason else ""),
                now=now,
            )
            RectificationNotice.objects.filter(pk=locked.pk).update(state=NoticeState.ACCEPTED, accepted_at=now)
        else:
            _move(
                findings,
                to=FindingStatus.RECTIFYING,
                actor=actor,
                reason=_("整改报告被退回（通知 %(number)s）：%(reason)s") % {"number": locked.number, "reason": reason},
                now=now,
            )
            RectificationNotice.objects.filter(pk=locked.pk).update(
                state=NoticeState.RETURNED, returns=F("returns") + 1
            )
        Finding.objects.filter(pk__in=[f.pk for f in findings]).update(data_corrected_at=None)
        audit_record(
            actor=actor,
            action="status_change",
            obj=report,
            district=locked.district_id,
            request=request,
            detail={"notice": locked.number, "decision": decision, "reason": reason, "findings": len(findings)},
        )
        if decision == ReportDecision.ACCEPTED:
            _notify_subject(
                locked, kind="report_accepted", title=_("整改报告已通过复核：%(number)s") % {"number": locked.number}
            )
        else:
            _notify_subject(
                locked,
                kind="report_returned",
                title=_("整改报告被退回：%(number)s") % {"number": locked.number},
                body=reason,
            )
        # a second return escalates at once, not only on the night's schedule; a report that answered in time and is
        # returned after the deadline leaves the notice overdue as of its deadline (RX-OVERDUE judges that day)
        today = timezone.localdate()
        sweep_after_write(
            topic=RectificationNotice,
            district_ids=[locked.district_id],
            dates=sorted({today, locked.deadline} if locked.deadline < today else {today}),
            reason="review",
        )
    notice.refresh_from_db()
    report.refresh_from_db()
    return report


#: the subject is reminded this many working days before a deadline
REMIND_WORKING_DAYS = 2


def notices_remind(*, today: dt.date | None = None) -> tuple[int, int]:
    """Tell the subjects of notices due in ``REMIND_WORKING_DAYS`` working days, and both sides of notices whose
    deadline passed without an accepted report; each notice once for each (daily by beat). Returns the counts."""
    from notifications.services import notify_district_staff
    from schools.calendar import CalendarGap, SchoolCalendar

    today = today or timezone.localdate()
    now = timezone.now()
    # a notice whose report awaits review is the bureau's to move: no reminder to the subject, not overdue
    waiting = RectificationNotice.objects.exclude(
        state__in=[NoticeState.ACCEPTED, NoticeState.SUBMITTED]
    ).select_related("district", "school", "institution")
    reminded = overdue = 0
    with transaction.atomic():
        calendars: dict[int, SchoolCalendar] = {}
        for notice in waiting.filter(reminded_at__isnull=True, deadline__gte=today).select_for_update(of=("self",)):
            calendar = calendars.setdefault(notice.district_id, SchoolCalendar(notice.district))
            try:
                left = calendar.working_days_between(today, notice.deadline)
            except CalendarGap:
                continue
            if left <= REMIND_WORKING_DAYS:
                _notify_subject(
                    notice,
                    kind="deadline_soon",
                    title=_("整改期限将至：%(number)s 须于 %(deadline)s 前提交整改报告")
                    % {"number": notice.number, "deadline": notice.deadline},
                )
                RectificationNotice.objects.filter(pk=notice.pk).update(reminded_at=now)
                reminded += 1
        for notice in waiting.filter(overdue_notified_at__isnull=True, deadline__lt=today).select_for_update(
            of=("self",)
        ):
            title = _("整改逾期：%(number)s（%(subject)s）期限 %(deadline)s 已过") % {
                "number": notice.number,
                "subject": notice.subject,
                "deadline": notice.deadline,
            }
            _notify_subject(notice, kind="overdue", title=title)
            notify_district_staff(notice.district, kind="overdue", title=title, url=f"/compliance/notices/{notice.pk}/")
            RectificationNotice.objects.filter(pk=notice.pk).update(overdue_notified_at=now)
            overdue += 1
    return reminded, overdue
