import datetime as dt

import pytest

from schools.calendar import CalendarGap, DayKind, SchoolCalendar
from schools.models import StatutoryDay, StatutoryYear, Vacation

pytestmark = pytest.mark.django_db


def test_makeup_saturday_is_a_school_day():
    day = SchoolCalendar().day(dt.date(2026, 10, 10))
    assert day.makeup_workday and day.is_workday and day.is_school_day
    assert day.kind == DayKind.SCHOOL_DAY


def test_national_day_is_a_statutory_holiday():
    day = SchoolCalendar().day(dt.date(2026, 10, 1))
    assert day.statutory_holiday and not day.is_school_day
    assert day.kind == DayKind.STATUTORY_HOLIDAY


def test_spring_festival_is_holiday_and_winter_vacation():
    day = SchoolCalendar().day(dt.date(2026, 2, 16))
    assert day.statutory_holiday
    assert day.vacation == "winter"
    assert not day.is_school_day


def test_makeup_day_inside_vacation_is_not_a_school_day():
    day = SchoolCalendar().day(dt.date(2026, 2, 14))
    assert day.makeup_workday and day.is_workday
    assert not day.is_school_day and day.kind == DayKind.VACATION


def test_plain_weekend_is_a_rest_day():
    day = SchoolCalendar().day(dt.date(2026, 11, 28))
    assert day.is_rest_day and day.kind == DayKind.REST_DAY


def test_uncovered_year_raises_an_explicit_gap():
    with pytest.raises(CalendarGap) as err:
        SchoolCalendar().day(dt.date(2027, 3, 3))
    assert err.value.year == 2027
    assert "2027" in err.value.message


def test_staff_rows_make_an_uncovered_year_known():
    year = StatutoryYear.objects.create(year=2027, source="国务院办公厅关于2027年部分节假日安排的通知")
    StatutoryDay.objects.create(year=year, date=dt.date(2027, 1, 1), kind="holiday", name="元旦")
    StatutoryDay.objects.create(year=year, date=dt.date(2027, 2, 20), kind="makeup", name="春节调休")
    cal = SchoolCalendar()
    assert cal.day(dt.date(2027, 1, 1)).statutory_holiday
    assert cal.day(dt.date(2027, 3, 3)).is_school_day
    assert cal.day(dt.date(2027, 2, 20)).makeup_workday


def test_working_days_skip_national_day():
    # submitted on 2026-09-30 with one working day: due after the holiday week
    assert SchoolCalendar().add_working_days(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 8)


def test_district_vacation_overrides_the_city(district1, district2):
    Vacation.objects.create(
        academic_year=2026,
        kind="winter",
        district=district1,
        starts_on=dt.date(2027, 1, 16),
        ends_on=dt.date(2027, 2, 21),
    )
    # 2026-12-01 is an ordinary school day everywhere; check a day only the override covers
    StatutoryYear.objects.create(year=2027, source="test")
    assert SchoolCalendar(district1).day(dt.date(2027, 1, 18)).vacation == "winter"
    assert SchoolCalendar(district2).day(dt.date(2027, 1, 18)).is_school_day
    assert SchoolCalendar(district1).day(dt.date(2027, 2, 22)).is_school_day
    assert SchoolCalendar(district2).day(dt.date(2027, 2, 22)).vacation == "winter"
    # read together (as a sweep over several districts does), each district keeps its own vacations
    together = SchoolCalendar.for_districts([district1.pk, district2.pk])
    for day in (dt.date(2027, 1, 18), dt.date(2027, 2, 22)):
        assert together[district1.pk].day(day) == SchoolCalendar(district1).day(day)
        assert together[district2.pk].day(day) == SchoolCalendar(district2).day(day)
    assert together[district1.pk].day(dt.date(2027, 1, 18)).vacation == "winter"
    assert together[district2.pk].day(dt.date(2027, 1, 18)).is_school_day


def test_school_days_of_national_day_week():
    days = SchoolCalendar().school_days(dt.date(2026, 9, 28), dt.date(2026, 10, 11))
    assert days == [
        dt.date(2026, 9, 28),
        dt.date(2026, 9, 29),
        dt.date(2026, 9, 30),
        dt.date(2026, 10, 8),
        dt.date(2026, 10, 9),
        dt.date(2026, 10, 10),
    ]


def test_workdays_are_the_statutory_working_days_of_the_full_calendar():
    cal = SchoolCalendar(None)
    start, end = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    days = cal.workdays(start, end)
    assert days == [d.date for d in cal.days(start, end) if d.is_workday]
    assert dt.date(2026, 10, 1) not in days and dt.date(2026, 9, 28) in days  # National Day off; a Monday worked
    assert dt.date(2026, 10, 10) in days  # the Saturday made up for the National Day week
