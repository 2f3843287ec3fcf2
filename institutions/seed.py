"""Demo institutions for ``seed_demo``: registry, sites, trainers, foreign staff, courses, sessions, filings,
prepayments and disclosures, with about ``violation_rate`` of the relevant rows breaking each TI rule.

Deterministic for a seed. Compliant rows follow RULES.md: subject-type courses meet on school days after school
hours and end by 20:30 (offline) or 21:00 (online, 30-minute lessons 10+ minutes apart); subject-type
institutions are non-profit, approved before the 2021-07-24 cut-off, publish every disclosure item and price at
or under the guide price; prepayments cover at most 3 months and 60 class hours into the supervised account.

The helpers below draw from the one random generator in a fixed order (institutions, then their sites, trainers,
foreign staff and disclosures, then courses, course trainers, filings and prepayments, then sessions): changing
the order of the draws changes the data generated for a seed.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from schools.calendar import SchoolCalendar
from schools.choices import FOREIGN_LANGUAGES, SUBJECT_TYPE, Subject, TeacherStatus
from schools.models import District, SchoolTeacher

from .choices import Audience, Category, DisclosureItem, Domain, LicenceStatus, ListStatus, Mode, SessionMode
from .models import (
    Course,
    Disclosure,
    EnrolmentFiling,
    ForeignStaff,
    Institution,
    ListStatusChange,
    Prepayment,
    Session,
    Site,
    Trainer,
)
from .pricing import guide_params, guide_price
from .validators import credit_code_check_char

BJ = ZoneInfo("Asia/Shanghai")
CUTOFF = dt.date(2021, 7, 24)
PER_DISTRICT = {"small": 6, "district": 80, "city": 40}

SUBJECT_NAMES = {
    Subject.MATHS: "数学",
    Subject.CHINESE: "语文",
    Subject.ENGLISH: "英语",
    Subject.PHYSICS: "物理",
    Subject.CHEMISTRY: "化学",
    Subject.JAPANESE: "日语",
}
NON_SUBJECT = {
    Domain.ARTS: [(Subject.MUSIC, "钢琴"), (Subject.FINE_ARTS, "素描"), (Subject.ARTS, "舞蹈")],
    Domain.SPORTS: [(Subject.PE, "篮球"), (Subject.PE, "游泳"), (Subject.PE, "跆拳道")],
    Domain.SCIENCE: [(Subject.IT, "编程"), (Subject.SCIENCE, "科学实验"), (Subject.PRACTICE, "机器人")],
}
STEMS = ["启航", "博学", "英才", "思源", "明志", "求真", "卓越", "智慧树", "向阳", "新起点", "远航", "青苗"]
PLACES = [
    "金桥",
    "清河",
    "望京",
    "西山",
    "南湖",
    "北辰",
    "东坝",
    "长河",
    "丰泽",
    "永安",
    "嘉园",
    "春晖",
    "华信",
    "安和",
]
SUBJECT_KINDS = ["培训学校", "教育培训中心", "学堂"]
ARTS_KINDS = ["艺体中心", "艺术培训学校", "体育俱乐部"]
BRANCH_ORDINALS = "二三四五六七八九十"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"
FOREIGN_NAMES = ["John Smith", "Emma Brown", "Yuki Tanaka", "Olga Ivanova", "Lucas Martin", "Sofia Rossi"]


def _at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hh, mm, tzinfo=BJ)


@dataclass
class _Run:
    """What every helper of one ``seed`` call shares: the random generator, the span and the violation quotas."""

    rng: random.Random
    violation_rate: float
    date_from: dt.date
    date_to: dt.date
    params: object
    teacher_certs: list[str]
    #: certificates of teachers who retired or left school: working for an institution is allowed
    former_certs: list[str] = field(default_factory=list)
    counters: dict[str, list] = field(default_factory=dict)

    @property
    def span_days(self) -> int:
        return max((self.date_to - self.date_from).days, 0)

    def bad(self, key: str) -> bool:
        """Exactly ``violation_rate`` of the rows asked about for ``key`` violate (±1), at seeded positions."""
        # the default is drawn on every call (not only the first): the draw order depends on it
        state = self.counters.setdefault(key, [0, self.rng.random()])
        state[0] += 1
        before = (state[0] - 1) * self.violation_rate + state[1]
        after = state[0] * self.violation_rate + state[1]
        return int(after) > int(before)


def seed(*, rng, scale, violation_rate, date_from, date_to, log) -> None:
    districts = list(District.objects.filter(schools__isnull=False).distinct().order_by("code"))
    rostered = SchoolTeacher.objects.exclude(certificate_no="").order_by("id")
    teacher_certs = list(rostered.filter(status=TeacherStatus.SERVING).values_list("certificate_no", flat=True)[:2000])
    former_certs = list(rostered.exclude(status=TeacherStatus.SERVING).values_list("certificate_no", flat=True)[:200])
    run = _Run(
        rng=rng,
        violation_rate=violation_rate,
        date_from=date_from,
        date_to=date_to,
        params=guide_params(on=date_from),
        teacher_certs=teacher_certs,
        former_certs=former_certs,
    )
    seq0 = Institution.objects.count()

    institutions, black = _create_institutions(run, districts, seq0, PER_DISTRICT.get(scale, 6))
    sites, trainers = _create_sites_staff_and_disclosures(run, institutions, seq0)
    courses = _create_courses(run, institutions, trainers)
    filings, payments = _create_filings_and_prepayments(run, courses)
    sessions = _create_sessions(run, districts, institutions, courses, sites)
    log(
        f"institutions: {len(institutions)} institutions ({len(black)} black-listed), {len(sites)} sites, "
        f"{len(trainers)} trainers, {len(courses)} courses, {len(sessions)} sessions, {len(filings)} filings, "
        f"{len(payments)} prepayments"
    )


# --- institutions -----------------------------------------------------------------------------------------


def _create_institutions(
    run: _Run, districts: list[District], seq0: int, n_per: int
) -> tuple[list[Institution], list[Institution]]:
    """``n_per`` institutions in each district (even positions subject-type), and their list-status history."""
    institutions, black = [], []
    for district in districts:
        for i in range(n_per):
            inst = _institution(run, district, i, seq=seq0 + len(institutions) + 1)
            if run.bad("black"):  # TI-18-BLACKLIST: listed before the span, still holding sessions in it
                inst.list_status = ListStatus.BLACK
                inst.list_status_since = run.date_from - dt.timedelta(days=run.rng.randint(1, 30))
                black.append(inst)
            elif inst.list_status == ListStatus.WHITE:
                inst.list_status_since = dt.date(2022, 6, 1)
            institutions.append(inst)
    Institution.objects.bulk_create(institutions, batch_size=2000)
    changes = [
        ListStatusChange(
            institution=i,
            from_status=ListStatus.NONE,
            to_status=i.list_status,
            effective_on=i.list_status_since,
            reason="演示数据：检查发现违规办学" if i in black else "演示数据：年检合格",
        )
        for i in institutions
        if i.list_status != ListStatus.NONE
    ]
    ListStatusChange.objects.bulk_create(changes, batch_size=2000)
    return institutions, black


def _institution_name(district: District, *, seq: int, subject: bool) -> str:
    """A name as an institution has one, distinct for every ``seq`` (no "（4）" numbering): a place word, a stem
    and a kind, walked in that order; past their product, a branch ordinal ("第二分校")."""
    kinds = SUBJECT_KINDS if subject else ARTS_KINDS
    n = seq - 1
    cycle = len(PLACES) * len(STEMS)
    # neighbours differ in both words; (stem, place) is distinct over a cycle (13 and 14 are coprime)
    q, r = divmod(n % cycle, len(STEMS))
    stem = STEMS[r]
    place = PLACES[(q * (len(STEMS) + 1) + r) % len(PLACES)]
    kind = kinds[(n // cycle) % len(kinds)]
    branch = n // (len(PLACES) * len(STEMS) * len(kinds))
    suffix = f"第{BRANCH_ORDINALS[branch % len(BRANCH_ORDINALS)]}分校" if branch else ""
    return f"北京市{district.name.removesuffix('区')}区{place}{stem}{kind}{suffix}"


def _institution(run: _Run, district: District, i: int, *, seq: int) -> Institution:
    """The ``i``-th institution of ``district`` (unsaved, list status not yet black-listed)."""
    rng, bad = run.rng, run.bad
    subject = i % 2 == 0
    online = subject and i % 6 == 4
    domain = Domain.ACADEMIC if subject else rng.choice(list(NON_SUBJECT))
    audience = [Audience.COMPULSORY]
    if not subject and rng.random() < 0.3:
        audience = [Audience.PRESCHOOL, Audience.COMPULSORY]
    nonprofit = subject and not bad("nonprofit")  # TI-12-NONPROFIT
    prefix = "52" if nonprofit else "91"
    first17 = f"{prefix}{district.code}MJ{seq:07d}"
    approved_on = _approval_date(run, subject=subject, preschool=Audience.PRESCHOOL in audience)
    licence = LicenceStatus.VALID
    if bad("unlicensed"):  # TI-12-UNLICENSED
        licence = rng.choice([LicenceStatus.EXPIRED, LicenceStatus.REVOKED, LicenceStatus.NONE])
    rng.choice(STEMS)  # drawn as before, so the rest of the seeded data stays the same
    return Institution(
        name=_institution_name(district, seq=seq, subject=subject),
        credit_code=first17 + credit_code_check_char(first17),
        district=district,
        category=Category.SUBJECT if subject else Category.NON_SUBJECT,
        domain=domain,
        audience=audience,
        mode=Mode.ONLINE if online else Mode.OFFLINE,
        nonprofit=nonprofit,
        licence_no="" if licence == LicenceStatus.NONE else f"教民{district.code}{seq:07d}号",
        licence_status=licence,
        approved_on=approved_on,
        reapproved_on=dt.date(2022, 3, 1) if online and not bad("online") else None,  # TI-12-ONLINE
        listed=subject and bad("capital"),  # TI-17-CAPITAL
        capital_raised=False,
        foreign_controlled=False,
        list_status=ListStatus.WHITE if licence == LicenceStatus.VALID and rng.random() < 0.6 else ListStatus.NONE,
    )


def _approval_date(run: _Run, *, subject: bool, preschool: bool) -> dt.date:
    rng = run.rng
    approved_on = dt.date(2015 + rng.randint(0, 5), rng.randint(1, 12), rng.randint(1, 28))
    if (subject or preschool) and run.bad(
        "new-subject" if subject else "new-preschool"
    ):  # TI-12-NEWSUBJ / TI-31-NEW-PRESCHOOL
        approved_on = CUTOFF + dt.timedelta(days=rng.randint(0, 900))
    return approved_on


# --- sites, trainers, foreign staff, disclosures ----------------------------------------------------------


def _create_sites_staff_and_disclosures(
    run: _Run, institutions: list[Institution], seq0: int
) -> tuple[list[Site], list[Trainer]]:
    """For each institution in turn: its sites, trainers, foreign staff and disclosures."""
    sites, trainers, staff, disclosures = [], [], [], []
    cert_seq = itertools.count(seq0 * 10 + 1)
    for inst in institutions:
        sites += _sites(run, inst)
        trainers += _trainers(run, inst, cert_seq)
        staff += _foreign_staff(run, inst)
        disclosures += _disclosures(run, inst)
    Site.objects.bulk_create(sites, batch_size=2000)
    Trainer.objects.bulk_create(trainers, batch_size=2000)
    ForeignStaff.objects.bulk_create(staff, batch_size=2000)
    Disclosure.objects.bulk_create(disclosures, batch_size=2000)
    return sites, trainers


def _sites(run: _Run, inst: Institution) -> list[Site]:
    sites = [
        Site(
            institution=inst,
            address=f"北京市{inst.district.name}示范路{inst.pk % 900 + 1}号{k + 1}层",
            approved=True,
            approved_on=inst.approved_on,
        )
        for k in range(1 if inst.mode == Mode.ONLINE else run.rng.randint(1, 2))
    ]
    if inst.mode != Mode.ONLINE and run.bad("site"):  # TI-12-SITE: an unapproved second address
        sites.append(Site(institution=inst, address=f"北京市{inst.district.name}未批路{inst.pk}号", approved=False))
    return sites


def _trainers(run: _Run, inst: Institution, cert_seq: Iterator[int]) -> list[Trainer]:
    rng, bad = run.rng, run.bad
    trainers = []
    for k in range(rng.randint(2, 4)):
        cert = _trainer_certificate(run, next(cert_seq))
        trainers.append(
            Trainer(
                institution=inst,
                name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                photo=f"trainers/demo/{inst.pk}-{k}.jpg",
                certificate_no=cert,
                classes_taught=f"{rng.randint(1, 9)}年级班",
                disclosed=not bad("trainer-disclosed"),
            )
        )
    return trainers


def _trainer_certificate(run: _Run, seq: int) -> str:
    if run.bad("cert"):  # TI-14-CERT
        return ""
    if run.teacher_certs and run.bad("poach"):  # TI-14-POACH / TE-26-PAID: a serving teacher's certificate
        return run.rng.choice(run.teacher_certs)
    if run.former_certs and seq % 11 == 0:  # a retired or departed teacher: no violation
        return run.former_certs[seq // 11 % len(run.former_certs)]
    return f"{2012 + seq % 10}31{seq:010d}"


def _foreign_staff(run: _Run, inst: Institution) -> list[ForeignStaff]:
    if inst.category != Category.SUBJECT or run.rng.random() >= 0.25:
        return []
    return [
        ForeignStaff(
            institution=inst,
            name=run.rng.choice(FOREIGN_NAMES),
            work_permit_no="" if run.bad("permit") else f"WP11{inst.pk:08d}",
            in_china=not run.bad("abroad"),  # TI-14-FOREIGN-STAFF
        )
    ]


def _disclosures(run: _Run, inst: Institution) -> list[Disclosure]:
    skipped = run.rng.choice(list(DisclosureItem)) if run.bad("disclosure") else None  # TI-14-DISCLOSURE
    return [
        Disclosure(
            institution=inst,
            item=item,
            published=item != skipped,
            content=f"{item.label}：见机构公示栏",
            updated_on=run.date_from - dt.timedelta(days=run.rng.randint(1, 60)),
        )
        for item in DisclosureItem
    ]


# --- courses ----------------------------------------------------------------------------------------------


def _create_courses(run: _Run, institutions: list[Institution], trainers: list[Trainer]) -> list[Course]:
    """Two or three courses per institution, each taught by one or two of its trainers."""
    courses = [_course(run, inst, k) for inst in institutions for k in range(run.rng.randint(2, 3))]
    Course.objects.bulk_create(courses, batch_size=2000)
    trainers_of: dict[int, list[Trainer]] = {}
    for t in trainers:
        trainers_of.setdefault(t.institution_id, []).append(t)
    through = []
    for c in courses:
        pool = trainers_of.get(c.institution_id, [])
        for t in run.rng.sample(pool, min(len(pool), run.rng.randint(1, 2))):
            through.append(Course.trainers.through(course_id=c.pk, trainer_id=t.pk))
    Course.trainers.through.objects.bulk_create(through, batch_size=5000)
    return courses


def _course(run: _Run, inst: Institution, k: int) -> Course:
    """The ``k``-th course of ``inst`` (the first of a pre-school institution is for pre-school children)."""
    rng, bad = run.rng, run.bad
    subject, label = _course_subject(run, inst)
    grade = rng.randint(1, 9)
    min_grade = grade
    mode = SessionMode.ONLINE if inst.mode == Mode.ONLINE else SessionMode.OFFLINE
    if Audience.PRESCHOOL in inst.audience and k == 0:
        min_grade = grade = 0
    content = grade
    if grade < 9 and bad("advanced"):  # TI-14-ADVANCED: content a grade ahead of the lowest enrolled
        content = grade + 1
    if bad("preschool"):  # TI-31-PRESCHOOL-*: enrols pre-school children (online, or offline subject-type)
        min_grade = content = 0
        if subject not in SUBJECT_TYPE and mode == SessionMode.OFFLINE:
            mode = SessionMode.ONLINE
    size = rng.choice([1, 6, 12, 20, 30, 40]) if mode == SessionMode.OFFLINE else rng.choice([30, 100, 300])
    minutes = 30 if mode == SessionMode.ONLINE else rng.choice([45, 60, 90])
    price = _course_price(run, subject=subject, mode=mode, size=size, minutes=minutes)
    opens = run.date_from + dt.timedelta(days=rng.randint(0, run.span_days)) if rng.random() < 0.3 else None
    return Course(
        institution=inst,
        name=f"{_grade_name(min_grade)}{label}{'提高' if k else ''}班",
        subject=subject,
        content_grade=content,
        min_grade=min_grade,
        max_grade=min(max(min_grade, grade) + rng.randint(0, 1), 12),
        foreign_curriculum=subject in FOREIGN_LANGUAGES and bad("foreign-curr"),  # TI-14-FOREIGN-CURR
        mode=mode,
        class_size=size,
        lesson_minutes=minutes,
        price_per_lesson=price,
        enrolment_opens_on=opens,
        disclosed=not bad("course-disclosed"),
    )


def _course_subject(run: _Run, inst: Institution) -> tuple[str, str]:
    """The subject and its name in the course title."""
    if inst.category == Category.SUBJECT:
        subject = run.rng.choice(list(SUBJECT_NAMES))
        return subject, SUBJECT_NAMES[subject]
    subject, label = run.rng.choice(NON_SUBJECT[inst.domain])
    if run.bad("nonsubj"):  # TI-14-NONSUBJ: a non-subject institution teaching maths
        return Subject.MATHS, "数学思维"
    return subject, label


def _course_price(run: _Run, *, subject: str, mode: str, size: int, minutes: int) -> Decimal:
    """Any price for a non-subject course; 70-100% of the guide price for a subject-type one (130% when bad)."""
    price = Decimal(run.rng.randint(40, 300))
    if subject in SUBJECT_TYPE:
        ceiling = guide_price(mode=mode, class_size=size, lesson_minutes=minutes, params=run.params).max_allowed
        price = (ceiling * Decimal(run.rng.randint(70, 100)) / 100).quantize(Decimal("1"))
        if run.bad("price"):  # TI-15-PRICE
            price = (ceiling * Decimal("1.3")).quantize(Decimal("1"))
    return price


# --- filings and prepayments ------------------------------------------------------------------------------


def _create_filings_and_prepayments(run: _Run, courses: list[Course]) -> tuple[list[EnrolmentFiling], list[Prepayment]]:
    """For each course in turn: its enrolment filing (if it opens enrolment in the span) and prepayments."""
    filings, payments = [], []
    for c in courses:
        if c.enrolment_opens_on and not run.bad("filing"):  # TI-15-FILING when missing or approved too late
            filings.append(_filing(run, c))
        payments += [_prepayment(run, c) for _k in range(run.rng.randint(0, 2))]
    EnrolmentFiling.objects.bulk_create(filings, batch_size=2000)
    Prepayment.objects.bulk_create(payments, batch_size=2000)
    return filings, payments


def _filing(run: _Run, c: Course) -> EnrolmentFiling:
    return EnrolmentFiling(
        course=c,
        filed_on=c.enrolment_opens_on - dt.timedelta(days=20),
        approved_on=c.enrolment_opens_on - dt.timedelta(days=run.rng.randint(1, 10)),
        brochure=f"{c.name}招生简章",
        fees=f"每课时{c.price_per_lesson}元",
        enrolment_opens_on=c.enrolment_opens_on,
    )


def _prepayment(run: _Run, c: Course) -> Prepayment:
    rng = run.rng
    hours, months = rng.randint(10, 60), rng.randint(1, 3)
    supervised = True
    if run.bad("prepay"):  # TI-15-PREPAY: over 60 hours, over 3 months, or outside the supervised account
        kind = rng.randint(0, 2)
        hours, months, supervised = (
            (hours + 40, months, True) if kind == 0 else ((hours, 6, True) if kind == 1 else (hours, months, False))
        )
    return Prepayment(
        course=c,
        paid_on=run.date_from + dt.timedelta(days=rng.randint(0, run.span_days)),
        amount=c.price_per_lesson * hours,
        class_hours=hours,
        months=months,
        account=f"监管账户{c.institution_id:08d}" if supervised else f"一般账户{c.institution_id:08d}",
        supervised=supervised,
    )


# --- sessions over the span -------------------------------------------------------------------------------


def _create_sessions(
    run: _Run, districts: list[District], institutions: list[Institution], courses: list[Course], sites: list[Site]
) -> list[Session]:
    """Up to three days of sessions per course in the span (two back-to-back lessons for online subject-type)."""
    days_by_district = {d.pk: SchoolCalendar(d).days(run.date_from, run.date_to) for d in districts}
    by_inst = {i.pk: i for i in institutions}
    sites_of: dict[int, list[Site]] = {}
    for s in sites:
        if s.approved:
            sites_of.setdefault(s.institution_id, []).append(s)
    unapproved = {s.institution_id: s for s in sites if not s.approved}
    sessions = []
    for c in courses:
        inst = by_inst[c.institution_id]
        days = days_by_district[inst.district_id]
        school_days = [d.date for d in days if d.is_school_day]
        rest_days = [d.date for d in days if not d.is_school_day]
        usual = school_days if c.subject in SUBJECT_TYPE else (rest_days or school_days)
        if not usual:
            continue
        site = _SitePicker(sites_of.get(inst.pk, []), unapproved.get(inst.pk))
        for day in sorted(run.rng.sample(usual, min(len(usual), 3))):
            sessions += _sessions_on(run, c, day, rest_days=rest_days, site=site)
    Session.objects.bulk_create(sessions, batch_size=5000)
    return sessions


@dataclass
class _SitePicker:
    """Where an institution's offline sessions take place: its unapproved address half the time when it has one."""

    approved: list[Site]
    unapproved: Site | None

    def pick(self, rng: random.Random) -> Site | None:
        if self.unapproved is not None and rng.random() < 0.5:
            return self.unapproved
        return rng.choice(self.approved) if self.approved else None


def _sessions_on(run: _Run, c: Course, day: dt.date, *, rest_days: list[dt.date], site: _SitePicker) -> list[Session]:
    """The session(s) of ``c`` on ``day``: moved to a rest day or into school hours, too long or too late when bad."""
    rng, bad = run.rng, run.bad
    online = c.mode == SessionMode.ONLINE
    subject_type = c.subject in SUBJECT_TYPE
    if online:
        start = _at(day, 19, 0) if subject_type else _at(day, 10, 0)
    else:
        start = _at(day, 18, 0) if subject_type else _at(day, 9, 30)
    if subject_type and rest_days and bad("holiday"):  # TI-13-HOLIDAY
        day = rng.choice(rest_days)
        start = _at(day, 9, 0)
    elif subject_type and bad("schoolhours"):  # TI-13-SCHOOLHOURS
        start = _at(day, 15, 0)
    start, end = _session_times(run, start, c.lesson_minutes, online=online)
    mode = SessionMode.ONLINE if online else SessionMode.OFFLINE
    sessions = [Session(course=c, site=None if online else site.pick(rng), starts_at=start, ends_at=end, mode=mode)]
    if online and subject_type:
        gap = 5 if bad("gap") else 10  # TI-13-ONLINE-GAP
        second = end + dt.timedelta(minutes=gap)
        sessions.append(
            Session(course=c, site=None, starts_at=second, ends_at=second + dt.timedelta(minutes=30), mode=mode)
        )
    return sessions


def _session_times(run: _Run, start: dt.datetime, length: int, *, online: bool) -> tuple[dt.datetime, dt.datetime]:
    """Start and end of a lesson of ``length`` minutes from ``start`` (45 minutes online, or ending late, when bad)."""
    if online and run.bad("online-len"):  # TI-13-ONLINE-LEN
        length = 45
    end = start + dt.timedelta(minutes=length)
    if run.bad("late-online" if online else "late-offline"):  # TI-13-LATE-OFFLINE / TI-13-LATE-ONLINE
        end = _at(start.date(), 21, 15) if online else _at(start.date(), 20, 45)
        start = end - dt.timedelta(minutes=length)
    return start, end


def _grade_name(grade: int) -> str:
    if grade == 0:
        return "学前"
    if grade <= 9:
        return f"{'一二三四五六七八九'[grade - 1]}年级"
    return f"高{'一二三'[grade - 10]}"
