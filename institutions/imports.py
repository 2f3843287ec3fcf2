"""The registry's bulk imports: institutions by credit code, and a course schedule (sessions).

Every import checks the whole file first and returns a report ``[{"row", "field", "message"}]``; when
the report is not empty nothing is saved, otherwise every row is written in one transaction. Cells are read by
``shuangjian.cells``, the parsers every import of the portal shares.
"""

from __future__ import annotations

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
from compliance.services import sweep_after_write
from schools.models import District
from shuangjian import cells
from shuangjian.cells import CellError
from shuangjian.errors import ServiceError

from . import tabular
from .choices import Audience, Category, Domain, LicenceStatus, ListStatus, Mode, SessionMode
from .models import Course, Institution, Session, Site
from .services import (
    _DATED_FIELDS,
    _changes,
    _snapshot,
    _staff_district_id,
    _sweep_institution,
    institution_set_list_status,
)

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


# --- cells of the registry's columns -------------------------------------------------------------------------


def _choice(choices, *, default: str | None = None):
    """A parser of a choices column: a code or its Chinese label; blank is ``default`` (required when None)."""
    mapping = cells.choice_map(choices)

    def parse(value):
        if cells.blank(value):
            if default is None:
                raise CellError(_("必填"))
            return default
        return cells.parse_choice(value, mapping, labels=choices.labels)

    return parse


def _bool(value) -> bool:
    return cells.parse_bool(value, default=False)


def _date(value):
    return None if cells.blank(value) else cells.parse_date(value)


def _datetime(value):
    if cells.blank(value):
        raise CellError(_("必填"))
    return cells.parse_datetime(value, tz=LOCAL_TZ)


def _int_id(value):
    if cells.blank(value):
        return None
    try:
        return cells.parse_int(value, min_value=1)
    except CellError:
        raise CellError(_("应为编号（整数）")) from None


def _audience(value):
    text = cells.parse_text(value)
    for sep in ("、", "，", ";", "；", "|"):
        text = text.replace(sep, ",")
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise CellError(_("必填"))
    return [_choice(Audience)(p) for p in parts]


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

#: column key → the parser of its cell
_REGISTRY_PARSERS = {
    "name": cells.parse_text,
    "category": _choice(Category),
    "domain": _choice(Domain),
    "audience": _audience,
    "mode": _choice(Mode),
    "nonprofit": _bool,
    "licence_no": cells.parse_text,
    "licence_status": _choice(LicenceStatus, default=LicenceStatus.NONE),
    "approved_on": _date,
    "reapproved_on": _date,
    "icp_no": cells.parse_text,
    "listed": _bool,
    "capital_raised": _bool,
    "foreign_controlled": _bool,
    "list_status": _choice(ListStatus, default=ListStatus.NONE),
}


@dataclass
class _Planned:
    """One registry row checked and ready to save."""

    number: int
    instance: Institution
    status: str | None
    is_new: bool
    before: dict | None  # the audited fields before the import


def _credit_code(number, values, report) -> str | None:
    """The row's credit code, upper-cased; None when the cell cannot be read (the error is in ``report``)."""
    try:
        return cells.parse_text(values.get("credit_code")).upper()
    except CellError as exc:
        report.add(number, "credit_code", exc)
        return None


def _district_code(values) -> str:
    code = str(values.get("district") or "").strip()
    return code[:-2] if code.endswith(".0") else code


def _registry_row(number, values, code, *, report, districts, existing, own_district) -> _Planned | None:
    """Check one registry row into an unsaved instance; errors go to ``report``. None: the row is skipped."""
    district = districts.get(_district_code(values))
    if district is None:
        report.add(number, "district", _("未知的区代码“%(c)s”") % {"c": _district_code(values)})
    elif own_district is not None and district.pk != own_district:
        report.add(number, "district", _("只能登记本区机构"))
    instance = existing.get(code)
    if instance is not None and own_district is not None and instance.district_id != own_district:
        report.add(number, "credit_code", _("该信用代码已由其他区登记"))
        return None
    planned = _Planned(
        number,
        instance or Institution(credit_code=code),
        None,
        instance is None,
        None if instance is None else _snapshot(instance),
    )
    parsed = {}
    for key, parser in _REGISTRY_PARSERS.items():
        try:
            parsed[key] = parser(values.get(key))
        except CellError as exc:
            report.add(number, key, exc)
    planned.status = parsed.pop("list_status", None)
    for key, value in parsed.items():
        setattr(planned.instance, key, value)
    if district is not None:
        planned.instance.district = district
    try:
        planned.instance.full_clean(
            exclude=[k for k in _REGISTRY_PARSERS if k not in parsed] + ["district"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            for message in messages:
                report.add(number, key, message)
    return planned


def _registry_save(planned: _Planned, *, user, file_name: str, request, report: ImportReport) -> None:
    instance, is_new = planned.instance, planned.is_new
    previous = instance.list_status if not is_new else ListStatus.NONE
    if is_new:
        instance.list_status = ListStatus.NONE
    instance.save()
    source = {"via": "import", "file": file_name, "row": planned.number}
    if is_new:
        audit_record(
            actor=user, action="create", obj=instance, request=request, detail={**_snapshot(instance), **source}
        )
        _sweep_institution(instance, dated=False)
    elif changes := _changes(planned.before, instance):
        audit_record(actor=user, action="update", obj=instance, request=request, detail={"changes": changes, **source})
        _sweep_institution(instance, dated=bool(_DATED_FIELDS & set(changes)))
    if planned.status is not None and planned.status != previous:
        reason = _("批量导入%(file)s") % {"file": f"（{file_name}）" if file_name else ""}
        institution_set_list_status(
            institution=instance,
            status=planned.status,
            effective_on=timezone.localdate(),
            reason=reason,
            actor=user,
            request=request,
        )
    if is_new:
        report.created += 1
    else:
        report.updated += 1


def institution_import(*, user, file, file_name: str = "", request=None) -> ImportReport:
    """Create or update institutions by credit code from a spreadsheet; all rows or none.

    Each created row, each changed row and each list-status change is one audit event naming the file and row."""
    own_district = _staff_district_id(user)
    rows = tabular.read_rows(file, REGISTRY_COLUMNS)
    report = ImportReport()
    codes = [_credit_code(number, values, report) for number, values in rows]
    existing = {i.credit_code: i for i in Institution.objects.filter(credit_code__in=[c for c in codes if c])}
    districts = {d.code: d for d in District.objects.all()}
    seen: dict[str, int] = {}
    planned = []
    for (number, values), code in zip(rows, codes):
        if code is None:
            continue
        if code in seen:
            report.add(number, "credit_code", _("与第 %(n)d 行的信用代码重复") % {"n": seen[code]})
            continue
        if code:
            seen[code] = number
        row = _registry_row(
            number, values, code, report=report, districts=districts, existing=existing, own_district=own_district
        )
        if row is not None:
            planned.append(row)
    if not report.ok:
        return report
    with transaction.atomic():
        for row in planned:
            _registry_save(row, user=user, file_name=file_name, request=request, report=report)
    return report


# --- the schedule (sessions) import -------------------------------------------------------------------------

SESSION_COLUMNS = [
    tabular.Column("course", "课程编号", "本平台中的课程编号（见机构页面）"),
    tabular.Column("site", "场所编号", "线下课必填：本机构已登记的场所编号；线上课留空"),
    tabular.Column("starts_at", "开始时间", "YYYY-MM-DD HH:MM，北京时间"),
    tabular.Column("ends_at", "结束时间", "YYYY-MM-DD HH:MM，北京时间"),
    tabular.Column("mode", "授课方式", "线上 / 线下；留空则按课程"),
    tabular.Column(
        "class_group", "班次", "可选：同一课程分几个班上课时填写班次名称；留空表示该课程只有一个班", required=False
    ),
]


def _class_group(value) -> str:
    return cells.parse_text(value, max_length=Session._meta.get_field("class_group").max_length)


_SESSION_PARSERS = {
    "course": _int_id,
    "site": _int_id,
    "starts_at": _datetime,
    "ends_at": _datetime,
    "mode": _choice(SessionMode, default=""),
    "class_group": _class_group,
}


def _session_cells(number, values, report) -> dict:
    """A schedule row's cells parsed; a key is missing when its cell is bad (the error is in ``report``)."""
    row = {"number": number}
    for key, parser in _SESSION_PARSERS.items():
        try:
            row[key] = parser(values.get(key))
        except CellError as exc:
            report.add(number, key, exc)
    if row.get("course") is None and "course" in row:
        report.add(number, "course", _("必填"))
    return row


def _session_problems(row, course, site):
    """(field, message) for what a parsed schedule row gets wrong about its course, site and times."""
    if row.get("course") and course is None:
        yield "course", _("课程编号 %(id)s 不存在或不在您的管辖范围") % {"id": row["course"]}
    if row.get("site") and site is None:
        yield "site", _("场所编号 %(id)s 不存在或不在您的管辖范围") % {"id": row["site"]}
    if course and site and site.institution_id != course.institution_id:
        yield "site", _("该场所不属于开课机构")
    mode = row.get("mode") or (course.mode if course else "")
    if mode == SessionMode.OFFLINE and not row.get("site") and "site" in row:
        yield "site", _("线下课须填写场所编号")
    starts, ends = row.get("starts_at"), row.get("ends_at")
    if starts and ends and ends <= starts:
        yield "ends_at", _("结束时间须晚于开始时间")


def _session_save(to_create, *, user, file_name: str, request) -> None:
    Session.objects.bulk_create([session for _, session in to_create], batch_size=1000)
    by_institution: dict[int, list] = {}
    for number, session in to_create:
        by_institution.setdefault(session.course.institution_id, []).append((number, session))
    for rows in by_institution.values():
        institution = rows[0][1].course.institution
        sweep_after_write(
            topic=Session,
            district_ids=[institution.district_id],
            dates={timezone.localtime(x.starts_at).date() for _, x in rows},
            reason="import",
        )
        audit_record(
            actor=user,
            action="create",
            request=request,
            district=institution.district_id,
            object_type=Session._meta.label_lower,
            object_id="",
            object_repr=f"{institution.name}：导入课次 {len(rows)} 条",  # stored text: Chinese, as all records
            detail={
                "file": file_name,
                "sessions": [
                    {
                        "row": number,
                        "id": x.pk,
                        "course": x.course_id,
                        "class_group": x.class_group,
                        "site": x.site_id,
                        "starts_at": x.starts_at,
                        "ends_at": x.ends_at,
                        "mode": x.mode,
                    }
                    for number, x in rows
                ],
            },
        )


def session_import(*, user, file, file_name: str = "", request=None) -> ImportReport:
    """Add a course schedule (sessions) for courses in the caller's scope; all rows or none. The sessions are
    recorded in the audit trail, one event per institution naming the file and each session's row."""
    if not (is_city(user) or (role_of(user) and role_of(user).role in (Role.DISTRICT, Role.INSTITUTION))):
        raise ServiceError(_("您的角色不能导入课程安排"), code="permission_denied")
    rows = tabular.read_rows(file, SESSION_COLUMNS)
    report = ImportReport()
    parsed = [_session_cells(number, values, report) for number, values in rows]
    courses = {
        c.pk: c for c in restrict(Course.objects.filter(pk__in={r["course"] for r in parsed if r.get("course")}), user)
    }
    sites = {s.pk: s for s in restrict(Site.objects.filter(pk__in={r["site"] for r in parsed if r.get("site")}), user)}
    existing = set(
        Session.objects.filter(course_id__in=list(courses))
        .filter(starts_at__in=[r["starts_at"] for r in parsed if r.get("starts_at")])
        .values_list("course_id", "class_group", "starts_at")
    )
    seen: dict[tuple, int] = {}
    to_create = []
    for row in parsed:
        number, course, site = row["number"], courses.get(row.get("course")), sites.get(row.get("site"))
        for key, message in _session_problems(row, course, site):
            report.add(number, key, message)
        starts, group = row.get("starts_at"), row.get("class_group", "")
        if course and starts:
            key = (course.pk, group, starts)
            if key in seen:
                report.add(
                    number, "starts_at", _("与第 %(n)d 行重复（同一课程同一班次同一开始时间）") % {"n": seen[key]}
                )
            else:
                seen[key] = number
            if key in existing:
                report.add(number, "starts_at", _("该课程的这一班次在此时间已有课次"))
        if report.ok:
            mode = row.get("mode") or (course.mode if course else "")
            session = Session(
                course=course, class_group=group, site=site, starts_at=starts, ends_at=row.get("ends_at"), mode=mode
            )
            to_create.append((number, session))
    if not report.ok:
        return report
    with transaction.atomic():
        _session_save(to_create, user=user, file_name=file_name, request=request)
    report.created = len(to_create)
    return report
