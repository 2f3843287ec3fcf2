"""Demo institutions for ``seed_demo``: registry, sites, trainers, foreign staff, courses, sessions, filings,
prepayments and disclosures, with about ``violation_rate`` of the relevant rows breaking each TI rule.

Deterministic for a seed. Compliant rows follow RULES.md: subject-type courses meet on school days after school
hours and end by 20:30 (offline) or 21:00 (online, 30-minute lessons 10+ minutes apart); subject-type
institutions are non-profit, approved before the 2021-07-24 cut-off, publish every disclosure item and price at
or under the guide price; prepayments cover at most 3 months and 60 class hours into the supervised account.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from schools.calendar import SchoolCalendar
from schools.choices import FOREIGN_LANGUAGES, SUBJECT_TYPE, Subject
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
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"
FOREIGN_NAMES = ["John Smith", "Emma Brown", "Yuki Tanaka", "Olga Ivanova", "Lucas Martin", "Sofia Rossi"]


def _at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hh, mm, tzinfo=BJ)


def seed(*, rng, scale, violation_rate, date_from, date_to, log) -> None:
    counters: dict[str, list] = {}

    def bad(key: str) -> bool:
        """Exactly ``violation_rate`` of the rows asked about for ``key`` violate (±1), at seeded positions."""
        state = counters.setdefault(key, [0, rng.random()])
        state[0] += 1
        before, after = (state[0] - 1) * violation_rate + state[1], state[0] * violation_rate + state[1]
        return int(after) > int(before)

    districts = list(District.objects.filter(schools__isnull=False).distinct().order_by("code"))
    teacher_certs = list(
        SchoolTeacher.objects.exclude(certificate_no="").order_by("id").values_list("certificate_no", flat=True)[:2000]
    )
    params = guide_params(on=date_from)
    seq0 = Institution.objects.count()
    n_per = PER_DISTRICT.get(scale, 6)

    # --- institutions -------------------------------------------------------------------------------------
    institutions, black = [], []
    for district in districts:
        short = district.name.removesuffix("区")
        for i in range(n_per):
            seq = seq0 + len(institutions) + 1
            subject = i % 2 == 0
            online = subject and i % 6 == 4
            mode = Mode.ONLINE if online else Mode.OFFLINE
            domain = Domain.ACADEMIC if subject else rng.choice(list(NON_SUBJECT))
            audience = [Audience.COMPULSORY]
            if not subject and rng.random() < 0.3:
                audience = [Audience.PRESCHOOL, Audience.COMPULSORY]
            nonprofit = subject and not bad("nonprofit")  # TI-12-NONPROFIT
            prefix = "52" if nonprofit else "91"
            first17 = f"{prefix}{district.code}MJ{seq:07d}"
            approved_on = dt.date(2015 + rng.randint(0, 5), rng.randint(1, 12), rng.randint(1, 28))
            if (subject or Audience.PRESCHOOL in audience) and bad(
                "new-subject" if subject else "new-preschool"
            ):  # TI-12-NEWSUBJ / TI-31-NEW-PRESCHOOL
                approved_on = CUTOFF + dt.timedelta(days=rng.randint(0, 900))
            licence = LicenceStatus.VALID
            if bad("unlicensed"):  # TI-12-UNLICENSED
                licence = rng.choice([LicenceStatus.EXPIRED, LicenceStatus.REVOKED, LicenceStatus.NONE])
            inst = Institution(
                name=f"北京市{short}区{rng.choice(STEMS)}{'培训学校' if subject else '艺体中心'}（{seq}）",
                credit_code=first17 + credit_code_check_char(first17),
                district=district,
                category=Category.SUBJECT if subject else Category.NON_SUBJECT,
                domain=domain,
                audience=audience,
                mode=mode,
                nonprofit=nonprofit,
                licence_no="" if licence == LicenceStatus.NONE else f"教民{district.code}{seq:07d}号",
                licence_status=licence,
                approved_on=approved_on,
                reapproved_on=dt.date(2022, 3, 1) if online and not bad("online") else None,  # TI-12-ONLINE
                listed=subject and bad("capital"),  # TI-17-CAPITAL
                capital_raised=False,
                foreign_controlled=False,
                list_status=ListStatus.WHITE
                if licence == LicenceStatus.VALID and rng.random() < 0.6
                else ListStatus.NONE,
            )
            if bad("black"):  # TI-18-BLACKLIST: listed before the span, still holding sessions in it
                inst.list_status = ListStatus.BLACK
                inst.list_status_since = date_from - dt.timedelta(days=rng.randint(1, 30))
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

    # --- sites, trainers, foreign staff, disclosures -------------------------------------------------------
    sites, trainers, staff, disclosures = [], [], [], []
    cert_seq = seq0 * 10
    for inst in institutions:
        for k in range(1 if inst.mode == Mode.ONLINE else rng.randint(1, 2)):
            sites.append(
                Site(
                    institution=inst,
                    address=f"北京市{inst.district.name}示范路{inst.pk % 900 + 1}号{k + 1}层",
                    approved=True,
                    approved_on=inst.approved_on,
                )
            )
        if inst.mode != Mode.ONLINE and bad("site"):  # TI-12-SITE: an unapproved second address
            sites.append(Site(institution=inst, address=f"北京市{inst.district.name}未批路{inst.pk}号", approved=False))
        for k in range(rng.randint(2, 4)):
            cert_seq += 1
            cert = f"{2012 + cert_seq % 10}31{cert_seq:010d}"
            if bad("cert"):  # TI-14-CERT
                cert = ""
            elif teacher_certs and bad("poach"):  # TI-14-POACH / TE-26-PAID: a serving teacher's certificate
                cert = rng.choice(teacher_certs)
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
        if inst.category == Category.SUBJECT and rng.random() < 0.25:
            staff.append(
                ForeignStaff(
                    institution=inst,
                    name=rng.choice(FOREIGN_NAMES),
                    work_permit_no="" if bad("permit") else f"WP11{inst.pk:08d}",
                    in_china=not bad("abroad"),  # TI-14-FOREIGN-STAFF
                )
            )
        skipped = rng.choice(list(DisclosureItem)) if bad("disclosure") else None  # TI-14-DISCLOSURE
        for item in DisclosureItem:
            disclosures.append(
                Disclosure(
                    institution=inst,
                    item=item,
                    published=item != skipped,
                    content=f"{item.label}：见机构公示栏",
                    updated_on=date_from - dt.timedelta(days=rng.randint(1, 60)),
                )
            )
    Site.objects.bulk_create(sites, batch_size=2000)
    Trainer.objects.bulk_create(trainers, batch_size=2000)
    ForeignStaff.objects.bulk_create(staff, batch_size=2000)
    Disclosure.objects.bulk_create(disclosures, batch_size=2000)
    sites_of, trainers_of = {}, {}
    for s in sites:
        if s.approved:
            sites_of.setdefault(s.institution_id, []).append(s)
    unapproved = {s.institution_id: s for s in sites if not s.approved}
    for t in trainers:
        trainers_of.setdefault(t.institution_id, []).append(t)

    # --- courses -------------------------------------------------------------------------------------------
    courses = []
    span_days = (date_to - date_from).days
    for inst in institutions:
        for k in range(rng.randint(2, 3)):
            if inst.category == Category.SUBJECT:
                subject = rng.choice(list(SUBJECT_NAMES))
                label = SUBJECT_NAMES[subject]
            else:
                subject, label = rng.choice(NON_SUBJECT[inst.domain])
                if bad("nonsubj"):  # TI-14-NONSUBJ: a non-subject institution teaching maths
                    subject, label = Subject.MATHS, "数学思维"
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
            price = Decimal(rng.randint(40, 300))
            if subject in SUBJECT_TYPE:
                ceiling = guide_price(mode=mode, class_size=size, lesson_minutes=minutes, params=params).max_allowed
                price = (ceiling * Decimal(rng.randint(70, 100)) / 100).quantize(Decimal("1"))
                if bad("price"):  # TI-15-PRICE
                    price = (ceiling * Decimal("1.3")).quantize(Decimal("1"))
            opens = date_from + dt.timedelta(days=rng.randint(0, max(span_days, 0))) if rng.random() < 0.3 else None
            courses.append(
                Course(
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
            )
    Course.objects.bulk_create(courses, batch_size=2000)
    through = []
    for c in courses:
        pool = trainers_of.get(c.institution_id, [])
        for t in rng.sample(pool, min(len(pool), rng.randint(1, 2))):
            through.append(Course.trainers.through(course_id=c.pk, trainer_id=t.pk))
    Course.trainers.through.objects.bulk_create(through, batch_size=5000)

    # --- filings and prepayments ---------------------------------------------------------------------------
    filings, payments = [], []
    for c in courses:
        if c.enrolment_opens_on and not bad("filing"):  # TI-15-FILING when missing or approved too late
            filings.append(
                EnrolmentFiling(
                    course=c,
                    filed_on=c.enrolment_opens_on - dt.timedelta(days=20),
                    approved_on=c.enrolment_opens_on - dt.timedelta(days=rng.randint(1, 10)),
                    brochure=f"{c.name}招生简章",
                    fees=f"每课时{c.price_per_lesson}元",
                    enrolment_opens_on=c.enrolment_opens_on,
                )
            )
        for _k in range(rng.randint(0, 2)):
            hours, months = rng.randint(10, 60), rng.randint(1, 3)
            supervised = True
            if bad("prepay"):  # TI-15-PREPAY
                kind = rng.randint(0, 2)
                hours, months, supervised = (
                    (hours + 40, months, True)
                    if kind == 0
                    else ((hours, 6, True) if kind == 1 else (hours, months, False))
                )
            payments.append(
                Prepayment(
                    course=c,
                    paid_on=date_from + dt.timedelta(days=rng.randint(0, max(span_days, 0))),
                    amount=c.price_per_lesson * hours,
                    class_hours=hours,
                    months=months,
                    account=f"监管账户{c.institution_id:08d}" if supervised else f"一般账户{c.institution_id:08d}",
                    supervised=supervised,
                )
            )
    EnrolmentFiling.objects.bulk_create(filings, batch_size=2000)
    Prepayment.objects.bulk_create(payments, batch_size=2000)

    # --- sessions over the span ----------------------------------------------------------------------------
    calendars = {d.pk: SchoolCalendar(d) for d in districts}
    days_by_district = {pk: cal.days(date_from, date_to) for pk, cal in calendars.items()}
    by_inst = {i.pk: i for i in institutions}
    sessions = []
    for c in courses:
        inst = by_inst[c.institution_id]
        days = days_by_district[inst.district_id]
        school_days = [d.date for d in days if d.is_school_day]
        rest_days = [d.date for d in days if not d.is_school_day]
        subject_type = c.subject in SUBJECT_TYPE
        site_pool = sites_of.get(inst.pk, [])
        usual = school_days if subject_type else (rest_days or school_days)
        if not usual:
            continue
        for day in sorted(rng.sample(usual, min(len(usual), 3))):
            online = c.mode == SessionMode.ONLINE
            if online:
                start = _at(day, 19, 0) if subject_type else _at(day, 10, 0)
            else:
                start = _at(day, 18, 0) if subject_type else _at(day, 9, 30)
            if subject_type and rest_days and bad("holiday"):  # TI-13-HOLIDAY
                day = rng.choice(rest_days)
                start = _at(day, 9, 0)
            elif subject_type and bad("schoolhours"):  # TI-13-SCHOOLHOURS
                start = _at(day, 15, 0)
            length = c.lesson_minutes
            if online and bad("online-len"):  # TI-13-ONLINE-LEN
                length = 45
            end = start + dt.timedelta(minutes=length)
            if bad("late-online" if online else "late-offline"):  # TI-13-LATE-OFFLINE / TI-13-LATE-ONLINE
                end = _at(start.date(), 21, 15) if online else _at(start.date(), 20, 45)
                start = end - dt.timedelta(minutes=length)
            site = None
            if not online:
                site = (
                    unapproved[inst.pk]
                    if inst.pk in unapproved and rng.random() < 0.5
                    else (rng.choice(site_pool) if site_pool else None)
                )
            mode = SessionMode.ONLINE if online else SessionMode.OFFLINE
            sessions.append(Session(course=c, site=site, starts_at=start, ends_at=end, mode=mode))
            if online and subject_type:
                gap = 5 if bad("gap") else 10  # TI-13-ONLINE-GAP
                second = end + dt.timedelta(minutes=gap)
                sessions.append(
                    Session(course=c, site=None, starts_at=second, ends_at=second + dt.timedelta(minutes=30), mode=mode)
                )
    Session.objects.bulk_create(sessions, batch_size=5000)
    log(
        f"institutions: {len(institutions)} institutions ({len(black)} black-listed), {len(sites)} sites, "
        f"{len(trainers)} trainers, {len(courses)} courses, {len(sessions)} sessions, {len(filings)} filings, "
        f"{len(payments)} prepayments"
    )


def _grade_name(grade: int) -> str:
    if grade == 0:
        return "学前"
    if grade <= 9:
        return f"{'一二三四五六七八九'[grade - 1]}年级"
    return f"高{'一二三'[grade - 10]}"
