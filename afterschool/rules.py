"""The after-school rules (课后服务, Art. 8–10, 20), registered with the compliance engine.

Report rules (AS-8-PE, AS-8-END, AS-9-*) read the daily reports of the
district's school days in the swept range. Term rules (AS-8-CARE,
AS-10-PROVIDER) read the programmes whose term overlaps the range; their
findings are dated by the term's first day, so one finding per school (and
activity) and term, whatever range a sweep covers. Saving a programme, an
activity or a provider selection asks for a sweep of that date, which
confirms or clears them. AS-REPORT-MISSING counts expected against actual
reports, the way DHIS2 counts a missing data set.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from compliance.choices import RuleDays
from compliance.registry import SweepContext, Violation, case_rule, labels_zh, rule
from institutions.choices import Category
from schools.choices import TermName
from schools.models import School, Term

from .choices import ActivityKind, ProviderKind
from .models import Activity, DailyReport, Programme, ProviderSelection

TERM_ZH, KIND_ZH, CATEGORY_ZH = labels_zh(TermName), labels_zh(ActivityKind), labels_zh(Category)


def _today() -> dt.date:
    return timezone.localdate()


def _time(value) -> dt.time:
    return value if isinstance(value, dt.time) else dt.time.fromisoformat(str(value))


def _reports(ctx: SweepContext, **filters):
    days = ctx.school_days()
    qs = ctx.in_districts(DailyReport.objects.filter(date__in=days, **filters), "school__district_id")
    return ctx.limit_schools(qs, "school_id").select_related("school").order_by("date", "school_id")


def _report_evidence(r: DailyReport, **more) -> dict:
    return {"school": r.school.name, "school_code": r.school.code, "date": r.date.isoformat(), **more}


@rule(
    "AS-8-PE",
    article=8,
    severity="medium",
    subject="school",
    days=RuleDays.SCHOOL,
    reads=("afterschool.dailyreport",),
    title_zh="每日体育锻炼不足1小时",
    title_en="Daily physical exercise under one hour",
    params=("as_min_pe_minutes",),
    hint_zh="保障学生每天校内1小时体育锻炼：体育课与课后服务第一阶段锻炼合计不少于规定分钟数。",
    hint_en="PE lessons plus stage-1 exercise must reach the daily minimum.",
)
def as_8_pe(ctx: SweepContext) -> list[Violation]:
    """PE lesson minutes plus stage-1 exercise minutes of a school day below ``as_min_pe_minutes``."""
    minimum = int(ctx.params["as_min_pe_minutes"])
    rows = _reports(ctx).annotate(total=F("pe_minutes") + F("stage1_minutes")).filter(total__lt=minimum)
    return [
        Violation(
            school_id=r.school_id,
            date=r.date,
            evidence=_report_evidence(
                r, pe_minutes=r.pe_minutes, stage1_minutes=r.stage1_minutes, total=r.total, minimum=minimum
            ),
            summary=f"{r.school.name} {r.date:%m-%d} 体育锻炼 {r.total} 分钟，少于 {minimum} 分钟",
        )
        for r in rows
    ]


@rule(
    "AS-8-END",
    article=8,
    severity="medium",
    subject="school",
    days=RuleDays.SCHOOL,
    reads=("afterschool.dailyreport",),
    title_zh="课后服务结束时间早于17:30",
    title_en="After-school service ended before 17:30",
    params=("as_min_end_time",),
    hint_zh="课后服务结束时间原则上不早于17:30，并与当地正常下班时间衔接。",
    hint_en="After-school service should not end before the set time.",
)
def as_8_end(ctx: SweepContext) -> list[Violation]:
    """The reported end time of a school day's service earlier than ``as_min_end_time``."""
    earliest = _time(ctx.params["as_min_end_time"])
    rows = _reports(ctx, end_time__lt=earliest)
    return [
        Violation(
            school_id=r.school_id,
            date=r.date,
            evidence=_report_evidence(
                r, end_time=r.end_time.strftime("%H:%M"), earliest_end=earliest.strftime("%H:%M")
            ),
            summary=f"{r.school.name} {r.date:%m-%d} 课后服务 {r.end_time:%H:%M} 结束，早于 {earliest:%H:%M}",
        )
        for r in rows
    ]


@rule(
    "AS-9-NEWLESSON",
    article=9,
    severity="high",
    subject="school",
    days=RuleDays.SCHOOL,
    reads=("afterschool.dailyreport",),
    title_zh="利用课后服务时间讲授新课",
    title_en="New lessons taught in after-school time",
    hint_zh="课后服务时间用于作业辅导、答疑和兴趣活动，不得讲授新课。",
    hint_en="Use after-school time for homework help and activities, never for new lessons.",
)
def as_9_newlesson(ctx: SweepContext) -> list[Violation]:
    """A daily report that says new lessons were taught during after-school time."""
    return [
        Violation(
            school_id=r.school_id,
            date=r.date,
            evidence=_report_evidence(r, new_lessons=True, report_id=r.pk),
            summary=f"{r.school.name} {r.date:%m-%d} 课后服务时间讲授新课",
        )
        for r in _reports(ctx, new_lessons=True)
    ]


@rule(
    "AS-9-VOLUNTARY",
    article=9,
    severity="high",
    subject="school",
    days=RuleDays.SCHOOL,
    reads=("afterschool.dailyreport",),
    title_zh="课后服务未坚持自愿参加",
    title_en="After-school participation not voluntary",
    hint_zh="课后服务由学生自愿选择参加，不得强制或变相强制。",
    hint_en="Participation must be the students' free choice.",
)
def as_9_voluntary(ctx: SweepContext) -> list[Violation]:
    """A daily report that says participation was compulsory."""
    return [
        Violation(
            school_id=r.school_id,
            date=r.date,
            evidence=_report_evidence(
                r, compulsory=True, enrolled=r.enrolled, participants=r.participants, report_id=r.pk
            ),
            summary=f"{r.school.name} {r.date:%m-%d} 要求学生全员参加课后服务",
        )
        for r in _reports(ctx, compulsory=True)
    ]


def _programmes_in_force(ctx: SweepContext):
    """Programmes of the district whose term overlaps the swept range (district terms are those of the school's district)."""
    qs = ctx.in_districts(
        Programme.objects.filter(
            term__starts_on__lte=ctx.date_to,
            term__ends_on__gte=ctx.date_from,
        ),
        "school__district_id",
    ).filter(Q(term__district__isnull=True) | Q(term__district=F("school__district")))
    return ctx.limit_schools(qs, "school_id")


def _term_label(term: Term) -> str:
    return f"{term.academic_year}学年{TERM_ZH.get(term.name, term.name)}"


@rule(
    "AS-8-CARE",
    article=8,
    severity="medium",
    subject="school",
    days=RuleDays.EVERY,
    reads=("afterschool.programme", "afterschool.activity", "afterschool.providerselection", "schools.term"),
    title_zh="未提供延时托管服务",
    title_en="No extended care offered",
    hint_zh="对有特殊需要的学生提供延时托管服务，在课后服务方案中注明。",
    hint_en="Offer extended care for students who need it and record it in the programme.",
)
def as_8_care(ctx: SweepContext) -> list[Violation]:
    """A programme in force (a term with after-school service) that offers no extended care (延时托管)."""
    rows = _programmes_in_force(ctx).filter(extended_care=False).select_related("school", "term")
    return [
        Violation(
            school_id=p.school_id,
            date=p.term.starts_on,
            date_end=p.term.ends_on,
            evidence={
                "school": p.school.name,
                "school_code": p.school.code,
                "term": _term_label(p.term),
                "term_starts_on": p.term.starts_on.isoformat(),
                "term_ends_on": p.term.ends_on.isoformat(),
                "programme_id": p.pk,
                "extended_care": False,
            },
            summary=f"{p.school.name} {_term_label(p.term)}课后服务方案未提供延时托管",
        )
        for p in rows
    ]


@rule(
    "AS-10-PROVIDER",
    article=10,
    severity="high",
    subject="school",
    days=RuleDays.EVERY,
    reads=(
        "afterschool.programme",
        "afterschool.activity",
        "afterschool.providerselection",
        "schools.term",
        "institutions.institution",
    ),
    title_zh="课后服务引入未经遴选或学科类校外机构",
    title_en="Outside provider not selected by the district, or subject-type",
    hint_zh="只能引入区教委遴选的非学科类机构；请更换提供方或请区教委完成遴选。",
    hint_en="Only non-subject institutions on the district's selected list may provide after-school service.",
)
def as_10_provider(ctx: SweepContext) -> list[Violation]:
    """An activity of a programme in force provided by an institution that is subject-type, or that the
    school's district had not selected (遴选) as of the term's first day."""
    selected = ProviderSelection.objects.filter(
        district_id=OuterRef("programme__school__district_id"),
        institution_id=OuterRef("institution_id"),
        selected_on__lte=OuterRef("programme__term__starts_on"),
    ).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=OuterRef("programme__term__starts_on")))
    rows = (
        Activity.objects.filter(programme__in=_programmes_in_force(ctx), provider_kind=ProviderKind.INSTITUTION)
        .annotate(selected=Exists(selected))
        .filter(Q(selected=False) | Q(institution__category="subject"))
        .select_related("programme__school", "programme__term", "institution")
        .order_by("programme_id", "id")
    )
    out = []
    for a in rows:
        p, inst = a.programme, a.institution
        reasons = []
        if inst.category == "subject":
            reasons.append("学科类机构")
        if not a.selected:
            reasons.append("未经本区遴选")
        out.append(
            Violation(
                school_id=p.school_id,
                institution_id=inst.pk,
                date=p.term.starts_on,
                date_end=p.term.ends_on,
                key=f"activity:{a.pk}",
                evidence={
                    "school": p.school.name,
                    "term": _term_label(p.term),
                    "activity": a.name,
                    "activity_id": a.pk,
                    "activity_kind": KIND_ZH.get(a.kind, a.kind),
                    "provider": inst.name,
                    "provider_credit_code": inst.credit_code,
                    "provider_category": CATEGORY_ZH.get(inst.category, inst.category),
                    "reasons": reasons,
                },
                summary=f"{p.school.name} 课后服务项目“{a.name}”由{inst.name}提供（{'、'.join(reasons)}）",
            )
        )
    return out


@rule(
    "AS-REPORT-MISSING",
    article=8,
    severity="low",
    subject="school",
    days=RuleDays.SCHOOL,
    grace_param="as_filing_grace_days",
    reads=("afterschool.dailyreport", "schools.school"),
    title_zh="课后服务日报未按时填报",
    title_en="After-school report missing",
    params=("as_filing_grace_days",),
    hint_zh="每个上学日填报课后服务日报，最迟在宽限期内补报。",
    hint_en="File the after-school report for every school day within the grace period.",
)
def as_report_missing(ctx: SweepContext) -> list[Violation]:
    """A school of the district with no report (or only one filed after the deadline) for a school day whose
    deadline (the day plus ``as_filing_grace_days``) has passed. One query per school day."""
    grace = int(ctx.params["as_filing_grace_days"])
    today = _today()
    tz = timezone.get_current_timezone()
    out = []
    schools = ctx.limit_schools(ctx.in_districts(School.objects.all()), "id")
    for day in ctx.school_days():
        deadline = day + dt.timedelta(days=grace)
        if deadline >= today:
            continue  # the school may still file
        cutoff = dt.datetime.combine(deadline + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        filed = DailyReport.objects.filter(school_id=OuterRef("pk"), date=day)
        rows = (
            schools.annotate(filed=Exists(filed), on_time=Exists(filed.filter(first_filed_at__lt=cutoff)))
            .filter(on_time=False)
            .values("pk", "name", "code", "filed")
        )
        for s in rows:
            out.append(
                Violation(
                    school_id=s["pk"],
                    date=day,
                    evidence={
                        "school": s["name"],
                        "school_code": s["code"],
                        "date": day.isoformat(),
                        "deadline": deadline.isoformat(),
                        "filed_late": s["filed"],
                    },
                    summary=f"{s['name']} {day:%m-%d} 课后服务日报{'逾期补报' if s['filed'] else '未填报'}",
                )
            )
    return out


case_rule(
    "SC-20-HOLIDAY",
    article=20,
    severity="high",
    subject="school",
    title_zh="节假日、休息日及寒暑假组织集体补课",
    title_en="Collective tutoring on holidays, rest days or vacations",
    hint_zh="停止组织集体补课，向家长说明并整改。",
    hint_en="Stop the collective tutoring and rectify.",
)
case_rule(
    "SC-20-RANKING",
    article=20,
    severity="high",
    subject="school",
    title_zh="考试排名、设重点班或组织选拔考试",
    title_en="Exam rankings, key classes, or entrance/streaming exams",
    hint_zh="取消排名与重点班，均衡编班。",
    hint_en="Stop ranking and streaming; form balanced classes.",
)
