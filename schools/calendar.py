"""The one calendar service every rule and deadline asks (校历与节假日).

Statutory holidays and make-up working days (调休上班日) come from the
``chinese_calendar`` package, corrected or extended by the rows city staff
enter (``StatutoryYear`` / ``StatutoryDay``) for years the package does not
cover yet. Winter and summer vacations come from the bureau's school calendar
(``Vacation``), where a district's row replaces the city's.

A year neither source knows raises ``CalendarGap``: the calendar never guesses
that an unknown year is made of ordinary weekdays.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import chinese_calendar
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuangjian.errors import ServiceError


class CalendarGap(ServiceError):
    """The calendar does not know a year's statutory holidays."""

    code = "calendar_gap"
    status_code = 409

    def __init__(self, year: int):
        self.year = year
        super().__init__(
            _("%(year)d 年的法定节假日和调休安排尚未录入：请市教委在“校历 › 法定节假日年度”中录入后再试。")
            % {"year": year},
            fields={"date": [_("%(year)d 年的节假日未知") % {"year": year}]},
        )


class DayKind:
    SCHOOL_DAY = "school_day"
    STATUTORY_HOLIDAY = "statutory_holiday"
    REST_DAY = "rest_day"
    VACATION = "vacation"

    LABELS = {
        SCHOOL_DAY: "上学日",
        STATUTORY_HOLIDAY: "法定节假日",
        REST_DAY: "休息日",
        VACATION: "寒暑假",
    }
    #: the same names for pages and messages, in the reader's language (LABELS stays Chinese for stored evidence)
    DISPLAY = {
        SCHOOL_DAY: gettext_lazy("上学日"),
        STATUTORY_HOLIDAY: gettext_lazy("法定节假日"),
        REST_DAY: gettext_lazy("休息日"),
        VACATION: gettext_lazy("寒暑假"),
    }


#: the month an academic year (学年) starts in: 2026 is the year from September 2026 to August 2027
ACADEMIC_YEAR_STARTS = 9


def academic_year(day: dt.date) -> int:
    """The academic year a date belongs to, by its starting year (``SchoolClass.academic_year``, ``Term``):
    September to August. The one definition the filing checks, the rules and the dashboards share."""
    return day.year if day.month >= ACADEMIC_YEAR_STARTS else day.year - 1


@dataclass(frozen=True)
class DayInfo:
    date: dt.date
    statutory_holiday: bool
    holiday_name: str | None
    makeup_workday: bool
    vacation: str | None  # "winter" / "summer" or None

    @property
    def is_workday(self) -> bool:
        """A statutory working day: a weekday that is not a holiday, or a make-up working day."""
        if self.makeup_workday:
            return True
        return self.date.weekday() < 5 and not self.statutory_holiday

    @property
    def is_rest_day(self) -> bool:
        """A weekend day that is neither a holiday nor a make-up working day (休息日)."""
        return not self.is_workday and not self.statutory_holiday

    @property
    def is_vacation(self) -> bool:
        return self.vacation is not None

    @property
    def is_school_day(self) -> bool:
        return self.is_workday and not self.is_vacation

    @property
    def kind(self) -> str:
        """The one word for the day, in the order the rules need: holiday, vacation, rest day, school day."""
        if self.statutory_holiday:
            return DayKind.STATUTORY_HOLIDAY
        if self.is_vacation:
            return DayKind.VACATION
        if self.is_rest_day:
            return DayKind.REST_DAY
        return DayKind.SCHOOL_DAY


def _package_statutory(day: dt.date) -> tuple[bool, str | None, bool]:
    """(statutory holiday, its name, make-up working day) as the ``chinese_calendar`` package has them."""
    is_off, name = chinese_calendar.get_holiday_detail(day)
    if is_off:
        # a weekend with no holiday name is an ordinary rest day
        return name is not None, name, False
    return False, None, name is not None and day.weekday() >= 5


def _is_workday(day: dt.date, holiday: bool, makeup: bool) -> bool:
    return makeup or (day.weekday() < 5 and not holiday)


@lru_cache(maxsize=64)
def _package_workdays(year: int) -> tuple[dt.date, ...]:
    """The statutory working days of a year the package covers, in order (fixed data: kept for the process; the
    package answers about 20 µs a day and the dashboards count months of days on every request)."""
    first = dt.date(year, 1, 1)
    days = (first + dt.timedelta(days=i) for i in range((dt.date(year + 1, 1, 1) - first).days))
    return tuple(d for d in days if _is_workday(d, *_package_statutory(d)[::2]))


@lru_cache(maxsize=64)
def package_covers(year: int) -> bool:
    """The ``chinese_calendar`` package knows ``year``'s statutory holidays."""
    try:
        chinese_calendar.get_holiday_detail(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


class SchoolCalendar:
    """The calendar as seen from one district (or the city when ``district`` is None).

    Create one per request or per sweep part: it loads the staff rows and
    vacations it needs once, in a few queries.
    """

    def __init__(self, district=None):
        self.district_id = getattr(district, "pk", district)
        self._staff_years: dict[int, dict[dt.date, tuple[str, str]] | None] = {}
        self._vacations: list[tuple[dt.date, dt.date, str]] | None = None

    @classmethod
    def for_districts(cls, district_ids) -> dict[int, SchoolCalendar]:
        """Calendars of several districts read together: the city's vacations and all the districts' own in
        two queries, the statutory years shared (a sweep over the city reads them once, not sixteen times)."""
        from .models import Vacation

        ids = list(district_ids)
        city = list(Vacation.objects.filter(district__isnull=True))
        own: dict[int, list] = {pk: [] for pk in ids}
        for v in Vacation.objects.filter(district_id__in=ids):
            own[v.district_id].append(v)
        staff_years: dict = {}
        calendars = {}
        for pk in ids:
            calendar = cls(pk)
            calendar._staff_years = staff_years  # filled on first use, then shared
            chosen = {(v.academic_year, v.kind): v for v in city}
            chosen.update({(v.academic_year, v.kind): v for v in own[pk]})
            calendar._vacations = sorted((v.starts_on, v.ends_on, v.kind) for v in chosen.values())
            calendars[pk] = calendar
        return calendars

    # -- statutory calendar ------------------------------------------------
    def _staff_days(self, year: int):
        if year not in self._staff_years:
            from .models import StatutoryDay, StatutoryYear

            if StatutoryYear.objects.filter(year=year).exists():
                self._staff_years[year] = {
                    d.date: (d.kind, d.name) for d in StatutoryDay.objects.filter(year__year=year)
                }
            else:
                self._staff_years[year] = None
        return self._staff_years[year]

    def _statutory(self, day: dt.date) -> tuple[bool, str | None, bool]:
        """(statutory holiday, its name, make-up working day)."""
        staff = self._staff_days(day.year)
        if staff is not None:
            kind, name = staff.get(day, (None, None))
            return kind == "holiday", name or None, kind == "makeup"
        if not package_covers(day.year):
            raise CalendarGap(day.year)
        return _package_statutory(day)

    # -- school calendar -----------------------------------------------------
    def _load_vacations(self):
        if self._vacations is None:
            from .models import Vacation

            rows = Vacation.objects.filter(district__isnull=True)
            chosen = {(v.academic_year, v.kind): v for v in rows}
            if self.district_id:
                for v in Vacation.objects.filter(district_id=self.district_id):
                    chosen[(v.academic_year, v.kind)] = v
            self._vacations = sorted((v.starts_on, v.ends_on, v.kind) for v in chosen.values())
        return self._vacations

    def _vacation(self, day: dt.date) -> str | None:
        for start, end, kind in self._load_vacations():
            if start <= day <= end:
                return kind
        return None

    # -- public API ----------------------------------------------------------
    def day(self, day: dt.date) -> DayInfo:
        holiday, name, makeup = self._statutory(day)
        return DayInfo(
            date=day, statutory_holiday=holiday, holiday_name=name, makeup_workday=makeup, vacation=self._vacation(day)
        )

    def days(self, start: dt.date, end: dt.date) -> list[DayInfo]:
        span = (end - start).days
        return [self.day(start + dt.timedelta(days=i)) for i in range(span + 1)]

    def school_days(self, start: dt.date, end: dt.date) -> list[dt.date]:
        return [d.date for d in self.days(start, end) if d.is_school_day]

    def is_school_day(self, day: dt.date) -> bool:
        return self.day(day).is_school_day

    def workdays(self, start: dt.date, end: dt.date) -> list[dt.date]:
        """The statutory working days from ``start`` to ``end`` (the statutory calendar only: no vacation is read)."""
        out: list[dt.date] = []
        for year in range(start.year, end.year + 1):
            if self._staff_days(year) is None and package_covers(year):
                out.extend(d for d in _package_workdays(year) if start <= d <= end)
                continue
            first, last = max(start, dt.date(year, 1, 1)), min(end, dt.date(year, 12, 31))
            for i in range((last - first).days + 1):
                day = first + dt.timedelta(days=i)
                holiday, _name, makeup = self._statutory(day)  # raises CalendarGap for a year nobody knows
                if _is_workday(day, holiday, makeup):
                    out.append(day)
        return out

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The ``n``-th statutory working day after ``start`` (bureaus work in school vacations, so none is read)."""
        day, left = start, n
        while left > 0:  # a year at a time, so that a year nobody knows is asked about only when it is reached
            first = day + dt.timedelta(days=1)
            days = self.workdays(first, dt.date(first.year, 12, 31))
            if len(days) >= left:
                return days[left - 1]
            day, left = dt.date(first.year, 12, 31), left - len(days)
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
        if end <= start:
            return 0
        return sum(1 for d in self.days(start + dt.timedelta(days=1), end) if d.is_workday)
