"""Writes for the institution registry: create/update, sub-records, list status with history.

The bulk imports (registry and schedule) are ``institutions.imports``.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.choices import Role
from accounts.scoping import is_city, role_of
from compliance.services import sweep_after_write
from schools.models import District
from shuangjian.errors import ServiceError

from .choices import ListStatus
from .models import Course, EnrolmentFiling, Institution, ListStatusChange, Prepayment, Session, Site

# --- who may do what ---------------------------------------------------------------------------------------


def _staff_district_id(user):
    """None for city staff; the district id for district staff; otherwise the caller may not manage the registry."""
    if is_city(user):
        return None
    profile = role_of(user)
    if profile is None or profile.role != Role.DISTRICT:
        raise ServiceError(_("只有市、区教委工作人员可以管理机构登记信息"), code="permission_denied")
    return profile.district_id


def _check_district(user, district):
    own = _staff_district_id(user)
    if own is not None and district.pk != own:
        raise ServiceError(_("只能在本区登记机构"), code="out_of_scope", fields={"district": [_("不在您的管辖范围")]})


# --- what the rules check again after a write ----------------------------------------------------------------
#
# Every write a rule reads asks for a sweep of the dates it concerns, in its transaction (the outbox of
# ``compliance.services.sweep_after_write``): a session its date (before and after a change), a prepayment the day
# it was paid, a course its enrolment and its sessions, a site the sessions held there. Registration data with no
# date (a trainer, a disclosure) is judged by the undated rules as it stands.

#: the institution fields rules read for dated activity (licence for TI-12-UNLICENSED, category for the TI-13
#: rules); a change to another field concerns the registration rules only
_DATED_FIELDS = {"licence_no", "licence_status", "category"}


def _local_date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _session_dates(sessions) -> set[dt.date]:
    from django.db.models.functions import TruncDate

    return set(sessions.annotate(day=TruncDate("starts_at")).values_list("day", flat=True).distinct())


def _institution_dates(institution_id: int, since: dt.date | None = None) -> set[dt.date]:
    """The days of an institution's activity (sessions, enrolment openings), from ``since`` on."""
    sessions = Session.objects.filter(course__institution_id=institution_id)
    courses = Course.objects.filter(institution_id=institution_id, enrolment_opens_on__isnull=False)
    if since is not None:
        sessions = sessions.filter(starts_at__date__gte=since)
        courses = courses.filter(enrolment_opens_on__gte=since)
    return _session_dates(sessions) | set(courses.values_list("enrolment_opens_on", flat=True))


def _record_dates(record, before: dict | None) -> set[dt.date]:
    """The days a sub-record's rules must look at again after it changed (before and after the change)."""
    fields = {Session: "starts_at", Prepayment: "paid_on", EnrolmentFiling: "enrolment_opens_on"}
    if type(record) in fields:
        name = fields[type(record)]
        values = {getattr(record, name), (before or {}).get(name)}
        return {_local_date(v) for v in values if v is not None}
    if isinstance(record, Course):
        values = {record.enrolment_opens_on, (before or {}).get("enrolment_opens_on")}
        return {v for v in values if v is not None} | _session_dates(record.sessions.all())
    if isinstance(record, Site):
        return _session_dates(record.sessions.all())
    return set()


def _sweep_institution(institution, *, dated: bool, since: dt.date | None = None, topic=Institution) -> None:
    dates = _institution_dates(institution.pk, since) if dated else set()
    sweep_after_write(topic=topic, district_ids=[institution.district_id], dates=dates, reason="registry")


# --- institutions ------------------------------------------------------------------------------------------


def _validated(instance):
    try:
        instance.full_clean()
    except ValidationError as exc:
        raise ServiceError(_("输入有误"), fields=exc.message_dict) from exc


#: the registration fields an audit event shows (the list status has its own ``status_change`` events)
_AUDITED_FIELDS = (
    "name",
    "credit_code",
    "district_id",
    "category",
    "domain",
    "audience",
    "mode",
    "nonprofit",
    "licence_no",
    "licence_status",
    "approved_on",
    "reapproved_on",
    "icp_no",
    "listed",
    "capital_raised",
    "foreign_controlled",
)


def _snapshot(institution) -> dict:
    return {name: getattr(institution, name) for name in _AUDITED_FIELDS}


def _changes(before: dict, institution) -> dict:
    after = _snapshot(institution)
    return {name: {"from": before[name], "to": after[name]} for name in _AUDITED_FIELDS if before[name] != after[name]}


@transaction.atomic
def institution_create(
    *, user, list_status_reason: str = "", list_status_effective_on: dt.date | None = None, request=None, **fields
) -> Institution:
    """Register an institution; district staff only in their own district. A list status needs a reason."""
    _check_district(user, fields["district"])
    status = fields.pop("list_status", ListStatus.NONE) or ListStatus.NONE
    institution = Institution(**fields)
    _validated(institution)
    institution.save()
    audit_record(actor=user, action="create", obj=institution, request=request, detail=_snapshot(institution))
    _sweep_institution(institution, dated=False)
    if status != ListStatus.NONE:
        institution_set_list_status(
            institution=institution,
            status=status,
            effective_on=list_status_effective_on or timezone.localdate(),
            reason=list_status_reason,
            actor=user,
            request=request,
        )
    return institution


@transaction.atomic
def institution_update(
    *,
    user,
    institution: Institution,
    list_status_reason: str = "",
    list_status_effective_on=None,
    request=None,
    **fields,
) -> Institution:
    """Change registration data; a changed list status goes through ``institution_set_list_status``."""
    # as stored: a page's form has already set its new values on ``institution``
    stored = Institution.objects.select_related("district").get(pk=institution.pk)
    _check_district(user, stored.district)
    district = fields.pop("district", None)
    if district is not None and district.pk != stored.district_id:
        institution_move(user=user, institution=stored, district=district, request=request)
        institution.district = district
        stored.district = district
    status = fields.pop("list_status", None)
    fields.pop("list_status_since", None)  # only a recorded change moves it
    before = _snapshot(stored)
    for name, value in fields.items():
        setattr(institution, name, value)
    _validated(institution)
    institution.save()
    changes = _changes(before, institution)
    if changes:
        audit_record(actor=user, action="update", obj=institution, request=request, detail={"changes": changes})
        _sweep_institution(institution, dated=bool(_DATED_FIELDS & set(changes)))
    if status is not None and status != institution.list_status:
        institution_set_list_status(
            institution=institution,
            status=status,
            effective_on=list_status_effective_on or timezone.localdate(),
            reason=list_status_reason,
            actor=user,
            request=request,
        )
    return institution


# --- sub-records (sites, trainers, foreign staff, courses, sessions, filings, prepayments, disclosures) ----------


def record_values(record) -> dict:
    """A sub-record's stored values for the audit trail: its columns (a file by its name), its many-to-many links
    as sorted ids. Take it before a form or serializer touches the instance (a form's validation sets the new
    values on it)."""
    values = {}
    for f in record._meta.concrete_fields:
        value = getattr(record, f.attname)
        if hasattr(value, "name") and hasattr(value, "storage"):  # a file: its name
            value = value.name or ""
        elif isinstance(value, dt.datetime) and timezone.is_aware(value):  # as the portal shows times: Beijing
            value = timezone.localtime(value)
        values[f.attname] = value
    for f in record._meta.many_to_many:
        values[f.name] = sorted(getattr(record, f.name).values_list("pk", flat=True)) if record.pk else []
    return values


def _institution_of(record) -> Institution:
    return record.course.institution if hasattr(record, "course_id") else record.institution


@transaction.atomic
def record_save(*, user, save, before: dict | None, request=None):
    """Save a sub-record of an institution and record it in the audit trail, in one transaction.

    ``save`` is the form's or the serializer's ``save`` (their validation has run: the scope, the institution,
    the checks of each field); ``before`` is ``record_values`` of the record as stored, ``None`` for a new one.
    A new record is recorded with its values; a change with each changed value before and after; a save that
    changes nothing records nothing. These rows are what the TI rules read (prices, session times, certificates),
    so who changed them, and from what, is part of the record.
    """
    record = save()
    after = record_values(record)
    district = _institution_of(record).district_id
    sweep_after_write(
        topic=type(record), district_ids=[district], dates=_record_dates(record, before), reason="registry"
    )
    if before is None:
        audit_record(actor=user, action="create", obj=record, district=district, request=request, detail=after)
    else:
        changes = {
            name: {"from": before.get(name), "to": value} for name, value in after.items() if before.get(name) != value
        }
        if changes:
            audit_record(
                actor=user, action="update", obj=record, district=district, request=request, detail={"changes": changes}
            )
    return record


# --- changing who a record belongs to (the district of an institution, the institution or course of a record) ---
#
# These foreign keys decide who sees a row (``scope_paths``), so changing one is a move: the caller must
# administer both the old and the new owner, the rows that would point across institutions afterwards refuse it,
# and the move is one audit event naming the old and the new owner.


def _administers_institution(user, institution) -> bool:
    if is_city(user):
        return True
    profile = role_of(user)
    if profile is None:
        return False
    if profile.role == Role.DISTRICT:
        return profile.district_id == institution.district_id
    return profile.role == Role.INSTITUTION and profile.institution_id == institution.pk


@transaction.atomic
def institution_move(*, user, institution: Institution, district: District, request=None) -> Institution:
    """Move an institution to another district's registry (机构转区): city staff only, the only ones who
    administer both districts. Its findings still being dealt with (open, notified, rectifying) go to the new
    district, which follows them up; closed ones stay with the district that closed them, as its record."""
    from compliance.choices import ACTIVE_STATUSES
    from compliance.models import Finding

    locked = Institution.objects.select_for_update().select_related("district").get(pk=institution.pk)
    old = locked.district
    if district.pk == old.pk:
        return locked
    if not is_city(user):
        raise ServiceError(
            _("只有市教委工作人员可以把机构转到其他区"),
            code="out_of_scope",
            fields={
                "district": [
                    _("转区须同时管辖原区（%(old)s）和新区（%(new)s）") % {"old": old.name, "new": district.name}
                ]
            },
        )
    Institution.objects.filter(pk=locked.pk).update(district=district, updated_at=timezone.now())
    findings = Finding.objects.filter(institution=locked, status__in=ACTIVE_STATUSES).update(district=district)
    institution.district = district
    audit_record(
        actor=user,
        action="update",
        obj=institution,
        district=district,
        request=request,
        detail={
            "changes": {"district_id": {"from": old.pk, "to": district.pk}},
            "move": {"field": "district", "from": old.code, "to": district.code, "active_findings": findings},
        },
    )
    return institution


#: the foreign key that decides who sees each kind of sub-record
def record_owner_field(record) -> str:
    return "course" if hasattr(record, "course_id") else "institution"


def _record_move_refusal(record, owner) -> str | None:
    """Why ``record`` cannot belong to ``owner`` without leaving a row that points across institutions."""
    from .models import Trainer

    target = owner if isinstance(owner, Institution) else owner.institution
    if isinstance(record, Site) and record.sessions.exclude(course__institution=target).exists():
        return _("该场所已有本机构的课次，不能改登记到其他机构")
    if isinstance(record, Trainer) and record.courses.exclude(institution=target).exists():
        return _("该人员正在讲授本机构的课程，不能改登记到其他机构")
    if isinstance(record, Course):
        if record.trainers.exclude(institution=target).exists():
            return _("该课程的授课人员属于原机构，请先修改授课人员")
        if record.sessions.filter(site__isnull=False).exclude(site__institution=target).exists():
            return _("该课程的课次在原机构的场所上课，不能改登记到其他机构")
    if isinstance(record, Session) and record.site is not None and record.site.institution_id != target.pk:
        return _("该场所不属于开课机构")
    return None


@transaction.atomic
def record_change(*, user, record, save, owner=None, request=None):
    """Save a change to a sub-record (``record_save``); a new ``owner`` (the institution, or for sessions, filings
    and prepayments the course) moves it first: the caller must administer both institutions, nothing may be left
    pointing across institutions (a site's sessions, a trainer's courses, a course's trainers and sites), and the
    move is recorded with the old and the new owner."""
    field_name = record_owner_field(record)
    old = getattr(record, field_name)
    if owner is not None and owner.pk != old.pk:
        old_institution = _institution_of(record)
        new_institution = owner if isinstance(owner, Institution) else owner.institution
        if not (_administers_institution(user, old_institution) and _administers_institution(user, new_institution)):
            raise ServiceError(
                _("只能在您管辖的机构之间调整登记信息"),
                code="out_of_scope",
                fields={field_name: [_("不在您的管辖范围")]},
            )
        refusal = _record_move_refusal(record, owner)
        if refusal:
            from shuangjian.errors import ConflictError

            raise ConflictError(refusal, code="has_dependents", fields={field_name: [refusal]})
        type(record)._default_manager.filter(pk=record.pk).update(**{field_name: owner})
        setattr(record, field_name, owner)
        audit_record(
            actor=user,
            action="update",
            obj=record,
            district=new_institution.district_id,
            request=request,
            detail={
                "move": {
                    "field": field_name,
                    "from": old.pk,
                    "to": owner.pk,
                    "from_institution": old_institution.pk,
                    "to_institution": new_institution.pk,
                    "from_district": old_institution.district_id,
                    "to_district": new_institution.district_id,
                }
            },
        )
    return record_save(user=user, save=save, before=record_values(record), request=request)


@transaction.atomic
def institution_set_list_status(
    *, institution: Institution, status: str, effective_on: dt.date, reason: str, actor, request=None
) -> ListStatusChange:
    """Put an institution on the white or black list (or take it off), recording who, when and why."""
    if actor is not None:
        _check_district(actor, institution.district)
    if status not in ListStatus.values:
        raise ServiceError(_("黑白名单状态无效"), fields={"list_status": [_("无效的状态")]})
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("请填写变更原因"), fields={"reason": [_("变更黑白名单必须说明原因")]})
    if effective_on is None:
        raise ServiceError(_("请填写生效日期"), fields={"effective_on": [_("必填")]})
    locked = Institution.objects.select_for_update().get(pk=institution.pk)
    if locked.list_status == status:
        raise ServiceError(_("该机构已是此状态"), code="unchanged", fields={"list_status": [_("状态未变化")]})
    change = ListStatusChange.objects.create(
        institution=locked,
        from_status=locked.list_status,
        to_status=status,
        effective_on=effective_on,
        reason=reason,
        actor=actor,
    )
    Institution.objects.filter(pk=locked.pk).update(list_status=status, list_status_since=effective_on)
    _sweep_institution(locked, dated=True, since=effective_on, topic=ListStatusChange)
    institution.list_status = status
    institution.list_status_since = effective_on
    audit_record(
        actor=actor,
        action="status_change",
        obj=institution,
        request=request,
        detail={
            "list_status": {"from": change.from_status, "to": status},
            "effective_on": effective_on,
            "reason": reason,
            "list_status_change": change.pk,
        },
    )
    return change
