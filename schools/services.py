"""Writes for schools and classes: registering them, changing them, and moving one to another district or school;
and the statutory holiday years city staff enter for the calendar (``statutory_year_save``).

The district of a school and the school of a class decide who sees them and everything filed under them (the
scoping of ``accounts.scoping``). Changing one is therefore a move, not an edit: it needs a caller whose scope
covers both the old and the new owner (only city staff cover two districts; district staff may move a class between
two schools of their own district; a school may not move a class out of itself), it carries along the rows that
store the owner themselves, and it is recorded in the audit trail with the old and new owner.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import chinese_calendar
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import audit_record
from accounts.choices import Role
from accounts.scoping import is_city, role_of
from shuangjian.errors import ConflictError, ServiceError

from .calendar import package_covers
from .choices import StatutoryDayKind
from .models import District, School, SchoolClass, StatutoryDay, StatutoryYear, Term

if TYPE_CHECKING:
    from compliance.models import ComplianceRun

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


# --- statutory holiday years (法定节假日年度) -----------------------------------------------------------------

#: the years a statutory year may be entered for
STATUTORY_YEAR_MIN, STATUTORY_YEAR_MAX = 2000, 2100
#: the longest run of holidays one line may give: the longest statutory break (Spring Festival, National Day) is
#: eight or nine days, so a longer range is a typing error (a wrong month) that would silently empty weeks of school
HOLIDAY_RANGE_MAX_DAYS = 15
NAME_MAX = cast(int, StatutoryDay._meta.get_field("name").max_length)
_DATE = r"\d{4}-\d{1,2}-\d{1,2}"
#: ``2027-01-01 元旦`` or ``2027-02-11~2027-02-17 春节`` (a full-width ～ or 至 also separates a range; the space
#: before the name may be left out)
HOLIDAY_LINE = re.compile(rf"^(?P<start>{_DATE})(?:\s*[~～至]\s*(?P<end>{_DATE}))?(?:\s*(?P<name>[^\d\s~～].*))?$")
#: ``2027-02-07``, optionally with a note (``2027-02-07 春节调休``)
MAKEUP_LINE = re.compile(rf"^(?P<date>{_DATE})(?:\s*(?P<name>[^\d\s~～].*))?$")
WEEKDAYS = (
    gettext_lazy("星期一"),
    gettext_lazy("星期二"),
    gettext_lazy("星期三"),
    gettext_lazy("星期四"),
    gettext_lazy("星期五"),
    gettext_lazy("星期六"),
    gettext_lazy("星期日"),
)


class _LineError(Exception):
    pass


@dataclass(frozen=True)
class StatutoryEntry:
    """One day of a statutory year as typed: the line it came from, its date and its name."""

    line: int
    date: dt.date
    name: str


def _lines(text: str):
    """(line number as the user sees it, stripped text) for every non-blank line."""
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.replace("\u3000", " ").strip()
        if line:
            yield number, line


def _date_in_year(token: str, *, year: int) -> dt.date:
    try:
        y, m, d = (int(part) for part in token.split("-"))
        day = dt.date(y, m, d)
    except ValueError:
        raise _LineError(
            _("“%(token)s”不是有效日期（写成 年-月-日，例如 %(year)d-01-01）") % {"token": token, "year": year}
        ) from None
    if day.year != year:
        raise _LineError(_("%(date)s 不在 %(year)d 年内") % {"date": day.isoformat(), "year": year})
    return day


def _name(name: str | None) -> str:
    name = (name or "").strip()
    if len(name) > NAME_MAX:
        raise _LineError(_("名称最多 %(max)d 个字") % {"max": NAME_MAX})
    return name


def _holiday_line(line: str, *, year: int) -> tuple[list[dt.date], str]:
    """The days and the name of one holiday line."""
    match = HOLIDAY_LINE.match(line)
    if match is None:
        raise _LineError(
            _("“%(text)s”无法识别，请写成“%(year)d-01-01 元旦”或“%(year)d-02-11~%(year)d-02-17 春节”")
            % {"text": line, "year": year}
        )
    start = _date_in_year(match["start"], year=year)
    end = _date_in_year(match["end"], year=year) if match["end"] else start
    if end < start:
        raise _LineError(
            _("结束日期 %(end)s 早于开始日期 %(start)s") % {"start": start.isoformat(), "end": end.isoformat()}
        )
    span = (end - start).days + 1
    if span > HOLIDAY_RANGE_MAX_DAYS:
        raise _LineError(
            _("%(start)s~%(end)s 共 %(days)d 天，一段节假日最长 %(max)d 天")
            % {"start": start.isoformat(), "end": end.isoformat(), "days": span, "max": HOLIDAY_RANGE_MAX_DAYS}
        )
    name = _name(match["name"])
    if not name:
        raise _LineError(_("请在日期后写上节日名称，例如“%(date)s 元旦”") % {"date": start.isoformat()})
    return [start + dt.timedelta(days=i) for i in range(span)], name


def _makeup_line(line: str, *, year: int) -> tuple[dt.date, str]:
    match = MAKEUP_LINE.match(line)
    if match is None:
        raise _LineError(_("“%(text)s”无法识别，请每行写一个日期，例如“%(year)d-02-07”") % {"text": line, "year": year})
    return _date_in_year(match["date"], year=year), _name(match["name"])


def _at(number: int, message: str) -> str:
    return _("第 %(line)d 行：%(message)s") % {"line": number, "message": message}


def statutory_lines_parse(
    *, year: int, holidays: str, makeup_days: str
) -> tuple[list[StatutoryEntry], list[StatutoryEntry]]:
    """The holidays and make-up working days of ``year`` as typed, one per line, checked together.

    Holiday lines are ``2027-01-01 元旦`` or a range ``2027-02-11~2027-02-17 春节``; make-up lines a date each
    (``2027-02-07``, a note may follow). Every problem is reported, each naming its line (as the user numbers
    them, blank lines counted): a bad format or date, a date outside the year, a date listed twice, a date both a
    holiday and a make-up day, a make-up day that is not a Saturday or Sunday. Raises ``ServiceError`` with the
    messages under ``holidays`` and ``makeup_days``.
    """
    errors: dict[str, list[str]] = {}
    holiday_entries: list[StatutoryEntry] = []
    holiday_lines: dict[dt.date, int] = {}
    for number, line in _lines(holidays):
        try:
            days, name = _holiday_line(line, year=year)
        except _LineError as exc:
            errors.setdefault("holidays", []).append(_at(number, str(exc)))
            continue
        for day in days:
            if day in holiday_lines:
                errors.setdefault("holidays", []).append(
                    _at(number, _("%(date)s 已在第 %(other)d 行列出") % {"date": day, "other": holiday_lines[day]})
                )
                continue
            holiday_lines[day] = number
            holiday_entries.append(StatutoryEntry(line=number, date=day, name=name))
    makeup_entries: list[StatutoryEntry] = []
    makeup_lines: dict[dt.date, int] = {}
    for number, line in _lines(makeup_days):
        try:
            day, name = _makeup_line(line, year=year)
            if day in holiday_lines:
                raise _LineError(
                    _("%(date)s 已在节假日第 %(other)d 行列为节假日，不能同时是调休上班日")
                    % {"date": day.isoformat(), "other": holiday_lines[day]}
                )
            if day in makeup_lines:
                raise _LineError(_("%(date)s 已在第 %(other)d 行列出") % {"date": day, "other": makeup_lines[day]})
            if day.weekday() < 5:
                raise _LineError(
                    _("%(date)s 是%(weekday)s，调休上班日应是周六或周日")
                    % {"date": day.isoformat(), "weekday": WEEKDAYS[day.weekday()]}
                )
        except _LineError as exc:
            errors.setdefault("makeup_days", []).append(_at(number, str(exc)))
            continue
        makeup_lines[day] = number
        makeup_entries.append(StatutoryEntry(line=number, date=day, name=name))
    if not holiday_entries and "holidays" not in errors:
        errors["holidays"] = [_("请至少录入一个节假日，例如“%(year)d-01-01 元旦”") % {"year": year}]
    if errors:
        raise ServiceError(_("节假日安排有误，请按提示修改后再保存"), fields=errors)
    return holiday_entries, makeup_entries


@dataclass(frozen=True)
class StatutoryYearSaved:
    """What ``statutory_year_save`` did: the year, whether it replaced an entered year, and the run that re-checks
    the year's days already past (None when none are)."""

    year: StatutoryYear
    replaced: bool
    run: ComplianceRun | None


def statutory_year_save(
    *, user, year: int, source: str, holidays: str, makeup_days: str = "", request=None
) -> StatutoryYearSaved:
    """Enter a year's statutory holidays and make-up working days (法定节假日和调休安排), city staff only.

    The year's entered days are replaced as a whole in one transaction (editing a year is typing it again, so a
    day left out is no longer a holiday), and the change is in the audit trail. For a year the package covers the
    entered days replace the package's. Once the year is known the calendar stops raising ``CalendarGap`` for it;
    if some of its days are already past (the year was entered late, or corrected), a sweep of every district over
    them up to yesterday is started, so the days the schedule could not check, or checked on the wrong calendar,
    are checked now.
    """
    if not is_city(user):
        raise ServiceError(
            _("只有市教委工作人员可以录入法定节假日"), code="permission_denied", fields={"year": [_("无权录入")]}
        )
    if not STATUTORY_YEAR_MIN <= year <= STATUTORY_YEAR_MAX:
        raise ServiceError(
            _("年份应在 %(min)d 到 %(max)d 之间") % {"min": STATUTORY_YEAR_MIN, "max": STATUTORY_YEAR_MAX},
            fields={"year": [_("年份超出范围")]},
        )
    source = (source or "").strip()
    if not source:
        raise ServiceError(
            _("请写明依据"),
            fields={"source": [_("例如：国务院办公厅关于%(year)d年部分节假日安排的通知") % {"year": year}]},
        )
    holiday_entries, makeup_entries = statutory_lines_parse(year=year, holidays=holidays, makeup_days=makeup_days)
    try:
        with transaction.atomic():
            return _statutory_year_write(
                user=user,
                year=year,
                source=source,
                holidays=holiday_entries,
                makeup=makeup_entries,
                request=request,
            )
    except IntegrityError:  # another person entered the same year at the same moment
        raise ConflictError(
            _("%(year)d 年刚被他人录入，请刷新页面后再修改") % {"year": year}, fields={"year": [_("该年度已录入")]}
        ) from None


def _statutory_year_write(*, user, year, source, holidays, makeup, request) -> StatutoryYearSaved:
    row = StatutoryYear.objects.select_for_update().filter(year=year).first()
    replaced = row is not None
    before = {}
    previous = _statutory_kinds(year)
    if row is None:
        row = StatutoryYear.objects.create(year=year, source=source)
    else:
        before = {
            "source": row.source,
            "holidays": row.days.filter(kind=StatutoryDayKind.HOLIDAY).count(),
            "makeup_days": row.days.filter(kind=StatutoryDayKind.MAKEUP).count(),
        }
        row.source = source
        row.save(update_fields=["source"])
        row.days.all().delete()
    StatutoryDay.objects.bulk_create(
        [StatutoryDay(year=row, date=e.date, kind=StatutoryDayKind.HOLIDAY, name=e.name) for e in holidays]
        + [StatutoryDay(year=row, date=e.date, kind=StatutoryDayKind.MAKEUP, name=e.name) for e in makeup]
    )
    audit_record(
        actor=user,
        action="update" if replaced else "create",
        obj=row,
        request=request,
        detail={
            "year": year,
            "source": source,
            "holidays": [f"{e.date.isoformat()} {e.name}" for e in holidays],
            "makeup_days": [f"{e.date.isoformat()} {e.name}".strip() for e in makeup],
            **({"replaced": before} if replaced else {}),
        },
    )
    current: dict[dt.date, str] = {e.date: StatutoryDayKind.HOLIDAY for e in holidays}
    current.update({e.date: StatutoryDayKind.MAKEUP for e in makeup})
    changed_from: dt.date | None
    if previous is None:  # the year was a gap: none of its days could be checked
        changed_from = dt.date(year, 1, 1)
    else:
        changed = {d for d in previous.keys() | current.keys() if previous.get(d) != current.get(d)}
        changed_from = min(changed, default=None)
    run = _sweep_past_days(user=user, first=changed_from, year=year) if changed_from else None
    return StatutoryYearSaved(year=row, replaced=replaced, run=run)


def _statutory_kinds(year: int) -> dict[dt.date, str] | None:
    """The year's holidays and make-up days as the calendar knows them before the change (the entered rows, else
    the package's), or None for a year it does not know."""
    if StatutoryYear.objects.filter(year=year).exists():
        return dict(StatutoryDay.objects.filter(year__year=year).values_list("date", "kind"))
    if not package_covers(year):
        return None
    kinds: dict[dt.date, str] = {d: StatutoryDayKind.HOLIDAY for d in chinese_calendar.holidays if d.year == year}
    kinds.update({d: StatutoryDayKind.MAKEUP for d in chinese_calendar.workdays if d.year == year})
    return kinds


def _sweep_past_days(*, user, first: dt.date, year: int) -> ComplianceRun | None:
    """A sweep of every district from the first day whose kind changed up to yesterday (deadlines counted in working
    days after it move too), sent once the entry commits; None when that day is not past yet (the usual case: the
    year is entered ahead)."""
    from compliance.choices import RunTrigger
    from compliance.services import MAX_RUN_DAYS, run_start

    yesterday = timezone.localdate() - dt.timedelta(days=1)
    first = max(first, yesterday - dt.timedelta(days=MAX_RUN_DAYS - 1))
    last = min(dt.date(year, 12, 31), yesterday)
    if last < first:
        return None
    return run_start(date_from=first, date_to=last, trigger=RunTrigger.CHANGE, started_by=user)


# --- terms and vacations of the school calendar (学期与寒暑假) -------------------------------------------------

PERIOD_FIELDS = {
    "term": ("academic_year", "name", "district", "starts_on", "ends_on"),
    "vacation": ("academic_year", "kind", "district", "starts_on", "ends_on"),
}


@dataclass(frozen=True)
class PeriodSaved:
    """What ``calendar_period_save`` did: the row, whether it was new, and the run re-checking past days whose kind
    changed (a vacation moved over days already checked), None when none are past."""

    row: object
    created: bool
    run: ComplianceRun | None


def _period_value(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, District):
        return value.code
    return value


def calendar_period_save(*, user, model, instance=None, request=None, **fields) -> PeriodSaved:
    """Add or change a term or a vacation of the school calendar, city staff only; audited with before → after.

    A row with a district is that district's override (it replaces the city's row of the same year and name or
    kind). The database refuses an end before the start and a second row of the same year, name and district
    (a ``ConflictError``). A vacation changes which days are school days: when the days whose kind changed are
    already past, the districts concerned are checked again over them (up to yesterday).
    """
    if not is_city(user):
        raise ServiceError(
            _("只有市教委工作人员可以修改校历"), code="permission_denied", fields={"starts_on": [_("无权修改")]}
        )
    label = "term" if model is Term else "vacation"
    names = PERIOD_FIELDS[label]
    if fields.get("starts_on") and fields.get("ends_on") and fields["ends_on"] < fields["starts_on"]:
        raise ServiceError(_("结束日期不能早于开始日期"), fields={"ends_on": [_("结束日期不能早于开始日期")]})
    try:
        with transaction.atomic():
            created = instance is None
            if created:
                row = model(**{n: fields[n] for n in names})
                before = {}
            else:
                row = model.objects.select_for_update().get(pk=instance.pk)
                before = {n: getattr(row, n) for n in names}
                for n in names:
                    setattr(row, n, fields[n])
            row.save()
            after = {n: getattr(row, n) for n in names}
            changes = {
                n: {"from": _period_value(before.get(n)), "to": _period_value(after[n])}
                for n in names
                if before.get(n) != after[n]
            }
            if not changes:
                return PeriodSaved(row=row, created=False, run=None)
            audit_record(
                actor=user,
                action="create" if created else "update",
                obj=row,
                district=row.district_id,
                request=request,
                detail={"changes": changes},
            )
            run = None
            if label == "vacation":
                days = {after["starts_on"], after["ends_on"]}
                if before:
                    days |= {before["starts_on"], before["ends_on"]}
                districts = {after["district"]} | ({before["district"]} if before else set())
                run = _sweep_period_days(user=user, first=min(days), last=max(days), districts=districts)
            return PeriodSaved(row=row, created=created, run=run)
    except IntegrityError:
        raise ConflictError(
            _("该学年已有同名的%(what)s，请修改已有的一条") % {"what": model._meta.verbose_name},
            fields={"academic_year": [_("已存在")]},
        ) from None


def _sweep_period_days(*, user, first: dt.date, last: dt.date, districts) -> ComplianceRun | None:
    from compliance.choices import RunTrigger
    from compliance.services import MAX_RUN_DAYS, run_start

    yesterday = timezone.localdate() - dt.timedelta(days=1)
    last = min(last, yesterday)
    first = max(first, last - dt.timedelta(days=MAX_RUN_DAYS - 1))
    if last < first:
        return None
    codes = None if None in districts else sorted(d.code for d in districts)
    return run_start(date_from=first, date_to=last, district_codes=codes, trigger=RunTrigger.CHANGE, started_by=user)
