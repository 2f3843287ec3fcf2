"""Writes of the complaints app: submission, routing, the state machine, deadlines, contact reveal, retention.

Personal information never goes into a log line, an event note or a
finding's evidence: only the tracking code and the complaint id do.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Case, TextField, Value, When
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.scoping import is_city, role_of
from compliance.parameters import MissingParameter, parameter_value
from compliance.services import sweep_after_write
from notifications.choices import NotificationKind
from notifications.services import notify_district_staff
from schools.calendar import SchoolCalendar
from schools.choices import grade_band
from shuangjian.errors import ConflictError, ServiceError

from .choices import (
    CATEGORY_RULE,
    CATEGORY_RULE_CHOICES,
    HOMEWORK_RULE_BY_BAND,
    REOPEN_TO,
    TRANSITIONS,
    Category,
    Channel,
    Department,
    EventKind,
    State,
    TargetKind,
)
from .crypto import EncryptedTextField, UnreadableValueError, phone_digest, rotate, secret_hash
from .models import Complaint, ComplaintEvent, ComplaintPhoto, ContactView
from .routing import department_for, district_for
from .uploads import check_photos

if TYPE_CHECKING:
    from django.core.files.base import File

    from compliance.models import Finding
    from institutions.models import Institution
    from schools.models import District, School, SchoolTeacher

logger = logging.getLogger(__name__)

#: no 0/O, 1/I/L: a code read out over the phone is not misheard
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
COMPLAINANT = "投诉人"
#: the audit trail's actor for the scheduled jobs (deadlines, the retention purge)
SYSTEM = "system"


class Forbidden(ServiceError):
    code = "permission_denied"
    status_code = 403


class AlreadySubmitted(ConflictError):
    """The form was submitted before: ``complaint`` is the one that submission filed."""

    def __init__(self, complaint: Complaint):
        super().__init__(_("这份投诉已经提交过，没有重复登记"), code="already_submitted")
        self.complaint = complaint


def new_tracking_code(prefix: str = "TS") -> str:
    """A tracking code read out over the phone: a two-letter prefix and ten unambiguous characters."""
    return prefix + "".join(secrets.choice(ALPHABET) for _ in range(10))


def new_secret() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(12))


_new_tracking_code = new_tracking_code
_new_secret = new_secret


def normalise_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").upper()


def _actor_label(actor) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return COMPLAINANT
    if is_city(actor):
        return "市教委"
    profile = role_of(actor)
    if profile and profile.district_id:
        return f"{profile.district.name}教委"
    return "工作人员"


def _event(complaint, *, kind, actor=None, note="", public=False, from_state="", to_state="", at=None, label=""):
    return ComplaintEvent.objects.create(
        complaint=complaint,
        kind=kind,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=label or _actor_label(actor),
        note=note,
        public=public,
        from_state=from_state,
        to_state=to_state,
        at=at or timezone.now(),
    )


# -- deadlines ----------------------------------------------------------------


def _sweep(complaint: Complaint, *, also: int | None = None) -> None:
    """Ask for the deadline rules (CP-18-*) to look at the complaint's day again, in its district (and the one it
    moves to): a state change can meet or miss a deadline."""
    sweep_after_write(
        topic=Complaint, district_ids=[complaint.district_id, also], dates=[complaint.received_on], reason="complaint"
    )


def working_days_due(*, district, start: dt.date, key: str) -> dt.date:
    """``start`` plus the parameter's number of working days on the district's calendar (raises CalendarGap)."""
    days = int(parameter_value(key, on=start))
    return SchoolCalendar(district).add_working_days(start, days)


def _try_due(complaint, *, start: dt.date, key: str) -> dt.date | None:
    """The due date, or None with the reason on the complaint when the calendar or the parameter is missing."""
    try:
        return working_days_due(district=complaint.district, start=start, key=key)
    except (ServiceError, MissingParameter) as exc:
        message = getattr(exc, "message", str(exc))
        complaint.deadline_note = f"期限暂无法计算：{message}"[:300]
        return None


def complaint_fill_deadlines(*, complaint: Complaint) -> bool:
    """Compute a deadline that could not be computed before (the calendar has since been entered)."""
    changed = False
    if complaint.state in (State.RECEIVED,) and complaint.accept_due is None:
        complaint.accept_due = _try_due(complaint, start=complaint.received_on, key="complaint_accept_working_days")
        changed = complaint.accept_due is not None
    if complaint.state in (State.ACCEPTED, State.INVESTIGATING) and complaint.resolve_due is None:
        start = timezone.localdate(complaint.responded_at) if complaint.responded_at else complaint.received_on
        complaint.resolve_due = _try_due(complaint, start=start, key="complaint_resolve_working_days")
        changed = complaint.resolve_due is not None
    if changed:
        complaint.deadline_note = ""
        with transaction.atomic():
            complaint.save(update_fields=["accept_due", "resolve_due", "deadline_note", "updated_at"])
            _sweep(complaint)
            _event(complaint, kind=EventKind.DEADLINE, label="系统", note="日历已补录，办理期限已计算")
            audit_record(
                actor=None,
                actor_label=SYSTEM,
                action="update",
                obj=complaint,
                detail={"accept_due": complaint.accept_due, "resolve_due": complaint.resolve_due},
            )
    return changed


def _notify_assigned(complaint: Complaint, *, rerouted_from: str = "") -> None:
    """Tell the staff of the complaint's district that it is theirs now (in the caller's transaction). The
    message names the complaint, never its description or the complainant: the e-mail leaves the portal."""
    waiting = complaint.accept_due and complaint.state == State.RECEIVED
    due = f"，请于 {complaint.accept_due:%Y-%m-%d} 前答复是否受理" if waiting else ""
    origin = f"由{rerouted_from}转来。" if rerouted_from else ""
    # stored in the portal's language (Chinese), whatever language the submitter's browser used
    with translation.override(settings.LANGUAGE_CODE):
        category, department = complaint.get_category_display(), complaint.get_department_display()
    notify_district_staff(
        complaint.district,
        kind=NotificationKind.COMPLAINT_ASSIGNED,
        title=f"新分派的投诉 {complaint.tracking_code}：{category}",
        body=f"{origin}承办部门：{department}{due}。",
        url=reverse("complaints:detail", args=[complaint.pk]),
    )


# -- submission ---------------------------------------------------------------


#: how far back a complaint may date the events it reports
OCCURRED_WITHIN = dt.timedelta(days=3 * 365)
MAX_DESCRIPTION = 4000


def _target_errors(
    *,
    target_kind: str,
    category: str,
    institution: Institution | None,
    school: School | None,
    teacher: SchoolTeacher | None,
    teacher_name: str,
    target_text: str,
    district: District | None,
) -> dict[str, list[str]]:
    """What the complaint is about: a known kind and category, and the institution, school, teacher or
    description of the target that kind needs."""
    errors: dict[str, list[str]] = {}
    if target_kind not in TargetKind.values:
        errors["target_kind"] = [_("请选择投诉对象")]
    if category not in Category.values:
        errors["category"] = [_("请选择问题类别")]
    if target_kind == TargetKind.INSTITUTION and institution is None:
        errors["institution"] = [_("请选择被投诉的培训机构")]
    if target_kind in (TargetKind.SCHOOL, TargetKind.TEACHER) and school is None:
        errors["school"] = [_("请选择学校")]
    if target_kind == TargetKind.TEACHER and teacher is None and not (teacher_name or "").strip():
        errors["teacher_name"] = [_("请填写教师姓名")]
    if teacher is not None and school is not None and teacher.school_id != school.pk:
        errors["teacher"] = [_("该教师不属于所选学校")]
    if target_kind == TargetKind.OTHER:
        if not (target_text or "").strip():
            errors["target_text"] = [_("请说明投诉对象")]
        if district is None:
            errors["district"] = [_("请选择问题发生的区")]
    return errors


def _description_error(description: str) -> str | None:
    if not (description or "").strip():
        return _("请描述问题")
    if len(description) > MAX_DESCRIPTION:
        return _("问题描述不超过4000字")
    return None


def _occurred_on_error(occurred_on: dt.date | None, today: dt.date) -> str | None:
    if occurred_on is None:
        return _("请填写发生日期")
    if occurred_on > today:
        return _("发生日期不能晚于今天")
    if occurred_on < today - OCCURRED_WITHIN:
        return _("发生日期过早")
    return None


def _contact_errors(*, contact_phone: str, contact_email: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if contact_phone and not 7 <= len(re.sub(r"\D", "", contact_phone)) <= 15:
        errors["contact_phone"] = [_("电话号码格式不正确")]
    if contact_email:
        try:
            validate_email(contact_email)
        except ValidationError:
            errors["contact_email"] = [_("电子邮箱格式不正确")]
    return errors


def _channel_error(channel: str, actor) -> str | None:
    """The web form is everyone's; the other channels (a hotline call, an e-mail) are entered by bureau staff."""
    if channel not in Channel.values:
        return _("来源渠道无效")
    if channel != Channel.WEB:
        profile = role_of(actor)
        if not (is_city(actor) or (profile and profile.role == "district")):
            return _("只有区、市教委工作人员可以录入其他渠道的投诉")
    return None


def _validate_submission(
    *,
    target_kind: str,
    category: str,
    description: str,
    occurred_on: dt.date | None,
    institution: Institution | None,
    school: School | None,
    teacher: SchoolTeacher | None,
    teacher_name: str,
    target_text: str,
    district: District | None,
    grade: int | None,
    contact_phone: str,
    contact_email: str,
    channel: str,
    actor,
    today: dt.date,
) -> None:
    """Raise one ServiceError naming every field that is wrong."""
    errors = _target_errors(
        target_kind=target_kind,
        category=category,
        institution=institution,
        school=school,
        teacher=teacher,
        teacher_name=teacher_name,
        target_text=target_text,
        district=district,
    )
    if message := _description_error(description):
        errors["description"] = [message]
    if message := _occurred_on_error(occurred_on, today):
        errors["occurred_on"] = [message]
    if grade is not None and not 1 <= grade <= 9:
        errors["grade"] = [_("年级应为1至9")]
    errors.update(_contact_errors(contact_phone=contact_phone, contact_email=contact_email))
    if message := _channel_error(channel, actor):
        errors["channel"] = [message]
    if errors:
        raise ServiceError(_("投诉内容有误，请检查后重新提交"), fields=errors)


def complaint_submit(
    *,
    target_kind: str,
    category: str,
    description: str,
    occurred_on: dt.date | None,
    institution: Institution | None = None,
    school: School | None = None,
    teacher: SchoolTeacher | None = None,
    teacher_name: str = "",
    target_text: str = "",
    district: District | None = None,
    grade: int | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    photos: Iterable[File[bytes] | None] = (),
    channel: str = Channel.WEB,
    actor=None,
    request=None,
    submission_token: uuid.UUID | None = None,
) -> tuple[Complaint, str]:
    """Record a complaint, route it, set its acceptance deadline; return it with its one-time secret.

    ``submission_token`` is the form's one-time token: a second submission of the same form (a reload, a double
    tap, two requests racing) raises ``AlreadySubmitted`` naming the complaint the first one filed."""
    if submission_token and (first := Complaint.objects.filter(submission_token=submission_token).first()):
        raise AlreadySubmitted(first)
    now = timezone.now()
    today = timezone.localdate(now)
    contact_name, contact_phone, contact_email = (
        (contact_name or "").strip()[:60],
        (contact_phone or "").strip()[:30],
        (contact_email or "").strip()[:120],
    )
    _validate_submission(
        target_kind=target_kind,
        category=category,
        description=description,
        occurred_on=occurred_on,
        institution=institution,
        school=school,
        teacher=teacher,
        teacher_name=teacher_name,
        target_text=target_text,
        district=district,
        grade=grade,
        contact_phone=contact_phone,
        contact_email=contact_email,
        channel=channel,
        actor=actor,
        today=today,
    )
    checked_photos = check_photos(photos)
    if target_kind == TargetKind.INSTITUTION:
        school = teacher = None
    if target_kind != TargetKind.TEACHER:
        teacher, teacher_name = None, ""
    secret = _new_secret()
    complaint = Complaint(
        secret_hash=secret_hash(secret),
        submission_token=submission_token or None,
        channel=channel,
        target_kind=target_kind,
        institution=institution,
        school=school,
        teacher=teacher,
        teacher_name=(teacher_name or "").strip()[:40],
        target_text=(target_text or "").strip()[:200],
        grade=grade,
        category=category,
        description=description.strip(),
        # _validate_submission refused a missing date
        occurred_on=cast(dt.date, occurred_on),
        district=district_for(target_kind=target_kind, institution=institution, school=school, district=district),
        department=department_for(category=category, target_kind=target_kind, institution=institution),
        received_at=now,
        received_on=today,
        contact_name=contact_name,
        contact_phone=contact_phone,
        contact_email=contact_email,
        phone_digest=phone_digest(contact_phone),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    complaint.accept_due = _try_due(complaint, start=today, key="complaint_accept_working_days")
    label = COMPLAINANT if channel == Channel.WEB else f"{Channel(channel).label}（{_actor_label(actor)}录入）"
    for _attempt in range(5):
        complaint.tracking_code = _new_tracking_code()
        try:
            with transaction.atomic():
                complaint.save()
                for f, content_type, ext in checked_photos:
                    photo = ComplaintPhoto(complaint=complaint, content_type=content_type, size=f.size)
                    photo.image.save(f"photo.{ext}", f, save=True)
                _event(
                    complaint,
                    kind=EventKind.SUBMITTED,
                    to_state=State.RECEIVED,
                    label=label,
                    actor=actor,
                    public=True,
                    note="投诉已收到，将在受理期限内给出是否受理的答复。",
                    at=now,
                )
                if complaint.deadline_note:
                    _event(complaint, kind=EventKind.DEADLINE, label="系统", note=complaint.deadline_note)
                _notify_assigned(complaint)
                # what was filed and by which way; never the complainant's name, phone or e-mail, and for the
                # public (who may complain anonymously) not their address either: staff entries keep theirs
                staff = complaint.created_by_id is not None
                audit_record(
                    actor=complaint.created_by if staff else None,
                    actor_label="" if staff else COMPLAINANT,
                    action="create",
                    obj=complaint,
                    request=request if staff else None,
                    detail={
                        "channel": channel,
                        "target_kind": target_kind,
                        "category": category,
                        "department": complaint.department,
                        "photos": len(checked_photos),
                    },
                )
            break
        except IntegrityError:
            complaint.pk = None
            if submission_token and (first := Complaint.objects.filter(submission_token=submission_token).first()):
                raise AlreadySubmitted(first) from None  # the same form, submitted twice at once: the first won
            if Complaint.objects.filter(tracking_code=complaint.tracking_code).exists():
                continue  # the one-in-a-trillion code collision: draw another
            raise
    else:  # pragma: no cover - 31^10 codes
        raise ConflictError(_("暂时无法生成查询码，请重试"))
    logger.info("complaint %s received (channel %s, district %s)", complaint.pk, channel, complaint.district_id)
    return complaint, secret


# -- the state machine ----------------------------------------------------------


def rule_for(complaint: Complaint) -> str:
    """The rule an upheld complaint is recorded under by default."""
    if complaint.category == Category.EXCESSIVE_HOMEWORK and complaint.grade:
        return HOMEWORK_RULE_BY_BAND[grade_band(complaint.grade)]
    return CATEGORY_RULE.get(complaint.category, "")


def rule_choices(complaint: Complaint) -> tuple[str, ...]:
    default = CATEGORY_RULE.get(complaint.category, "")
    return CATEGORY_RULE_CHOICES.get(complaint.category, (default,) if default else ())


def can_handle(user, complaint: Complaint) -> bool:
    """District staff of the complaint's district and city staff move it through its states."""
    if is_city(user):
        return True
    profile = role_of(user)
    return bool(profile and profile.role == "district" and profile.district_id == complaint.district_id)


def can_reveal_contact(user, complaint: Complaint) -> bool:
    """Only the staff handling the complaint: district staff of its district (see the model's docstring)."""
    profile = role_of(user)
    return bool(profile and profile.role == "district" and profile.district_id == complaint.district_id)


def _illegal(complaint: Complaint, to_state: str) -> ServiceError:
    allowed = TRANSITIONS.get(complaint.state, ())
    to_label = State(to_state).label if to_state in State.values else to_state
    return ServiceError(
        _("不能从“%(from)s”改为“%(to)s”") % {"from": complaint.get_state_display(), "to": to_label},
        code="illegal_transition",
        fields={
            "to_state": [
                _("允许的状态：%(states)s") % {"states": ", ".join(str(State(s).label) for s in allowed) or _("无")}
            ]
        },
    )


def _resolution(complaint: Complaint, *, outcome: str, upheld: bool | None, rule_id: str) -> tuple[str, str]:
    """A resolution's outcome and, for an upheld complaint, the rule it is recorded under (raises on a gap)."""
    outcome = (outcome or "").strip()
    errors: dict[str, list[str]] = {}
    if not outcome:
        errors["outcome"] = [_("请填写办理结果")]
    if upheld is None:
        errors["upheld"] = [_("请说明投诉是否属实")]
    if upheld:
        rule_id = (rule_id or rule_for(complaint)).strip()
        if not rule_id:
            errors["rule_id"] = [_("投诉属实时须选择对应的规则编号")]
    if errors:
        raise ServiceError(_("办结信息不完整"), fields=errors)
    return outcome, rule_id if upheld else ""


def _record_upheld(complaint: Complaint, *, rule_id: str, outcome: str, actor, request) -> Finding:
    """An upheld complaint becomes a case finding under its rule, once per round (a reopened one is a new round)."""
    from compliance.services import finding_create_case

    return finding_create_case(
        rule_id=rule_id,
        district=complaint.district,
        actor=actor,
        evidence={
            "complaint": complaint.tracking_code,
            "complaint_id": complaint.pk,
            "category": complaint.category,
            "target": complaint.target_label,
            "occurred_on": complaint.occurred_on.isoformat(),
            "outcome": outcome,
        },
        summary=f"投诉{complaint.tracking_code}经查属实：{complaint.get_category_display()}",
        date=complaint.occurred_on,
        school=complaint.school,
        teacher=complaint.teacher,
        institution=complaint.institution,
        key=f"complaint:{complaint.pk}:{complaint.reopen_count}",
        request=request,
    )


def complaint_transition(
    *,
    complaint: Complaint,
    to_state: str,
    actor,
    note: str = "",
    public: bool = False,
    reason: str = "",
    outcome: str = "",
    upheld: bool | None = None,
    rule_id: str = "",
    request=None,
) -> Complaint:
    """Move a complaint to its next state; every move is an event with who, when and a public or internal note."""
    if not can_handle(actor, complaint):
        raise Forbidden(_("您无权办理这件投诉"))
    if to_state not in TRANSITIONS.get(complaint.state, ()):
        raise _illegal(complaint, to_state)
    now = timezone.now()
    note = (note or "").strip()
    updates: dict[str, Any] = {"state": to_state}
    if to_state == State.REJECTED:
        reason = (reason or note).strip()
        if not reason:
            raise ServiceError(_("不予受理须说明理由"), fields={"reason": [_("必填")]})
        updates.update(reject_reason=reason, responded_at=now)
        # the complainant is told why
        note, public = reason, True
    elif to_state == State.ACCEPTED:
        updates.update(responded_at=now)
        complaint.deadline_note = ""
        updates["resolve_due"] = _try_due(
            complaint, start=timezone.localdate(now), key="complaint_resolve_working_days"
        )
        updates["deadline_note"] = complaint.deadline_note
    elif to_state == State.RESOLVED:
        outcome, rule_id = _resolution(complaint, outcome=outcome, upheld=upheld, rule_id=rule_id)
        updates.update(outcome=outcome, upheld=upheld, resolved_at=now, rule_id=rule_id)
    elif to_state == State.CLOSED:
        updates.update(closed_at=now)

    with transaction.atomic():
        if to_state == State.RESOLVED and upheld:
            updates["finding"] = _record_upheld(
                complaint, rule_id=rule_id, outcome=outcome, actor=actor, request=request
            )
        changed = Complaint.objects.filter(pk=complaint.pk, state=complaint.state).update(updated_at=now, **updates)
        if not changed:
            raise ConflictError(_("这件投诉的状态已被他人修改，请刷新后重试"))
        _sweep(complaint)
        _event(
            complaint,
            kind=EventKind.TRANSITION,
            actor=actor,
            from_state=complaint.state,
            to_state=to_state,
            note=note if to_state != State.RESOLVED else (note or outcome),
            public=public,
            at=now,
        )
        detail: dict[str, Any] = {"from": complaint.state, "to": to_state}
        if to_state == State.RESOLVED:
            detail.update(
                upheld=upheld, rule_id=updates["rule_id"], finding=getattr(updates.get("finding"), "pk", None)
            )
        audit_record(actor=actor, action="status_change", obj=complaint, request=request, detail=detail)
    complaint.refresh_from_db()
    return complaint


def complaint_reopen(*, complaint: Complaint, note: str = "") -> Complaint:
    """The complainant asks, once, to have a rejected or resolved complaint looked at again."""
    if complaint.reopen_count >= 1:
        raise ServiceError(_("每件投诉只能申请重新处理一次"), code="reopen_used")
    to_state = REOPEN_TO.get(complaint.state)
    if to_state is None:
        raise ServiceError(
            _("“%(state)s”状态的投诉不能申请重新处理") % {"state": complaint.get_state_display()},
            code="illegal_transition",
        )
    now = timezone.now()
    today = timezone.localdate(now)
    updates = {"state": to_state, "reopen_count": complaint.reopen_count + 1}
    complaint.deadline_note = ""
    if to_state == State.RECEIVED:
        updates.update(
            responded_at=None, accept_due=_try_due(complaint, start=today, key="complaint_accept_working_days")
        )
    else:
        updates.update(
            resolved_at=None,
            closed_at=None,
            resolve_due=_try_due(complaint, start=today, key="complaint_resolve_working_days"),
        )
    updates["deadline_note"] = complaint.deadline_note
    with transaction.atomic():
        changed = Complaint.objects.filter(pk=complaint.pk, state=complaint.state, reopen_count=0).update(
            updated_at=now, **updates
        )
        if not changed:
            raise ConflictError(_("这件投诉的状态已变化，请刷新后重试"))
        _sweep(complaint)
        _event(
            complaint,
            kind=EventKind.REOPENED,
            from_state=complaint.state,
            to_state=to_state,
            public=True,
            label=COMPLAINANT,
            note=(note or "").strip()[:2000] or "投诉人申请重新处理",
            at=now,
        )
        # the complainant, anonymous: neither a user nor their address is recorded
        audit_record(
            actor=None,
            actor_label=COMPLAINANT,
            action="status_change",
            obj=complaint,
            detail={"from": complaint.state, "to": to_state, "reopened": True},
        )
    complaint.refresh_from_db()
    return complaint


def complaint_reroute(
    *, complaint: Complaint, actor, reason: str, district=None, department: str = "", request=None
) -> Complaint:
    """Send a complaint to another district or department; the reason is kept on the timeline."""
    if not can_handle(actor, complaint):
        raise Forbidden(_("您无权转办这件投诉"))
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = [_("请说明转办理由")]
    if department and department not in Department.values:
        errors["department"] = [_("承办部门无效")]
    new_district = district or complaint.district
    new_department = department or complaint.department
    if not errors and new_district.pk == complaint.district_id and new_department == complaint.department:
        errors["department"] = [_("承办区和承办部门均未改变")]
    if complaint.state in (State.CLOSED, State.REJECTED):
        errors["state"] = [_("已关闭或不予受理的投诉不能转办")]
    if errors:
        raise ServiceError(_("转办信息有误"), fields=errors)
    old = f"{complaint.district.name}·{complaint.get_department_display()}"
    old_codes = {"district": complaint.district.code, "department": complaint.department}
    old_district_id = complaint.district_id
    with transaction.atomic():
        moved = {"district": new_district, "department": new_department, "updated_at": timezone.now()}
        if new_district.pk != old_district_id:
            # the officer it was assigned to works in the old district: the new one assigns its own
            moved.update(assigned_to=None, assigned_at=None)
        Complaint.objects.filter(pk=complaint.pk).update(**moved)
        _sweep(complaint, also=new_district.pk)
        complaint.refresh_from_db()
        new = f"{complaint.district.name}·{complaint.get_department_display()}"
        _event(complaint, kind=EventKind.REROUTED, actor=actor, note=f"由{old}转至{new}：{reason}")
        if complaint.district_id != old_district_id:
            _notify_assigned(complaint, rerouted_from=old)
        # recorded under the new district; the old one is named in the detail
        audit_record(
            actor=actor,
            action="update",
            obj=complaint,
            request=request,
            detail={
                "rerouted": {"from": old, "to": new},
                "from": old_codes,
                "to": {"district": complaint.district.code, "department": complaint.department},
                "reason": reason,
            },
        )
    return complaint


def assignable_officers(complaint: Complaint):
    """The officers a complaint may be assigned to: the active district staff of its district, by name."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(is_active=True, profile__role="district", profile__district_id=complaint.district_id)
        .order_by("last_name", "first_name", "username")
    )


def officer_name(user) -> str:
    return (user.get_full_name() or user.username) if user else ""


def complaint_assign(*, complaint: Complaint, actor, assignee, note: str = "", request=None) -> Complaint:
    """Assign a complaint to a named officer of its district (or clear the assignment with ``assignee=None``).

    District staff of the complaint's district and city staff assign; the assignee must be an active officer of
    that district. The assignment is an internal event on the timeline, audited, and the assignee is told in the
    portal's inbox (the message names the complaint only)."""
    from notifications.services import notify

    if not can_handle(actor, complaint):
        raise Forbidden(_("您无权分配这件投诉"))
    if complaint.state in (State.CLOSED, State.REJECTED):
        raise ServiceError(_("已关闭或不予受理的投诉不能分配"), fields={"assignee": [_("投诉已结束")]})
    if assignee is not None and not assignable_officers(complaint).filter(pk=assignee.pk).exists():
        raise ServiceError(
            _("只能分配给%(district)s教委的工作人员") % {"district": complaint.district.name},
            fields={"assignee": [_("不是本区工作人员")]},
        )
    if assignee is not None and assignee.pk == complaint.assigned_to_id:
        raise ServiceError(_("这件投诉已分配给该承办人"), fields={"assignee": [_("承办人未改变")]})
    now = timezone.now()
    before = complaint.assigned_to
    with transaction.atomic():
        changed = Complaint.objects.filter(pk=complaint.pk, assigned_to=complaint.assigned_to_id).update(
            assigned_to=assignee, assigned_at=now if assignee else None, updated_at=now
        )
        if not changed:
            raise ConflictError(_("这件投诉的承办人已被他人修改，请刷新后重试"))
        with translation.override(settings.LANGUAGE_CODE):
            text = (
                f"分配给 {officer_name(assignee)}"
                if assignee is not None
                else f"取消分配（原承办人 {officer_name(before)}）"
            )
        note = (note or "").strip()[:2000]
        _event(complaint, kind=EventKind.ASSIGNED, actor=actor, note=f"{text}：{note}" if note else text)
        audit_record(
            actor=actor,
            action="update",
            obj=complaint,
            request=request,
            detail={
                "assigned_to": {"from": officer_name(before) or None, "to": officer_name(assignee) or None},
                **({"note": note} if note else {}),
            },
        )
        if assignee is not None and assignee.pk != getattr(actor, "pk", None):
            notify(
                recipients=[assignee],
                kind=NotificationKind.COMPLAINT_ASSIGNED,
                title=f"投诉 {complaint.tracking_code} 已分配给您办理",
                body=f"分配人：{officer_name(actor)}。",
                url=reverse("complaints:detail", args=[complaint.pk]),
            )
    complaint.refresh_from_db()
    return complaint


def complaint_match_teacher(*, complaint: Complaint, actor, teacher, request=None) -> Complaint:
    """Staff link a complaint about a teacher to the serving teacher (SchoolTeacher) they identified."""
    if not can_handle(actor, complaint):
        raise Forbidden(_("您无权办理这件投诉"))
    if complaint.target_kind != TargetKind.TEACHER:
        raise ServiceError(_("只有投诉对象为教师的投诉可以关联在职教师"), fields={"teacher": [_("投诉对象不是教师")]})
    if teacher is None or teacher.school_id != complaint.school_id:
        raise ServiceError(_("该教师不属于被投诉的学校"), fields={"teacher": [_("请选择本校在职教师")]})
    with transaction.atomic():
        Complaint.objects.filter(pk=complaint.pk).update(teacher=teacher, updated_at=timezone.now())
        _event(
            complaint,
            kind=EventKind.TEACHER_MATCHED,
            actor=actor,
            note=f"投诉人所述“{complaint.teacher_name or '—'}”核实为在职教师{teacher.name}",
        )
        audit_record(
            actor=actor,
            action="update",
            obj=complaint,
            request=request,
            detail={"teacher": {"from": complaint.teacher_id, "to": teacher.pk}},
        )
    complaint.refresh_from_db()
    return complaint


# -- personal information -------------------------------------------------------


def complaint_contact_reveal(*, complaint: Complaint, user, request=None) -> dict:
    """The full contact details for the staff handling the complaint; every reveal is recorded."""
    if not can_reveal_contact(user, complaint):
        audit_record(actor=user, action="view_contact", obj=complaint, outcome="denied", request=request)
        raise Forbidden(_("只有承办区的工作人员可以查看完整联系方式"))
    with transaction.atomic():
        ContactView.objects.create(complaint=complaint, user=user)
        audit_record(actor=user, action="view_contact", obj=complaint, request=request)
    return {"name": complaint.contact_name, "phone": complaint.contact_phone, "email": complaint.contact_email}


def complaints_purge_personal_data(*, now: dt.datetime | None = None) -> int:
    """Erase name, phone and e-mail of complaints closed longer ago than the retention setting."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.COMPLAINT_RETENTION_DAYS)
    ids = list(
        Complaint.objects.filter(
            state=State.CLOSED, closed_at__lt=cutoff, personal_data_erased_at__isnull=True
        ).values_list("id", flat=True)
    )
    if not ids:
        return 0
    with transaction.atomic():
        Complaint.objects.filter(pk__in=ids).update(
            contact_name="", contact_phone="", contact_email="", phone_digest="", personal_data_erased_at=now
        )
        ComplaintEvent.objects.bulk_create(
            ComplaintEvent(
                complaint_id=pk,
                kind=EventKind.PURGED,
                actor_label="系统",
                at=now,
                note=f"结案超过{settings.COMPLAINT_RETENTION_DAYS}天，投诉人个人信息已按保存期限删除",
            )
            for pk in ids
        )
        for complaint in Complaint.objects.filter(pk__in=ids).only("id", "tracking_code", "district_id"):
            audit_record(
                actor=None,
                actor_label=SYSTEM,
                action="update",
                obj=complaint,
                detail={"personal_data_erased": True, "retention_days": settings.COMPLAINT_RETENTION_DAYS},
            )
    logger.info("erased the personal data of %d closed complaints", len(ids))
    return len(ids)


def complaint_keys_rotate(*, batch: int = 500) -> int:
    """Re-encrypt every complaint's contact fields with the first configured key; the number of complaints.

    Works on the stored tokens with ``MultiFernet.rotate``, never on decrypted values (a value no configured key
    reads loads as the placeholder, and saving that would destroy the real one). All in one transaction: the first
    token no key reads stops it with ``UnreadableValueError`` naming the complaint and the field, and nothing has
    been changed.
    """
    fields = [f.name for f in Complaint._meta.concrete_fields if isinstance(f, EncryptedTextField)]
    # cast to plain text: the stored token, not the field's decrypted value
    raw = {f"raw_{name}": Cast(name, TextField()) for name in fields}
    qs = (
        Complaint.objects.exclude(**{name: "" for name in fields})
        .annotate(**raw)
        .order_by("id")
        .values_list("id", "tracking_code", *raw)
    )
    count = 0
    last = 0
    with transaction.atomic():
        while True:
            rows = list(qs.filter(id__gt=last).select_for_update()[:batch])
            if not rows:
                break
            new_tokens: dict[str, list[When]] = {name: [] for name in fields}
            for pk, code, *tokens in rows:
                for name, token in zip(fields, tokens, strict=True):
                    try:
                        rotated = rotate(token)
                    except InvalidToken:
                        raise UnreadableValueError(
                            f"complaint #{pk} ({code}), field {name}: no key in FIELD_ENCRYPTION_KEYS reads the "
                            "stored value. Nothing was re-encrypted. Add the key it was encrypted with (after the "
                            "new first key) and run the rotation again."
                        ) from None
                    new_tokens[name].append(When(pk=pk, then=Value(rotated, output_field=TextField())))
            Complaint.objects.filter(pk__in=[row[0] for row in rows]).update(
                **{name: Case(*whens, output_field=TextField()) for name, whens in new_tokens.items()}
            )
            count += len(rows)
            last = rows[-1][0]
    logger.info("re-encrypted the contact details of %d complaints with the first configured key", count)
    return count
