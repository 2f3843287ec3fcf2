"""Supervision that runs by itself: the app's own beat schedule over whole weeks on a simulated clock.

Nobody starts a sweep here. A district's school, classes and a subject-type institution are recorded, their
filings and sessions go in as the days pass, and the clock moves on; beat fires its entries when they fall due
(``tests/beat.py``). After the window, the findings a bureau expects exist, and nothing else of those rules:

- the National Day weeks of 2026 (holidays 1–7 October, the make-up working Saturday 10 October), and
- the winter vacation of the 2025 school year (from 24 January 2026).
"""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps

from compliance.models import ComplianceRun, Finding
from institutions import services as institution_services
from institutions.models import Course, Prepayment, Session
from schools.models import SchoolClass
from tests import factories as f
from tests.beat import BeatClock, local
from tests.dashboards import factories as df

D = dt.date
CHECKED = ("HW-4-PUBLISH", "AS-REPORT-MISSING", "TI-13-HOLIDAY", "TI-13-SCHOOLHOURS", "TI-13-LATE-OFFLINE")


@pytest.fixture
def calendar_and_parameters(db):
    """The rows the data migrations load (districts, vacations, default parameters), in case a transactional
    test flushed them."""
    for module in ("schools.migrations.0002_districts_and_calendar", "compliance.migrations.0002_default_parameters"):
        importlib.import_module(module).load(apps, None)


@pytest.fixture
def clock():
    clocks = []

    def start(moment):
        clocks.append(BeatClock(moment))
        return clocks[-1]

    yield start
    for c in clocks:
        c.stop()


def school_days(first: D, last: D, *, skip=()) -> list[D]:
    from schools.calendar import SchoolCalendar

    return [d for d in SchoolCalendar(f.district("110101")).school_days(first, last) if d not in skip]


def file_homework(school_class: SchoolClass, day: D) -> None:
    from homework.models import HomeworkDay

    at = local(day, 19)
    HomeworkDay.objects.create(
        school_class=school_class,
        school=school_class.school,
        date=day,
        no_homework=True,
        first_filed_at=at,
        last_filed_at=at,
    )


def maths_course(institution) -> Course:
    return Course.objects.create(
        institution=institution,
        name="初一数学",
        subject="maths",
        content_grade=7,
        min_grade=7,
        max_grade=7,
        mode="offline",
        class_size=12,
        lesson_minutes=90,
        price_per_lesson=100,
    )


def session(course: Course, day: D, hour: int, minutes: int = 90) -> Session:
    site = course.institution.sites.first() or course.institution.sites.create(address="东城区测试路1号", approved=True)
    starts = local(day, hour)
    return Session.objects.create(
        course=course, site=site, mode="offline", starts_at=starts, ends_at=starts + dt.timedelta(minutes=minutes)
    )


def found(*rules, since: D) -> set[tuple]:
    """The findings dated in the window (the first night also checks the month before, when the classes, set
    up for the test, filed nothing)."""
    rows = Finding.objects.filter(rule_id__in=rules or CHECKED, period_start__gte=since).exclude(status="cleared")
    return set(rows.values_list("rule_id", "school_class__name", "period_start"))


def test_the_national_day_weeks_are_supervised_without_anyone_starting_a_sweep(
    calendar_and_parameters, clock, school_a, district_user
):
    """28 September to 20 October 2026: the school days, the weekend before the holiday (Mid-autumn festival),
    the seven days of National Day, the make-up Saturday and two ordinary weeks."""
    beat = clock(local(D(2026, 9, 27), 12))
    g3 = f.SchoolClassFactory(school=school_a, grade=3, name="三年级1班", academic_year=2026)
    g7 = f.SchoolClassFactory(school=school_a, grade=7, name="初一1班", academic_year=2026)
    institution = f.InstitutionFactory(district=school_a.district, category="subject")
    course = maths_course(institution)

    # the schools file every school day, but for these: both classes forget Tuesday 29 September, the grade-3
    # class Friday 9 October; the school forgets its after-school report of Wednesday 30 September
    missed = {(g3.pk, D(2026, 9, 29)), (g7.pk, D(2026, 9, 29)), (g3.pk, D(2026, 10, 9))}
    days = school_days(D(2026, 9, 28), D(2026, 10, 20))
    assert D(2026, 10, 10) in days and D(2026, 10, 1) not in days  # the make-up Saturday works, the holiday not
    # the institution's lessons: a weekday evening, the third day of National Day, the make-up Saturday's
    # evening (a working day: allowed), the Sunday after it, and a plain Saturday
    plan = {
        D(2026, 9, 29): 18,
        D(2026, 10, 3): 10,
        D(2026, 10, 10): 18,
        D(2026, 10, 11): 10,
        D(2026, 10, 17): 9,
    }
    day = D(2026, 9, 28)
    while day <= D(2026, 10, 20):
        beat.advance_to(local(day, 17))
        if day in plan:
            session(course, day, plan[day])
        if day in days:
            for c in (g3, g7):
                if (c.pk, day) not in missed:
                    file_homework(c, day)
            if day != D(2026, 9, 30):
                df.report(school_a, day, filed_at=local(day, 18))
        if day == D(2026, 10, 14):
            # Wednesday: the institution's prepayment of Monday is typed in late, over the limits
            institution_services.record_save(
                user=district_user,
                save=lambda: Prepayment.objects.create(
                    course=course,
                    paid_on=D(2026, 10, 12),
                    amount=9000,
                    class_hours=90,
                    months=6,
                    account="监管账户",
                    supervised=True,
                ),
                before=None,
            )
            beat.tick()
        day += dt.timedelta(days=1)
    beat.advance_to(local(D(2026, 10, 21), 6))

    nights = [at.date() for at in beat.fired_names("compliance-nightly-sweep")]
    assert nights == [D(2026, 9, 28) + dt.timedelta(days=i) for i in range(24)]  # every night, weekends included
    assert ComplianceRun.objects.filter(night__isnull=False).count() == 24
    assert not ComplianceRun.objects.exclude(state="done").exists()

    assert found("HW-4-PUBLISH", since=D(2026, 9, 28)) == {
        ("HW-4-PUBLISH", "三年级1班", D(2026, 9, 29)),
        ("HW-4-PUBLISH", "初一1班", D(2026, 9, 29)),
        ("HW-4-PUBLISH", "三年级1班", D(2026, 10, 9)),
    }  # none for the weekends, the holiday or the make-up Saturday (filed)
    reports = Finding.objects.filter(rule_id="AS-REPORT-MISSING", period_start__gte=D(2026, 9, 28))
    assert set(reports.values_list("school_id", "period_start")) == {(school_a.pk, D(2026, 9, 30))}
    holiday = Finding.objects.filter(rule_id="TI-13-HOLIDAY")
    assert {(x.period_start, x.evidence["day_kind"]) for x in holiday} == {
        (D(2026, 10, 3), "statutory_holiday"),
        (D(2026, 10, 11), "rest_day"),
        (D(2026, 10, 17), "rest_day"),
    }
    # the make-up Saturday's evening lesson raises nothing at all
    assert not Finding.objects.filter(period_start=D(2026, 10, 10)).exists()
    prepay = Finding.objects.get(rule_id="TI-15-PREPAY")
    assert prepay.period_start == D(2026, 10, 12)
    assert prepay.first_seen.astimezone(local(D(2026, 1, 1)).tzinfo).date() == D(2026, 10, 14)  # when typed in


def test_the_winter_vacation_is_swept_like_any_day(calendar_and_parameters, clock, school_a):
    """19 January to 1 February 2026: the last school week of the autumn term, then the winter vacation."""
    beat = clock(local(D(2026, 1, 18), 12))
    cls = f.SchoolClassFactory(school=school_a, grade=5, name="五年级2班", academic_year=2025)
    course = maths_course(f.InstitutionFactory(district=school_a.district, category="subject"))
    days = school_days(D(2026, 1, 19), D(2026, 2, 1))
    assert days == [D(2026, 1, 19) + dt.timedelta(days=i) for i in range(5)]  # then the vacation
    day = D(2026, 1, 19)
    while day <= D(2026, 2, 1):
        beat.advance_to(local(day, 17))
        if day in days and day != D(2026, 1, 23):
            file_homework(cls, day)
        if day in days:
            df.report(school_a, day, filed_at=local(day, 18))
        if day == D(2026, 1, 28):
            session(course, day, 10)  # a Wednesday in the vacation
        day += dt.timedelta(days=1)
    beat.advance_to(local(D(2026, 2, 2), 6))

    assert found("HW-4-PUBLISH", since=D(2026, 1, 19)) == {("HW-4-PUBLISH", "五年级2班", D(2026, 1, 23))}
    assert not Finding.objects.filter(rule_id="AS-REPORT-MISSING", period_start__gte=D(2026, 1, 19)).exists()
    vacation = Finding.objects.get(rule_id="TI-13-HOLIDAY")
    assert (vacation.period_start, vacation.evidence["day_kind"]) == (D(2026, 1, 28), "vacation")
