"""Demo schools, classes and the teacher roster for ``seed_demo`` (deterministic for a seed)."""

from __future__ import annotations

import datetime as dt

from .choices import Stage, TeacherStatus
from .models import District, School, SchoolClass, SchoolTeacher

ACADEMIC_YEAR = 2026

#: one rostered teacher in ``RETIRED_EVERY`` has retired, one in ``LEFT_EVERY`` has left (before the seeded span)
RETIRED_EVERY = 23
LEFT_EVERY = 37

#: districts and school counts per scale; `city` reaches about 1,800 schools and 37,000 classes
SCALES = {
    "small": {
        "districts": ["110101", "110102", "110108"],
        "schools_per_district": {"default": 2},
        "class_range": (1, 2),
    },
    "district": {"districts": ["110108"], "schools_per_district": {"default": 112}, "class_range": (2, 4)},
    "city": {
        "districts": None,  # all 16
        # roughly the districts' shares of Beijing's compulsory-education schools
        "schools_per_district": {
            "110101": 70,
            "110102": 90,
            "110105": 230,
            "110106": 140,
            "110107": 45,
            "110108": 220,
            "110109": 40,
            "110111": 130,
            "110112": 140,
            "110113": 100,
            "110114": 140,
            "110115": 130,
            "110116": 50,
            "110117": 50,
            "110118": 55,
            "110119": 40,
        },
        "class_range": (2, 4),
    },
}

NAME_STEMS = [
    "实验",
    "育才",
    "培英",
    "光明",
    "朝阳",
    "和平",
    "新华",
    "东风",
    "友谊",
    "红星",
    "前进",
    "希望",
    "春晖",
    "明德",
    "崇文",
    "启智",
    "博雅",
    "致远",
    "清源",
    "景山",
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红"
CN_NUMS = "零一二三四五六七八九十"


def _cn(n: int) -> str:
    if n <= 10:
        return CN_NUMS[n]
    if n < 20:
        return "十" + (CN_NUMS[n - 10] if n > 10 else "")
    if n >= 100:
        return str(n)  # city scale has more than 99 schools of a kind in a district
    tens, ones = divmod(n, 10)
    return CN_NUMS[tens] + "十" + (CN_NUMS[ones] if ones else "")


def _school_name(district: District, stage: str, i: int, rng) -> str:
    short = district.name.removesuffix("区")
    stem = NAME_STEMS[i % len(NAME_STEMS)]
    if stage == Stage.PRIMARY:
        return f"北京市{short}区{stem}小学" + (
            f"（第{_cn(i // len(NAME_STEMS) + 1)}分校）" if i >= len(NAME_STEMS) else ""
        )
    if stage == Stage.JUNIOR:
        return f"北京市{short}区第{_cn(i + 1)}中学"
    if stage == Stage.COMPLETE:
        return f"北京市{short}区{stem}中学" + (
            f"（第{_cn(i // len(NAME_STEMS) + 1)}校区）" if i >= len(NAME_STEMS) else ""
        )
    return f"北京市{short}区{stem}学校" + (f"（第{_cn(i // len(NAME_STEMS) + 1)}校区）" if i >= len(NAME_STEMS) else "")


def _stage_for(i: int, rng) -> str:
    # about 55 % primary, 25 % junior, 12 % nine-year, 8 % complete secondary
    r = rng.random()
    if i == 0:
        return Stage.NINE_YEAR  # every district's first school covers grades 1–9 (demo users file for it)
    if r < 0.55:
        return Stage.PRIMARY
    if r < 0.80:
        return Stage.JUNIOR
    if r < 0.92:
        return Stage.NINE_YEAR
    return Stage.COMPLETE


def grades_of(stage: str) -> range:
    return {Stage.PRIMARY: range(1, 7), Stage.JUNIOR: range(7, 10)}.get(stage, range(1, 10))


def _serving_status(seq: int, date_from: dt.date) -> dict:
    """A few teachers of the roster retired or left before the seeded span (by position, not drawn, so the random
    sequence of the rest of the seed is the same)."""
    if seq % RETIRED_EVERY == 0:
        return {"status": TeacherStatus.RETIRED, "left_on": date_from - dt.timedelta(days=60 + seq % 300)}
    if seq % LEFT_EVERY == 0:
        return {"status": TeacherStatus.LEFT, "left_on": date_from - dt.timedelta(days=10 + seq % 200)}
    return {}


def seed(*, rng, scale, violation_rate, date_from, date_to, log) -> None:
    config = SCALES[scale]
    districts = District.objects.all()
    if config["districts"]:
        districts = districts.filter(code__in=config["districts"])
    schools = []
    for district in districts:
        count = config["schools_per_district"].get(district.code, config["schools_per_district"].get("default", 0))
        names_used = set()
        for i in range(count):
            stage = _stage_for(i, rng)
            name = _school_name(district, stage, i, rng)
            while name in names_used:
                name += "分校"
            names_used.add(name)
            schools.append(
                School(
                    district=district,
                    name=name,
                    code=f"{district.code}{i + 1:04d}",
                    stage=stage,
                    boarding=rng.random() < 0.05,
                )
            )
    School.objects.bulk_create(schools, batch_size=2000)
    schools = list(School.objects.filter(code__in=[s.code for s in schools]).order_by("code"))

    lo, hi = config["class_range"]
    classes, teachers = [], []
    cert_seq = 0
    for school in schools:
        for grade in grades_of(school.stage):
            for n in range(1, rng.randint(lo, hi) + 1):
                classes.append(
                    SchoolClass(
                        school=school,
                        academic_year=ACADEMIC_YEAR,
                        grade=grade,
                        name=f"{_cn(grade)}年级{n}班",
                        headcount=rng.randint(30, 45),
                    )
                )
                for _ in range(2):
                    cert_seq += 1
                    teachers.append(
                        SchoolTeacher(
                            school=school,
                            name=rng.choice(SURNAMES)
                            + rng.choice(GIVEN)
                            + (rng.choice(GIVEN) if rng.random() < 0.5 else ""),
                            certificate_no=f"{2010 + cert_seq % 15}11{cert_seq:010d}"
                            if rng.random() > violation_rate
                            else "",
                            **_serving_status(cert_seq, date_from),
                        )
                    )
    SchoolClass.objects.bulk_create(classes, batch_size=5000)
    SchoolTeacher.objects.bulk_create(teachers, batch_size=5000)
    serving = sum(t.status == TeacherStatus.SERVING for t in teachers)
    log(f"schools: {len(schools)} schools, {len(classes)} classes, {len(teachers)} teachers ({serving} serving)")
