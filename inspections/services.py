"""Recording an inspection (督导检查): the visit, its checklist and photos, and a ``case`` finding for each
violation found, all in one transaction, so a refused photo or a rule that does not fit saves nothing.

The findings are raised through ``compliance.services.finding_create_case`` (the same path as a case recorded
through the findings API), so they join the rectification loop like any other finding: they are listed,
notified, reported on and reviewed there, and each links back to the inspection through its item.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import cast

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.choices import Role
from accounts.scoping import is_city, role_of
from compliance import registry
from compliance.choices import SubjectKind
from compliance.services import finding_create_case
from shuangjian.errors import ForbiddenError, ServiceError

from .checklist import fits
from .choices import InspectionKind, ItemResult
from .models import Inspection, InspectionItem, InspectionPhoto
from .uploads import CheckedPhoto, check_photos

logger = logging.getLogger(__name__)

MAX_NOTE = 2000


def _recorder_district_id(actor):
    """None for city staff, the district id for district staff; any other role may not record inspections."""
    if is_city(actor):
        return None
    profile = role_of(actor)
    if profile is None or profile.role != Role.DISTRICT:
        raise ForbiddenError(_("只有市、区教委工作人员可以录入督导检查"))
    return profile.district_id


def _clean_items(items: Iterable[dict], subject_type: str) -> list[dict]:
    """The checklist lines, each with a registered rule that fits the subject and a known result; errors name
    the line (its position and rule ID)."""
    errors: list[str] = []
    cleaned: list[dict] = []
    seen: set[str] = set()
    for i, raw in enumerate(items or [], start=1):
        rule_id = str((raw or {}).get("rule_id") or "").strip()
        result = str((raw or {}).get("result") or "").strip()
        note = str((raw or {}).get("note") or "").strip()
        where = _("第 %(i)d 项（%(rule)s）") % {"i": i, "rule": rule_id or "—"}
        if not registry.is_registered(rule_id):
            errors.append(_("%(where)s：规则目录中没有这个规则编号") % {"where": where})
            continue
        rule = registry.get_rule(rule_id)
        if not fits(rule, subject_type):
            errors.append(
                _("%(where)s：该规则针对%(subject)s，不适用于本次检查对象")
                % {"where": where, "subject": SubjectKind(rule.subject).label}
            )
            continue
        if result not in ItemResult.values:
            errors.append(_("%(where)s：检查结果须为合规、违规或未检查") % {"where": where})
            continue
        if rule_id in seen:
            errors.append(_("%(where)s：同一条规则重复记录") % {"where": where})
            continue
        if len(note) > MAX_NOTE:
            errors.append(_("%(where)s：说明不能超过 %(n)d 字") % {"where": where, "n": MAX_NOTE})
            continue
        seen.add(rule_id)
        cleaned.append({"rule": rule, "rule_id": rule_id, "result": result, "note": note})
    if errors:
        raise ServiceError(errors[0], fields={"items": errors})
    if not any(item["result"] != ItemResult.NOT_CHECKED for item in cleaned):
        message = _("检查清单：请至少记录一项“合规”或“违规”的检查结果")
        raise ServiceError(message, fields={"items": [message]})
    return cleaned


def _validate(*, own_district_id, date, district, school, institution, place, inspectors, kind) -> None:
    """Every field's problem at once, each under its field's name."""
    fields: dict[str, list[str]] = {}

    def refuse(field, message):
        fields.setdefault(field, []).append(message)

    if district is None:
        refuse("district", _("区：请选择检查所在的区"))
    elif own_district_id is not None and district.pk != own_district_id:
        refuse("district", _("区：只能录入本区的督导检查"))
    if date is None:
        refuse("date", _("检查日期：必填"))
    elif date > timezone.localdate():
        refuse("date", _("检查日期：不能晚于今天"))
    if school is not None and institution is not None:
        refuse("subject", _("检查对象：学校与培训机构只能选其一"))
    elif school is None and institution is None and not place:
        refuse("subject", _("检查对象：请选择学校或培训机构，或填写未登记场所的地点"))
    if district is not None and school is not None and school.district_id != district.pk:
        refuse("subject", _("检查对象：该学校不属于所选的区"))
    if district is not None and institution is not None and institution.district_id != district.pk:
        refuse("subject", _("检查对象：该培训机构不属于所选的区"))
    if not inspectors:
        refuse("inspectors", _("检查人员：必填，写明参加检查的人员姓名"))
    if kind not in InspectionKind.values:
        refuse("kind", _("检查类型：须为日常检查、投诉核查或专项检查"))
    if len(place) > 200:
        refuse("place", _("检查地点：不能超过 200 字"))
    if len(inspectors) > 200:
        refuse("inspectors", _("检查人员：不能超过 200 字"))
    if fields:
        first = next(iter(fields.values()))[0]
        raise ServiceError(first, fields=fields)


def _store_photos(inspection: Inspection, checked: list[CheckedPhoto], stored: list[str]) -> list[InspectionPhoto]:
    photos = []
    for c in checked:
        photo = InspectionPhoto(
            inspection=inspection,
            content_type=c.content_type,
            size=c.size,
            width=c.width,
            height=c.height,
            caption=c.caption,
        )
        photo.image.save(f"photo.{c.extension}", c.content, save=False)
        stored.append(photo.image.name or "")
        photo.save()
        photos.append(photo)
    return photos


def _summary(rule, inspection: Inspection, note: str) -> str:
    text = _("督导检查发现：%(title)s（%(subject)s）") % {"title": rule.title_zh, "subject": inspection.subject_label}
    return f"{text} {note}".strip()[:300]


def inspection_record(
    *,
    actor,
    date: dt.date | None,
    district,
    school=None,
    institution=None,
    place: str = "",
    inspectors: str,
    kind: str,
    notes: str = "",
    items: Iterable[dict],
    photos: Iterable = (),
    request=None,
) -> Inspection:
    """Record an inspection and raise a ``case`` finding for every checklist line found in violation.

    District staff record inspections in their own district, city staff in any; the subject must be in the
    inspection's district. ``items``: ``[{"rule_id", "result", "note"}]``; ``photos``: uploaded files, or
    ``{"file", "caption"}``.
    """
    own_district_id = _recorder_district_id(actor)
    place, inspectors, notes = (place or "").strip(), (inspectors or "").strip(), (notes or "").strip()
    _validate(
        own_district_id=own_district_id,
        date=date,
        district=district,
        school=school,
        institution=institution,
        place=place,
        inspectors=inspectors,
        kind=kind,
    )
    inspection = Inspection(
        date=cast(dt.date, date),  # _validate refused a missing date
        district=district,
        school=school,
        institution=institution,
        place=place,
        inspectors=inspectors,
        kind=kind,
        notes=notes,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    cleaned = _clean_items(items, inspection.subject_type)
    checked = check_photos(photos)
    stored: list[str] = []
    try:
        with transaction.atomic():
            inspection.save()
            photo_ids = [p.pk for p in _store_photos(inspection, checked, stored)]
            lines = []
            for item in cleaned:
                finding = None
                if item["result"] == ItemResult.VIOLATION:
                    finding = finding_create_case(
                        rule_id=item["rule_id"],
                        district=district,
                        actor=actor,
                        evidence={
                            "source": "inspection",
                            "inspection": inspection.pk,
                            "date": inspection.date.isoformat(),
                            "kind": inspection.kind,
                            "subject": inspection.subject_label,
                            "place": inspection.place,
                            "inspectors": inspection.inspectors,
                            "note": item["note"],
                            "photos": photo_ids,
                        },
                        summary=_summary(item["rule"], inspection, item["note"]),
                        date=inspection.date,
                        school=school,
                        institution=institution,
                        key=f"inspection:{inspection.pk}",
                        request=request,
                    )
                lines.append(
                    InspectionItem(
                        inspection=inspection,
                        rule_id=item["rule_id"],
                        result=item["result"],
                        note=item["note"],
                        finding=finding,
                    )
                )
            InspectionItem.objects.bulk_create(lines)
            audit_record(
                actor=actor,
                action="create",
                obj=inspection,
                request=request,
                detail={
                    "date": inspection.date,
                    "kind": inspection.kind,
                    "subject": inspection.subject_type,
                    "school": inspection.school_id,
                    "institution": inspection.institution_id,
                    "items": {item["rule_id"]: item["result"] for item in cleaned},
                    "findings": [line.finding_id for line in lines if line.finding_id],
                    "photos": len(photo_ids),
                },
            )
    except BaseException:
        for name in stored:  # the rows are gone with the transaction: their files go too
            try:
                default_storage.delete(name)
            except OSError:  # pragma: no cover - a file the storage cannot remove is only logged
                logger.warning("could not remove the photo %s of a refused inspection", name)
        raise
    raised = sum(1 for line in lines if line.finding_id)
    logger.info("inspection %s recorded (district %s, %d findings)", inspection.pk, district.pk, raised)
    return inspection
