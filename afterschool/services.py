"""Writes of the after-school app: daily reports, programmes, activities, the district's selected providers.

Every write validates the same way whether it comes from a page or the API,
saves all or nothing, and asks the compliance engine for a sweep of just the
schools and dates it touched once the transaction has committed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import AuditAction
from accounts.scoping import restrict
from institutions.choices import Category
from periods.closing import AFTERSCHOOL, DayClosedError, closing_for
from schools.calendar import CalendarGap, DayKind, SchoolCalendar
from schools.choices import Stage
from schools.models import School, Term
from shuangjian.errors import ServiceError

from .choices import ProviderKind
from .models import Activity, DailyReport, Programme, ProviderSelection

REPORT_FIELDS = (
    "school",
    "date",
    "pe_minutes",
    "stage1_minutes",
    "end_time",
    "enrolled",
    "participants",
    "new_lessons",
    "compulsory",
    "extended_care",
)
MAX_MINUTES = 720
MAX_PEOPLE = 100_000
MAX_ROWS = 5_000


def _request_sweep(*, school_ids, dates) -> None:
    """Inside the write's transaction: the request is stored with it and sent after commit."""
    from compliance.services import sweep_request

    sweep_request(school_ids=sorted(set(school_ids)), dates=sorted(set(dates)), reason="afterschool")


def _row_label(i: int) -> str:
    return f"row {i + 1}"


def _school_pk(row: Mapping[str, Any]) -> Any:
    """The id a report row names its school by: ``school`` holds a School or its id (None when absent)."""
    school = row.get("school")
    return getattr(school, "pk", school)


def _count_errors(row: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(field, message) for each minutes or head count out of range, and participants above enrolment."""
    for f in ("pe_minutes", "stage1_minutes"):
        v = row.get(f)
        if v is not None and v < 0:
            yield f, _("分钟数不能为负数")
        elif v is not None and v > MAX_MINUTES:
            yield f, _("分钟数不能超过 %(n)d") % {"n": MAX_MINUTES}
    for f in ("enrolled", "participants"):
        v = row.get(f)
        if v is not None and v < 0:
            yield f, _("人数不能为负数")
        elif v is not None and v > MAX_PEOPLE:
            yield f, _("人数过大")
    enrolled, participants = row.get("enrolled"), row.get("participants")
    if enrolled is not None and participants is not None and 0 <= enrolled < participants:
        yield "participants", _("参加人数（%(p)d）不能多于报名人数（%(e)d）") % {"p": participants, "e": enrolled}


def _date_errors(
    day: dt.date, *, school: School | None, calendars: dict[int, SchoolCalendar], today: dt.date
) -> list[str]:
    """The messages for a report's date: not in the future, and a school day on its school's calendar."""
    if day > today:
        return [_("不能填报未来的日期")]
    if school is None:
        return []
    calendar = calendars.setdefault(school.district_id, SchoolCalendar(school.district_id))
    try:
        info = calendar.day(day)
    except CalendarGap as gap:
        return [gap.message]
    if info.is_school_day:
        return []
    return [
        _("%(date)s 不是上学日（%(kind)s），无需填报课后服务")
        % {"date": day.isoformat(), "kind": DayKind.DISPLAY[info.kind]}
    ]


def _check_report_row(
    row: Mapping[str, Any], *, schools: dict[int, School], calendars: dict[int, SchoolCalendar], today: dt.date
) -> dict[str, list[str]]:
    """The field errors of one report row (empty when it is fine)."""
    errors: dict[str, list[str]] = defaultdict(list)
    for f in REPORT_FIELDS:
        if row.get(f) is None:
            errors[f].append(_("必填"))
    school_id = _school_pk(row)
    school = schools.get(school_id) if school_id is not None else None
    if school_id is not None and school is None:
        errors["school"].append(_("学校不存在或不在您的管辖范围内"))
    for f, message in _count_errors(row):
        errors[f].append(message)
    day = row.get("date")
    if day is not None and (messages := _date_errors(day, school=school, calendars=calendars, today=today)):
        errors["date"].extend(messages)
    return dict(errors)


def report_file(*, user, reports: list[dict]) -> list[DailyReport]:
    """File one or more daily reports; all are saved or none. Re-filing a school and date replaces it.

    ``reports`` holds dicts with the contract's fields; ``school`` is a School or its id and must be in
    the caller's scope. Errors name the row (``"row N"``, counted from 1) and the field.
    """
    if not reports:
        raise ServiceError(_("没有需要填报的日报"), fields={"non_field_errors": [_("列表为空")]})
    if len(reports) > MAX_ROWS:
        raise ServiceError(_("一次最多填报 %(n)d 条") % {"n": MAX_ROWS}, fields={"non_field_errors": [_("条数过多")]})
    ids = {pk for r in reports if (pk := _school_pk(r)) is not None}
    schools = {s.pk: s for s in restrict(School.objects.filter(pk__in=ids), user)}
    calendars: dict[int, SchoolCalendar] = {}
    today = timezone.localdate()
    errors: dict[str, dict] = {}
    seen: dict[tuple, int] = {}
    # the closing times of every date of the request: one query (``periods.closing``)
    closing = closing_for(AFTERSCHOOL, {r.get("date") for r in reports if isinstance(r.get("date"), dt.date)})
    closed = False
    for i, row in enumerate(reports):
        row_errors = _check_report_row(row, schools=schools, calendars=calendars, today=today)
        day = row.get("date")
        if not row_errors.get("date") and isinstance(day, dt.date) and closing.is_closed(day):
            row_errors.setdefault("date", []).append(closing.message(day))
            closed = True
        key = (_school_pk(row), row.get("date"))
        if None not in key:
            if key in seen:
                row_errors.setdefault("date", []).append(_("与第 %(n)d 行是同一学校同一天") % {"n": seen[key] + 1})
            else:
                seen[key] = i
        if row_errors:
            errors[_row_label(i)] = row_errors
    if errors:
        if closed:
            raise DayClosedError(_("日报的日期已关闭，未保存任何数据：已关闭的日期只能通过更正申请修改"), fields=errors)
        raise ServiceError(_("日报有误，未保存任何数据，请按提示修改后重新提交"), fields=errors)

    now = timezone.now()
    objs = [
        DailyReport(
            school_id=getattr(r["school"], "pk", r["school"]),
            date=r["date"],
            pe_minutes=r["pe_minutes"],
            stage1_minutes=r["stage1_minutes"],
            end_time=r["end_time"],
            enrolled=r["enrolled"],
            participants=r["participants"],
            new_lessons=r["new_lessons"],
            compulsory=r["compulsory"],
            extended_care=r["extended_care"],
            filed_at=now,
            first_filed_at=now,
            filed_by=user if getattr(user, "is_authenticated", False) else None,
        )
        for r in reports
    ]
    existing = set(
        DailyReport.objects.filter(
            school_id__in={o.school_id for o in objs}, date__in={o.date for o in objs}
        ).values_list("school_id", "date")
    )
    with transaction.atomic():
        DailyReport.objects.bulk_create(
            objs,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["school", "date"],
            update_fields=[
                "pe_minutes",
                "stage1_minutes",
                "end_time",
                "enrolled",
                "participants",
                "new_lessons",
                "compulsory",
                "extended_care",
                "filed_at",
                "filed_by",
            ],
        )
        _request_sweep(school_ids=[o.school_id for o in objs], dates=[o.date for o in objs])
        district_ids = {schools[o.school_id].district_id for o in objs}
        audit_record(
            actor=user,
            action=AuditAction.CREATE,
            object_type="afterschool.dailyreport",
            object_repr=f"课后服务日报填报：{len(objs)} 个学校日",
            district=next(iter(district_ids)) if len(district_ids) == 1 else None,
            detail={
                "filing": "afterschool",
                "school_days": sorted([o.school_id, o.date.isoformat()] for o in objs),
                "reports_before": len(existing),
                "reports_after": len(objs),
            },
        )
    saved = DailyReport.objects.filter(school_id__in={o.school_id for o in objs}, date__in={o.date for o in objs})
    wanted = set(seen)
    return sorted(
        (r for r in saved.select_related("school") if (r.school_id, r.date) in wanted),
        key=lambda r: (r.date, r.school_id),
    )


# -- programmes and activities ----------------------------------------------


def _programme_sweep(programme: Programme) -> None:
    # the term-level findings (AS-8-CARE, AS-10-PROVIDER) are dated by the term's first day
    _request_sweep(school_ids=[programme.school_id], dates=[programme.term.starts_on])


def _scoped_school(user, school) -> School:
    if not restrict(School.objects.filter(pk=getattr(school, "pk", school)), user).exists():
        raise ServiceError(_("学校不存在或不在您的管辖范围内"), fields={"school": [_("不在您的管辖范围内")]})
    return school if isinstance(school, School) else School.objects.get(pk=school)


def programme_save(
    *, user, school, term, extended_care: bool = False, evening_self_study: bool = False, note: str = ""
) -> Programme:
    """Create or update the school's programme for a term."""
    school = _scoped_school(user, school)
    if term.district_id not in (None, school.district_id):
        raise ServiceError(_("该学期不属于本校所在区"), fields={"term": [_("学期与学校不在同一区")]})
    if term.district_id is None:
        own = Term.objects.filter(
            district_id=school.district_id, academic_year=term.academic_year, name=term.name
        ).first()
        if own is not None:
            raise ServiceError(
                _("本区另定了该学期的起止日期，请选择本区的学期"),
                fields={"term": [_("请使用本区的学期（编号 %(id)d）") % {"id": own.pk}]},
            )
    if evening_self_study and school.stage == Stage.PRIMARY:
        raise ServiceError(_("晚自习只适用于有初中年级的学校"), fields={"evening_self_study": [_("小学不设晚自习")]})
    with transaction.atomic():
        programme, _created = Programme.objects.update_or_create(
            school=school,
            term=term,
            defaults={"extended_care": extended_care, "evening_self_study": evening_self_study, "note": note},
        )
        _programme_sweep(programme)
    return programme


def programme_update(*, user, programme: Programme, **changes) -> Programme:
    """Change a programme's content. Its school decides who sees it, so it is not changed here: saving another
    school's term would overwrite that school's programme and leave this one as it was."""
    _scoped_school(user, programme.school)
    school = changes.get("school", programme.school)
    if getattr(school, "pk", school) != programme.school_id:
        raise ServiceError(
            _("课后服务方案的学校不能修改：请为该校另行填报方案"),
            code="out_of_scope",
            fields={"school": [_("不可修改")]},
        )
    values = {
        "extended_care": programme.extended_care,
        "evening_self_study": programme.evening_self_study,
        "note": programme.note,
        **changes,
    }
    return programme_save(
        user=user,
        school=changes.get("school", programme.school),
        term=changes.get("term", programme.term),
        extended_care=values["extended_care"],
        evening_self_study=values["evening_self_study"],
        note=values["note"],
    )


def _check_provider(provider_kind: str, institution) -> None:
    if provider_kind == ProviderKind.INSTITUTION and institution is None:
        raise ServiceError(_("提供方为校外机构时必须选择机构"), fields={"institution": [_("必填")]})
    if provider_kind != ProviderKind.INSTITUTION and institution is not None:
        raise ServiceError(_("只有提供方为校外机构时才能选择机构"), fields={"institution": [_("应为空")]})


def activity_create(
    *, user, programme: Programme, name: str, kind: str, provider_kind: str, institution=None, provider_name: str = ""
) -> Activity:
    """Add an activity to a programme's menu."""
    _scoped_school(user, programme.school)
    _check_provider(provider_kind, institution)
    with transaction.atomic():
        activity = Activity.objects.create(
            programme=programme,
            name=name,
            kind=kind,
            provider_kind=provider_kind,
            institution=institution,
            provider_name=provider_name,
        )
        _programme_sweep(programme)
    return activity


def activity_update(*, user, activity: Activity, **changes) -> Activity:
    """Change an activity. Moving it to another programme (another school's menu) needs the caller to administer
    both schools and is recorded in the audit trail; both programmes are swept again."""
    from accounts.audit import audit_record

    old = activity.programme
    programme = changes.get("programme", old)
    _scoped_school(user, old.school)
    _scoped_school(user, programme.school)
    for field, value in changes.items():
        setattr(activity, field, value)
    _check_provider(activity.provider_kind, activity.institution)
    with transaction.atomic():
        activity.save()
        _programme_sweep(programme)
        if programme.pk != old.pk:
            _programme_sweep(old)
            audit_record(
                actor=user,
                action="update",
                obj=activity,
                district=programme.school.district_id,
                detail={
                    "move": {
                        "field": "programme",
                        "from": old.pk,
                        "to": programme.pk,
                        "from_school": old.school_id,
                        "to_school": programme.school_id,
                    }
                },
            )
    return activity


def activity_delete(*, user, activity: Activity) -> None:
    programme = activity.programme
    _scoped_school(user, programme.school)
    with transaction.atomic():
        activity.delete()
        _programme_sweep(programme)


# -- the district's selected providers ----------------------------------------


def provider_selection_create(
    *, user, district, institution, selected_on: dt.date, valid_until: dt.date | None = None, note: str = ""
) -> ProviderSelection:
    """A district bureau adds a non-subject institution to its selected list (遴选)."""
    from schools.models import District

    if not restrict(District.objects.filter(pk=district.pk), user).exists():
        raise ServiceError(_("只能维护本区的遴选名单"), fields={"district": [_("不在您的管辖范围内")]})
    if institution.category == Category.SUBJECT:
        raise ServiceError(_("学科类机构不得进入课后服务"), fields={"institution": [_("学科类机构不能遴选")]})
    if valid_until is not None and valid_until < selected_on:
        raise ServiceError(_("有效期不能早于遴选日期"), fields={"valid_until": [_("早于遴选日期")]})
    try:
        with transaction.atomic():
            selection = ProviderSelection.objects.create(
                district=district, institution=institution, selected_on=selected_on, valid_until=valid_until, note=note
            )
            _selection_sweep(selection)
    except IntegrityError as exc:
        raise ServiceError(
            _("该机构在这一日期已被本区遴选"), code="conflict", fields={"institution": [_("重复遴选")]}
        ) from exc
    return selection


def provider_selection_update(
    *, user, selection: ProviderSelection, valid_until: dt.date | None, note: str | None = None
) -> ProviderSelection:
    """Change when a selection ends (withdraw it) or its note."""
    if valid_until is not None and valid_until < selection.selected_on:
        raise ServiceError(_("有效期不能早于遴选日期"), fields={"valid_until": [_("早于遴选日期")]})
    selection.valid_until = valid_until
    if note is not None:
        selection.note = note
    with transaction.atomic():
        selection.save(update_fields=["valid_until", "note"])
        _selection_sweep(selection)
    return selection


def _selection_sweep(selection: ProviderSelection) -> None:
    """Re-check the programmes that use this institution in the district's schools."""
    rows = list(
        Programme.objects.filter(
            school__district_id=selection.district_id, activities__institution_id=selection.institution_id
        )
        .values_list("school_id", "term__starts_on")
        .distinct()
    )
    if rows:
        _request_sweep(school_ids=[s for s, _d in rows], dates=[d for _s, d in rows])
