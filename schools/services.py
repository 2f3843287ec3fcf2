"""Writes for schools and classes: registering them, changing them, and moving one to another district or school.

The district of a school and the school of a class decide who sees them and everything filed under them (the
scoping of ``accounts.scoping``). Changing one is therefore a move, not an edit: it needs a caller whose scope
covers both the old and the new owner (only city staff cover two districts; district staff may move a class between
two schools of their own district; a school may not move a class out of itself), it carries along the rows that
store the owner themselves, and it is recorded in the audit trail with the old and new owner.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.choices import Role
from accounts.scoping import is_city, role_of
from shuangjian.errors import ConflictError, ServiceError

from .models import District, School, SchoolClass

#: a school's fields anyone who may edit the school may change; ``district`` is a move (``school_move``)
SCHOOL_FIELDS = ("name", "code", "stage", "boarding")
#: a class's fields anyone who may edit the class may change; ``school`` is a move (``school_class_move``)
CLASS_FIELDS = ("academic_year", "grade", "name", "headcount")


# --- who administers what -------------------------------------------------------------------------------------


def administers_district(user, district_id) -> bool:
    """City staff administer every district; district staff their own."""
    if is_city(user):
        return True
    profile = role_of(user)
    return bool(profile and profile.role == Role.DISTRICT and profile.district_id == district_id)


def administers_school(user, school: School) -> bool:
    """Who administers a school's district, and the school's own staff."""
    if administers_district(user, school.district_id):
        return True
    profile = role_of(user)
    return bool(profile and profile.role == Role.SCHOOL and profile.school_id == school.pk)


def _values(instance, names) -> dict:
    return {name: getattr(instance, name) for name in names}


def _changes(before: dict, after: dict) -> dict:
    return {name: {"from": before[name], "to": after[name]} for name in before if before[name] != after[name]}


def _stats_follow(*, district_ids, dates) -> None:
    """The dashboards' per-district sums of these districts and dates are rebuilt after commit."""
    if not dates:
        return
    from dashboards.services import stats_refresh_later

    stats_refresh_later(district_ids=sorted(district_ids), date_from=min(dates), date_to=max(dates))


# --- schools -----------------------------------------------------------------------------------------------


def school_create(*, user, district, name, code, stage, boarding=False) -> School:
    """District staff create schools in their own district only; city staff anywhere."""
    if not is_city(user):
        profile = role_of(user)
        if profile is None or profile.district_id != district.pk:
            raise ServiceError(
                "只能在本区登记学校 / you may only register schools in your own district",
                fields={"district": ["不在您的管辖范围"]},
            )
    return School.objects.create(district=district, name=name, code=code, stage=stage, boarding=boarding)


@transaction.atomic
def school_update(*, user, school: School, request=None, **fields) -> School:
    """Change a school's registration; a new ``district`` goes through ``school_move`` (city staff only)."""
    unknown = set(fields) - {*SCHOOL_FIELDS, "district"}
    if unknown:
        raise ServiceError(_("这些字段不能修改"), fields={name: [_("不可修改")] for name in sorted(unknown)})
    if not administers_district(user, school.district_id):
        raise ServiceError(
            _("学校不在您的管辖范围内"), code="permission_denied", fields={"district": [_("不在您的管辖范围")]}
        )
    district = fields.pop("district", None)
    if district is not None and district.pk != school.district_id:
        school = school_move(user=user, school=school, district=district, request=request)
    before = _values(school, SCHOOL_FIELDS)
    for name, value in fields.items():
        setattr(school, name, value)
    changes = _changes(before, _values(school, SCHOOL_FIELDS))
    if changes:
        school.save(update_fields=list(changes))
        audit_record(actor=user, action="update", obj=school, request=request, detail={"changes": changes})
    return school


def school_move_check(*, user, school: School, district: District) -> None:
    """Raise the ``ServiceError`` that refuses moving ``school`` (as stored) to ``district``, if any."""
    if not (administers_district(user, school.district_id) and administers_district(user, district.pk)):
        raise ServiceError(
            _("只有市教委工作人员可以把学校划转到其他区"),
            code="out_of_scope",
            fields={
                "district": [
                    _("划转学校须同时管辖原区（%(old)s）和新区（%(new)s）")
                    % {"old": school.district.name, "new": district.name}
                ]
            },
        )


@transaction.atomic
def school_move(*, user, school: School, district: District, request=None) -> School:
    """Move a school to another district (学校划转): city staff only, since only they administer both districts.

    What moves with it: the dashboards' rows of the school (class-days and after-school days, then the
    per-district sums of both districts are rebuilt), its findings still being dealt with (open, notified,
    rectifying: the new district follows them up), and the district on its staff accounts. Findings already
    closed (rectified, dismissed, cleared) stay with the district that closed them: they are its record.
    Complaints keep the district they were routed to (a complaint is rerouted on its own, with a reason).
    """
    from accounts.models import Profile
    from compliance.choices import ACTIVE_STATUSES
    from compliance.models import Finding
    from dashboards.models import ClassDayStat, SchoolDayStat

    locked = School.objects.select_for_update().select_related("district").get(pk=school.pk)
    old = locked.district
    if district.pk == old.pk:
        return locked
    school_move_check(user=user, school=locked, district=district)
    locked.district = district
    locked.save(update_fields=["district"])
    dates = set(ClassDayStat.objects.filter(school=locked).values_list("date", flat=True).distinct())
    dates |= set(SchoolDayStat.objects.filter(school=locked).values_list("date", flat=True).distinct())
    ClassDayStat.objects.filter(school=locked).update(district=district)
    SchoolDayStat.objects.filter(school=locked).update(district=district)
    findings = Finding.objects.filter(school=locked, status__in=ACTIVE_STATUSES).update(district=district)
    accounts = Profile.objects.filter(school=locked, district__isnull=False).update(district=district)
    _stats_follow(district_ids={old.pk, district.pk}, dates=dates)
    audit_record(
        actor=user,
        action="update",
        obj=locked,
        district=district,
        request=request,
        detail={
            "changes": {"district": {"from": old.code, "to": district.code}},
            "move": {
                "field": "district",
                "from": old.code,
                "to": district.code,
                "active_findings": findings,
                "staff_accounts": accounts,
            },
        },
    )
    school.district = district
    return locked


# --- classes -----------------------------------------------------------------------------------------------


@transaction.atomic
def school_class_update(*, user, school_class: SchoolClass, request=None, **fields) -> SchoolClass:
    """Change a class; a new ``school`` goes through ``school_class_move``."""
    unknown = set(fields) - {*CLASS_FIELDS, "school"}
    if unknown:
        raise ServiceError(_("这些字段不能修改"), fields={name: [_("不可修改")] for name in sorted(unknown)})
    if not administers_school(user, school_class.school):
        raise ServiceError(
            _("班级不在您的管辖范围内"), code="permission_denied", fields={"school": [_("不在您的管辖范围")]}
        )
    school = fields.pop("school", None)
    if school is not None and school.pk != school_class.school_id:
        school_class = school_class_move(user=user, school_class=school_class, school=school, request=request)
    before = _values(school_class, CLASS_FIELDS)
    for name, value in fields.items():
        setattr(school_class, name, value)
    changes = _changes(before, _values(school_class, CLASS_FIELDS))
    if changes:
        school_class.save(update_fields=list(changes))
        audit_record(actor=user, action="update", obj=school_class, request=request, detail={"changes": changes})
    return school_class


def school_class_move_check(*, user, school_class: SchoolClass, school: School) -> None:
    """Raise the ``ServiceError`` that refuses moving ``school_class`` (as stored) to ``school``, if any."""
    old = school_class.school
    if not (administers_school(user, old) and administers_school(user, school)):
        raise ServiceError(
            _("只能在您管辖的学校之间调整班级：须同时管辖原学校（%(old)s）和新学校") % {"old": old.name},
            code="out_of_scope",
            fields={"school": [_("不在您的管辖范围")]},
        )
    if school_class.grade not in school.grades:
        raise ServiceError(
            _("%(school)s没有%(grade)d年级") % {"school": school.name, "grade": school_class.grade},
            fields={"school": [_("学段与班级年级不符")]},
        )
    if SchoolClass.objects.filter(
        school=school, academic_year=school_class.academic_year, grade=school_class.grade, name=school_class.name
    ).exists():
        raise ConflictError(
            _("%(school)s本学年已有同名班级“%(name)s”") % {"school": school.name, "name": school_class.name},
            fields={"name": [_("该校本学年已有同名班级")]},
        )


@transaction.atomic
def school_class_move(*, user, school_class: SchoolClass, school: School, request=None) -> SchoolClass:
    """Move a class to another school (班级登记在错误的学校时更正), with its homework, in one transaction.

    The caller must administer both schools: district staff within their district, city staff anywhere; a school
    cannot move a class out of itself. The class's homework items, filing days and surveys, and its dashboard
    class-days, go with it. Findings stay with the school they were raised against (they are that school's
    record); a sweep of both schools over the class's filed dates is requested, which clears the old school's
    active findings about the class and raises what still applies against the new school.
    """
    from compliance.services import sweep_request
    from dashboards.models import ClassDayStat
    from homework.services import homework_move_class

    locked = SchoolClass.objects.select_for_update().select_related("school__district").get(pk=school_class.pk)
    old = locked.school
    if school.pk == old.pk:
        return locked
    school_class_move_check(user=user, school_class=locked, school=school)
    locked.school = school
    locked.save(update_fields=["school"])
    moved = homework_move_class(school_class_id=locked.pk, school_id=school.pk)
    stats = ClassDayStat.objects.filter(school_class=locked)
    dates = moved.dates | set(stats.values_list("date", flat=True).distinct())
    stats.update(school=school, district_id=school.district_id, stage=school.stage)
    _stats_follow(district_ids={old.district_id, school.district_id}, dates=dates)
    sweep_request(school_ids=[old.pk, school.pk], dates=moved.dates, reason="class_move")
    audit_record(
        actor=user,
        action="update",
        obj=locked,
        district=school.district_id,
        request=request,
        detail={
            "changes": {"school": {"from": old.pk, "to": school.pk}},
            "move": {
                "field": "school",
                "from": old.pk,
                "to": school.pk,
                "from_name": old.name,
                "to_name": school.name,
                "from_district": old.district.code,
                "to_district": school.district.code,
                **moved.as_dict(),
            },
        },
    )
    school_class.school = school
    return locked
