"""Demo complaints for ``seed_demo``: about institutions, schools, teachers and other targets, through every channel,
in every state, with about ``violation_rate`` of them left unanswered past their acceptance deadline (CP-18-ACCEPT)
and the same share of resolved ones resolved late (CP-18-RESOLVE). Deterministic for a seed, except that what is
"past" is measured from the day the seed runs. Every demo complaint shares one tracking secret (logged), since
hashing a secret per row would make the small scale slow.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

from compliance.parameters import MissingParameter, parameter_value
from institutions.models import Institution
from schools.calendar import SchoolCalendar
from schools.models import District, School, SchoolTeacher
from shuangjian.errors import ServiceError

from .choices import Category, Channel, EventKind, State, TargetKind
from .crypto import phone_digest
from .crypto import secret_hash as tracking_secret_hash
from .models import Complaint, ComplaintEvent
from .routing import department_for
from .services import ALPHABET

SHANGHAI = ZoneInfo("Asia/Shanghai")
COUNTS = {"small": 24, "district": 300, "city": 3000}
DEMO_SECRET = "DEMO2026SECRET"[:12]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"

CATEGORIES_BY_TARGET = {
    TargetKind.INSTITUTION: [
        Category.HOLIDAY_OR_LATE_TRAINING,
        Category.PREPAYMENT_REFUND,
        Category.ADVERTISING,
        Category.UNLICENSED,
        Category.OTHER,
    ],
    TargetKind.SCHOOL: [Category.EXCESSIVE_HOMEWORK, Category.HOMEWORK_FOR_PARENTS, Category.OTHER],
    TargetKind.TEACHER: [Category.PAID_TUTORING, Category.HOMEWORK_FOR_PARENTS],
    TargetKind.OTHER: [Category.UNLICENSED, Category.ADVERTISING, Category.OTHER],
}
DESCRIPTIONS = {
    Category.EXCESSIVE_HOMEWORK: "孩子每天书面作业要写到晚上十点以后。",
    Category.HOMEWORK_FOR_PARENTS: "老师要求家长每天批改孩子的作业并签字拍照上传。",
    Category.HOLIDAY_OR_LATE_TRAINING: "周末和晚上九点以后还在上数学课。",
    Category.PAID_TUTORING: "班主任在家里给学生有偿补课。",
    Category.PREPAYMENT_REFUND: "一次性收取一年学费，申请退费被拒绝。",
    Category.ADVERTISING: "小区电梯里张贴学科培训广告。",
    Category.UNLICENSED: "居民楼里有人开办培训班，没有办学许可证。",
    Category.OTHER: "其他问题，请核实。",
}


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def seed(*, rng, scale, violation_rate, date_from, date_to, log) -> None:
    schools = list(School.objects.select_related("district").order_by("code"))
    if not schools:
        log("complaints: no schools, nothing to seed")
        return
    institutions = list(Institution.objects.select_related("district").order_by("pk"))
    teachers: dict[int, list[SchoolTeacher]] = {}
    for t in SchoolTeacher.objects.order_by("pk"):
        teachers.setdefault(t.school_id, []).append(t)
    districts = sorted({s.district for s in schools}, key=lambda d: d.code) or list(District.objects.all())
    calendars: dict[int, SchoolCalendar] = {}
    now = timezone.now()
    today = timezone.localdate(now)
    secret_hash = tracking_secret_hash(DEMO_SECRET)
    try:
        accept_days = int(parameter_value("complaint_accept_working_days", on=date_from))
        resolve_days = int(parameter_value("complaint_resolve_working_days", on=date_from))
    except MissingParameter as exc:
        log(f"complaints: {exc}; nothing seeded")
        return

    def due(district, start, n):
        cal = calendars.setdefault(district.pk, SchoolCalendar(district))
        try:
            return cal.add_working_days(start, n)
        except ServiceError:
            return None

    span = (date_to - date_from).days + 1
    codes: set[str] = set(Complaint.objects.values_list("tracking_code", flat=True))
    complaints, plans = [], []
    for _i in range(COUNTS.get(scale, COUNTS["small"])):
        kinds = [TargetKind.INSTITUTION, TargetKind.SCHOOL, TargetKind.TEACHER, TargetKind.OTHER]
        kind = rng.choices(kinds, weights=[40 if institutions else 0, 25, 15, 20])[0]
        inst = school = teacher = None
        teacher_name = target_text = ""
        if kind == TargetKind.INSTITUTION:
            inst = rng.choice(institutions)
            district = inst.district
        elif kind in (TargetKind.SCHOOL, TargetKind.TEACHER):
            school = rng.choice(schools)
            district = school.district
            if kind == TargetKind.TEACHER:
                pool = teachers.get(school.pk)
                teacher = rng.choice(pool) if pool and rng.random() < 0.5 else None
                teacher_name = teacher.name if teacher else rng.choice(SURNAMES) + "老师"
        else:
            district = rng.choice(districts)
            target_text = rng.choice(["小区内无名补习班", "某教育咨询公司", "公众号推送的培训广告"])
        category = rng.choice(CATEGORIES_BY_TARGET[kind])
        received_on = date_from + dt.timedelta(days=rng.randrange(span))
        received_at = _at(received_on, rng.randint(7, 22), rng.randrange(60))
        while True:
            code = "TS" + "".join(rng.choice(ALPHABET) for _ in range(10))
            if code not in codes:
                codes.add(code)
                break
        phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}" if rng.random() < 0.6 else ""
        name = (rng.choice(SURNAMES) + rng.choice(GIVEN)) if phone and rng.random() < 0.7 else ""
        channel = rng.choices(list(Channel.values), weights=[70, 20, 4, 4, 2])[0]
        c = Complaint(
            tracking_code=code,
            secret_hash=secret_hash,
            channel=channel,
            target_kind=kind,
            institution=inst,
            school=school,
            teacher=teacher,
            teacher_name=teacher_name,
            target_text=target_text,
            grade=rng.randint(1, 9) if category == Category.EXCESSIVE_HOMEWORK else None,
            category=category,
            description=DESCRIPTIONS[category],
            occurred_on=received_on - dt.timedelta(days=rng.randrange(8)),
            district=district,
            department=department_for(category=category, target_kind=kind, institution=inst),
            received_at=received_at,
            received_on=received_on,
            accept_due=due(district, received_on, accept_days),
            contact_name=name,
            contact_phone=phone,
            phone_digest=phone_digest(phone),
        )
        plans.append(_plan(rng, c, violation_rate, now, today, resolve_days, due))
        complaints.append(c)
    Complaint.objects.bulk_create(complaints, batch_size=500)
    events = []
    for c, steps in zip(complaints, plans):
        events.append(
            ComplaintEvent(
                complaint=c,
                kind=EventKind.SUBMITTED,
                to_state=State.RECEIVED,
                public=True,
                actor_label="投诉人" if c.channel == Channel.WEB else c.get_channel_display(),
                at=c.received_at,
                note="投诉已收到",
            )
        )
        prev = State.RECEIVED
        for state, at, note, public in steps:
            events.append(
                ComplaintEvent(
                    complaint=c,
                    kind=EventKind.TRANSITION,
                    from_state=prev,
                    to_state=state,
                    actor_label=f"{c.district.name}教委",
                    at=at,
                    note=note,
                    public=public,
                )
            )
            prev = state
    ComplaintEvent.objects.bulk_create(events, batch_size=2000)
    overdue = sum(1 for c in complaints if c.state == State.RECEIVED and c.accept_due and c.accept_due < today)
    log(
        f"complaints: {len(complaints)} complaints ({overdue} unanswered past the deadline), "
        f"{len(events)} timeline events; demo tracking secret {DEMO_SECRET}"
    )
    if complaints:
        first = min(complaints, key=lambda c: c.received_at)
        log(f"complaints: try tracking {first.tracking_code} with the secret {DEMO_SECRET} at /complaints/track/")


def _plan(rng, c, violation_rate, now, today, resolve_days, due):
    """Set the complaint's state and dates; return the transitions as (state, at, note, public)."""
    steps = []
    if rng.random() < violation_rate or c.accept_due is None:
        return steps  # left unanswered: overdue once today is past accept_due
    responded = c.received_at + dt.timedelta(hours=rng.randint(1, 20))
    if responded > now:
        return steps
    if rng.random() < 0.1:
        c.state, c.responded_at, c.reject_reason = (
            State.REJECTED,
            responded,
            "不属于本平台受理范围，已告知投诉人向相关部门反映。",
        )
        steps.append((State.REJECTED, responded, c.reject_reason, True))
        return steps
    c.state, c.responded_at = State.ACCEPTED, responded
    c.resolve_due = due(c.district, timezone.localdate(responded), resolve_days)
    steps.append((State.ACCEPTED, responded, "已受理", True))
    investigating = responded + dt.timedelta(hours=rng.randint(2, 30))
    if investigating > now or rng.random() < 0.2:
        return steps
    c.state = State.INVESTIGATING
    steps.append((State.INVESTIGATING, investigating, "已安排调查核实", True))
    if c.resolve_due is None:
        return steps
    late = rng.random() < violation_rate
    resolved_on = (
        c.resolve_due + dt.timedelta(days=2)
        if late
        else timezone.localdate(investigating) + dt.timedelta(days=rng.randint(0, 4))
    )
    resolved = _at(resolved_on, rng.randint(9, 17))
    if resolved > now or (not late and resolved_on > c.resolve_due):
        return steps
    c.state, c.resolved_at, c.upheld = State.RESOLVED, resolved, False
    c.outcome = "经调查核实，已督促整改并答复投诉人。"
    steps.append((State.RESOLVED, resolved, c.outcome, True))
    closed = resolved + dt.timedelta(days=rng.randint(1, 5))
    if closed <= now and rng.random() < 0.5:
        c.state, c.closed_at = State.CLOSED, closed
        steps.append((State.CLOSED, closed, "", False))
    return steps
