"""Shared queries and evidence builders for the institution rules (``institutions/rules.py``).

Times are Beijing time (Asia/Shanghai) whatever time zone is active: a session
is dated by the local date it starts on, and "ends after 20:30" means the local
clock.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import TruncDate, TruncTime

from compliance.registry import SweepContext
from schools.calendar import DayKind
from schools.choices import SUBJECT_TYPE

from .choices import Category, ListStatus
from .models import Course, Institution, ListStatusChange, Session

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
    "class_group",
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
    """Records whose subject (at ``path``) is a subject-type subject (学科类科目)."""
    return Q(**{f"{path}__in": sorted(SUBJECT_TYPE)})


def subject_training_q(course: str = "course__") -> Q:
    """Subject-type training (学科类培训), as Art. 13 ("严控学科类培训时间") means it: a lesson of a course in a
    subject-type subject, or any lesson of an institution registered as subject-type. ``course`` leads from the
    queried model to the course (``""`` when querying courses). One definition for every TI-13 rule."""
    return subject_type_q(f"{course}subject") | Q(**{f"{course}institution__category": Category.SUBJECT})


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


# -- the black list's dated history (TI-18-BLACKLIST) --------------------------------------------------------


def ever_black_q(institution: str) -> Q:
    """Rows whose institution (``institution``: the path to it, with its trailing ``__``) is or ever was
    black-listed: the cheap first filter (one hashed subquery) before the history is read row by row."""
    listed = ListStatusChange.objects.filter(to_status=ListStatus.BLACK).values("institution_id")
    return Q(**{f"{institution}id__in": listed}) | Q(**{f"{institution}list_status": ListStatus.BLACK})


def listing_on(queryset, *, institution: str, day: str):
    """Annotate each row with its institution's list status in force on the row's date, from the dated history.

    ``institution`` is the path to the institution (with its trailing ``__``), ``day`` names the row's date (a
    field or an annotation). The status on day D is that of the latest ``ListStatusChange`` effective on or
    before D (``list_status_on``, in force since ``listed_on``); ``lifted_on`` is the first later change to
    another status (the listing lifted, or changed to white). ``has_list_history`` is false for an institution
    registered before the history was kept: for it the rule reads ``list_status`` / ``list_status_since``.
    Correlated subqueries on the (institution, effective_on) index, no per-row query.
    """
    changes = ListStatusChange.objects.filter(institution_id=OuterRef(f"{institution}id"))
    in_force = changes.filter(effective_on__lte=OuterRef(day)).order_by("-effective_on", "-at", "-id")
    later = changes.filter(effective_on__gt=OuterRef(day)).exclude(to_status=ListStatus.BLACK)
    return queryset.annotate(
        has_list_history=Exists(changes),
        list_status_on=Subquery(in_force.values("to_status")[:1]),
        listed_on=Subquery(in_force.values("effective_on")[:1]),
        lifted_on=Subquery(later.order_by("effective_on", "at", "id").values("effective_on")[:1]),
    )


def black_listed_q(*, institution: str, day: str) -> Q:
    """Rows annotated by ``listing_on`` dated after the day their institution was black-listed, by the listing in
    force on their own date (the listing day itself does not count); the current listing for an institution
    without history."""
    history = Q(has_list_history=True, list_status_on=ListStatus.BLACK, listed_on__lt=F(day))
    legacy = Q(
        has_list_history=False,
        **{
            f"{institution}list_status": ListStatus.BLACK,
            f"{institution}list_status_since__isnull": False,
            f"{institution}list_status_since__lt": F(day),
        },
    )
    return history | legacy


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
    if row.get("class_group"):
        evidence["class_group"] = row["class_group"]
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
