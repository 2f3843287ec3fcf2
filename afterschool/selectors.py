"""Reads of the after-school app, always through the scoping mechanism."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from accounts.scoping import restrict
from schools.models import Term

from .models import Activity, DailyReport, Programme, ProviderSelection


def term_for(*, district_id: int, on: dt.date) -> Term | None:
    """The term in force on ``on`` for a district: the district's own row wins over the city's."""
    rows = Term.objects.filter(
        Q(district_id=district_id) | Q(district__isnull=True), starts_on__lte=on, ends_on__gte=on
    )
    ordered = sorted(rows, key=lambda t: t.district_id is None)
    return ordered[0] if ordered else None


def terms_for_district(*, district_id: int) -> list[Term]:
    """The district's terms: the city's rows, each replaced by the district's row of the same year and name."""
    chosen: dict[tuple[int, str], Term] = {}
    for t in Term.objects.filter(Q(district_id=district_id) | Q(district__isnull=True)).order_by("starts_on"):
        key = (t.academic_year, t.name)
        if key not in chosen or t.district_id is not None:
            chosen[key] = t
    return sorted(chosen.values(), key=lambda t: t.starts_on)


def today() -> dt.date:
    return timezone.localdate()


def current_term(*, school) -> Term | None:
    return term_for(district_id=school.district_id, on=today())


def programme_for(*, school, term) -> Programme | None:
    return Programme.objects.filter(school=school, term=term).first()


def activities_of(*, programme) -> list[Activity]:
    return list(programme.activities.select_related("institution").order_by("kind", "name"))


def reports_visible(*, user):
    return restrict(DailyReport.objects.all(), user).select_related("school")


def programmes_visible(*, user):
    return restrict(Programme.objects.all(), user).select_related("school", "term")


def activities_visible(*, user):
    return restrict(Activity.objects.all(), user).select_related("programme", "institution")


def provider_selections_visible(*, user):
    return restrict(ProviderSelection.objects.all(), user).select_related("district", "institution")


def recent_reports(*, school, limit: int = 10) -> list[DailyReport]:
    return list(DailyReport.objects.filter(school=school).order_by("-date")[:limit])


#: school days the report page's recent list covers
RECENT_SCHOOL_DAYS = 10


def recent_days(*, school, on: dt.date | None = None, n: int = RECENT_SCHOOL_DAYS) -> dict:
    """The report page's recent list: the last ``n`` school days (by the district's calendar, today included)
    each with its report or none, and the reports of other days in that span (a report may be filed for a
    day that later became a holiday). Missing days are the school days before today with no report (today is
    still open). Two queries besides the calendar's.
    """
    from schools.calendar import CalendarGap, SchoolCalendar

    on = on or today()
    try:
        days = SchoolCalendar(school.district_id).school_days(on - dt.timedelta(days=3 * n), on)[-n:]
    except CalendarGap as exc:
        return {"rows": [], "missing": [], "calendar_problem": exc.message, "recent": recent_reports(school=school)}
    start = days[0] if days else on
    reports = {r.date: r for r in DailyReport.objects.filter(school=school, date__gte=start, date__lte=on)}
    dates = sorted(set(days) | set(reports), reverse=True)
    rows = [{"date": d, "report": reports.get(d), "school_day": d in days, "today": d == on} for d in dates]
    missing = [r["date"] for r in rows if r["report"] is None and not r["today"]]
    return {"rows": rows, "missing": sorted(missing), "calendar_problem": "", "recent": []}
