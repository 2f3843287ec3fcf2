"""Reads of the schools app: how far the statutory holiday calendar reaches, and the years it knows.

The calendar (``schools.calendar``) knows a year's statutory holidays from the ``chinese_calendar`` package or from
the years city staff entered (``StatutoryYear``). A year neither knows is a gap: every rule and deadline over it
stops with ``CalendarGap``. These selectors tell city staff, ahead of time, which year they must enter next.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from importlib import metadata

import chinese_calendar
from django.utils import timezone

from .calendar import package_covers
from .choices import StatutoryDayKind
from .models import StatutoryDay, StatutoryYear

#: how many days before the calendar runs out city staff's landing page starts warning them
CALENDAR_WARNING_DAYS = 60


def calendar_known_until(*, today: dt.date | None = None) -> dt.date:
    """The last day of the last year the calendar knows without a gap, counting from the current year forward.

    With 2026 known (by the package) and 2027 neither in the package nor entered, that is 2026-12-31. When the
    current year itself is unknown, it is the last day of the year before: the calendar has already run out.
    """
    today = today or timezone.localdate()
    entered = set(StatutoryYear.objects.filter(year__gte=today.year).values_list("year", flat=True))
    year = today.year
    while year in entered or package_covers(year):
        year += 1
    return dt.date(year - 1, 12, 31)


def calendar_expiry_warning(*, today: dt.date | None = None) -> dict | None:
    """What city staff must be told when the calendar runs out within ``CALENDAR_WARNING_DAYS`` days (or has run
    out): the last known day, the year to enter and how many days remain (negative once past); None otherwise."""
    today = today or timezone.localdate()
    until = calendar_known_until(today=today)
    remaining = (until - today).days
    if remaining > CALENDAR_WARNING_DAYS:
        return None
    return {"known_until": until, "year": until.year + 1, "days_left": remaining, "expired": remaining < 0}


def statutory_years() -> list[dict]:
    """Every year the calendar knows, newest first, with where its holidays come from.

    Each row: ``year``, ``entered`` (city staff entered it; it then replaces the package for that year),
    ``source`` (the State Council notice entered with it, or empty for the package's years), ``package``
    (the package also covers the year), ``holidays`` and ``makeup_days`` (how many days of each the calendar
    uses for it).
    """
    rows: dict[int, dict] = {}
    for entered in StatutoryYear.objects.all():
        rows[entered.year] = {
            "year": entered.year,
            "entered": True,
            "source": entered.source,
            "package": package_covers(entered.year),
            "holidays": 0,
            "makeup_days": 0,
        }
    counts = Counter(StatutoryDay.objects.values_list("year__year", "kind"))
    for (year, kind), n in counts.items():
        rows[year]["holidays" if kind == StatutoryDayKind.HOLIDAY else "makeup_days"] = n
    package_holidays = Counter(d.year for d in chinese_calendar.holidays)
    package_makeup = Counter(d.year for d in chinese_calendar.workdays)
    for year in package_holidays:
        if year not in rows:
            rows[year] = {
                "year": year,
                "entered": False,
                "source": "",
                "package": True,
                "holidays": package_holidays[year],
                "makeup_days": package_makeup[year],
            }
    return [rows[y] for y in sorted(rows, reverse=True)]


def package_version() -> str:
    """The installed ``chinesecalendar`` version, shown next to the years it covers."""
    try:
        return metadata.version("chinesecalendar")
    except metadata.PackageNotFoundError:  # pragma: no cover - the package is a runtime dependency
        return ""


def statutory_year_lines(year: int) -> dict | None:
    """An entered year as the page's form shows it for editing: its source, its holidays as lines (consecutive days
    of one holiday as one ``start~end name`` line) and its make-up working days, one per line; None when the
    year was not entered."""
    entered = StatutoryYear.objects.filter(year=year).first()
    if entered is None:
        return None
    holidays: list[list] = []  # [start, end, name]
    makeup: list[str] = []
    for day in StatutoryDay.objects.filter(year=entered).order_by("date"):
        if day.kind == StatutoryDayKind.MAKEUP:
            makeup.append(f"{day.date.isoformat()} {day.name}".strip())
        elif holidays and holidays[-1][2] == day.name and holidays[-1][1] + dt.timedelta(days=1) == day.date:
            holidays[-1][1] = day.date
        else:
            holidays.append([day.date, day.date, day.name])
    lines = [
        (f"{start.isoformat()} {name}" if start == end else f"{start.isoformat()}~{end.isoformat()} {name}").strip()
        for start, end, name in holidays
    ]
    return {"year": year, "source": entered.source, "holidays": "\n".join(lines), "makeup_days": "\n".join(makeup)}


#: the kinds of day the month grid shows, in the order of its legend
GRID_KINDS = ("school_day", "rest_day", "statutory_holiday", "makeup", "vacation")


def _holiday_name(name: str | None) -> str:
    """A holiday's name as people say it: the package names its holidays in English (``National Day``), the
    entered years in Chinese; the reader's language decides."""
    from django.utils.translation import get_language

    if not name:
        return ""
    for holiday in chinese_calendar.Holiday:
        if name == holiday.value:
            return name if (get_language() or "").startswith("en") else holiday.chinese
    return name


def calendar_month(*, year: int, month: int, district=None) -> dict:
    """A month of the school calendar as the rules see it, one district's (or the city's when None): weeks of
    seven cells (Monday first; None outside the month), each day with its kind from ``SchoolCalendar`` (the one
    calendar service), a make-up working day marked as such. Raises ``CalendarGap`` for a year not known."""
    import calendar as pycalendar

    from .calendar import SchoolCalendar

    school_calendar = SchoolCalendar(district)
    first = dt.date(year, month, 1)
    last = dt.date(year, month, pycalendar.monthrange(year, month)[1])
    infos = {d.date: d for d in school_calendar.days(first, last)}
    counts = Counter()
    weeks = []
    for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        cells = []
        for day in week:
            if day.month != month:
                cells.append(None)
                continue
            info = infos[day]
            kind = info.kind
            if info.makeup_workday and kind == "school_day":
                kind = "makeup"
            counts[kind] += 1
            cells.append({"date": day, "kind": kind, "name": _holiday_name(info.holiday_name), "info": info})
        weeks.append(cells)
    return {"first": first, "last": last, "weeks": weeks, "counts": counts}


def calendar_periods(model, *, academic_year: int | None = None):
    """Terms or vacations, the city's first then each district's override, newest year first."""
    rows = model.objects.select_related("district").order_by("-academic_year", "district__code", "starts_on")
    if academic_year:
        rows = rows.filter(academic_year=academic_year)
    return rows


def calendar_overrides() -> list[dict]:
    """Every district's own terms and vacations, each beside the city's row it replaces (None when the city has
    none for that year)."""
    from .models import Term, Vacation

    city_terms = {(t.academic_year, t.name): t for t in Term.objects.filter(district__isnull=True)}
    city_vacations = {(v.academic_year, v.kind): v for v in Vacation.objects.filter(district__isnull=True)}
    out = []
    for t in Term.objects.filter(district__isnull=False).select_related("district"):
        out.append(
            {"type": "term", "row": t, "label": t.get_name_display(), "city": city_terms.get((t.academic_year, t.name))}
        )
    for v in Vacation.objects.filter(district__isnull=False).select_related("district"):
        out.append(
            {
                "type": "vacation",
                "row": v,
                "label": v.get_kind_display(),
                "city": city_vacations.get((v.academic_year, v.kind)),
            }
        )
    return sorted(out, key=lambda e: (e["row"].district.code, -e["row"].academic_year, e["row"].starts_on))
