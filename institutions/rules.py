"""The off-campus training rules (校外培训, Art. 12–18, 31) and TE-26-PAID, registered with the compliance engine.

Three kinds of rule, as the catalogue (RULES.md) dates them:

- session rules (TI-13-*, TI-12-SITE, and the sessions of TI-12-UNLICENSED and
  TI-18-BLACKLIST) read the sessions that start on a Beijing-time date of the
  swept range; one finding per session (``key="session:<id>"``), dated by that
  local date. Holidays, rest days, make-up working days and vacations come
  from the district's school calendar, which says when it does not know a year.
  The TI-13 rules (Art. 13, "严控学科类培训时间") judge subject-type training
  only: ``rule_queries.subject_training_q`` says which sessions that is;
- dated records: prepayments by ``paid_on``, enrolments by the course's
  ``enrolment_opens_on``;
- registration rules (``dated=False``): the state of the registry now, one
  finding per institution, or per course / trainer / staff member where one
  institution can have several. TI-14-POACH and TE-26-PAID judge the school
  teacher's serving status on the last day of the swept range.

Every rule is one or a few queries per district; Python only walks the
violating rows to build the evidence.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import (
    Case,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.expressions import RowRange, Window
from django.db.models.functions import Lag, TruncTime

from compliance.choices import RuleDays
from compliance.registry import SweepContext, Violation, case_rule, labels_zh, rule
from schools.choices import Subject, TeacherStatus
from schools.models import SchoolTeacher

from . import rule_queries as rq
from .choices import Audience, Category, DisclosureItem, LicenceStatus, ListStatus, Mode, SessionMode
from .models import Course, Disclosure, EnrolmentFiling, ForeignStaff, Prepayment, Trainer
from .pricing import PARAM_KEYS as GUIDE_PRICE_PARAMS
from .pricing import guide_price

SUBJECT_ZH = labels_zh(Subject)
TEACHER_STATUS_ZH = labels_zh(TeacherStatus)

CUTOFF = "new_subject_approval_cutoff"


# -- Art. 12: approval and licensing -------------------------------------------------------------


@rule(
    "TI-12-NEWSUBJ",
    article=12,
    severity="medium",
    subject="institution",
    reads=("institutions.institution",),
    dated=False,
    params=(CUTOFF,),
    title_zh="违规新批面向义务教育阶段的学科类培训机构",
    title_en="New subject-type institution for compulsory-education students approved after the cut-off",
    hint_zh="自截止日起不再审批新的面向义务教育阶段学生的学科类培训机构：撤销该审批并停止招生培训。",
    hint_en="No new subject-type institution for compulsory-education students may be approved after the "
    "cut-off: withdraw the approval and stop enrolment and training.",
)
def ti_12_newsubj(ctx: SweepContext) -> list[Violation]:
    """A subject-type institution for compulsory-education students approved on or after the cut-off."""
    cutoff = rq.as_date(ctx.params[CUTOFF])
    rows = rq.institutions(ctx).filter(
        rq.audience_q(Audience.COMPULSORY), category=Category.SUBJECT, approved_on__gte=cutoff
    )
    return [
        Violation(
            institution_id=i.pk,
            evidence=rq.institution_evidence(
                i, approved_on=i.approved_on.isoformat(), cutoff=cutoff.isoformat(), audience=i.audience
            ),
            summary=f"{i.name} 于 {i.approved_on} 获批学科类培训（截止日 {cutoff}）",
        )
        for i in rows
    ]


@rule(
    "TI-12-NONPROFIT",
    article=12,
    severity="medium",
    subject="institution",
    reads=("institutions.institution",),
    dated=False,
    title_zh="保留的学科类培训机构未登记为非营利性",
    title_en="Retained subject-type institution not registered as non-profit",
    hint_zh="保留的学科类培训机构须统一登记为非营利性机构：办理非营利性登记。",
    hint_en="A retained subject-type institution must be registered as non-profit.",
)
def ti_12_nonprofit(ctx: SweepContext) -> list[Violation]:
    """A subject-type institution still on the register (licence not revoked) that is not non-profit."""
    rows = (
        rq.institutions(ctx)
        .filter(category=Category.SUBJECT, nonprofit=False)
        .exclude(licence_status=LicenceStatus.REVOKED)
    )
    return [
        Violation(
            institution_id=i.pk,
            evidence=rq.institution_evidence(i, nonprofit=False, licence_status=i.licence_status),
            summary=f"{i.name} 为学科类机构，未登记为非营利性",
        )
        for i in rows
    ]


def _unlicensed_q(prefix: str = "") -> Q:
    return ~Q(**{f"{prefix}licence_status": LicenceStatus.VALID}) | Q(**{f"{prefix}licence_no": ""})


def _licence(status: str, number: str) -> dict:
    return {"licence_status": status, "licence_status_label": str(LicenceStatus(status).label), "licence_no": number}


@rule(
    "TI-12-UNLICENSED",
    article=12,
    severity="high",
    subject="institution",
    reads=("institutions.institution", "institutions.session", "institutions.course"),
    title_zh="无证或证照失效机构开展培训",
    title_en="Training by an institution without a valid licence",
    hint_zh="无办学许可证、许可证过期或被吊销的机构不得开展培训或招生：立即停止，依法取得许可后方可办学。",
    hint_en="Without a valid licence an institution may neither train nor enrol: stop at once until licensed.",
)
def ti_12_unlicensed(ctx: SweepContext) -> list[Violation]:
    """A session, or an enrolment opening, in the range by an institution without a valid licence.

    A registered course alone has no date; it shows up through its sessions and enrolment.
    """
    sessions = (
        rq.sessions(ctx)
        .filter(_unlicensed_q("course__institution__"))
        .values(*rq.SESSION_FIELDS, "course__institution__licence_status", "course__institution__licence_no")
    )
    out = [
        Violation(
            institution_id=s["course__institution_id"],
            date=rq.as_date(s["local_date"]),
            key=f"session:{s['id']}",
            evidence=rq.session_evidence(
                s,
                activity="session",
                **_licence(s["course__institution__licence_status"], s["course__institution__licence_no"]),
            ),
            summary=f"{rq.session_label(s)} 无有效办学许可证",
        )
        for s in sessions
    ]
    enrolments = (
        rq.courses(ctx)
        .filter(_unlicensed_q("institution__"), enrolment_opens_on__range=(ctx.date_from, ctx.date_to))
        .select_related("institution")
    )
    out += [
        Violation(
            institution_id=c.institution_id,
            date=c.enrolment_opens_on,
            key=f"enrolment:{c.pk}",
            evidence=rq.course_evidence(
                c,
                activity="enrolment",
                enrolment_opens_on=c.enrolment_opens_on.isoformat(),
                **_licence(c.institution.licence_status, c.institution.licence_no),
            ),
            summary=f"{c.institution.name}《{c.name}》{c.enrolment_opens_on:%m-%d} 开始招生，无有效办学许可证",
        )
        for c in enrolments
    ]
    return out


@rule(
    "TI-12-SITE",
    article=12,
    severity="medium",
    subject="institution",
    reads=("institutions.session", "institutions.site", "institutions.course"),
    title_zh="在未经审批的场所开展线下培训",
    title_en="Offline session at a site that is not approved",
    hint_zh="线下培训只能在审批登记的培训场所进行：停止在未审批地址培训，或先办理场所审批。",
    hint_en="Teach offline only at the institution's approved sites, or have the site approved first.",
)
def ti_12_site(ctx: SweepContext) -> list[Violation]:
    """An offline session with no site, another institution's site, or a site not approved."""
    rows = (
        rq.sessions(ctx)
        .filter(mode=SessionMode.OFFLINE)
        .filter(Q(site__isnull=True) | Q(site__approved=False) | ~Q(site__institution_id=F("course__institution_id")))
        .values(*rq.SESSION_FIELDS, "site__approved", "site__institution_id")
    )
    out = []
    for s in rows:
        if s["site_id"] is None:
            reason, label = "no_site", "未登记培训场所"
        elif s["site__institution_id"] != s["course__institution_id"]:
            reason, label = "other_institution", "场所不属于本机构"
        else:
            reason, label = "not_approved", "场所未经审批"
        out.append(
            Violation(
                institution_id=s["course__institution_id"],
                date=rq.as_date(s["local_date"]),
                key=f"session:{s['id']}",
                evidence=rq.session_evidence(
                    s, site_id=s["site_id"], site=s["site__address"] or "", reason=reason, reason_label=label
                ),
                summary=f"{rq.session_label(s)} {label}",
            )
        )
    return out


@rule(
    "TI-12-ONLINE",
    article=12,
    severity="medium",
    subject="institution",
    reads=("institutions.institution",),
    dated=False,
    params=(CUTOFF,),
    title_zh="线上学科类培训机构未重新审批",
    title_en="Online subject-type institution not re-approved",
    hint_zh="已备案的线上学科类培训机构须按标准重新审批；未通过的取消备案登记和ICP许可证。",
    hint_en="A filed online subject-type institution must be re-approved; without it, its filing and ICP "
    "licence are withdrawn.",
)
def ti_12_online(ctx: SweepContext) -> list[Violation]:
    """A subject-type institution teaching online with no re-approval on or after the cut-off."""
    cutoff = rq.as_date(ctx.params[CUTOFF])
    rows = (
        rq.institutions(ctx)
        .filter(category=Category.SUBJECT, mode__in=[Mode.ONLINE, Mode.BOTH])
        .filter(Q(reapproved_on__isnull=True) | Q(reapproved_on__lt=cutoff))
    )
    return [
        Violation(
            institution_id=i.pk,
            evidence=rq.institution_evidence(
                i,
                mode=i.mode,
                approved_on=i.approved_on.isoformat() if i.approved_on else None,
                reapproved_on=i.reapproved_on.isoformat() if i.reapproved_on else None,
                cutoff=cutoff.isoformat(),
                icp_no=i.icp_no,
            ),
            summary=f"{i.name} 开展线上学科类培训，{cutoff} 后未重新审批",
        )
        for i in rows
    ]


# -- Art. 13: training hours ------------------------------------------------------------------


@rule(
    "TI-13-HOLIDAY",
    article=13,
    severity="high",
    subject="institution",
    reads=("institutions.session", "institutions.course", "institutions.institution"),
    title_zh="占用节假日、休息日或寒暑假组织学科类培训",
    title_en="Subject-type session on a holiday, a rest day or in the school vacation",
    hint_zh="不得占用国家法定节假日、休息日及寒暑假期组织学科类培训：取消该课次（调休上班日视为工作日）。",
    hint_en="No subject-type training on statutory holidays, rest days or in the winter and summer vacations "
    "(a make-up working day counts as a working day): cancel the session.",
)
def ti_13_holiday(ctx: SweepContext) -> list[Violation]:
    """A subject-type session (``rule_queries.subject_training_q``) whose Beijing date is a statutory holiday, a
    rest day or a vacation day."""
    off = {d.date: d for d in ctx.calendar.days(ctx.date_from, ctx.date_to) if not d.is_school_day}
    if not off:
        return []
    rows = rq.sessions(ctx).filter(rq.subject_training_q(), local_date__in=sorted(off)).values(*rq.SESSION_FIELDS)
    out = []
    for s in rows:
        day = off[rq.as_date(s["local_date"])]
        label = rq.day_kind_label(day.kind)
        extra = {"day_kind": day.kind, "day_kind_label": label}
        if day.holiday_name:
            extra["holiday"] = day.holiday_name
        if day.vacation:
            extra["vacation"] = day.vacation
        if day.makeup_workday:
            extra["makeup_workday"] = True
        out.append(
            Violation(
                institution_id=s["course__institution_id"],
                date=day.date,
                key=f"session:{s['id']}",
                evidence=rq.session_evidence(s, **extra),
                summary=f"{rq.session_label(s)} 在{label}开展学科类培训",
            )
        )
    return out


@rule(
    "TI-13-SCHOOLHOURS",
    article=13,
    severity="medium",
    subject="institution",
    days=RuleDays.SCHOOL,
    reads=("institutions.session", "institutions.course", "institutions.institution"),
    params=("school_hours",),
    title_zh="学科类培训与中小学校教学时间冲突",
    title_en="Subject-type session during school hours",
    hint_zh="学科类培训时间不得与中小学校教学时间相冲突：将课次调整到上学日的教学时间以外。",
    hint_en="Subject-type training must not overlap school teaching hours on school days: move the session.",
)
def ti_13_schoolhours(ctx: SweepContext) -> list[Violation]:
    """A subject-type session (``rule_queries.subject_training_q``) on a school day (make-up working days
    included) overlapping ``school_hours``."""
    hours = ctx.params["school_hours"]
    start, end = rq.as_time(hours["start"]), rq.as_time(hours["end"])
    school_days = ctx.school_days()
    if not school_days:
        return []
    rows = (
        rq.with_local_end(rq.sessions(ctx).filter(rq.subject_training_q(), local_date__in=school_days))
        .annotate(start_time=TruncTime("starts_at", tzinfo=rq.SHANGHAI))
        .filter(Q(end_time__gt=start) | Q(end_date__gt=F("local_date")), start_time__lt=end)
        .values(*rq.SESSION_FIELDS)
    )
    out = []
    for s in rows:
        day = rq.as_date(s["local_date"])
        overlap_from = max(rq.local(s["starts_at"]), dt.datetime.combine(day, start, tzinfo=rq.SHANGHAI))
        overlap_to = min(rq.local(s["ends_at"]), dt.datetime.combine(day, end, tzinfo=rq.SHANGHAI))
        out.append(
            Violation(
                institution_id=s["course__institution_id"],
                date=day,
                key=f"session:{s['id']}",
                evidence=rq.session_evidence(
                    s,
                    school_hours=f"{start:%H:%M}–{end:%H:%M}",
                    overlap=f"{overlap_from:%H:%M}–{overlap_to:%H:%M}",
                    overlap_minutes=rq.minutes(overlap_to - overlap_from),
                ),
                summary=f"{rq.session_label(s)} 与学校教学时间 {start:%H:%M}–{end:%H:%M} 冲突",
            )
        )
    return out


def _group_label(row: dict) -> str:
    return f"（{row['class_group']}）" if row.get("class_group") else ""


def _late(ctx: SweepContext, *, mode: str, param: str, what: str) -> list[Violation]:
    latest = rq.as_time(ctx.params[param])
    rows = rq.ends_after(rq.sessions(ctx).filter(rq.subject_training_q(), mode=mode), latest).values(*rq.SESSION_FIELDS)
    return [
        Violation(
            institution_id=s["course__institution_id"],
            date=rq.as_date(s["local_date"]),
            key=f"session:{s['id']}",
            evidence=rq.session_evidence(s, ends=f"{rq.local(s['ends_at']):%H:%M}", latest_end=f"{latest:%H:%M}"),
            summary=f"{rq.session_label(s)} 学科类{what}结束晚于 {latest:%H:%M}",
        )
        for s in rows
    ]


@rule(
    "TI-13-LATE-OFFLINE",
    article=13,
    severity="high",
    subject="institution",
    reads=("institutions.session", "institutions.course", "institutions.institution"),
    params=("offline_latest_end",),
    title_zh="学科类线下培训结束时间晚于20:30",
    title_en="Subject-type offline session ends after 20:30",
    hint_zh="学科类线下培训结束时间不得晚于20:30：调整课次时间。",
    hint_en="Subject-type offline training must end by 20:30: reschedule the session.",
)
def ti_13_late_offline(ctx: SweepContext) -> list[Violation]:
    """A subject-type offline session (``rule_queries.subject_training_q``) whose Beijing end time is later than
    ``offline_latest_end`` (20:30 itself is allowed)."""
    return _late(ctx, mode=SessionMode.OFFLINE, param="offline_latest_end", what="线下培训")


@rule(
    "TI-13-LATE-ONLINE",
    article=13,
    severity="high",
    subject="institution",
    reads=("institutions.session", "institutions.course", "institutions.institution"),
    params=("online_latest_end",),
    title_zh="学科类线上培训结束时间晚于21:00",
    title_en="Subject-type online session ends after 21:00",
    hint_zh="学科类线上培训结束时间不得晚于21:00：调整课次时间。",
    hint_en="Subject-type online training must end by 21:00: reschedule the session.",
)
def ti_13_late_online(ctx: SweepContext) -> list[Violation]:
    """A subject-type online session (``rule_queries.subject_training_q``) whose Beijing end time is later than
    ``online_latest_end`` (21:00 itself is allowed)."""
    return _late(ctx, mode=SessionMode.ONLINE, param="online_latest_end", what="线上培训")


@rule(
    "TI-13-ONLINE-LEN",
    article=13,
    severity="medium",
    subject="institution",
    reads=("institutions.session", "institutions.course", "institutions.institution"),
    params=("online_max_lesson_minutes",),
    title_zh="学科类线上培训每课时超过30分钟",
    title_en="Subject-type online lesson longer than 30 minutes",
    hint_zh="学科类线上培训每课时不超过30分钟：拆分或缩短课次。",
    hint_en="A subject-type online lesson may last at most 30 minutes: shorten or split it.",
)
def ti_13_online_len(ctx: SweepContext) -> list[Violation]:
    """A subject-type online session (``rule_queries.subject_training_q``) longer than
    ``online_max_lesson_minutes`` (exactly the limit is allowed)."""
    limit = int(ctx.params["online_max_lesson_minutes"])
    rows = (
        rq.sessions(ctx)
        .filter(rq.subject_training_q())
        .filter(mode=SessionMode.ONLINE, ends_at__gt=F("starts_at") + dt.timedelta(minutes=limit))
        .values(*rq.SESSION_FIELDS)
    )
    return [
        Violation(
            institution_id=s["course__institution_id"],
            date=rq.as_date(s["local_date"]),
            key=f"session:{s['id']}",
            evidence=rq.session_evidence(s, max_minutes=limit),
            summary=f"{rq.session_label(s)} 线上课时 {rq.minutes(s['ends_at'] - s['starts_at'])} 分钟，超过 {limit} 分钟",
        )
        for s in rows
    ]


@rule(
    "TI-13-ONLINE-GAP",
    article=13,
    severity="medium",
    subject="institution",
    reads=("institutions.session", "institutions.course", "institutions.institution"),
    params=("online_min_gap_minutes",),
    title_zh="学科类线上培训同一班次课程间隔少于10分钟",
    title_en="Less than 10 minutes between two subject-type online lessons of the same class",
    hint_zh="同一班次线上课程间隔不少于10分钟：调整相邻课次时间。",
    hint_en="Leave at least 10 minutes between two online lessons of the same class.",
)
def ti_13_online_gap(ctx: SweepContext) -> list[Violation]:
    """A subject-type online session (``rule_queries.subject_training_q``) starting less than
    ``online_min_gap_minutes`` after an earlier online lesson of the same class ended on the same Beijing date.

    A class is a course's ``class_group`` (blank: the course's only class); window functions over each class's
    lessons of the day, so two classes of one course may have lessons back to back.
    """
    gap = int(ctx.params["online_min_gap_minutes"])
    partition = {
        "partition_by": [F("course_id"), F("class_group"), F("local_date")],
        "order_by": [F("starts_at").asc(), F("id").asc()],
    }
    rows = (
        rq.sessions(ctx)
        .filter(rq.subject_training_q(), mode=SessionMode.ONLINE)
        .annotate(
            prev_id=Window(Lag("id"), **partition),
            prev_starts=Window(Lag("starts_at"), **partition),
            prev_ends=Window(Lag("ends_at"), **partition),
            # the latest end of every earlier lesson of the day, in case lessons overlap
            earlier_end=Window(Max("ends_at"), frame=RowRange(start=None, end=-1), **partition),
        )
        .filter(earlier_end__isnull=False, starts_at__lt=F("earlier_end") + dt.timedelta(minutes=gap))
        .values(*rq.SESSION_FIELDS, "prev_id", "prev_starts", "prev_ends", "earlier_end")
    )
    out = []
    for s in rows:
        gap_minutes = rq.minutes(s["starts_at"] - s["earlier_end"])
        previous = {
            "session_id": s["prev_id"],
            "time": f"{rq.local(s['prev_starts']):%H:%M}–{rq.local(s['prev_ends']):%H:%M}",
        }
        out.append(
            Violation(
                institution_id=s["course__institution_id"],
                date=rq.as_date(s["local_date"]),
                key=f"session:{s['id']}",
                evidence=rq.session_evidence(
                    s,
                    class_group=s["class_group"],
                    previous_session=previous,
                    gap_minutes=gap_minutes,
                    min_gap_minutes=gap,
                ),
                summary=f"{rq.session_label(s)}{_group_label(s)} 与同班上一节线上课间隔 {gap_minutes} 分钟，"
                f"少于 {gap} 分钟",
            )
        )
    return out


# -- Art. 14: training services -----------------------------------------------------------------


@rule(
    "TI-14-CERT",
    article=14,
    severity="medium",
    subject="institution",
    reads=("institutions.trainer", "institutions.course"),
    dated=False,
    title_zh="学科类培训人员无教师资格证",
    title_en="Subject-type course taught without a teacher certificate",
    hint_zh="从事学科类培训的人员必须具备相应教师资格：登记其教师资格证号，或更换授课人员。",
    hint_en="Whoever teaches a subject-type course needs a teacher qualification: record the certificate "
    "number or replace the trainer.",
)
def ti_14_cert(ctx: SweepContext) -> list[Violation]:
    """A trainer with no certificate number on record assigned to a subject-type course (one finding per trainer)."""
    if rq.skipped(ctx):
        return []
    rows = (
        ctx.in_districts(
            Course.trainers.through.objects.filter(rq.subject_type_q(), trainer__certificate_no=""),
            "course__institution__district_id",
        )
        .values(
            "trainer_id",
            "trainer__name",
            "course_id",
            "course__name",
            "course__subject",
            "course__institution_id",
            "course__institution__name",
        )
        .order_by("trainer_id", "course_id")
    )
    by_trainer: dict[tuple, list] = defaultdict(list)
    for r in rows:
        by_trainer[
            (r["course__institution_id"], r["course__institution__name"], r["trainer_id"], r["trainer__name"])
        ].append(r)
    return [
        Violation(
            institution_id=inst_id,
            key=f"trainer:{trainer_id}",
            evidence={
                "trainer_id": trainer_id,
                "trainer": name,
                "certificate_no": "",
                "courses": [
                    {"course_id": r["course_id"], "course": r["course__name"], "subject": r["course__subject"]}
                    for r in items
                ],
            },
            summary=f"{inst_name} 培训人员 {name} 无教师资格证，讲授学科类课程 {len(items)} 门",
        )
        for (inst_id, inst_name, trainer_id, name), items in by_trainer.items()
    ]


@rule(
    "TI-14-NONSUBJ",
    article=14,
    severity="medium",
    subject="institution",
    reads=("institutions.course", "institutions.institution"),
    dated=False,
    title_zh="非学科类培训机构从事学科培训",
    title_en="Non-subject institution runs a subject-type course",
    hint_zh="严禁非学科类培训机构从事学科培训：停止该课程。",
    hint_en="A non-subject institution may not run subject-type training: stop the course.",
)
def ti_14_nonsubj(ctx: SweepContext) -> list[Violation]:
    """A course in a subject-type subject offered by an institution registered as non-subject."""
    rows = rq.courses(ctx).filter(rq.subject_type_q("subject"), institution__category=Category.NON_SUBJECT)
    rows = rows.select_related("institution")
    return [
        Violation(
            institution_id=c.institution_id,
            key=f"course:{c.pk}",
            evidence=rq.course_evidence(c, category=c.institution.category),
            summary=f"非学科类机构 {c.institution.name} 开设学科类课程《{c.name}》"
            f"（{SUBJECT_ZH.get(c.subject, c.subject)}）",
        )
        for c in rows
    ]


@rule(
    "TI-14-FOREIGN-CURR",
    article=14,
    severity="medium",
    subject="institution",
    reads=("institutions.course",),
    dated=False,
    title_zh="提供境外教育课程",
    title_en="Foreign curriculum offered",
    hint_zh="严禁提供境外教育课程：停止该课程。",
    hint_en="No foreign curriculum may be offered: stop the course.",
)
def ti_14_foreign_curr(ctx: SweepContext) -> list[Violation]:
    """A course registered as using a foreign curriculum."""
    rows = rq.courses(ctx).filter(foreign_curriculum=True).select_related("institution")
    return [
        Violation(
            institution_id=c.institution_id,
            key=f"course:{c.pk}",
            evidence=rq.course_evidence(c, foreign_curriculum=True),
            summary=f"{c.institution.name}《{c.name}》使用境外课程",
        )
        for c in rows
    ]


def _grade(g: int) -> str:
    if g == 0:
        return "学前"
    return f"{g}年级" if g <= 9 else f"高{g - 9}"


@rule(
    "TI-14-ADVANCED",
    article=14,
    severity="medium",
    subject="institution",
    reads=("institutions.course",),
    dated=False,
    title_zh="超标超前培训",
    title_en="Ahead-of-grade training",
    hint_zh="严禁超标超前培训：课程内容不得高于所招学生的年级，调整课程内容或招生年级。",
    hint_en="No training beyond the students' grade: align the content grade with the grades enrolled.",
)
def ti_14_advanced(ctx: SweepContext) -> list[Violation]:
    """A course whose content grade is above the lowest grade it enrols: those students are taught ahead."""
    rows = rq.courses(ctx).filter(content_grade__gt=F("min_grade")).select_related("institution")
    return [
        Violation(
            institution_id=c.institution_id,
            key=f"course:{c.pk}",
            evidence=rq.course_evidence(c, content_grade=c.content_grade, min_grade=c.min_grade, max_grade=c.max_grade),
            summary=f"{c.institution.name}《{c.name}》内容为{_grade(c.content_grade)}，"
            f"招收{_grade(c.min_grade)}–{_grade(c.max_grade)}学生",
        )
        for c in rows
    ]


@rule(
    "TI-14-FOREIGN-STAFF",
    article=14,
    severity="medium",
    subject="institution",
    reads=("institutions.foreignstaff",),
    dated=False,
    title_zh="外籍人员无工作许可或身在境外",
    title_en="Foreign staff without a work permit or located abroad",
    hint_zh="聘请在境内的外籍人员须持来华工作许可，严禁聘请在境外的外籍人员开展培训：补录许可证号或停止聘用。",
    hint_en="Foreign staff must be in China with a work permit on record; staff abroad may not teach.",
)
def ti_14_foreign_staff(ctx: SweepContext) -> list[Violation]:
    """A foreign staff record with no work permit number, or marked as located abroad."""
    if rq.skipped(ctx):
        return []
    rows = (
        ctx.in_districts(ForeignStaff.objects.all(), "institution__district_id")
        .filter(Q(work_permit_no="") | Q(in_china=False))
        .select_related("institution")
    )
    out = []
    for s in rows:
        problems = (["no_work_permit"] if not s.work_permit_no else []) + ([] if s.in_china else ["abroad"])
        labels = "、".join({"no_work_permit": "无工作许可证号", "abroad": "身在境外"}[p] for p in problems)
        out.append(
            Violation(
                institution_id=s.institution_id,
                key=f"staff:{s.pk}",
                evidence={
                    "staff_id": s.pk,
                    "name": s.name,
                    "work_permit_no": s.work_permit_no,
                    "in_china": s.in_china,
                    "problems": problems,
                },
                summary=f"{s.institution.name} 外籍人员 {s.name}：{labels}",
            )
        )
    return out


TRAINER_ITEMS = {
    "disclosed": "未公示",
    "photo": "照片",
    "classes_taught": "任教班次",
    "certificate_no": "教师资格证编号",
}


@rule(
    "TI-14-DISCLOSURE",
    article=14,
    severity="medium",
    subject="institution",
    reads=(
        "institutions.disclosure",
        "institutions.trainer",
        "institutions.course",
        "institutions.foreignstaff",
        "institutions.institution",
    ),
    dated=False,
    title_zh="学科类培训机构信息公开不全",
    title_en="Mandatory public disclosure missing",
    hint_zh="在办学场所显著位置及网站公示：办学许可证；教师姓名、照片、任教班次、教师资格证编号；收费标准、退费办法、"
    "收费账户；课程名称、时间、价格；外籍人员姓名及工作许可证件编号。",
    hint_en="Publish the licence; each teacher's name, photo, classes and certificate number; the fee and refund "
    "standards and fee account; each course's name, time and price; foreign staff names and permits.",
)
def ti_14_disclosure(ctx: SweepContext) -> list[Violation]:
    """A subject-type institution (the disclosure system of Art. 14 is for them) with any mandatory item unpublished:
    one finding per institution listing every missing item. Five queries per district."""
    insts = {i.pk: i for i in rq.institutions(ctx).filter(category=Category.SUBJECT)}
    if not insts:
        return []
    published = set(
        Disclosure.objects.filter(institution_id__in=insts, published=True).values_list("institution_id", "item")
    )
    missing: dict[int, list] = defaultdict(list)
    for pk in insts:
        for item in DisclosureItem:
            if (pk, item.value) not in published:
                missing[pk].append({"item": item.value, "label": str(item.label)})
    trainers = (
        Trainer.objects.filter(institution_id__in=insts)
        .filter(Q(disclosed=False) | Q(photo="") | Q(photo__isnull=True) | Q(classes_taught="") | Q(certificate_no=""))
        .values("id", "institution_id", "name", "disclosed", "photo", "classes_taught", "certificate_no")
    )
    for t in trainers:
        lacks = [k for k in TRAINER_ITEMS if not t[k]]
        missing[t["institution_id"]].append(
            {
                "item": "trainer",
                "trainer_id": t["id"],
                "name": t["name"],
                "missing": lacks,
                "label": f"教师 {t['name']}：" + "、".join(TRAINER_ITEMS[k] for k in lacks),
            }
        )
    for c in Course.objects.filter(institution_id__in=insts, disclosed=False).values("id", "institution_id", "name"):
        missing[c["institution_id"]].append(
            {
                "item": "course",
                "course_id": c["id"],
                "name": c["name"],
                "label": f"课程《{c['name']}》未公示名称、时间、价格",
            }
        )
    staff = ForeignStaff.objects.filter(institution_id__in=insts).filter(Q(disclosed=False) | Q(work_permit_no=""))
    for s in staff.values("id", "institution_id", "name", "disclosed", "work_permit_no"):
        lacks = (["disclosed"] if not s["disclosed"] else []) + (["work_permit_no"] if not s["work_permit_no"] else [])
        missing[s["institution_id"]].append(
            {
                "item": "foreign_staff",
                "staff_id": s["id"],
                "name": s["name"],
                "missing": lacks,
                "label": f"外籍人员 {s['name']}："
                + "、".join({"disclosed": "未公示", "work_permit_no": "工作许可证件编号"}[k] for k in lacks),
            }
        )
    out = []
    for pk, items in missing.items():
        if not items:
            continue
        inst = insts[pk]
        labels = "；".join(i["label"] for i in items[:4]) + ("等" if len(items) > 4 else "")
        out.append(
            Violation(
                institution_id=pk,
                evidence=rq.institution_evidence(inst, missing=items),
                summary=f"{inst.name} 未公示 {len(items)} 项：{labels}",
            )
        )
    return out


def _poach_pairs(trainers, teachers):
    """Pair trainers and teachers with the same certificate number (both lists already matched in SQL)."""
    by_cert = defaultdict(list)
    for t in teachers:
        by_cert[t["certificate_no"]].append(t)
    for tr in trainers:
        for te in by_cert.get(tr["certificate_no"], []):
            yield tr, te


def _poach_evidence(tr: dict, te: dict, serving_on: dt.date) -> dict:
    return {
        "certificate_no": tr["certificate_no"],
        "trainer": {
            "trainer_id": tr["id"],
            "name": tr["name"],
            "institution_id": tr["institution_id"],
            "institution": tr["institution__name"],
            "institution_district": tr["institution__district__name"],
        },
        "teacher": {
            "teacher_id": te["id"],
            "name": te["name"],
            "school_id": te["school_id"],
            "school": te["school__name"],
            "school_district": te["school__district__name"],
            "status": te["status"],
            "status_label": TEACHER_STATUS_ZH.get(te["status"], te["status"]),
            "left_on": te["left_on"].isoformat() if te["left_on"] else None,
        },
        "serving_on": serving_on.isoformat(),
    }


TRAINER_FIELDS = ("id", "name", "certificate_no", "institution_id", "institution__name", "institution__district__name")
TEACHER_FIELDS = (
    "id",
    "name",
    "certificate_no",
    "school_id",
    "school__name",
    "school__district__name",
    "status",
    "left_on",
)


def _serving(ctx: SweepContext):
    """Rostered teachers serving on the last day of the swept range (the nightly's yesterday): a teacher who left or
    retired by then is no longer a serving teacher, whatever institution they work for."""
    return SchoolTeacher.objects.filter(SchoolTeacher.serving_on(ctx.date_to))


@rule(
    "TI-14-POACH",
    article=14,
    severity="medium",
    subject="institution",
    reads=("institutions.trainer", "schools.schoolteacher"),
    city_wide=True,
    dated=False,
    title_zh="聘用在职中小学教师",
    title_en="Trainer is a serving school teacher",
    hint_zh="培训机构不得高薪挖抢学校教师，在职教师不得参加有偿补课：解除聘用，并配合教育部门核查。",
    hint_en="Institutions may not hire serving school teachers: end the engagement and assist the bureau's inquiry.",
)
def ti_14_poach(ctx: SweepContext) -> list[Violation]:
    """A trainer of the district whose certificate number belongs to a teacher of any school in the city who is
    serving on the last day of the swept range (``SchoolTeacher.serving_on``: a departed or retired teacher is
    not); the same match raises TE-26-PAID in the teacher's district."""
    if rq.skipped(ctx):
        return []
    serving = _serving(ctx)
    trainers = list(
        ctx.in_districts(Trainer.objects.all(), "institution__district_id")
        .exclude(certificate_no="")
        .filter(Exists(serving.filter(certificate_no=OuterRef("certificate_no"))))
        .values(*TRAINER_FIELDS)
    )
    if not trainers:
        return []
    teachers = serving.filter(certificate_no__in={t["certificate_no"] for t in trainers}).values(*TEACHER_FIELDS)
    return [
        Violation(
            institution_id=tr["institution_id"],
            key=f"trainer:{tr['id']}:teacher:{te['id']}",
            evidence=_poach_evidence(tr, te, ctx.date_to),
            summary=f"{tr['institution__name']} 培训人员 {tr['name']} 为在职教师（{te['school__name']} {te['name']}）",
        )
        for tr, te in _poach_pairs(trainers, teachers)
    ]


@rule(
    "TE-26-PAID",
    article=26,
    severity="medium",
    subject="teacher",
    reads=("institutions.trainer", "schools.schoolteacher"),
    city_wide=True,
    dated=False,
    title_zh="在职教师参加有偿补课",
    title_en="Serving teacher gives paid tutoring",
    hint_zh="严禁在职中小学干部教师参加校外培训机构的有偿补课：学校核实情况并依规处理，直至撤销教师资格。",
    hint_en="Serving teachers may not tutor for pay or work for an institution: the school verifies and acts.",
)
def te_26_paid(ctx: SweepContext) -> list[Violation]:
    """A teacher of the district's schools, serving on the last day of the swept range, whose certificate number is
    on record as a trainer of any institution in the city (the TI-14-POACH match, seen from the teacher's side).
    Also recorded by staff as a case."""
    teachers = ctx.limit_schools(ctx.in_districts(_serving(ctx), "school__district_id"), "school_id")
    teachers = list(
        teachers.exclude(certificate_no="")
        .filter(Exists(Trainer.objects.filter(certificate_no=OuterRef("certificate_no"))))
        .values(*TEACHER_FIELDS)
    )
    if not teachers:
        return []
    trainers = Trainer.objects.filter(certificate_no__in={t["certificate_no"] for t in teachers}).values(
        *TRAINER_FIELDS
    )
    return [
        Violation(
            teacher_id=te["id"],
            school_id=te["school_id"],
            key=f"trainer:{tr['id']}",
            evidence=_poach_evidence(tr, te, ctx.date_to),
            summary=f"{te['school__name']} 教师 {te['name']} 登记为 {tr['institution__name']} 的培训人员",
        )
        for tr, te in _poach_pairs(trainers, teachers)
    ]


# -- Art. 15: fees and enrolment ----------------------------------------------------------------


def _dec(value) -> Decimal:
    return Decimal(str(value))


@rule(
    "TI-15-PRICE",
    article=15,
    severity="medium",
    subject="institution",
    reads=("institutions.course",),
    dated=False,
    params=GUIDE_PRICE_PARAMS,
    title_zh="学科类培训收费超过政府指导价",
    title_en="Subject-type course priced above the guide price",
    hint_zh="按政府指导价收费：每课时价格不得超过对应班额和授课方式的基准价（按课时长度折算）上浮10%。",
    hint_en="Charge within the guide price: the benchmark for the mode and class size, pro-rated to the lesson "
    "length, plus at most the allowed float.",
)
def ti_15_price(ctx: SweepContext) -> list[Violation]:
    """A subject-type course whose price per lesson is above benchmark × lesson minutes / standard class hour
    (45 offline, 30 online) × (1 + float), with the guide prices in force.

    SQL selects the candidates in exact integer-scaled arithmetic (within a cent of the ceiling); the ceiling,
    rounded to the cent, decides and goes into the evidence.
    """
    p = ctx.params
    grow = 100 + 100 * _dec(p["guide_price_float"])

    def k(key):  # benchmark × (100 + float %) for one band
        return Value(_dec(p[key]) * grow, output_field=DecimalField(max_digits=20, decimal_places=6))

    online = Q(mode=SessionMode.ONLINE)
    dec = DecimalField(max_digits=24, decimal_places=6)
    rows = (
        rq.courses(ctx)
        .filter(rq.subject_type_q("subject"))
        .alias(
            band=Case(
                When(online, then=k("guide_price_online")),
                When(class_size__lt=10, then=k("guide_price_offline_lt10")),
                When(class_size__lte=35, then=k("guide_price_offline_10_35")),
                default=k("guide_price_offline_gt35"),
                output_field=dec,
            ),
            standard=Case(When(online, then=Value(30)), default=Value(45), output_field=IntegerField()),
        )
        .alias(
            charged=ExpressionWrapper(F("price_per_lesson") * F("standard") * 100, output_field=dec),
            ceiling=ExpressionWrapper(F("band") * F("lesson_minutes") - F("standard"), output_field=dec),
        )
        .filter(charged__gt=F("ceiling"))
        .select_related("institution")
    )
    out = []
    for c in rows:
        gp = guide_price(mode=c.mode, class_size=c.class_size, lesson_minutes=c.lesson_minutes, params=p)
        if not gp.exceeded_by(c.price_per_lesson):
            continue
        out.append(
            Violation(
                institution_id=c.institution_id,
                key=f"course:{c.pk}",
                evidence=rq.course_evidence(
                    c,
                    class_size=c.class_size,
                    lesson_minutes=c.lesson_minutes,
                    price_per_lesson=str(c.price_per_lesson),
                    benchmark=str(gp.benchmark),
                    standard_minutes=gp.standard_minutes,
                    float=str(gp.float_share),
                    max_allowed=str(gp.max_allowed),
                ),
                summary=f"{c.institution.name}《{c.name}》每课时 {c.price_per_lesson} 元，超过指导价上限 {gp.max_allowed} 元",
            )
        )
    return out


@rule(
    "TI-15-FILING",
    article=15,
    severity="medium",
    subject="institution",
    reads=("institutions.course", "institutions.enrolmentfiling"),
    title_zh="招生前未报备",
    title_en="Enrolment opened without an approved filing",
    hint_zh="每次招生前须向教育部门报备招生简章、课程内容、教师资质、收费情况，报备核准后方可招生。",
    hint_en="Before each enrolment, file the brochure, course content, teachers and fees, and enrol only once "
    "the filing is approved.",
)
def ti_15_filing(ctx: SweepContext) -> list[Violation]:
    """A course whose enrolment opens in the range with no filing for that enrolment (same opening date)
    approved on or before the day it opens."""
    approved = EnrolmentFiling.objects.filter(
        course=OuterRef("pk"),
        enrolment_opens_on=OuterRef("enrolment_opens_on"),
        approved_on__isnull=False,
        approved_on__lte=OuterRef("enrolment_opens_on"),
    )
    rows = (
        rq.courses(ctx)
        .filter(enrolment_opens_on__range=(ctx.date_from, ctx.date_to))
        .exclude(Exists(approved))
        .select_related("institution")
        .prefetch_related("filings")
    )
    out = []
    for c in rows:
        filings = [
            {
                "filing_id": f.pk,
                "filed_on": f.filed_on.isoformat(),
                "approved_on": f.approved_on.isoformat() if f.approved_on else None,
                "enrolment_opens_on": f.enrolment_opens_on.isoformat(),
            }
            for f in c.filings.all()
        ]
        out.append(
            Violation(
                institution_id=c.institution_id,
                date=c.enrolment_opens_on,
                key=f"course:{c.pk}",
                evidence=rq.course_evidence(c, enrolment_opens_on=c.enrolment_opens_on.isoformat(), filings=filings),
                summary=f"{c.institution.name}《{c.name}》{c.enrolment_opens_on} 开始招生，招生前无核准的报备",
            )
        )
    return out


@rule(
    "TI-15-PREPAY",
    article=15,
    severity="medium",
    subject="institution",
    reads=("institutions.prepayment",),
    params=("prepay_max_months", "prepay_max_hours"),
    title_zh="预收费超期、超课时或未进监管账户",
    title_en="Prepayment over the limits or outside the supervised account",
    hint_zh="预收费不得超过3个月或60课时，且须全部进入资金监管账户：退还超额部分并纳入监管。",
    hint_en="A prepayment may cover at most 3 months or 60 class hours and must go into the supervised account.",
)
def ti_15_prepay(ctx: SweepContext) -> list[Violation]:
    """A prepayment paid in the range covering more than ``prepay_max_months`` months or ``prepay_max_hours``
    class hours, or not paid into the supervised account (exactly the limits are allowed)."""
    max_months, max_hours = int(ctx.params["prepay_max_months"]), int(ctx.params["prepay_max_hours"])
    if rq.skipped(ctx):
        return []
    rows = (
        ctx.in_districts(
            Prepayment.objects.filter(paid_on__range=(ctx.date_from, ctx.date_to)), "course__institution__district_id"
        )
        .filter(Q(months__gt=max_months) | Q(class_hours__gt=max_hours) | Q(supervised=False))
        .select_related("course__institution")
    )
    out = []
    for pay in rows:
        problems = []
        if pay.months > max_months:
            problems.append(f"覆盖 {pay.months} 个月（上限 {max_months}）")
        if pay.class_hours > max_hours:
            problems.append(f"{pay.class_hours} 课时（上限 {max_hours}）")
        if not pay.supervised:
            problems.append("未进入监管账户")
        out.append(
            Violation(
                institution_id=pay.course.institution_id,
                date=pay.paid_on,
                key=f"prepayment:{pay.pk}",
                evidence={
                    "prepayment_id": pay.pk,
                    "course_id": pay.course_id,
                    "course": pay.course.name,
                    "paid_on": pay.paid_on.isoformat(),
                    "amount": str(pay.amount),
                    "class_hours": pay.class_hours,
                    "months": pay.months,
                    "account": pay.account,
                    "supervised": pay.supervised,
                    "max_months": max_months,
                    "max_hours": max_hours,
                    "problems": problems,
                },
                summary=f"{pay.course.institution.name}《{pay.course.name}》{pay.paid_on} 预收 {pay.amount} 元："
                + "，".join(problems),
            )
        )
    return out


case_rule(
    "TI-15-CONTRACT",
    article=15,
    severity="medium",
    subject="institution",
    title_zh="未使用示范合同或使用不公平格式条款",
    title_en="Model contract not used, or unfair standard terms",
    hint_zh="全面使用《中小学生校外培训服务合同（示范文本）》，删除不公平格式条款。",
    hint_en="Use the model training contract and remove unfair standard terms.",
)

case_rule(
    "TI-16-AD",
    article=16,
    severity="medium",
    subject="institution",
    title_zh="违规发布校外培训广告",
    title_en="Off-campus training advertising",
    hint_zh="不得在主流媒体、公共场所、居民区广告牌和网络平台等刊登、播发校外培训广告：撤下广告。",
    hint_en="Off-campus training may not be advertised in the media, public places or online: withdraw it.",
)


# -- Art. 17, 18: capital, black list ------------------------------------------------------------


@rule(
    "TI-17-CAPITAL",
    article=17,
    severity="high",
    subject="institution",
    reads=("institutions.institution",),
    dated=False,
    title_zh="学科类培训机构上市融资或外资控股",
    title_en="Subject-type institution listed, raising capital or foreign-controlled",
    hint_zh="学科类培训机构一律不得上市融资、资本化运作，外资不得控股或参股：进行清理整治。",
    hint_en="A subject-type institution may not be listed, raise capital or be controlled by foreign capital "
    "or a VIE: unwind it.",
)
def ti_17_capital(ctx: SweepContext) -> list[Violation]:
    """A subject-type institution registered as listed, as having raised capital, or as foreign-controlled/VIE."""
    rows = (
        rq.institutions(ctx)
        .filter(category=Category.SUBJECT)
        .filter(Q(listed=True) | Q(capital_raised=True) | Q(foreign_controlled=True))
    )
    labels = {"listed": "上市", "capital_raised": "资本化融资", "foreign_controlled": "外资控股或VIE"}
    out = []
    for i in rows:
        flags = [k for k in labels if getattr(i, k)]
        out.append(
            Violation(
                institution_id=i.pk,
                evidence=rq.institution_evidence(i, **{k: getattr(i, k) for k in labels}, problems=flags),
                summary=f"学科类机构 {i.name}：" + "、".join(labels[k] for k in flags),
            )
        )
    return out


_LISTING_FIELDS = ("has_list_history", "listed_on", "lifted_on")


def _listing(row: dict, legacy_since: dt.date | None) -> dict:
    """The evidence of the listing in force on the activity's date: when it began and, if so, when it was lifted."""
    listed_on = row["listed_on"] if row["has_list_history"] else legacy_since
    evidence = {"list_status": ListStatus.BLACK, "listed_on": rq.as_date(listed_on).isoformat()}
    if row["has_list_history"] and row["lifted_on"] is not None:
        evidence["lifted_on"] = rq.as_date(row["lifted_on"]).isoformat()
    return evidence


def _listing_label(listing: dict) -> str:
    text = f"{listing['listed_on']} 起已列入黑名单"
    if "lifted_on" in listing:
        text += f"（{listing['lifted_on']} 移出）"
    return text


@rule(
    "TI-18-BLACKLIST",
    article=18,
    severity="high",
    subject="institution",
    reads=("institutions.liststatuschange", "institutions.institution", "institutions.session", "institutions.course"),
    title_zh="黑名单机构继续培训或招生",
    title_en="Black-listed institution still training or enrolling",
    hint_zh="列入黑名单的机构不得继续开展培训或招生：立即停止并依法处理。",
    hint_en="A black-listed institution may neither train nor enrol: stop at once.",
)
def ti_18_blacklist(ctx: SweepContext) -> list[Violation]:
    """A session (by its Beijing date) or an enrolment opening (by ``enrolment_opens_on``) after the day the
    institution was black-listed, judged by the listing in force on that date (the list's dated history): a
    listing lifted later does not undo a violation committed while listed. Activity on the listing day itself is
    not counted. An institution without history is judged by its current ``list_status`` / ``list_status_since``.
    """
    sessions = rq.listing_on(
        rq.sessions(ctx).filter(rq.ever_black_q("course__institution__")),
        institution="course__institution__",
        day="local_date",
    ).filter(rq.black_listed_q(institution="course__institution__", day="local_date"))
    sessions = sessions.values(*rq.SESSION_FIELDS, *_LISTING_FIELDS, "course__institution__list_status_since")
    out = []
    for s in sessions:
        listing = _listing(s, s["course__institution__list_status_since"])
        out.append(
            Violation(
                institution_id=s["course__institution_id"],
                date=rq.as_date(s["local_date"]),
                key=f"session:{s['id']}",
                evidence=rq.session_evidence(s, activity="session", **listing),
                summary=f"{rq.session_label(s)}：{_listing_label(listing)}",
            )
        )
    enrolments = rq.listing_on(
        rq.courses(ctx).filter(
            rq.ever_black_q("institution__"), enrolment_opens_on__range=(ctx.date_from, ctx.date_to)
        ),
        institution="institution__",
        day="enrolment_opens_on",
    ).filter(rq.black_listed_q(institution="institution__", day="enrolment_opens_on"))
    for c in enrolments.select_related("institution"):
        listing = _listing({k: getattr(c, k) for k in _LISTING_FIELDS}, c.institution.list_status_since)
        out.append(
            Violation(
                institution_id=c.institution_id,
                date=c.enrolment_opens_on,
                key=f"enrolment:{c.pk}",
                evidence=rq.course_evidence(
                    c, activity="enrolment", enrolment_opens_on=c.enrolment_opens_on.isoformat(), **listing
                ),
                summary=f"{c.institution.name}《{c.name}》{c.enrolment_opens_on} 招生：{_listing_label(listing)}",
            )
        )
    return out


# -- Art. 31: pre-school and high-school ---------------------------------------------------------


@rule(
    "TI-31-PRESCHOOL-ONLINE",
    article=31,
    severity="high",
    subject="institution",
    reads=("institutions.course",),
    dated=False,
    title_zh="面向学龄前儿童开展线上培训",
    title_en="Online training for pre-school children",
    hint_zh="不得开展面向学龄前儿童的线上培训：停止该课程。",
    hint_en="No online training for pre-school children: stop the course.",
)
def ti_31_preschool_online(ctx: SweepContext) -> list[Violation]:
    """An online course that enrols pre-school children (lowest grade 0)."""
    rows = rq.courses(ctx).filter(mode=SessionMode.ONLINE, min_grade=0).select_related("institution")
    return [
        Violation(
            institution_id=c.institution_id,
            key=f"course:{c.pk}",
            evidence=rq.course_evidence(c, min_grade=c.min_grade, max_grade=c.max_grade),
            summary=f"{c.institution.name}《{c.name}》面向学龄前儿童开展线上培训",
        )
        for c in rows
    ]


@rule(
    "TI-31-PRESCHOOL-SUBJ",
    article=31,
    severity="high",
    subject="institution",
    reads=("institutions.course",),
    dated=False,
    title_zh="面向学龄前儿童开展线下学科类培训",
    title_en="Offline subject-type training for pre-school children",
    hint_zh="严禁以学前班、幼小衔接班、思维训练班等名义面向学龄前儿童开展线下学科类（含外语）培训：停止该课程。",
    hint_en="No offline subject-type (foreign languages included) training for pre-school children, whatever "
    "the class is called: stop the course.",
)
def ti_31_preschool_subj(ctx: SweepContext) -> list[Violation]:
    """An offline subject-type course (foreign languages included) that enrols pre-school children, whatever
    its name."""
    rows = rq.courses(ctx).filter(rq.subject_type_q("subject"), mode=SessionMode.OFFLINE, min_grade=0)
    return [
        Violation(
            institution_id=c.institution_id,
            key=f"course:{c.pk}",
            evidence=rq.course_evidence(c, min_grade=c.min_grade, max_grade=c.max_grade),
            summary=f"{c.institution.name}《{c.name}》面向学龄前儿童开展{SUBJECT_ZH.get(c.subject, c.subject)}学科类培训",
        )
        for c in rows.select_related("institution")
    ]


@rule(
    "TI-31-NEW-PRESCHOOL",
    article=31,
    severity="high",
    subject="institution",
    reads=("institutions.institution",),
    dated=False,
    params=(CUTOFF,),
    title_zh="违规新批学前或高中学科类培训机构",
    title_en="New pre-school institution, or new subject-type institution for high-school students",
    hint_zh="自截止日起不再审批新的面向学龄前儿童的校外培训机构和面向普通高中学生的学科类培训机构：撤销该审批。",
    hint_en="No new institution for pre-school children and no new subject-type institution for high-school "
    "students may be approved after the cut-off: withdraw the approval.",
)
def ti_31_new_preschool(ctx: SweepContext) -> list[Violation]:
    """An institution approved on or after the cut-off that serves pre-school children, or is subject-type and
    serves high-school students."""
    cutoff = rq.as_date(ctx.params[CUTOFF])
    rows = (
        rq.institutions(ctx)
        .filter(approved_on__gte=cutoff)
        .filter(
            rq.audience_q(Audience.PRESCHOOL) | (Q(category=Category.SUBJECT) & rq.audience_q(Audience.HIGH_SCHOOL))
        )
    )
    out = []
    for i in rows:
        who = "学龄前儿童" if Audience.PRESCHOOL in i.audience else "普通高中学生（学科类）"
        out.append(
            Violation(
                institution_id=i.pk,
                evidence=rq.institution_evidence(
                    i, approved_on=i.approved_on.isoformat(), cutoff=cutoff.isoformat(), audience=i.audience
                ),
                summary=f"{i.name} 于 {i.approved_on} 获批，面向{who}（截止日 {cutoff}）",
            )
        )
    return out
