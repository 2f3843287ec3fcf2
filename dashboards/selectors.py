"""Reads of the dashboards app: the figures a dashboard draws, counted in SQL over the summary tables.

Every section is one grouped query (two for homework's histogram and trend)
grouped by district, so a district dashboard, the city dashboard with its
districts side by side, and a school dashboard run the same code and cost the
same few queries whatever the size of the data. Python only adds the grouped
rows up and divides.

Definitions (the tests hold the raw-table counts to these):

- a class-day is *expected* on each school day of its district for each class of
  that academic year; *filed* when the day has a ``HomeworkDay`` record; *on time*
  when it was first filed by the HW-4-PUBLISH cut-off (deadline plus grace days);
  completeness = filed / expected and timeliness = on time / expected (DHIS2's
  reporting rate and reporting rate on time);
- written minutes, the share within the limit, the average and the 90th percentile
  are over *filed* class-days; minutes are counted as HW-5-* count them; the
  percentile is the nearest-rank one (the smallest value with at least 90 % of
  class-days at or below it);
- after-school: a report is expected per school and school day; participation =
  participants / enrolled; the end-time share is over reported days; exercise
  minutes are PE lessons plus stage-1 exercise (AS-8-PE);
- findings: dated findings whose date lies in the range, plus undated
  (registration) findings; *open* = open, notified or rectifying, *cleared* =
  rectified or cleared by a sweep; time to rectify = status change minus first
  seen, for cleared findings;
- complaints: received in the range; *accepted* = went past acceptance (not
  waiting, not rejected); *resolved* = has a resolution time; *overdue* = still
  waiting for acceptance or resolution after its deadline today; handling time =
  statutory working days from receipt to resolution;
- rectification notices: issued in the range; *on time* when a report submitted by
  the deadline was accepted, *overdue* when the deadline passed without one (what
  RX-OVERDUE escalates), *in progress* otherwise.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, F, IntegerField, Min, Q, QuerySet, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scoping import allows, is_city, restrict
from compliance import registry
from compliance.choices import ACTIVE_STATUSES, FindingStatus
from compliance.models import Finding
from schools.calendar import CalendarGap, SchoolCalendar
from schools.choices import GradeBand
from schools.models import District, School

from .caching import COMPLAINTS, FIGURES, TOPICS
from .models import (
    ClassDayStat,
    SchoolDayStat,
)

BANDS = [GradeBand.G12.value, GradeBand.G36.value, GradeBand.G79.value]
CLEARED_STATUSES = (FindingStatus.RECTIFIED, FindingStatus.CLEARED)
#: the rules whose findings are about a session of an institution (a lesson held when or where it may not be)
SESSION_RULES = (
    "TI-12-SITE",
    "TI-12-UNLICENSED",
    "TI-13-HOLIDAY",
    "TI-13-SCHOOLHOURS",
    "TI-13-LATE-OFFLINE",
    "TI-13-LATE-ONLINE",
    "TI-13-ONLINE-LEN",
    "TI-13-ONLINE-GAP",
    "TI-18-BLACKLIST",
)
#: the percentile of written minutes the dashboards show
PERCENTILE = 0.9

#: a section's figures by district id, None for all the districts asked for (and "weeks" for the trend)
Section = dict[int | str | None, Any]
#: a grouped row of sums, as ``.values().annotate()`` gives it
Row = Mapping[str, Any]


@dataclass(frozen=True)
class Filters:
    date_from: dt.date
    date_to: dt.date
    stage: str = ""
    grade_band: str = ""

    def as_dict(self) -> dict:
        return {
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
            "stage": self.stage or None,
            "grade_band": self.grade_band or None,
        }


def default_range(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last four weeks up to today."""
    today = today or timezone.localdate()
    return today - dt.timedelta(days=27), today


def rate(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


# -- homework ------------------------------------------------------------------


def _query(statement: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The rows of one of ``dashboards/sql.py``'s statements, as dicts by column name."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        names = [c.name for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _params(district_ids: list[int], filters: Filters, **extra: Any) -> dict[str, Any]:
    return {
        "districts": district_ids,
        "date_from": filters.date_from,
        "date_to": filters.date_to,
        "stage": filters.stage or "",
        "grade_band": filters.grade_band or "",
        **extra,
    }


class DistrictRows:
    """Every row a district or city dashboard counts, for some districts and filters: the figures of
    ``sql.DASHBOARD_FIGURES``, fetched together by one statement the first time one is asked for, by name
    (``rows["findings"]``), each a list of dicts (dates and times as ISO text, durations in seconds)."""

    #: every figure, in the order the statement lists them
    NAMES = (
        "homework", "minutes", "afterschool", "registry", "flagged", "prepayments", "findings", "complaints",
        "notices", "complaint_days",
    )  # fmt: skip

    def __init__(self, district_ids: list[int], filters: Filters, names: Iterable[str] | None = None):
        self.district_ids, self.filters = district_ids, filters
        wanted = set(self.NAMES if names is None else names)
        self.names = tuple(n for n in self.NAMES if n in wanted)  # the figures fetched
        self._figures: dict[str, list[dict[str, Any]]] | None = None
        self.workdays_to: dt.date | None = None  # the last day ``params["workdays"]`` counts

    def params(self, **extra: Any) -> dict[str, Any]:
        from complaints.choices import AWAITING_ACCEPT, AWAITING_RESOLVE, State
        from compliance.choices import ANSWERED, ReportDecision

        return _params(
            self.district_ids,
            self.filters,
            bands=[self.filters.grade_band] if self.filters.grade_band else BANDS,
            rules=list(SESSION_RULES),
            active=[str(s) for s in ACTIVE_STATUSES],
            cleared=[str(s) for s in CLEARED_STATUSES],
            dismissed=str(FindingStatus.DISMISSED),
            today=timezone.localdate(),
            tz=timezone.get_current_timezone_name(),
            not_accepted=[str(s) for s in (*AWAITING_ACCEPT, State.REJECTED)],
            awaiting_accept=[str(s) for s in AWAITING_ACCEPT],
            awaiting_resolve=[str(s) for s in AWAITING_RESOLVE],
            accepted=[str(ReportDecision.ACCEPTED)],
            answered=[str(d) for d in ANSWERED],
            **extra,
        )

    def __getitem__(self, name: str) -> list[dict[str, Any]]:
        if self._figures is None:
            self._figures = self._fetch()
        return self._figures[name]

    def _fetch(self) -> dict[str, list[dict[str, Any]]]:
        from django.db import connection

        from . import sql

        # the handling days of complaints resolved up to today (or the range's end) come with the rest
        names, workdays = self.names, None
        if "complaint_days" in names:
            last = max(timezone.localdate(), self.filters.date_to)
            try:
                workdays = _workdays_to_date(self.filters.date_from, last)
            except CalendarGap:
                names = tuple(n for n in names if n != "complaint_days")
            else:
                self.workdays_to = last
        statement = sql.dashboard_figures(names, bool(self.filters.stage))
        with connection.cursor() as cursor:
            cursor.execute(statement, self.params(workdays=workdays))
            names = [c.name for c in cursor.description]
            return {name: orjson.loads(text) for name, text in zip(names, cursor.fetchone(), strict=True)}

    def complaint_days(self, last_resolved: dt.date) -> list[dict[str, Any]]:
        """The median handling days per district (and in all), for complaints resolved up to ``last_resolved``.
        Raises ``CalendarGap`` when the statutory calendar does not reach it."""
        if self.workdays_to is not None and last_resolved <= self.workdays_to:
            return self["complaint_days"]
        from . import sql

        workdays = _workdays_to_date(self.filters.date_from, last_resolved)
        return _query(sql.DASH_COMPLAINT_DAYS, self.params(workdays=workdays))


def running(histogram: Mapping[int, int]) -> list[int]:
    """A histogram (minutes -> class-days) as running counts: element m is the class-days with at most m minutes."""
    if not histogram:
        return []
    counts = [0] * (max(histogram) + 1)
    for minutes, n in histogram.items():
        counts[minutes] += n
    for m in range(1, len(counts)):
        counts[m] += counts[m - 1]
    return counts


@dataclass
class AtMost:
    """Class-days with at most m written minutes, added up over pairs of running counts: each pair is the counts to
    the end of a range and those before its start (``HomeworkMinutesToDate``'s rows; None: nothing before)."""

    pairs: list[tuple[list[int], list[int] | None]] = field(default_factory=list)

    def add(self, upto: list[int] | None, before: list[int] | None = None) -> None:
        if upto:
            self.pairs.append((upto, before or None))

    def extend(self, other: AtMost) -> None:
        self.pairs.extend(other.pairs)

    def count(self, m: int) -> int:
        n = 0
        for upto, before in self.pairs:
            n += upto[m] if m < len(upto) else upto[-1]
            if before:
                n -= before[m] if m < len(before) else before[-1]
        return n

    def percentile(self, share: float = PERCENTILE) -> int | None:
        """The nearest rank: the smallest m with at least ``share`` of the class-days at or below it."""
        if not self.pairs:
            return None
        top = max(len(upto) for upto, _b in self.pairs) - 1
        total = self.count(top)
        if not total:
            return None
        rank = math.ceil(share * total)
        low, high = 0, top  # count(high) >= rank; binary search for the smallest such m
        while low < high:
            mid = (low + high) // 2
            if self.count(mid) >= rank:
                high = mid
            else:
                low = mid + 1
        return low


def nearest_rank(histogram: Mapping[int, int], share: float = PERCENTILE) -> int | None:
    """The smallest value with at least ``share`` of the counts at or below it."""
    at_most = AtMost()
    at_most.add(running(histogram))
    return at_most.percentile(share)


def _school_homework(school_id: int, filters: Filters) -> tuple[list[Row], dict[tuple[int, str], AtMost]]:
    """A school's sums per week and band, and its histograms per band, from its class-days."""
    base = ClassDayStat.objects.filter(school_id=school_id, date__range=(filters.date_from, filters.date_to))
    if filters.stage:
        base = base.filter(stage=filters.stage)
    if filters.grade_band:
        base = base.filter(grade_band=filters.grade_band)
    weekly = list(
        base.values("week", "grade_band")
        .annotate(
            # minutes_total first: after it, "filed" names the sum, not the column
            minutes_total=Sum(Case(When(filed=1, then=F("written_minutes")), default=0)),
            expected=Sum("expected"),
            filed=Sum("filed"),
            on_time=Sum("on_time"),
            within_limit=Sum("within_limit"),
        )
        .order_by()
    )
    rows = (
        base.filter(filed=1)
        .values("grade_band", minutes=F("written_minutes"))
        .annotate(district_id=Value(None, output_field=IntegerField()), n=Count("id"))
        .order_by()
    )
    return _rolled_up(weekly, "grade_band", ZERO_HW), _histograms(rows)


def _rolled_up(weekly: list[Row], key: str | None, sums: Iterable[str]) -> list[Row]:
    """A school's rows per week (and ``key``) as the district statements group theirs: the weeks (no district), and
    their totals per ``key`` (no district, no week: the school's "all")."""
    totals: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
    for row in weekly:
        _add(totals[row[key] if key else None], row, sums)
    out = [{**row, "district_id": None} for row in weekly]
    for value, total in totals.items():
        out.append({**total, "district_id": None, "week": None, **({key: value} if key else {})})
    return out


def _histograms(rows: Iterable[Row]) -> dict[tuple[int, str], AtMost]:
    """Histogram rows (district, band, minutes, n) as running counts per district and band."""
    hists: defaultdict[tuple[int, str], dict[int, int]] = defaultdict(dict)
    for row in rows:
        hists[(row["district_id"], row["grade_band"])][row["minutes"]] = row["n"]
    out: dict[tuple[int, str], AtMost] = {}
    for key, hist in hists.items():
        out[key] = AtMost()
        out[key].add(running(hist))
    return out


def _district_homework(rows: DistrictRows) -> tuple[list[Row], dict[tuple[int, str], AtMost]]:
    """The districts' sums per week and band (``sql.DASH_HOMEWORK``), and their histograms per band: two rows of
    the running histogram per district and band (``sql.MINUTES_TO_DATE_RANGE``), or with a stage chosen the
    daily rows of that stage."""
    if rows.filters.stage:
        return rows["homework"], _histograms(rows["minutes"])
    hists: dict[tuple[int, str], AtMost] = {}
    for row in rows["minutes"]:
        at_most = hists[(row["id"], row["band"])] = AtMost()
        at_most.add(row["upto"], row["earlier"])
    return rows["homework"], hists


def _band_figures(row: Row, p90: int | None) -> dict[str, Any]:
    filed = row["filed"]
    return {
        "expected": row["expected"],
        "filed": filed,
        "on_time": row["on_time"],
        "completeness": rate(filed, row["expected"]),
        "timeliness": rate(row["on_time"], row["expected"]),
        "within_limit": row["within_limit"],
        "within_limit_share": rate(row["within_limit"], filed),
        "avg_minutes": round(row["minutes_total"] / filed, 1) if filed else None,
        "p90_minutes": p90,
    }


ZERO_HW = {"expected": 0, "filed": 0, "on_time": 0, "within_limit": 0, "minutes_total": 0}


def _add(into: MutableMapping[str, Any], row: Row, keys: Iterable[str]) -> None:
    for k in keys:
        into[k] = into.get(k, 0) + (row.get(k) or 0)


def homework_section(
    district_ids: list[int], filters: Filters, school_id: int | None = None, rows: DistrictRows | None = None
) -> Section:
    """{district_id or None (all): {"bands": [...], "filing": {...}}, "weeks": [...]}"""
    counts, hists = (
        _school_homework(school_id, filters)
        if school_id
        else _district_homework(rows or DistrictRows(district_ids, filters))
    )
    week_rows: defaultdict[dt.date, defaultdict[str, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: dict(ZERO_HW))
    )  # week -> band -> sums
    per: defaultdict[int | None, defaultdict[str, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: dict(ZERO_HW))
    )  # district -> band -> sums
    for row in counts:  # per week, or per district (null: all of them); a row per band
        if row["week"] is not None:
            week_rows[row["week"]][row["grade_band"]] = row
        else:
            per[row["district_id"]][row["grade_band"]] = row
    all_bands: defaultdict[str, AtMost] = defaultdict(AtMost)  # every district's histogram of a band
    for (_district, band), at_most in hists.items():
        all_bands[band].extend(at_most)
    out: Section = {}
    for key in [None, *district_ids]:
        bands: list[dict[str, Any]] = []
        total = dict(ZERO_HW)
        every_band = AtMost()
        for band in BANDS:
            if filters.grade_band and band != filters.grade_band:
                continue
            sums = per[key][band]
            at_most = all_bands[band] if key is None else hists.get((key, band), AtMost())
            bands.append({"grade_band": band, **_band_figures(sums, at_most.percentile())})
            _add(total, sums, ZERO_HW)
            every_band.extend(at_most)
        figures = _band_figures(total, every_band.percentile())
        out[key] = {
            "bands": bands,
            "filing": {k: figures[k] for k in ("expected", "filed", "on_time", "completeness", "timeliness")},
        }
    out["weeks"] = [
        {
            "week": str(week),  # a date, or its ISO text from the one statement
            **{
                band: (
                    {
                        "expected": r["expected"],
                        "filed": r["filed"],
                        "within_limit_share": rate(r["within_limit"], r["filed"]),
                        "avg_minutes": round(r["minutes_total"] / r["filed"], 1) if r["filed"] else None,
                    }
                    if (r := rows.get(band))
                    else None
                )
                for band in BANDS
            },
        }
        for week, rows in sorted(week_rows.items())
    ]
    return out


# -- after-school --------------------------------------------------------------

AS_SUMS = (
    "expected",
    "reported",
    "on_time",
    "enrolled",
    "participants",
    "pe_minutes",
    "exercise_minutes",
    "ended_after_min",
)


def _as_figures(s: Row) -> dict[str, Any]:
    reported = s["reported"]
    return {
        "expected": s["expected"],
        "reported": reported,
        "on_time": s["on_time"],
        "completeness": rate(reported, s["expected"]),
        "timeliness": rate(s["on_time"], s["expected"]),
        "enrolled": s["enrolled"],
        "participants": s["participants"],
        "participation_rate": rate(s["participants"], s["enrolled"]),
        "ended_after_1730": s["ended_after_min"],
        "ended_after_1730_share": rate(s["ended_after_min"], reported),
        "avg_pe_minutes": round(s["pe_minutes"] / reported, 1) if reported else None,
        "avg_exercise_minutes": round(s["exercise_minutes"] / reported, 1) if reported else None,
    }


def afterschool_section(
    district_ids: list[int], filters: Filters, school_id: int | None = None, rows: DistrictRows | None = None
) -> Section:
    sums: Iterable[Row]
    if school_id:  # a school's school-days
        qs = SchoolDayStat.objects.filter(school_id=school_id, date__range=(filters.date_from, filters.date_to))
        if filters.stage:
            qs = qs.filter(stage=filters.stage)
        sums = _rolled_up(list(qs.values("week").annotate(**{k: Sum(k) for k in AS_SUMS}).order_by()), None, AS_SUMS)
    else:  # the district roll-ups
        sums = (rows or DistrictRows(district_ids, filters))["afterschool"]
    per: defaultdict[int | None, dict[str, int]] = defaultdict(lambda: dict.fromkeys(AS_SUMS, 0))
    weeks: defaultdict[dt.date, dict[str, int]] = defaultdict(lambda: dict.fromkeys(AS_SUMS, 0))
    # one grouped query gives both the district totals and the weekly trend
    for row in sums:  # per week, or per district (null: all of them)
        if row["week"] is not None:
            weeks[row["week"]] = row
        else:
            per[row["district_id"]] = row
    out: Section = {key: _as_figures(per[key]) for key in [None, *district_ids]}
    out["weeks"] = [
        {
            "week": str(week),
            **{
                k: v
                for k, v in _as_figures(sums).items()
                if k in ("completeness", "participation_rate", "ended_after_1730_share", "avg_exercise_minutes")
            },
        }
        for week, sums in sorted(weeks.items())
    ]
    return out


# -- institutions ----------------------------------------------------------------


@dataclass
class _RegistryTally:
    """One district's (or all the districts') institution counts."""

    total: int = 0
    by_category: Counter[str] = field(default_factory=Counter)
    by_licence_status: Counter[str] = field(default_factory=Counter)
    by_list_status: Counter[str] = field(default_factory=Counter)
    sessions_flagged: Counter[str] = field(default_factory=Counter)
    prepayments: int = 0
    prepayments_over_limit: int = 0


def institutions_section(district_ids: list[int], filters: Filters, rows: DistrictRows | None = None) -> Section:
    """Registry counts by category, licence and list status; flagged sessions by rule; prepayments over the limit."""
    rows = rows or DistrictRows(district_ids, filters)
    per: defaultdict[int | None, _RegistryTally] = defaultdict(_RegistryTally)
    for row in rows["registry"]:
        for key in (row["district_id"], None):
            p = per[key]
            p.total += row["n"]
            p.by_category[row["category"]] += row["n"]
            p.by_licence_status[row["licence_status"]] += row["n"]
            p.by_list_status[row["list_status"]] += row["n"]
    for row in rows["flagged"]:
        for key in (row["district_id"], None):
            per[key].sessions_flagged[row["rule_id"]] += row["n"]
    for row in rows["prepayments"]:
        for key in (row["district_id"], None):
            per[key].prepayments += row["n"]
            per[key].prepayments_over_limit += row["over"]
    out: Section = {}
    for key in [None, *district_ids]:
        p = per[key]
        out[key] = {
            "total": p.total,
            "by_category": dict(p.by_category),
            "by_licence_status": dict(p.by_licence_status),
            "by_list_status": dict(p.by_list_status),
            "sessions_flagged": [
                {"rule_id": r, "title": _rule_title(r), "count": n} for r, n in sorted(p.sessions_flagged.items())
            ],
            "prepayments": p.prepayments,
            "prepayments_over_limit": p.prepayments_over_limit,
        }
    return out


# -- findings ------------------------------------------------------------------


def _rule_title(rule_id: str) -> str:
    return registry.get_rule(rule_id).title_zh if registry.is_registered(rule_id) else rule_id


def _severity(rule_id: str) -> str:
    return registry.get_rule(rule_id).severity if registry.is_registered(rule_id) else "unknown"


def findings_in_range(queryset, filters: Filters):
    return queryset.filter(Q(period_start__range=(filters.date_from, filters.date_to)) | Q(period_start__isnull=True))


FINDING_COUNTS = ("open", "cleared", "dismissed")


@dataclass
class _RuleTally:
    """One rule's findings in one district (or all): counts by status, the oldest open one, the time to rectify."""

    open: int = 0
    cleared: int = 0
    dismissed: int = 0
    oldest_open: dt.datetime | None = None
    rectify: dt.timedelta = dt.timedelta(0)

    def add(self, row: Row) -> None:
        self.open += row["open"] or 0
        self.cleared += row["cleared"] or 0
        self.dismissed += row["dismissed"] or 0
        self.rectify += _duration(row["rectify"])
        if row["oldest_open"] and (self.oldest_open is None or row["oldest_open"] < self.oldest_open):
            self.oldest_open = row["oldest_open"]

    def counts(self) -> dict[str, int]:
        return {"open": self.open, "cleared": self.cleared, "dismissed": self.dismissed}


def findings_section(
    district_ids: list[int], filters: Filters, user, school_id: int | None = None, rows: DistrictRows | None = None
) -> Section:
    counted: Iterable[Row]
    if school_id:  # a school's own findings
        qs = findings_in_range(restrict(Finding.objects.filter(school_id=school_id), user), filters)
        counted = (
            qs.values("district_id", "rule_id")
            .annotate(
                open=Count("id", filter=Q(status__in=ACTIVE_STATUSES)),
                cleared=Count("id", filter=Q(status__in=CLEARED_STATUSES)),
                dismissed=Count("id", filter=Q(status=FindingStatus.DISMISSED)),
                oldest_open=Min("first_seen", filter=Q(status__in=ACTIVE_STATUSES)),
                rectify=Sum(F("status_changed_at") - F("first_seen"), filter=Q(status__in=CLEARED_STATUSES)),
            )
            .order_by()
        )
    else:  # the districts' counts per rule, day and status (kept by the findings table's triggers)
        counted = [
            {
                **row,
                "oldest_open": dt.datetime.fromisoformat(row["oldest_open"]) if row["oldest_open"] else None,
                "rectify": dt.timedelta(seconds=float(row["rectify_seconds"] or 0)),
            }
            for row in (rows or DistrictRows(district_ids, filters))["findings"]
        ]
    per: defaultdict[int | None, defaultdict[str, _RuleTally]] = defaultdict(lambda: defaultdict(_RuleTally))
    for row in counted:
        for key in (row["district_id"], None):
            per[key][row["rule_id"]].add(row)
    now = timezone.now()
    out: Section = {}
    for key in [None, *district_ids]:
        by_rule: list[dict[str, Any]] = []
        by_severity: defaultdict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FINDING_COUNTS, 0))
        oldest: dt.datetime | None = None
        oldest_rule: str | None = None
        rectify, cleared = dt.timedelta(0), 0
        for rule_id, r in sorted(per[key].items(), key=lambda item: item[0]):
            sev = _severity(rule_id)
            by_rule.append(
                {
                    "rule_id": rule_id,
                    "title": _rule_title(rule_id),
                    "severity": sev,
                    **r.counts(),
                }
            )
            _add(by_severity[sev], r.counts(), FINDING_COUNTS)
            if r.oldest_open and (oldest is None or r.oldest_open < oldest):
                oldest, oldest_rule = r.oldest_open, rule_id
            rectify += r.rectify
            cleared += r.cleared
        out[key] = {
            "by_rule": by_rule,
            "by_severity": [{"severity": s, **v} for s, v in sorted(by_severity.items())],
            "open": sum(r["open"] for r in by_rule),
            "cleared": cleared,
            "dismissed": sum(r["dismissed"] for r in by_rule),
            "oldest_open_rule": oldest_rule,
            "oldest_open_since": timezone.localtime(oldest).isoformat() if oldest else None,
            "oldest_open_days": (now - oldest).days if oldest else None,
            "avg_days_to_rectify": round(rectify.total_seconds() / 86400 / cleared, 1) if cleared else None,
        }
    return out


def _duration(value: dt.timedelta | int | None) -> dt.timedelta:
    if value is None:
        return dt.timedelta(0)
    if isinstance(value, dt.timedelta):
        return value
    return dt.timedelta(microseconds=int(value))


# -- complaints ----------------------------------------------------------------


def _workdays_to_date(first: dt.date, last: dt.date) -> list[int]:
    """Element i: the statutory working days from ``first`` to ``first`` + i days (the statutory calendar only: the
    same for every district). Raises ``CalendarGap``."""
    workdays = set(SchoolCalendar(None).workdays(first, max(first, last)))
    out, n = [], 0
    for i in range((max(first, last) - first).days + 1):
        n += (first + dt.timedelta(days=i)) in workdays
        out.append(n)
    return out


def _median(value: float | None, n: int):
    """``percentile_cont(0.5)`` as ``statistics.median`` gives it: the middle value itself for an odd count."""
    if value is None:
        return None
    return int(value) if n % 2 else float(value)


def complaints_section(district_ids: list[int], filters: Filters, rows: DistrictRows | None = None) -> Section:
    rows = rows or DistrictRows(district_ids, filters)
    keys = ("received", "accepted", "resolved", "overdue")
    totals: defaultdict[int | None, dict[str, int]] = defaultdict(lambda: dict.fromkeys(keys, 0))
    by_category: defaultdict[int | None, defaultdict[str, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: dict.fromkeys(keys, 0))
    )
    by_department: defaultdict[int | None, defaultdict[str, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: dict.fromkeys(keys, 0))
    )
    last_resolved: dt.date | None = None
    for row in rows["complaints"]:  # per category, per department, or in all; per district (null: all of them)
        counts = {k: row[k] for k in keys}
        if row["category"] is not None:
            by_category[row["district_id"]][row["category"]] = counts
        elif row["department"] is not None:
            by_department[row["district_id"]][row["department"]] = counts
        else:
            totals[row["district_id"]] = counts
        resolved_on = dt.date.fromisoformat(row["last_resolved"]) if row["last_resolved"] else None
        if resolved_on and (last_resolved is None or resolved_on > last_resolved):
            last_resolved = resolved_on
    medians: dict[int | None, Any] = {}
    gap = False
    if last_resolved is not None:  # handling days from the statutory calendar alone, the same for every district
        try:
            for row in rows.complaint_days(last_resolved):
                medians[row["district_id"]] = _median(row["median"], row["n"])
        except CalendarGap:
            gap = True
    out: Section = {}
    for key in [None, *district_ids]:
        out[key] = {
            **totals[key],
            "by_category": [{"category": c, **v} for c, v in sorted(by_category[key].items())],
            "by_department": [{"department": c, **v} for c, v in sorted(by_department[key].items())],
            "median_working_days": medians.get(key),
            "calendar_gap": gap,
        }
    return out


# -- rectification notices ----------------------------------------------------------------

NOTICE_COUNTS = ("issued", "on_time", "overdue", "in_progress")


def rectification_section(district_ids: list[int], filters: Filters, rows: DistrictRows | None = None) -> Section:
    """Rectification notices issued in the range (``sql.DASH_NOTICES``), per district and in all: ``issued``,
    ``on_time`` (a report submitted by the deadline was accepted), ``overdue`` (the deadline has passed with no
    report submitted by then that was accepted or awaits review: what RX-OVERDUE escalates, whether or not a late
    report was accepted since), ``in_progress`` (the rest: within the deadline, or answered in time and awaiting
    review)."""
    per = {row["district_id"]: row for row in (rows or DistrictRows(district_ids, filters))["notices"]}
    out: Section = {None: dict.fromkeys(NOTICE_COUNTS, 0)}
    for district_id in district_ids:
        row = per.get(district_id)
        out[district_id] = (
            {
                "issued": row["issued"],
                "on_time": row["on_time"],
                "overdue": row["overdue"],
                "in_progress": row["issued"] - row["on_time"] - row["overdue"],
            }
            if row
            else dict.fromkeys(NOTICE_COUNTS, 0)
        )
        _add(out[None], out[district_id], NOTICE_COUNTS)
    for counts in out.values():
        counts["on_time_rate"] = rate(counts["on_time"], counts["on_time"] + counts["overdue"])
    return out


# -- the dashboards ----------------------------------------------------------------


def _in_scope(user, district: District | None = None) -> None:
    """District and city dashboards count the district-grain tables of the districts asked for: the caller must be
    allowed to see them (``accounts.scoping``: the city sees every district, district staff their own)."""
    allowed = is_city(user) if district is None else allows(user, district)
    if not allowed:
        raise PermissionDenied


#: a district or city dashboard's sections, in the order it lists them, and the part of its cache entry each is
#: kept in (``caching.TOPICS``: complaints change every few seconds in a working day, nothing else with them)
SECTIONS = ("homework", "afterschool", "institutions", "findings", "complaints", "rectification")
SECTIONS_OF = {
    FIGURES: ("homework", "afterschool", "institutions", "findings", "rectification"),
    COMPLAINTS: ("complaints",),
}
#: the figures (``DistrictRows``) each section counts
_ROWS_OF = {
    "homework": ("homework", "minutes"),
    "afterschool": ("afterschool",),
    "institutions": ("registry", "flagged", "prepayments"),
    "findings": ("findings",),
    "complaints": ("complaints", "complaint_days"),
    "rectification": ("notices",),
}


def _sections(ids: list[int], filters: Filters, user, names: Iterable[str]) -> dict[str, Section]:
    """Some sections of a district or city dashboard, counted by one statement."""
    rows = DistrictRows(ids, filters, names=[r for name in names for r in _ROWS_OF[name]])
    count = {
        "homework": lambda: homework_section(ids, filters, rows=rows),
        "afterschool": lambda: afterschool_section(ids, filters, rows=rows),
        "institutions": lambda: institutions_section(ids, filters, rows=rows),
        "findings": lambda: findings_section(ids, filters, user, rows=rows),
        "complaints": lambda: complaints_section(ids, filters, rows=rows),
        "rectification": lambda: rectification_section(ids, filters, rows=rows),
    }
    return {name: count[name]() for name in names}


def _in_all(name: str, section: Section) -> dict:
    """A section's figures for all the districts asked for (homework and after-school with their weeks)."""
    return {**section[None], "weeks": section["weeks"]} if name in ("homework", "afterschool") else section[None]


def _parts(head: dict, ids: list[int], filters: Filters, user, topics, districts: list[dict] | None = None) -> dict:
    """The parts (``SECTIONS_OF``) of a dashboard for these topics, each with the dashboard's head; with
    ``districts`` (the city's) each part also lists its sections per district."""
    counted = _sections(ids, filters, user, [name for topic in topics for name in SECTIONS_OF[topic]])
    parts = {}
    for topic in topics:
        part = {**head, **{name: _in_all(name, counted[name]) for name in SECTIONS_OF[topic]}}
        if districts is not None:
            part["districts"] = [
                {"code": d["code"], "name": d["name"], **{name: counted[name][d["id"]] for name in SECTIONS_OF[topic]}}
                for d in districts
            ]
        parts[topic] = part
    return parts


def dashboard_from_parts(parts: Mapping[str, dict]) -> dict:
    """A district or city dashboard put together from its parts (``district_dashboard_parts``,
    ``city_dashboard_parts``), in the order it lists its sections."""
    merged: dict[str, Any] = {}
    districts: list[dict] = []
    for part in parts.values():
        merged.update({k: v for k, v in part.items() if k != "districts"})
        for i, row in enumerate(part.get("districts", ())):
            if i == len(districts):
                districts.append({})
            districts[i].update(row)
    out = {k: merged[k] for k in ("scope", "filters", *SECTIONS) if k in merged}
    if districts:
        out["districts"] = [{k: d[k] for k in ("code", "name", *SECTIONS) if k in d} for d in districts]
    return out


def district_dashboard_parts(*, district: District, filters: Filters, user, topics=TOPICS) -> dict:
    _in_scope(user, district)
    head = {"scope": {"kind": "district", "code": district.code, "name": district.name}, "filters": filters.as_dict()}
    return _parts(head, [district.pk], filters, user, topics)


def district_dashboard(*, district: District, filters: Filters, user) -> dict:
    return dashboard_from_parts(district_dashboard_parts(district=district, filters=filters, user=user))


def city_dashboard_parts(*, filters: Filters, user, topics=TOPICS) -> dict:
    _in_scope(user)
    districts = list(District.objects.order_by("code").values("id", "code", "name"))
    head = {"scope": {"kind": "city", "name": _("北京市")}, "filters": filters.as_dict()}
    return _parts(head, [d["id"] for d in districts], filters, user, topics, districts=districts)


def city_dashboard(*, filters: Filters, user) -> dict:
    return dashboard_from_parts(city_dashboard_parts(filters=filters, user=user))


def school_dashboard(*, school: School, filters: Filters, user) -> dict:
    ids = [school.district_id]
    hw = homework_section(ids, filters, school_id=school.pk)
    aschool = afterschool_section(ids, filters, school_id=school.pk)
    return {
        "scope": {"kind": "school", "id": school.pk, "name": school.name, "district": school.district.code},
        "filters": filters.as_dict(),
        "homework": {**hw[None], "weeks": hw["weeks"]},
        "afterschool": {**aschool[None], "weeks": aschool["weeks"]},
        "findings": findings_section(ids, filters, user, school_id=school.pk)[None],
    }


def district_schools(*, district: District, filters: Filters) -> list[dict]:
    """The drill-down: each school of the district with its homework and after-school figures (two queries)."""
    hw = ClassDayStat.objects.filter(district=district, date__range=(filters.date_from, filters.date_to))
    aschool = SchoolDayStat.objects.filter(district=district, date__range=(filters.date_from, filters.date_to))
    schools = School.objects.filter(district=district)
    if filters.stage:
        hw, aschool, schools = (
            hw.filter(stage=filters.stage),
            aschool.filter(stage=filters.stage),
            schools.filter(stage=filters.stage),
        )
    if filters.grade_band:
        hw = hw.filter(grade_band=filters.grade_band)
    hw_rows = {
        r["school_id"]: r
        for r in hw.values("school_id")
        .annotate(
            minutes_total=Sum(Case(When(filed=1, then=F("written_minutes")), default=0)),
            expected=Sum("expected"),
            filed=Sum("filed"),
            on_time=Sum("on_time"),
            within_limit=Sum("within_limit"),
        )
        .order_by()
    }
    as_rows = {
        r["school_id"]: r for r in aschool.values("school_id").annotate(**{k: Sum(k) for k in AS_SUMS}).order_by()
    }
    out = []
    for s in schools.order_by("code").values("id", "code", "name", "stage"):
        h = hw_rows.get(s["id"], ZERO_HW)
        a = as_rows.get(s["id"]) or dict.fromkeys(AS_SUMS, 0)
        out.append(
            {
                **s,
                "homework": {
                    "expected": h["expected"],
                    "filed": h["filed"],
                    "on_time": h["on_time"],
                    "completeness": rate(h["filed"], h["expected"]),
                    "timeliness": rate(h["on_time"], h["expected"]),
                    "within_limit_share": rate(h["within_limit"], h["filed"]),
                    "avg_minutes": round(h["minutes_total"] / h["filed"], 1) if h["filed"] else None,
                },
                "afterschool": _as_figures(a),
            }
        )
    return out


# -- monthly district reports (区月报) ---------------------------------------------------------------------------


def month_range(month: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the calendar month containing ``month``."""
    first = month.replace(day=1)
    return first, (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def month_figures(*, district: District, month: dt.date, user) -> dict:
    """What a monthly report freezes: the district dashboard over the whole calendar month, every stage and band."""
    first, last = month_range(month)
    return district_dashboard(district=district, filters=Filters(date_from=first, date_to=last), user=user)


def month_locked(district_id: int, day: dt.date) -> bool:
    """True when the district's month containing ``day`` has an accepted monthly report (one query)."""
    from .models import MonthlyReport

    return MonthlyReport.objects.accepted().filter(district_id=district_id, month=day.replace(day=1)).exists()


def months_locked(pairs: Iterable[tuple[int, dt.date]]) -> set[tuple[int, dt.date]]:
    """The (district id, day) pairs among ``pairs`` whose month is accepted, in one query however many pairs."""
    from .models import MonthlyReport

    pairs = list(pairs)
    if not pairs:
        return set()
    accepted = set(
        MonthlyReport.objects.accepted()
        .filter(
            district_id__in={d for d, _day in pairs},
            month__in={day.replace(day=1) for _d, day in pairs},
        )
        .values_list("district_id", "month")
    )
    return {(d, day) for d, day in pairs if (d, day.replace(day=1)) in accepted}


def reports_visible(*, user) -> QuerySet:
    """The monthly reports the caller may see (city: all; district staff: their district's; others: none)."""
    from .models import MonthlyReport

    return MonthlyReport.objects.visible_to(user).select_related("district", "frozen_by", "submitted_by", "accepted_by")


def recent_months(today: dt.date | None = None, count: int = 6) -> list[dt.date]:
    """The first days of the ``count`` months up to the current one, newest first."""
    month = (today or timezone.localdate()).replace(day=1)
    out = []
    for _i in range(count):
        out.append(month)
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return out


def report_grid(*, user, months: list[dt.date]) -> list[dict]:
    """Districts × months with each month's report (or None): the city's overview of who reported what (2 queries)."""
    from .models import MonthlyReport

    reports = {
        (r.district_id, r.month): r
        for r in MonthlyReport.objects.visible_to(user)
        .filter(month__in=months)
        .only("id", "district_id", "month", "state")
    }
    districts = restrict(District.objects.order_by("code"), user).distinct()
    return [{"district": d, "cells": [reports.get((d.pk, m)) for m in months]} for d in districts]


# -- published figures: accepted months only (?final=1) ------------------------------------------------------------


def _merge_counts(rows: list[dict], key: str, fields: Iterable[str]) -> list[dict]:
    merged: dict[str, dict] = {}
    for row in rows:
        into = merged.setdefault(row[key], {k: v for k, v in row.items() if k not in fields})
        _add(into, row, fields)
    return [merged[k] for k in sorted(merged)]


def _combine_homework(parts: list[dict]) -> dict:
    bands = []
    for band in BANDS:
        rows = [b for p in parts for b in p["bands"] if b["grade_band"] == band]
        if not rows:
            continue
        sums: dict[str, Any] = dict(ZERO_HW)
        for b in rows:
            _add(sums, b, ("expected", "filed", "on_time", "within_limit"))
            sums["minutes_total"] += (b["avg_minutes"] or 0) * b["filed"]
        bands.append({"grade_band": band, **_band_figures(sums, None)})
    filing: dict[str, Any] = {"expected": 0, "filed": 0, "on_time": 0}
    for p in parts:
        _add(filing, p["filing"], ("expected", "filed", "on_time"))
    filing["completeness"] = rate(filing["filed"], filing["expected"])
    filing["timeliness"] = rate(filing["on_time"], filing["expected"])
    return {"bands": bands, "filing": filing, "weeks": []}


def _combine_afterschool(parts: list[dict]) -> dict:
    sums = dict.fromkeys(AS_SUMS, 0)
    for p in parts:
        _add(sums, p, ("expected", "reported", "on_time", "enrolled", "participants"))
        sums["ended_after_min"] += p["ended_after_1730"]
        sums["pe_minutes"] += (p["avg_pe_minutes"] or 0) * p["reported"]
        sums["exercise_minutes"] += (p["avg_exercise_minutes"] or 0) * p["reported"]
    return {**_as_figures(sums), "weeks": []}


def _combine_institutions(parts: list[dict]) -> dict:
    out: dict[str, Any] = {"total": 0, "prepayments": 0, "prepayments_over_limit": 0}
    for key in ("by_category", "by_licence_status", "by_list_status"):
        tally: Counter[str] = Counter()
        for p in parts:
            tally.update(p[key])
        out[key] = dict(tally)
    for p in parts:
        _add(out, p, ("total", "prepayments", "prepayments_over_limit"))
    out["sessions_flagged"] = _merge_counts([s for p in parts for s in p["sessions_flagged"]], "rule_id", ("count",))
    return out


def _combine_findings(parts: list[dict]) -> dict:
    oldest = min((p for p in parts if p["oldest_open_since"]), key=lambda p: p["oldest_open_since"], default=None)
    cleared = sum(p["cleared"] for p in parts)
    rectify_days = sum((p["avg_days_to_rectify"] or 0) * p["cleared"] for p in parts)
    return {
        "by_rule": _merge_counts([r for p in parts for r in p["by_rule"]], "rule_id", FINDING_COUNTS),
        "by_severity": _merge_counts([r for p in parts for r in p["by_severity"]], "severity", FINDING_COUNTS),
        "open": sum(p["open"] for p in parts),
        "cleared": cleared,
        "dismissed": sum(p["dismissed"] for p in parts),
        "oldest_open_rule": oldest["oldest_open_rule"] if oldest else None,
        "oldest_open_since": oldest["oldest_open_since"] if oldest else None,
        "oldest_open_days": oldest["oldest_open_days"] if oldest else None,
        "avg_days_to_rectify": round(rectify_days / cleared, 1) if cleared else None,
    }


def _combine_complaints(parts: list[dict]) -> dict:
    keys = ("received", "accepted", "resolved", "overdue")
    out: dict[str, Any] = dict.fromkeys(keys, 0)
    for p in parts:
        _add(out, p, keys)
    out["by_category"] = _merge_counts([r for p in parts for r in p["by_category"]], "category", keys)
    out["by_department"] = _merge_counts([r for p in parts for r in p["by_department"]], "department", keys)
    out["median_working_days"] = None
    out["calendar_gap"] = any(p["calendar_gap"] for p in parts)
    return out


def _combine_rectification(parts: list[dict]) -> dict:
    out: dict[str, Any] = dict.fromkeys(NOTICE_COUNTS, 0)
    for part in parts:
        _add(out, part, NOTICE_COUNTS)
    out["on_time_rate"] = rate(out["on_time"], out["on_time"] + out["overdue"])
    return out


SECTIONS = ("homework", "afterschool", "institutions", "findings", "complaints", "rectification")
#: a section frozen before it existed (reports accepted before the rectification section was added) counts as empty
FROZEN_DEFAULTS = {"rectification": {**dict.fromkeys(NOTICE_COUNTS, 0), "on_time_rate": None}}
COMBINE = {
    "homework": _combine_homework,
    "afterschool": _combine_afterschool,
    "institutions": _combine_institutions,
    "findings": _combine_findings,
    "complaints": _combine_complaints,
    "rectification": _combine_rectification,
}


def city_final_dashboard(*, month: dt.date, user) -> dict:
    """The city dashboard of one month from the accepted monthly reports only (``?final=1``, 2 queries).

    Each district row is its accepted report's frozen figures; a district whose month is not accepted is left
    out of ``districts`` and named in ``final.pending`` with its report's state. The city totals add the
    accepted districts' frozen counts up and divide again; what cannot be added up from frozen summaries (the
    90th percentile, the median handling time, the weekly trend) is null or empty.
    """
    first, last = month_range(month)
    reports = {r.district_id: r for r in reports_visible(user=user).filter(month=first)}
    accepted, pending = [], []
    for d in District.objects.order_by("code").values("id", "code", "name"):
        r = reports.get(d["id"])
        if r is not None and r.state == "accepted":
            accepted.append(
                {
                    "code": d["code"],
                    "name": d["name"],
                    **{k: r.figures.get(k, FROZEN_DEFAULTS.get(k)) for k in SECTIONS},
                }
            )
        else:
            pending.append({"code": d["code"], "name": d["name"], "state": r.state if r else None})
    return {
        "scope": {"kind": "city", "name": _("北京市")},
        "filters": Filters(date_from=first, date_to=last).as_dict(),
        **{k: COMBINE[k]([d[k] for d in accepted]) for k in SECTIONS},
        "districts": accepted,
        "final": {"month": f"{first:%Y-%m}", "accepted": len(accepted), "pending": pending},
    }


#: where ``stats_refresh`` notes the time it last finished (the "数据截至" stamp of the pages)
REFRESHED_AT_KEY = "dashboards:refreshed-at"


def figures_as_of():
    """When the dashboards' figures were last refreshed: the time ``stats_refresh`` noted in the shared cache, or,
    when the cache lost it, the finish of the last compliance run (every run is followed by a refresh); None when
    neither is known."""
    from django.core.cache import cache

    from compliance.models import ComplianceRun

    noted = cache.get(REFRESHED_AT_KEY)
    if noted is not None:
        return noted
    last = ComplianceRun.objects.filter(finished_at__isnull=False).order_by("-finished_at").first()
    return last.finished_at if last is not None else None


def summary_disagreements() -> list[tuple]:
    """The groups where a district-grain summary table disagrees with the finer table it sums (one query; an empty
    list when every table agrees): (summary table, district id, day, the group's other key, the finer sums, the
    summary's). ``manage.py check_dashboards`` prints them."""
    from django.db import connection

    from . import sql

    with connection.cursor() as cursor:
        cursor.execute(sql.SUMMARY_DISAGREEMENTS)
        return cursor.fetchall()
