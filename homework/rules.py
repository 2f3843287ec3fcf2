"""The homework rules (作业, Art. 4–6), registered with the compliance engine.

Every rule reads the district's filings for the school days of the swept range
in one or two queries and gives one finding per class and day, with the items
as evidence. The minute rules count a completion survey's measured minutes
where one exists (``CompletionSurvey``), the teacher's estimate otherwise.
HW-4-PUBLISH counts expected against filed class-days, the way DHIS2 counts a
missing data set: a holiday, a rest day or a vacation day expects nothing, a
make-up working day does.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Exists, F, OuterRef, Q, Subquery, Sum, Window
from django.utils import timezone

from compliance.choices import RuleDays
from compliance.registry import SweepContext, Violation, case_rule, labels_zh, rule
from schools.calendar import academic_year
from schools.choices import GradeBand, Subject
from schools.models import SchoolClass

from .choices import HomeworkKind
from .limits import LIMIT_OF, with_counted_minutes
from .models import HomeworkDay, HomeworkItem

SUBJECT_ZH = labels_zh(Subject)
KIND_ZH = labels_zh(HomeworkKind)


def _items(ctx: SweepContext, **filters):
    """The district's items on the range's school days, with the class and school for the evidence."""
    qs = ctx.in_districts(HomeworkItem.objects.filter(date__in=ctx.school_days(), **filters), "school__district_id")
    return ctx.limit_schools(qs, "school_id")


ITEM_VALUES = (
    "id",
    "school_id",
    "school_class_id",
    "date",
    "subject",
    "kind",
    "minutes",
    "at_home",
    "for_parents",
    "parent_grading",
    "self_grading",
    "punitive",
    "beyond_standard",
    "content",
    "school_class__name",
    "school_class__grade",
    "school__name",
)


def _item_evidence(row: dict, *extra: str) -> dict:
    out = {
        "subject": row["subject"],
        "subject_zh": SUBJECT_ZH.get(row["subject"], row["subject"]),
        "kind": row["kind"],
        "minutes": row["minutes"],
        "at_home": row["at_home"],
    }
    if row.get("content"):
        out["content"] = row["content"]
    for name in extra:
        out[name] = row[name]
    return out


def _by_class_day(rows) -> dict[tuple[int, dt.date], list[dict]]:
    """Group violating rows by class-day (sorted here: an ORDER BY on the FK would join the models' orderings)."""
    groups: dict[tuple[int, dt.date], list[dict]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: (r["date"], r["school_class_id"], r["subject"], r["kind"])):
        groups[(row["school_class_id"], row["date"])].append(row)
    return groups


def _head(row: dict) -> dict:
    return {
        "school": row["school__name"],
        "class": row["school_class__name"],
        "grade": row["school_class__grade"],
        "date": row["date"].isoformat(),
    }


def _violation(rows: list[dict], *, evidence: dict, summary: str) -> Violation:
    first = rows[0]
    return Violation(
        school_id=first["school_id"],
        school_class_id=first["school_class_id"],
        date=first["date"],
        evidence={**_head(first), **evidence},
        summary=summary,
    )


def _flag_rule(ctx: SweepContext, condition: Q, flags: tuple[str, ...], what: str) -> list[Violation]:
    rows = _items(ctx).filter(condition).order_by().values(*ITEM_VALUES)
    out = []
    for group in _by_class_day(rows).values():
        first = group[0]
        subjects = "、".join(SUBJECT_ZH.get(r["subject"], r["subject"]) for r in group)
        out.append(
            _violation(
                group,
                evidence={"items": [_item_evidence(r, *flags) for r in group]},
                summary=f"{first['school__name']} {first['school_class__name']} {first['date']:%m-%d} {subjects}作业{what}",
            )
        )
    return out


# -- the minute rules -------------------------------------------------------


@rule(
    "HW-5-G12",
    article=5,
    severity="high",
    subject="class",
    days=RuleDays.SCHOOL,
    reads=("homework.homeworkitem", "homework.completionsurvey"),
    title_zh="1–2年级布置家庭书面作业",
    title_en="Grades 1–2 given written homework to do at home",
    hint_zh="一、二年级不布置家庭书面作业：把书面练习改在校内完成，或改为口头、阅读、实践类作业后重新填报当天作业。",
    hint_en="Grades 1–2 get no written homework at home: move written practice into school time or change it to "
    "oral, reading or practical homework, then re-file the day.",
)
def hw_5_g12(ctx: SweepContext) -> list[Violation]:
    """Grades 1–2: any written item to do at home with more than 0 minutes (measured where surveyed) on a school day."""
    limit = LIMIT_OF[GradeBand.G12]
    rows = (
        with_counted_minutes(_items(ctx, **limit.item_filters()))
        .filter(counted__gt=limit.limit(ctx.params))
        .order_by()
        .values(*ITEM_VALUES, "measured", "counted")
    )
    out = []
    for group in _by_class_day(rows).values():
        first = group[0]
        total = sum(r["counted"] for r in group)
        out.append(
            _violation(
                group,
                evidence={
                    "items": [_item_evidence(r, "measured", "counted") for r in group],
                    "total": total,
                    "limit": 0,
                },
                summary=f"{first['school__name']} {first['school_class__name']} {first['date']:%m-%d} "
                f"布置家庭书面作业 {total} 分钟",
            )
        )
    return out


def _over_limit(ctx: SweepContext, band: str) -> list[Violation]:
    """Classes of a band whose written minutes of a day (all subjects, measured where surveyed) exceed its limit."""
    minute_limit = LIMIT_OF[band]
    limit = minute_limit.limit(ctx.params)
    rows = (
        with_counted_minutes(_items(ctx, **minute_limit.item_filters()))
        .annotate(total=Window(Sum("counted"), partition_by=[F("school_class_id"), F("date")]))
        .filter(total__gt=limit)
        .order_by()
        .values(*ITEM_VALUES, "measured", "counted", "total")
    )
    out = []
    for group in _by_class_day(rows).values():
        first = group[0]
        by_subject: dict[str, int] = defaultdict(int)
        for r in group:
            by_subject[SUBJECT_ZH.get(r["subject"], r["subject"])] += r["counted"]
        measured = sorted({SUBJECT_ZH.get(r["subject"], r["subject"]) for r in group if r["measured"] is not None})
        out.append(
            _violation(
                group,
                evidence={
                    "items": [_item_evidence(r, "measured", "counted") for r in group],
                    "by_subject": dict(by_subject),
                    "total": first["total"],
                    "limit": limit,
                    "measured_subjects": measured,
                },
                summary=f"{first['school__name']} {first['school_class__name']} {first['date']:%m-%d} "
                f"书面作业 {first['total']} 分钟，超过 {limit} 分钟",
            )
        )
    return out


@rule(
    "HW-5-G36",
    article=5,
    severity="medium",
    subject="class",
    days=RuleDays.SCHOOL,
    reads=("homework.homeworkitem", "homework.completionsurvey"),
    params=("hw_max_minutes_g36",),
    title_zh="3–6年级书面作业超时",
    title_en="Grades 3–6: written homework over the daily limit",
    hint_zh="三至六年级每天书面作业平均完成时间不超过60分钟：由班主任统筹各学科作业总量，削减或改为分层、弹性作业后重新填报。",
    hint_en="Grades 3–6: written homework must average 60 minutes a day at most; the class teacher balances "
    "the subjects' load, cuts or differentiates it, then re-files.",
)
def hw_5_g36(ctx: SweepContext) -> list[Violation]:
    """Grades 3–6: the day's written minutes over all subjects above ``hw_max_minutes_g36`` (measured where surveyed)."""
    return _over_limit(ctx, GradeBand.G36)


@rule(
    "HW-5-G79",
    article=5,
    severity="medium",
    subject="class",
    days=RuleDays.SCHOOL,
    reads=("homework.homeworkitem", "homework.completionsurvey"),
    params=("hw_max_minutes_g79",),
    title_zh="7–9年级书面作业超时",
    title_en="Grades 7–9: written homework over the daily limit",
    hint_zh="初中每天书面作业平均完成时间不超过90分钟：由班主任统筹各学科作业总量，削减或改为分层、弹性作业后重新填报。",
    hint_en="Grades 7–9: written homework must average 90 minutes a day at most; the class teacher balances "
    "the subjects' load, cuts or differentiates it, then re-files.",
)
def hw_5_g79(ctx: SweepContext) -> list[Violation]:
    """Grades 7–9: the day's written minutes over all subjects above ``hw_max_minutes_g79`` (measured where surveyed)."""
    return _over_limit(ctx, GradeBand.G79)


# -- the item flag rules ----------------------------------------------------


@rule(
    "HW-4-PARENT",
    article=4,
    severity="high",
    subject="class",
    days=RuleDays.SCHOOL,
    reads=("homework.homeworkitem", "homework.completionsurvey"),
    title_zh="给家长布置作业或要求家长检查、批改作业",
    title_en="Homework assigned to parents, or parents required to check or grade it",
    hint_zh="作业由学生完成、教师批改：取消给家长布置的任务和家长签字、检查、批改要求，并告知家长。",
    hint_en="Homework is for the students and graded by teachers: drop tasks for parents and any requirement that "
    "parents check or grade, and tell the parents.",
)
def hw_4_parent(ctx: SweepContext) -> list[Violation]:
    """Any item set for parents or requiring parents to check or grade it."""
    return _flag_rule(
        ctx,
        Q(for_parents=True) | Q(parent_grading=True),
        ("for_parents", "parent_grading"),
        "布置给家长或要求家长检查批改",
    )


@rule(
    "HW-4-PUNITIVE",
    article=4,
    severity="medium",
    subject="class",
    days=RuleDays.SCHOOL,
    reads=("homework.homeworkitem", "homework.completionsurvey"),
    title_zh="布置机械重复、惩罚性作业",
    title_en="Mechanical, repetitive or punitive homework",
    hint_zh="不布置机械、无效、重复训练和惩罚性作业：改为有针对性的分层作业，不得以作业惩罚学生。",
    hint_en="No mechanical, repetitive or punitive homework: give targeted, differentiated tasks instead and never "
    "use homework as a punishment.",
)
def hw_4_punitive(ctx: SweepContext) -> list[Violation]:
    """Any item filed as mechanical, repetitive or punitive."""
    return _flag_rule(ctx, Q(punitive=True), ("punitive",), "属于机械重复或惩罚性作业")


@rule(
    "HW-4-STANDARD",
    article=4,
    severity="medium",
    subject="class",
    days=RuleDays.SCHOOL,
    reads=("homework.homeworkitem", "homework.completionsurvey"),
    title_zh="作业难度超出国家课程标准",
    title_en="Homework beyond the national curriculum standard",
    hint_zh="作业难度不得超过国家课程标准：按课标和教学进度调整题目，删去超标、超前内容。",
    hint_en="Keep homework within the national curriculum standard and the teaching schedule; remove content "
    "beyond or ahead of it.",
)
def hw_4_standard(ctx: SweepContext) -> list[Violation]:
    """Any item filed as beyond the national curriculum standard."""
    return _flag_rule(ctx, Q(beyond_standard=True), ("beyond_standard",), "难度超出国家课程标准")


@rule(
    "HW-6-SELFGRADE",
    article=6,
    severity="medium",
    subject="class",
    days=RuleDays.SCHOOL,
    reads=("homework.homeworkitem", "homework.completionsurvey"),
    title_zh="要求学生自批自改作业",
    title_en="Students required to grade their own homework",
    hint_zh="教师应全批全改：取消学生自批自改的要求，由任课教师批改并及时反馈。",
    hint_en="Teachers grade all homework: drop the self-grading requirement and give timely feedback.",
)
def hw_6_selfgrade(ctx: SweepContext) -> list[Violation]:
    """Any item that requires students to grade their own homework."""
    return _flag_rule(ctx, Q(self_grading=True), ("self_grading",), "要求学生自批自改")


# -- publication -------------------------------------------------------------


def _deadline(day: dt.date, at: str, grace_days: int) -> dt.datetime:
    hour, minute = (int(x) for x in str(at).split(":"))
    naive = dt.datetime.combine(day + dt.timedelta(days=grace_days), dt.time(hour, minute))
    return timezone.make_aware(naive, timezone.get_default_timezone())


@rule(
    "HW-4-PUBLISH",
    article=4,
    severity="low",
    subject="class",
    days=RuleDays.SCHOOL,
    grace_param="hw_filing_grace_days",
    reads=("homework.homeworkday", "schools.schoolclass"),
    params=("hw_filing_deadline", "hw_filing_grace_days"),
    title_zh="班级作业未按时公示",
    title_en="A class's homework not published on time",
    hint_zh="每个上学日20:00前在平台公示本班各学科作业（无作业也要填报“今日无作业”）；补填后本条线索会自动消除。",
    hint_en='Publish each class\'s homework for every school day by 20:00 (file "no homework today" when there '
    "is none); the finding clears once the day is filed.",
)
def hw_4_publish(ctx: SweepContext) -> list[Violation]:
    """A class-day of a school day whose deadline plus grace has passed with no filing made by then.

    One query per school day: the district's classes of that academic year with
    no ``HomeworkDay`` first filed by the cut-off.
    """
    now = timezone.now()
    deadline_at = ctx.params["hw_filing_deadline"]
    grace = int(ctx.params["hw_filing_grace_days"])
    out = []
    for day in ctx.school_days():
        cutoff = _deadline(day, deadline_at, grace)
        if cutoff > now:
            continue  # not due yet
        filed = HomeworkDay.objects.filter(school_class_id=OuterRef("pk"), date=day)
        classes = (
            ctx.limit_schools(
                ctx.in_districts(SchoolClass.objects.filter(academic_year=academic_year(day)), "school__district_id"),
                "school_id",
            )
            .annotate(
                on_time=Exists(filed.filter(first_filed_at__lte=cutoff)),
                filed_at=Subquery(filed.values("first_filed_at")[:1]),
            )
            .filter(on_time=False)
            .order_by()
            .values("id", "name", "grade", "school_id", "school__name", "filed_at")
        )
        for c in sorted(classes, key=lambda c: c["id"]):
            late = c["filed_at"]
            out.append(
                Violation(
                    school_id=c["school_id"],
                    school_class_id=c["id"],
                    date=day,
                    evidence={
                        "school": c["school__name"],
                        "class": c["name"],
                        "grade": c["grade"],
                        "date": day.isoformat(),
                        "deadline": _deadline(day, deadline_at, 0).isoformat(),
                        "cutoff_with_grace": cutoff.isoformat(),
                        "filed_at": timezone.localtime(late).isoformat() if late else None,
                    },
                    summary=f"{c['school__name']} {c['name']} {day:%m-%d} 作业" + ("逾期公示" if late else "未公示"),
                )
            )
    return out


case_rule(
    "HW-4-GRADING",
    article=4,
    severity="medium",
    subject="class",
    title_zh="作业未全批全改、未及时反馈",
    title_en="Homework not fully graded with timely feedback",
    hint_zh="教师对布置的作业全批全改、及时反馈，加强面批讲解；整改后在线索中说明措施。",
    hint_en="Teachers grade every piece of homework and give timely feedback; describe the measures taken on "
    "the finding.",
)
