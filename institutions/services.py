"""Writes for the institution registry: create/update, list status with history, and the bulk imports.

Every import checks the whole file first and returns a report ``[{"row", "field", "message"}]``; when
the report is not empty nothing is saved, otherwise every row is written in one transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.choices import Role
from accounts.scoping import is_city, restrict, role_of
from schools.models import District
from shuangjian.errors import ServiceError

from . import tabular
from .choices import Audience, Category, Domain, LicenceStatus, ListStatus, Mode, SessionMode
from .models import Course, Institution, ListStatusChange, Session, Site

LOCAL_TZ = ZoneInfo(settings.TIME_ZONE)


@dataclass
class ImportReport:
    """What an import did, or why it did nothing: ``errors`` name the spreadsheet row and the field."""

    errors: list = field(default_factory=list)
    created: int = 0
    updated: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, row, field_key, message):
        self.errors.append({"row": row, "field": field_key, "message": str(message)})


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
            _("只有市教委工作人员可以把机构转到其他区"), code="out_of_scope",
            fields={"district": [_("转区须同时管辖原区（%(old)s）和新区（%(new)s）") % {
                "old": old.name, "new": district.name}]},
        )
    Institution.objects.filter(pk=locked.pk).update(district=district, updated_at=timezone.now())
    findings = Finding.objects.filter(institution=locked, status__in=ACTIVE_STATUSES).update(district=district)
    institution.district = district
    audit_record(
        actor=user, action="update", obj=institution, district=district, request=request,
        detail={"changes": {"district_id": {"from": old.pk, "to": district.pk}},
                "move": {"field": "district", "from": old.code, "to": district.code, "active_findings": findings}},
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
    if isinstance(record, Session) and record.site_id is not None and record.site.institution_id != target.pk:
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
            raise ServiceError(_("只能在您管辖的机构之间调整登记信息"), code="out_of_scope",
                               fields={field_name: [_("不在您的管辖范围")]})
        refusal = _record_move_refusal(record, owner)
        if refusal:
            from shuangjian.errors import ConflictError

            raise ConflictError(refusal, code="has_dependents", fields={field_name: [refusal]})
        type(record)._default_manager.filter(pk=record.pk).update(**{field_name: owner})
        setattr(record, field_name, owner)
        audit_record(
            actor=user, action="update", obj=record, district=new_institution.district_id, request=request,
            detail={"move": {"field": field_name, "from": old.pk, "to": owner.pk,
                             "from_institution": old_institution.pk, "to_institution": new_institution.pk,
                             "from_district": old_institution.district_id,
                             "to_district": new_institution.district_id}},
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


# --- cell parsing ------------------------------------------------------------------------------------------

TRUE = {"是", "true", "yes", "y", "1", "√", "t"}
FALSE = {"否", "false", "no", "n", "0", "", "×", "f"}


class CellError(ValueError):
    pass


def _choice(value, choices, *, required=True):
    text = "" if value is None else str(value).strip()
    if not text:
        if required:
            raise CellError(_("必填"))
        return ""
    for code, label in choices.choices:
        if text in (code, str(label)):
            return code
    raise CellError(_("无效的取值“%(v)s”，可选：%(opts)s") % {"v": text, "opts": "、".join(str(lbl) for lbl in choices.labels)})


def _bool(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return bool(value)
    text = "" if value is None else str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise CellError(_("应为“是”或“否”"))


def _date(value, *, required=False):
    if value in (None, ""):
        if required:
            raise CellError(_("必填"))
        return None
    if isinstance(value, dt.datetime):
        return _in_years(value.date())
    if isinstance(value, dt.date):
        return _in_years(value)
    text = str(value).strip().replace("/", "-")
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise CellError(_("日期格式应为 YYYY-MM-DD")) from None
    return _in_years(day)


def _datetime(value):
    if value in (None, ""):
        raise CellError(_("必填"))
    if isinstance(value, dt.datetime):
        moment = value
    else:
        text = str(value).strip().replace("/", "-")
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            raise CellError(_("时间格式应为 YYYY-MM-DD HH:MM（北京时间）")) from None
    _in_years(moment.date())
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=LOCAL_TZ)
    return moment


#: the years a registry date or a session can fall in; anything else is a typing slip (0001, 20226)
YEARS = (1900, 2100)


def _in_years(day):
    if not YEARS[0] <= day.year <= YEARS[1]:
        raise CellError(_("年份超出范围（应在 %(a)d–%(b)d 年之间）") % {"a": YEARS[0], "b": YEARS[1]})
    return day


def _int_id(value):
    if value in (None, ""):
        return None
    try:
        number = float(value) if isinstance(value, float) else int(str(value).strip())
    except ValueError:
        raise CellError(_("应为编号（整数）")) from None
    if int(number) != number:
        raise CellError(_("应为编号（整数）"))
    return int(number)


def _audience(value):
    text = "" if value is None else str(value)
    for sep in ("、", "，", ";", "；", "|"):
        text = text.replace(sep, ",")
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise CellError(_("必填"))
    return [_choice(p, Audience) for p in parts]


# --- the registry import ------------------------------------------------------------------------------------

REGISTRY_COLUMNS = [
    tabular.Column("credit_code", "统一社会信用代码", "18位，校验位按 GB 32100"),
    tabular.Column("name", "机构名称"),
    tabular.Column("district", "所在区代码", "如 110101（东城区）"),
    tabular.Column("category", "类别", "学科类 / 非学科类"),
    tabular.Column("domain", "领域", "学科 / 文化艺术 / 体育 / 科技 / 其他"),
    tabular.Column("audience", "面向对象", "学龄前、义务教育、普通高中，可填多个，用顿号分隔"),
    tabular.Column("mode", "培训方式", "线上 / 线下 / 线上线下"),
    tabular.Column("nonprofit", "非营利性", "是 / 否"),
    tabular.Column("licence_no", "办学许可证号"),
    tabular.Column("licence_status", "许可证状态", "有效 / 已过期 / 已吊销 / 无证"),
    tabular.Column("approved_on", "审批日期", "YYYY-MM-DD"),
    tabular.Column("reapproved_on", "线上机构重新审批日期", "YYYY-MM-DD"),
    tabular.Column("icp_no", "ICP备案号"),
    tabular.Column("listed", "已上市", "是 / 否"),
    tabular.Column("capital_raised", "资本化融资", "是 / 否"),
    tabular.Column("foreign_controlled", "外资控股或VIE", "是 / 否"),
    tabular.Column("list_status", "黑白名单", "白名单 / 黑名单 / 未列入；变更将记入名单历史"),
]

_REGISTRY_PARSERS = {
    "category": lambda v: _choice(v, Category),
    "domain": lambda v: _choice(v, Domain),
    "audience": _audience,
    "mode": lambda v: _choice(v, Mode),
    "nonprofit": _bool,
    "licence_status": lambda v: _choice(v, LicenceStatus, required=False) or LicenceStatus.NONE,
    "approved_on": _date,
    "reapproved_on": _date,
    "listed": _bool,
    "capital_raised": _bool,
    "foreign_controlled": _bool,
    "list_status": lambda v: _choice(v, ListStatus, required=False) or ListStatus.NONE,
}
_TEXT_FIELDS = ("name", "licence_no", "icp_no")


def institution_import(*, user, file, file_name: str = "", request=None) -> ImportReport:
    """Create or update institutions by credit code from a spreadsheet; all rows or none.

    Each created row, each changed row and each list-status change is one audit event naming the file and row."""
    own_district = _staff_district_id(user)
    rows = tabular.read_rows(file, REGISTRY_COLUMNS)
    report = ImportReport()
    codes = [str(values.get("credit_code") or "").strip().upper() for _n, values in rows]
    existing = {i.credit_code: i for i in Institution.objects.filter(credit_code__in=[c for c in codes if c])}
    districts = {d.code: d for d in District.objects.all()}
    seen: dict[str, int] = {}
    planned = []  # (row, instance, new list status, is_new, the audited fields before the import)
    for (number, values), code in zip(rows, codes):
        if code in seen:
            report.add(number, "credit_code", _("与第 %(n)d 行的信用代码重复") % {"n": seen[code]})
            continue
        if code:
            seen[code] = number
        district_code = str(values.get("district") or "").strip()
        if district_code.endswith(".0"):
            district_code = district_code[:-2]
        district = districts.get(district_code)
        if district is None:
            report.add(number, "district", _("未知的区代码“%(c)s”") % {"c": district_code})
        elif own_district is not None and district.pk != own_district:
            report.add(number, "district", _("只能登记本区机构"))
        instance = existing.get(code)
        is_new = instance is None
        if instance is not None and own_district is not None and instance.district_id != own_district:
            report.add(number, "credit_code", _("该信用代码已由其他区登记"))
            continue
        before = None if instance is None else _snapshot(instance)
        if instance is None:
            instance = Institution(credit_code=code)
        parsed = {}
        for key, parser in _REGISTRY_PARSERS.items():
            try:
                parsed[key] = parser(values.get(key))
            except CellError as exc:
                report.add(number, key, exc)
        for key in _TEXT_FIELDS:
            parsed[key] = "" if values.get(key) is None else str(values[key]).strip()
        status = parsed.pop("list_status", None)
        for key, value in parsed.items():
            setattr(instance, key, value)
        if district is not None:
            instance.district = district
        try:
            instance.full_clean(
                exclude=[k for k in _REGISTRY_PARSERS if k not in parsed] + ["district"],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                for message in messages:
                    report.add(number, key, message)
        planned.append((number, instance, status, is_new, before))
    if not report.ok:
        return report
    today = timezone.localdate()
    with transaction.atomic():
        for number, instance, status, is_new, before in planned:
            previous = instance.list_status if not is_new else ListStatus.NONE
            if is_new:
                instance.list_status = ListStatus.NONE
            instance.save()
            source = {"via": "import", "file": file_name, "row": number}
            if is_new:
                audit_record(actor=user, action="create", obj=instance, request=request,
                             detail={**_snapshot(instance), **source})
            elif changes := _changes(before, instance):
                audit_record(actor=user, action="update", obj=instance, request=request,
                             detail={"changes": changes, **source})
            if status is not None and status != previous:
                reason = _("批量导入%(file)s") % {"file": f"（{file_name}）" if file_name else ""}
                institution_set_list_status(
                    institution=instance, status=status, effective_on=today, reason=reason, actor=user,
                    request=request,
                )
            if is_new:
                report.created += 1
            else:
                report.updated += 1
    return report


# --- the schedule (sessions) import -------------------------------------------------------------------------

SESSION_COLUMNS = [
    tabular.Column("course", "课程编号", "本平台中的课程编号（见机构页面）"),
    tabular.Column("site", "场所编号", "线下课必填：本机构已登记的场所编号；线上课留空"),
    tabular.Column("starts_at", "开始时间", "YYYY-MM-DD HH:MM，北京时间"),
    tabular.Column("ends_at", "结束时间", "YYYY-MM-DD HH:MM，北京时间"),
    tabular.Column("mode", "授课方式", "线上 / 线下；留空则按课程"),
]


def session_import(*, user, file, file_name: str = "", request=None) -> ImportReport:
    """Add a course schedule (sessions) for courses in the caller's scope; all rows or none. The sessions are
    recorded in the audit trail, one event per institution naming the file and each session's row."""
    if not (is_city(user) or (role_of(user) and role_of(user).role in (Role.DISTRICT, Role.INSTITUTION))):
        raise ServiceError(_("您的角色不能导入课程安排"), code="permission_denied")
    rows = tabular.read_rows(file, SESSION_COLUMNS)
    report = ImportReport()
    parsed = []
    for number, values in rows:
        row = {"number": number}
        for key, parser in (("course", _int_id), ("site", _int_id), ("starts_at", _datetime), ("ends_at", _datetime)):
            try:
                row[key] = parser(values.get(key))
            except CellError as exc:
                report.add(number, key, exc)
        try:
            row["mode"] = _choice(values.get("mode"), SessionMode, required=False)
        except CellError as exc:
            report.add(number, "mode", exc)
        if row.get("course") is None and "course" in row:
            report.add(number, "course", _("必填"))
        parsed.append(row)
    course_ids = {r["course"] for r in parsed if r.get("course")}
    site_ids = {r["site"] for r in parsed if r.get("site")}
    courses = {c.pk: c for c in restrict(Course.objects.filter(pk__in=course_ids), user)}
    sites = {s.pk: s for s in restrict(Site.objects.filter(pk__in=site_ids), user)}
    existing = set(
        Session.objects.filter(course_id__in=list(courses)).filter(
            starts_at__in=[r["starts_at"] for r in parsed if r.get("starts_at")]
        ).values_list("course_id", "starts_at")
    )
    seen: dict[tuple, int] = {}
    to_create = []
    for row in parsed:
        number = row["number"]
        course = courses.get(row.get("course"))
        if row.get("course") and course is None:
            report.add(number, "course", _("课程编号 %(id)s 不存在或不在您的管辖范围") % {"id": row["course"]})
        site = sites.get(row.get("site"))
        if row.get("site") and site is None:
            report.add(number, "site", _("场所编号 %(id)s 不存在或不在您的管辖范围") % {"id": row["site"]})
        mode = row.get("mode") or (course.mode if course else "")
        if course and site and site.institution_id != course.institution_id:
            report.add(number, "site", _("该场所不属于开课机构"))
        if mode == SessionMode.OFFLINE and not row.get("site") and "site" in row:
            report.add(number, "site", _("线下课须填写场所编号"))
        starts, ends = row.get("starts_at"), row.get("ends_at")
        if starts and ends and ends <= starts:
            report.add(number, "ends_at", _("结束时间须晚于开始时间"))
        if course and starts:
            key = (course.pk, starts)
            if key in seen:
                report.add(number, "starts_at", _("与第 %(n)d 行重复（同一课程同一开始时间）") % {"n": seen[key]})
            else:
                seen[key] = number
            if key in existing:
                report.add(number, "starts_at", _("该课程在此时间已有课次"))
        if report.ok:
            to_create.append(
                (number, Session(course=course, site=site, starts_at=starts, ends_at=ends, mode=mode))
            )
    if not report.ok:
        return report
    with transaction.atomic():
        Session.objects.bulk_create([session for _, session in to_create], batch_size=1000)
        by_institution: dict[int, list] = {}
        for number, session in to_create:
            by_institution.setdefault(session.course.institution_id, []).append((number, session))
        for rows in by_institution.values():
            institution = rows[0][1].course.institution
            audit_record(
                actor=user, action="create", request=request, district=institution.district_id,
                object_type=Session._meta.label_lower, object_id="",
                object_repr=f"{institution.name}：导入课次 {len(rows)} 条",  # stored text: Chinese, as all records
                detail={"file": file_name, "sessions": [
                    {"row": number, "id": x.pk, "course": x.course_id, "site": x.site_id, "starts_at": x.starts_at,
                     "ends_at": x.ends_at, "mode": x.mode} for number, x in rows]},
            )
    report.created = len(to_create)
    return report
