"""Writes of the dashboards app: rebuild the summary tables for some districts and dates.

``stats_refresh`` is set-based: per call, one DELETE and one INSERT … SELECT per
summary table over the whole scope (``dashboards/sql.py``), whatever the number
of classes, items or reports. The only Python loop
is over the days of the range, to resolve the school calendar and the dated
rule parameters into ``SchoolDay`` rows.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass

from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from compliance.parameters import parameter_segments
from homework.limits import LIMIT_PARAMS, MINUTE_LIMITS
from schools.calendar import SchoolCalendar, academic_year
from schools.models import District
from shuangjian.errors import ConflictError, ForbiddenError, ServiceError

from . import sql
from .caching import FIGURES, figures_changed, stats_version_bump
from .choices import ReportState, ReportTransition
from .models import ClassDayStat, MonthlyReport, SchoolDay, SchoolDayStat

#: the dated rule parameters the summary tables resolve per day (the written-minute limits: ``homework.limits``)
PARAM_KEYS = ("hw_filing_deadline", "hw_filing_grace_days", *LIMIT_PARAMS, "as_filing_grace_days", "as_min_end_time")


@dataclass
class RefreshCounts:
    school_days: int = 0
    class_days: int = 0
    school_day_reports: int = 0


logger = logging.getLogger(__name__)


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _hhmm(value) -> dt.time:
    if isinstance(value, dt.time):
        return value
    hour, minute = (int(x) for x in str(value).split(":")[:2])
    return dt.time(hour, minute)


def _school_day_rows(district: District, date_from: dt.date, date_to: dt.date) -> list[SchoolDay]:
    """The district's school days in the range with the parameters in force on each (raises ``CalendarGap``)."""
    calendar = SchoolCalendar(district)
    tz = timezone.get_default_timezone()
    rows = []
    for start, end, params in parameter_segments(PARAM_KEYS, date_from, date_to):
        hw_at = _hhmm(params["hw_filing_deadline"])
        hw_grace = int(params["hw_filing_grace_days"])
        as_grace = int(params["as_filing_grace_days"])
        for day in calendar.school_days(start, end):
            rows.append(
                SchoolDay(
                    district=district,
                    date=day,
                    week=week_start(day),
                    academic_year=academic_year(day),
                    # HW-4-PUBLISH: filed by the deadline time, grace days later (inclusive)
                    homework_cutoff=timezone.make_aware(
                        dt.datetime.combine(day + dt.timedelta(days=hw_grace), hw_at), tz
                    ),
                    # AS-REPORT-MISSING: first filed before the end of the day grace days later
                    report_cutoff=timezone.make_aware(
                        dt.datetime.combine(day + dt.timedelta(days=as_grace + 1), dt.time.min), tz
                    ),
                    **{sql.limit_column(limit): limit.limit(params) for limit in MINUTE_LIMITS if limit.param},
                    min_end_time=_hhmm(params["as_min_end_time"]),
                )
            )
    return rows


def _refresh(cursor, ids, date_from, date_to) -> None:
    """Rebuild every summary table's rows of the districts and dates (statements in ``dashboards/sql.py``)."""
    scope = {"districts": ids, "date_from": date_from, "date_to": date_to}
    for model in sql.SUMMARY_TABLES:
        cursor.execute(sql.summary_delete(model), scope)
    cursor.execute(sql.class_days_insert(), scope)
    cursor.execute(sql.HOMEWORK_DAYS_INSERT, scope)
    cursor.execute(sql.HOMEWORK_MINUTES_INSERT, scope)
    cursor.execute(sql.MINUTES_TO_DATE_DELETE, scope)
    cursor.execute(sql.MINUTES_TO_DATE_INSERT, scope)
    cursor.execute(sql.SCHOOL_DAYS_INSERT, scope)
    cursor.execute(sql.AFTERSCHOOL_DAYS_INSERT, scope)


def _note_refreshed() -> None:
    """Note when the figures were last rebuilt, for the pages' "数据截至" stamp (``selectors.figures_as_of``)."""
    from django.core.cache import cache

    from .selectors import REFRESHED_AT_KEY

    try:
        cache.set(REFRESHED_AT_KEY, timezone.now(), None)
    except Exception:
        logger.warning("dashboards refresh stamp not stored", exc_info=True)


def stats_refresh(*, district_ids=None, date_from: dt.date, date_to: dt.date, school_ids=None) -> RefreshCounts:
    """Recompute every summary row of these districts (all when None) and dates, in one transaction.

    With ``school_ids`` (the schools whose filings a sweep followed) only those schools' class-day and school-day
    rows are rebuilt, and their districts' district-grain rows moved by the difference (``_refresh_schools``), as
    long as the districts' school days of the range are the ones already stored (same calendar, same parameters);
    otherwise, and without ``school_ids``, every row of the districts and dates is rebuilt.

    Days after today are left out: a filing is not expected before its day.
    Raises ``CalendarGap`` for a year the calendar does not know.
    """
    date_to = min(date_to, timezone.localdate())
    districts = list(District.objects.filter(pk__in=district_ids) if district_ids else District.objects.all())
    counts = RefreshCounts()
    if date_to < date_from or not districts:
        return counts
    ids = [d.pk for d in districts]
    day_rows = [row for d in districts for row in _school_day_rows(d, date_from, date_to)]
    schools = sorted({int(i) for i in school_ids}) if school_ids else None
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql.REFRESH_LOCK, {"districts": sorted(ids)})
        if schools is None or not _school_days_stored(ids, date_from, date_to, day_rows):
            schools = None
            SchoolDay.objects.filter(district_id__in=ids, date__range=(date_from, date_to)).delete()
            SchoolDay.objects.bulk_create(day_rows, batch_size=2000)
            cursor.execute(sql.SCHOOL_DAYS_ANALYZE)
            _refresh(cursor, ids, date_from, date_to)
        else:
            _refresh_schools(cursor, ids, schools, date_from, date_to)
        # the summary tables hold no complaint: the complaints parts of cached dashboards stay current
        figures_changed(ids if district_ids else None, topics=(FIGURES,))
    _note_refreshed()
    counts.school_days = len(day_rows)
    rows = {"district_id__in": ids, "date__range": (date_from, date_to)}
    if schools is not None:
        rows["school_id__in"] = schools
    counts.class_days = ClassDayStat.objects.filter(**rows).count()
    counts.school_day_reports = SchoolDayStat.objects.filter(**rows, reported=1).count()
    return counts


#: what a ``SchoolDay`` row holds besides its key (the calendar and the parameters in force that day)
_SCHOOL_DAY_FIELDS = tuple(
    f.attname for f in SchoolDay._meta.concrete_fields if not f.primary_key and f.attname not in ("district_id", "date")
)


def _school_days_stored(ids, date_from: dt.date, date_to: dt.date, day_rows: list[SchoolDay]) -> bool:
    """Whether the stored school days of these districts and dates are exactly ``day_rows`` (the calendar and the
    parameters have not changed since they were written), so that other schools' rows counted against them stand."""
    stored = SchoolDay.objects.filter(district_id__in=ids, date__range=(date_from, date_to)).values_list(
        "district_id", "date", *_SCHOOL_DAY_FIELDS
    )
    wanted = {(r.district_id, r.date, *(getattr(r, name) for name in _SCHOOL_DAY_FIELDS)) for r in day_rows}
    return set(stored) == wanted


def _refresh_schools(cursor, ids, schools, date_from, date_to) -> None:
    """Rebuild the class-day and school-day rows of these schools (of the districts) and dates, and move the
    districts' rows by the difference: old sums subtracted, new ones added, emptied groups deleted, the running
    histogram of minutes rewritten from the first day on (``dashboards/sql.py``)."""
    scope = {"districts": ids, "schools": schools, "date_from": date_from, "date_to": date_to}
    cursor.execute(sql.CLASS_DAYS_SUBTRACT, scope)
    cursor.execute(sql.CLASS_DAYS_ADD, scope)
    cursor.execute(sql.SCHOOL_DAYS_SUBTRACT, scope)
    cursor.execute(sql.SCHOOL_DAYS_ADD, scope)
    cursor.execute(sql.EMPTY_GROUPS_DELETE, scope)
    cursor.execute(sql.MINUTES_TO_DATE_DELETE, scope)
    cursor.execute(sql.MINUTES_TO_DATE_INSERT, scope)


#: the rules that check what the summary tables count (homework filings, after-school reports): a run of
#: other rules only (complaints, institutions) changes findings, which dashboards read directly
SUMMARY_RULE_PREFIXES = ("HW-", "AS-")
#: how long the note that a run's figures were refreshed is kept (a lost note only repeats a refresh)
RUN_REFRESHED_SECONDS = 24 * 3600


def stats_refresh_later(*, district_ids, date_from: dt.date, date_to: dt.date) -> None:
    """Ask a worker to refresh these districts and dates once the current transaction commits (a class moved).

    The task is looked up by its registered name (``dashboards.apps`` imports the tasks at start-up), so this
    module does not import the tasks module that imports it.
    """
    from shuangjian.celery import app

    ids = sorted({int(i) for i in district_ids}) if district_ids else None
    refresh = app.tasks["dashboards.tasks.refresh_stats"]
    transaction.on_commit(lambda: refresh.delay(ids, date_from.isoformat(), date_to.isoformat()))


def stats_refresh_for_run(*, run_id: int) -> RefreshCounts:
    """After a compliance run: refresh the districts and dates it covered, once per state of its parts.

    Its sweep follows new filings (the debounced sweep) or the nightly schedule,
    so the summary tables of its scope are rebuilt; a run of complaint or
    institution rules only needs the cached dashboards dropped. The engine may
    report a run finished more than once (its parts counted again): the refresh
    is skipped when no part finished since the last one.
    """
    from compliance.models import ComplianceRun

    run = ComplianceRun.objects.get(pk=run_id)
    parts = run.parts.aggregate(done=Count("id", filter=Q(finished_at__isnull=False)), last=Max("finished_at"))
    marker_key = f"dashboards:run-refreshed:{run_id}"
    marker = f"{parts['done']}:{parts['last'].isoformat() if parts['last'] else ''}"
    if cache.get(marker_key) == marker:
        return RefreshCounts()
    ids = list(District.objects.filter(code__in=run.district_codes).values_list("pk", flat=True)) or None
    if run.rule_ids and not any(r.startswith(SUMMARY_RULE_PREFIXES) for r in run.rule_ids):
        stats_version_bump(ids)
        counts = RefreshCounts()
    else:
        # the sweep of some schools' filings: those schools' rows (the rest of their districts did not change)
        counts = stats_refresh(
            district_ids=ids, date_from=run.date_from, date_to=run.date_to, school_ids=run.school_ids or None
        )
    cache.set(marker_key, marker, timeout=RUN_REFRESHED_SECONDS)
    return counts


# -- monthly district reports (区月报) -------------------------------------------------------------------------
#
# draft ──submit──▶ submitted ──accept──▶ accepted ──reopen (city, reason)──▶ draft
#   ▲  └─refresh─┘            └─return (city, reason)──▶ draft
#
# Each step locks the report row (select_for_update), checks the state it starts from, writes, records an audit
# event and notifies the other side, in one transaction; a step from the wrong state is a ConflictError (409).


#: the first month a report can be frozen for: the double-reduction measures took effect in July 2021
EARLIEST_MONTH = dt.date(2021, 7, 1)


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _district_staff_of(actor, district_id: int) -> None:
    from accounts.choices import Role
    from accounts.scoping import role_of

    profile = role_of(actor)
    if profile is None or profile.role != Role.DISTRICT or profile.district_id != district_id:
        raise ForbiddenError(_("只有本区教委工作人员可以汇总和报送本区月报"))


def _city_staff(actor) -> None:
    from accounts.scoping import is_city

    if not is_city(actor):
        raise ForbiddenError(_("只有市教委工作人员可以审核区月报"))


def _frozen_figures(*, district: District, month: dt.date, actor) -> dict:
    """The district dashboard over the month, as JSON (what the page, the API and the workbook then show)."""
    from django.core.serializers.json import DjangoJSONEncoder

    from .selectors import month_figures

    figures = month_figures(district=district, month=month, user=actor)
    return json.loads(json.dumps(figures, cls=DjangoJSONEncoder, ensure_ascii=False))


def _audit(*, actor, report: MonthlyReport, transition: str, before: str, request=None, reason: str = "") -> None:
    audit_record(
        actor=actor,
        action="status_change",
        obj=report,
        district=report.district_id,
        request=request,
        detail={
            "month": f"{report.month:%Y-%m}",
            "transition": transition,
            "from": before,
            "to": report.state,
            **({"reason": reason} if reason else {}),
        },
    )


def _report_url(report: MonthlyReport) -> str:
    return f"/dashboards/reports/{report.pk}/"


def report_freeze(*, actor, district: District, month: dt.date, request=None) -> MonthlyReport:
    """Freeze a district's month (汇总月报): create its draft report, or freeze a draft again with today's figures.

    A submitted or accepted month is not frozen again (409): the city returns or reopens it first.
    """
    _district_staff_of(actor, district.pk)
    month = _month_start(month)
    if month > _month_start(timezone.localdate()):
        raise ServiceError(_("不能汇总尚未开始的月份"), fields={"month": [_("不能晚于本月")]}, code="future_month")
    if month < EARLIEST_MONTH:
        raise ServiceError(
            _("“双减”措施自2021年7月起施行，不能汇总更早的月份"),
            fields={"month": [_("不能早于2021-07")]},
            code="too_early",
        )
    now = timezone.now()
    with transaction.atomic():
        report = MonthlyReport.objects.select_for_update().filter(district=district, month=month).first()
        if report is None:
            try:
                with transaction.atomic():
                    report = MonthlyReport.objects.create(
                        district=district, month=month, frozen_at=now, frozen_by=actor, figures={}
                    )
                    created = True
            except IntegrityError:  # another request created it a moment ago: freeze that one again
                report = MonthlyReport.objects.select_for_update().get(district=district, month=month)
                created = False
        else:
            created = False
        if report.state != ReportState.DRAFT:
            raise ConflictError(
                _("%(month)s月报当前状态为“%(state)s”，不能重新汇总")
                % {"month": f"{month:%Y-%m}", "state": report.get_state_display()},
                code="not_draft",
            )
        report.figures = _frozen_figures(district=district, month=month, actor=actor)
        report.frozen_at, report.frozen_by = now, actor
        report.save(update_fields=["figures", "frozen_at", "frozen_by"])
        audit_record(
            actor=actor,
            action="create" if created else "update",
            obj=report,
            district=district.pk,
            request=request,
            detail={"month": f"{month:%Y-%m}", "transition": ReportTransition.REFRESH.value},
        )
    return report


def report_refresh(*, actor, report: MonthlyReport, request=None) -> MonthlyReport:
    """Freeze a draft report again with the figures as they stand now."""
    return report_freeze(actor=actor, district=report.district, month=report.month, request=request)


def _locked(report: MonthlyReport, *, expect: str, transition: str) -> MonthlyReport:
    locked = MonthlyReport.objects.select_for_update().select_related("district").get(pk=report.pk)
    if locked.state != expect:
        raise ConflictError(
            _("%(month)s月报当前状态为“%(state)s”，不能%(step)s")
            % {
                "month": f"{locked.month:%Y-%m}",
                "state": locked.get_state_display(),
                "step": ReportTransition(transition).label,
            },
            code=f"cannot_{transition}",
        )
    return locked


def report_submit(*, actor, report: MonthlyReport, request=None) -> MonthlyReport:
    """The district submits its draft to the city (报送); only once the month is over."""
    _district_staff_of(actor, report.district_id)
    from notifications.services import notify_city_staff

    with transaction.atomic():
        locked = _locked(report, expect=ReportState.DRAFT, transition=ReportTransition.SUBMIT)
        last_day = (locked.month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        if timezone.localdate() <= last_day:
            raise ConflictError(
                _("%(month)s尚未结束，月末之后才能报送") % {"month": f"{locked.month:%Y-%m}"}, code="month_not_over"
            )
        locked.state = ReportState.SUBMITTED
        locked.submitted_at, locked.submitted_by = timezone.now(), actor
        locked.save(update_fields=["state", "submitted_at", "submitted_by"])
        _audit(
            actor=actor, report=locked, transition=ReportTransition.SUBMIT, before=ReportState.DRAFT, request=request
        )
        notify_city_staff(
            kind="month_report_submitted",
            title=_("%(district)s报送了%(month)s月报，待审核")
            % {"district": locked.district.name, "month": f"{locked.month:%Y-%m}"},
            url=_report_url(locked),
        )
    return locked


def _decide(*, actor, report, expect, to, transition, reason="", request=None, title, **fields) -> MonthlyReport:
    from notifications.services import notify_district_staff

    _city_staff(actor)
    with transaction.atomic():
        locked = _locked(report, expect=expect, transition=transition)
        locked.state = to
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save(update_fields=["state", *fields])
        _audit(actor=actor, report=locked, transition=transition, before=expect, request=request, reason=reason)
        notify_district_staff(
            locked.district,
            kind="month_report_decided",
            title=title % {"month": f"{locked.month:%Y-%m}"},
            body=reason,
            url=_report_url(locked),
        )
    return locked


def _reason(reason: str, message) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(message, fields={"reason": [_("必填")]}, code="reason_required")
    return reason


def report_accept(*, actor, report: MonthlyReport, request=None) -> MonthlyReport:
    """City staff accept a submitted report: the month is locked (``selectors.month_locked``)."""
    return _decide(
        actor=actor,
        report=report,
        expect=ReportState.SUBMITTED,
        to=ReportState.ACCEPTED,
        transition=ReportTransition.ACCEPT,
        request=request,
        title=_("%(month)s月报已通过审核"),
        accepted_at=timezone.now(),
        accepted_by=actor,
    )


def report_return(*, actor, report: MonthlyReport, reason: str, request=None) -> MonthlyReport:
    """City staff return a submitted report with a reason: a draft again, the reason shown to the district."""
    _city_staff(actor)
    reason = _reason(reason, _("退回须说明理由"))
    return _decide(
        actor=actor,
        report=report,
        expect=ReportState.SUBMITTED,
        to=ReportState.DRAFT,
        transition=ReportTransition.RETURN,
        reason=reason,
        request=request,
        title=_("%(month)s月报被退回"),
        returned_reason=reason,
        returned_at=timezone.now(),
    )


def report_reopen(*, actor, report: MonthlyReport, reason: str, request=None) -> MonthlyReport:
    """City staff reopen an accepted month (with a reason): a draft again, its days no longer locked."""
    _city_staff(actor)
    reason = _reason(reason, _("重新开放须说明理由"))
    return _decide(
        actor=actor,
        report=report,
        expect=ReportState.ACCEPTED,
        to=ReportState.DRAFT,
        transition=ReportTransition.REOPEN,
        reason=reason,
        request=request,
        title=_("%(month)s月报已被市教委重新开放"),
        reopened_reason=reason,
        reopened_at=timezone.now(),
        accepted_at=None,
        accepted_by=None,
    )


def report_transition(*, transition: str, actor, report: MonthlyReport, reason: str = "", request=None):
    """One step by its name (``ReportTransition``), as the API's actions and the report page's buttons send it."""
    if transition == ReportTransition.REFRESH:
        return report_refresh(actor=actor, report=report, request=request)
    if transition == ReportTransition.SUBMIT:
        return report_submit(actor=actor, report=report, request=request)
    if transition == ReportTransition.ACCEPT:
        return report_accept(actor=actor, report=report, request=request)
    if transition == ReportTransition.RETURN:
        return report_return(actor=actor, report=report, reason=reason, request=request)
    if transition == ReportTransition.REOPEN:
        return report_reopen(actor=actor, report=report, reason=reason, request=request)
    raise ServiceError(_("无效的操作"), code="unknown_transition")
