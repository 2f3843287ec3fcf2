"""Shared queries and evidence builders for the institution rules (``institutions/rules.py``).

Times are Beijing time (Asia/Shanghai) whatever time zone is active: a session
is dated by the local date it starts on, and "ends after 20:30" means the local
clock.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import F, Q
from django.db.models.functions import TruncDate, TruncTime

from compliance.registry import SweepContext
from schools.calendar import DayKind
from schools.choices import SUBJECT_TYPE

from .models import Course, Institution, Session

SHANGHAI = ZoneInfo("Asia/Shanghai")

#: the fields a session's evidence and summary need, read in the rule's one query
SESSION_FIELDS = (
    "id",
    "course_id",
    "course__name",
    "course__subject",
    "course__institution_id",
    "course__institution__name",
    "starts_at",
    "ends_at",
    "mode",
    "site_id",
    "site__address",
    "local_date",
)


def local(value: dt.datetime) -> dt.datetime:
    return value.astimezone(SHANGHAI)


def as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def as_time(value) -> dt.time:
    return value if isinstance(value, dt.time) else dt.time.fromisoformat(str(value))


def day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=SHANGHAI)


def subject_type_q(path: str = "course__subject") -> Q:
    return Q(**{f"{path}__in": sorted(SUBJECT_TYPE)})


def audience_q(value: str, path: str = "audience") -> Q:
    """Institutions whose audience list holds ``value`` (a text match on the JSON list, on every backend)."""
    return Q(**{f"{path}__icontains": f'"{value}"'})


def skipped(ctx: SweepContext) -> bool:
    """A sweep limited to some schools (a school's filing) concerns no institution."""
    return ctx.school_ids is not None


def institutions(ctx: SweepContext):
    """The districts' institutions; none when the sweep is limited to some schools (a school filing)."""
    if skipped(ctx):
        return Institution.objects.none()
    return ctx.in_districts(Institution.objects.all())


def courses(ctx: SweepContext):
    if skipped(ctx):
        return Course.objects.none()
    return ctx.in_districts(Course.objects.all(), "institution__district_id")


def sessions(ctx: SweepContext):
    """The districts' sessions that start on a local date of the swept range, annotated with that date.

    The range is given as aware bounds so the ``starts_at`` index is used.
    """
    if skipped(ctx):
        return Session.objects.none()
    return ctx.in_districts(
        Session.objects.filter(
            starts_at__gte=day_start(ctx.date_from),
            starts_at__lt=day_start(ctx.date_to + dt.timedelta(days=1)),
        ),
        "course__institution__district_id",
    ).annotate(local_date=TruncDate("starts_at", tzinfo=SHANGHAI))


def with_local_end(queryset):
    """Annotate the local date and clock time a session ends."""
    return queryset.annotate(
        end_date=TruncDate("ends_at", tzinfo=SHANGHAI), end_time=TruncTime("ends_at", tzinfo=SHANGHAI)
    )


def ends_after(queryset, latest: dt.time):
    """Sessions whose local end is later than ``latest`` on the day they start (or on a later day)."""
    return with_local_end(queryset).filter(Q(end_time__gt=latest) | Q(end_date__gt=F("local_date")))


def minutes(delta: dt.timedelta) -> float:
    value = delta.total_seconds() / 60
    return int(value) if value == int(value) else round(value, 1)


def session_evidence(row: dict, **more) -> dict:
    starts, ends = local(row["starts_at"]), local(row["ends_at"])
    evidence = {
        "session_id": row["id"],
        "course_id": row["course_id"],
        "course": row["course__name"],
        "subject": row["course__subject"],
        "mode": row["mode"],
        "date": as_date(row["local_date"]).isoformat(),
        "starts_at": starts.isoformat(),
        "ends_at": ends.isoformat(),
        "time": f"{starts:%H:%M}–{ends:%H:%M}",
        "minutes": minutes(ends - starts),
    }
    if row.get("site_id") or row.get("site__address"):
        evidence["site"] = row.get("site__address") or ""
    evidence.update(more)
    return evidence


def session_label(row: dict) -> str:
    starts, ends = local(row["starts_at"]), local(row["ends_at"])
    return f"{row['course__institution__name']}《{row['course__name']}》{starts:%m-%d %H:%M}–{ends:%H:%M}"


def day_kind_label(kind: str) -> str:
    return DayKind.LABELS.get(kind, kind)


def course_evidence(course: Course, **more) -> dict:
    evidence = {
        "course_id": course.pk,
        "course": course.name,
        "subject": course.subject,
        "subject_label": str(course.get_subject_display()),
        "mode": course.mode,
    }
    evidence.update(more)
    return evidence


def institution_evidence(inst: Institution, **more) -> dict:
    evidence = {
        "institution_id": inst.pk,
        "institution": inst.name,
        "credit_code": inst.credit_code,
        "category": inst.category,
    }
    evidence.update(more)
    return evidence
