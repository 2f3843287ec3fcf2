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
from shuangjian.errors import ServiceError

from .choices import ListStatus
from .models import Institution, ListStatusChange

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
        raise ServiceError(
            _("只能在本区登记机构"), code="out_of_scope", fields={"district": [_("不在您的管辖范围")]}
        )


# --- institutions ------------------------------------------------------------------------------------------


def _validated(instance):
    try:
        instance.full_clean()
    except ValidationError as exc:
        raise ServiceError(_("输入有误"), fields=exc.message_dict) from exc


#: the registration fields an audit event shows (the list status has its own ``status_change`` events)
_AUDITED_FIELDS = (
    "name", "credit_code", "district_id", "category", "domain", "audience", "mode", "nonprofit", "licence_no",
    "licence_status", "approved_on", "reapproved_on", "icp_no", "listed", "capital_raised", "foreign_controlled",
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
    *, user, institution: Institution, list_status_reason: str = "", list_status_effective_on=None, request=None,
    **fields,
) -> Institution:
    """Change registration data; a changed list status goes through ``institution_set_list_status``."""
    _check_district(user, institution.district)
    if "district" in fields:
        _check_district(user, fields["district"])
    status = fields.pop("list_status", None)
    fields.pop("list_status_since", None)  # only a recorded change moves it
    before = _snapshot(Institution.objects.get(pk=institution.pk))
    for name, value in fields.items():
        setattr(institution, name, value)
    _validated(institution)
    institution.save()
    changes = _changes(before, institution)
    if changes:
        audit_record(actor=user, action="update", obj=institution, request=request, detail={"changes": changes})
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
    if before is None:
        audit_record(actor=user, action="create", obj=record, district=district, request=request, detail=after)
    else:
        changes = {name: {"from": before.get(name), "to": value} for name, value in after.items()
                   if before.get(name) != value}
        if changes:
            audit_record(actor=user, action="update", obj=record, district=district, request=request,
                         detail={"changes": changes})
    return record


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
        raise ServiceError(
            _("该机构已是此状态"), code="unchanged", fields={"list_status": [_("状态未变化")]}
        )
    change = ListStatusChange.objects.create(
        institution=locked,
        from_status=locked.list_status,
        to_status=status,
        effective_on=effective_on,
        reason=reason,
        actor=actor,
    )
    Institution.objects.filter(pk=locked.pk).update(list_status=status, list_status_since=effective_on)
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

