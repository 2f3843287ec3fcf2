"""Session rules (TI-13-*, TI-12-SITE, TI-12-UNLICENSED, TI-18-BLACKLIST) at their boundaries and on the calendar's
edge days. Times are Beijing time."""

import datetime as dt

import pytest

from compliance.models import Finding
from schools.calendar import CalendarGap
from schools.models import Vacation
from tests.factories import InstitutionFactory

from .rule_factories import (
    RuleCourseFactory,
    RuleSessionFactory,
    RuleSiteFactory,
    at,
    session_ids,
    sweep,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def maths(institution):
    return RuleCourseFactory(institution=institution, subject="maths")


@pytest.fixture
def online_maths(institution):
    return RuleCourseFactory(institution=institution, subject="maths", mode="online", lesson_minutes=30)


def lesson(course, day, start, end):
    return RuleSessionFactory(course=course, starts_at=at(day, start), ends_at=at(day, end))


# -- TI-13-HOLIDAY ------------------------------------------------------------------------------


class TestHoliday:
    def test_makeup_saturday_in_term_is_a_working_day(self, district1, maths):
        lesson(maths, "2026-10-10", "18:00", "19:30")  # Saturday worked to bridge National Day
        assert sweep("TI-13-HOLIDAY", district1, "2026-10-10") == []

    def test_national_day_is_a_statutory_holiday(self, district1, maths):
        s = lesson(maths, "2026-10-01", "09:00", "10:30")
        [f] = sweep("TI-13-HOLIDAY", district1, "2026-10-01")
        assert f.institution_id == maths.institution_id
        assert f.period_start == dt.date(2026, 10, 1)
        assert f.evidence["session_id"] == s.pk
        assert f.evidence["day_kind"] == "statutory_holiday"
        assert f.evidence["holiday"]
        assert f.evidence["time"] == "09:00–10:30"

    def test_spring_festival_monday_is_a_holiday_and_a_winter_vacation_weekday_is_vacation(self, district1, maths):
        lesson(maths, "2026-02-16", "10:00", "11:00")
        lesson(maths, "2026-02-25", "10:00", "11:00")  # a Wednesday of the winter vacation, no holiday
        findings = sweep("TI-13-HOLIDAY", district1, "2026-02-16", "2026-02-25")
        assert [(f.period_start, f.evidence["day_kind"]) for f in findings] == [
            (dt.date(2026, 2, 16), "statutory_holiday"),
            (dt.date(2026, 2, 25), "vacation"),
        ]
        assert findings[1].evidence["vacation"] == "winter"

    def test_makeup_saturday_in_winter_vacation_is_still_vacation(self, district1, maths):
        lesson(maths, "2026-02-28", "10:00", "11:00")
        [f] = sweep("TI-13-HOLIDAY", district1, "2026-02-28")
        assert f.evidence["day_kind"] == "vacation"
        assert f.evidence["makeup_workday"] is True

    def test_ordinary_saturday_is_a_rest_day(self, district1, maths):
        lesson(maths, "2026-11-14", "09:00", "10:30")
        [f] = sweep("TI-13-HOLIDAY", district1, "2026-11-09", "2026-11-20")
        assert f.period_start == dt.date(2026, 11, 14)
        assert f.evidence["day_kind"] == "rest_day"
        assert "休息日" in f.summary

    def test_school_day_evening_and_non_subject_courses_are_not_flagged(self, district1, institution, maths):
        lesson(maths, "2026-11-10", "18:00", "19:30")
        piano = RuleCourseFactory(institution=institution, subject="music")
        lesson(piano, "2026-11-14", "09:00", "10:00")
        assert sweep("TI-13-HOLIDAY", district1, "2026-11-09", "2026-11-20") == []

    def test_local_date_decides_not_utc(self, district1, maths):
        # 2026-11-13 23:30 UTC is Saturday 07:30 in Beijing
        RuleSessionFactory(
            course=maths,
            starts_at=dt.datetime(2026, 11, 13, 23, 30, tzinfo=dt.UTC),
            ends_at=dt.datetime(2026, 11, 14, 0, 30, tzinfo=dt.UTC),
        )
        assert sweep("TI-13-HOLIDAY", district1, "2026-11-13") == []
        [f] = sweep("TI-13-HOLIDAY", district1, "2026-11-14")
        assert f.period_start == dt.date(2026, 11, 14)
        assert f.evidence["time"] == "07:30–08:30"

    def test_a_districts_own_vacation_replaces_the_citys(self, district1, district2, maths):
        Vacation.objects.create(
            academic_year=2025,
            kind="winter",
            district=district1,
            starts_on=dt.date(2026, 1, 17),
            ends_on=dt.date(2026, 2, 22),
        )
        lesson(maths, "2026-01-19", "18:00", "19:00")  # a Monday: vacation in district1 only
        other = RuleCourseFactory(institution=InstitutionFactory(district=district2))
        lesson(other, "2026-01-19", "18:00", "19:00")
        [f] = sweep("TI-13-HOLIDAY", district1, "2026-01-19")
        assert f.evidence["day_kind"] == "vacation"
        assert sweep("TI-13-HOLIDAY", district2, "2026-01-19") == []

    def test_unknown_year_is_a_calendar_gap(self, district1, maths):
        lesson(maths, "2027-01-09", "09:00", "10:00")
        with pytest.raises(CalendarGap):
            sweep("TI-13-HOLIDAY", district1, "2027-01-04", "2027-01-10")

    def test_other_district_is_not_swept(self, district1, district2):
        other = RuleCourseFactory(institution=InstitutionFactory(district=district2))
        lesson(other, "2026-11-14", "09:00", "10:00")
        assert sweep("TI-13-HOLIDAY", district1, "2026-11-14") == []
        assert len(sweep("TI-13-HOLIDAY", district2, "2026-11-14")) == 1

    def test_a_moved_session_is_cleared_on_the_next_sweep(self, district1, maths):
        s = lesson(maths, "2026-11-14", "09:00", "10:00")
        [f] = sweep("TI-13-HOLIDAY", district1, "2026-11-09", "2026-11-20")
        s.starts_at, s.ends_at = at("2026-11-13", "18:00"), at("2026-11-13", "19:00")
        s.save()
        assert sweep("TI-13-HOLIDAY", district1, "2026-11-09", "2026-11-20") == []
        f.refresh_from_db()
        assert f.status == "cleared"


# -- TI-13-SCHOOLHOURS --------------------------------------------------------------------------


class TestSchoolHours:
    def test_makeup_saturday_in_term_conflicts_with_school_hours(self, district1, maths):
        s = lesson(maths, "2026-10-10", "10:00", "11:30")
        [f] = sweep("TI-13-SCHOOLHOURS", district1, "2026-10-10")
        assert f.evidence["session_id"] == s.pk
        assert f.evidence["overlap"] == "10:00–11:30"
        assert f.evidence["school_hours"] == "08:00–17:30"

    def test_boundaries_of_the_school_day(self, district1, maths):
        ok_after = lesson(maths, "2026-11-10", "17:30", "18:15")
        late = lesson(maths, "2026-11-10", "17:29", "18:14")
        ok_before = lesson(maths, "2026-11-11", "07:00", "08:00")
        early = lesson(maths, "2026-11-11", "07:16", "08:01")
        findings = sweep("TI-13-SCHOOLHOURS", district1, "2026-11-09", "2026-11-13")
        assert session_ids(findings) == {late.pk, early.pk}
        assert ok_after.pk not in session_ids(findings) and ok_before.pk not in session_ids(findings)
        assert {f.evidence["overlap_minutes"] for f in findings} == {1}

    def test_days_without_school_are_not_school_hours(self, district1, maths):
        for day in ("2026-10-01", "2026-02-16", "2026-02-25", "2026-11-14"):
            lesson(maths, day, "10:00", "11:00")
        assert sweep("TI-13-SCHOOLHOURS", district1, "2026-02-01", "2026-11-20") == []

    def test_non_subject_course_may_run_in_school_hours(self, district1, institution):
        lesson(RuleCourseFactory(institution=institution, subject="pe"), "2026-11-10", "10:00", "11:00")
        assert sweep("TI-13-SCHOOLHOURS", district1, "2026-11-10") == []


# -- TI-13-LATE-OFFLINE / TI-13-LATE-ONLINE -----------------------------------------------------


class TestLate:
    def test_offline_ending_2030_is_allowed_2031_is_not(self, district1, maths):
        lesson(maths, "2026-11-10", "19:00", "20:30")
        late = lesson(maths, "2026-11-11", "19:01", "20:31")
        [f] = sweep("TI-13-LATE-OFFLINE", district1, "2026-11-09", "2026-11-13")
        assert f.evidence["session_id"] == late.pk
        assert f.evidence["ends"] == "20:31" and f.evidence["latest_end"] == "20:30"
        assert f.period_start == dt.date(2026, 11, 11)
        assert f.rule_id == "TI-13-LATE-OFFLINE"

    def test_online_ending_2100_is_allowed_2101_is_not(self, district1, online_maths):
        lesson(online_maths, "2026-11-10", "20:30", "21:00")
        late = lesson(online_maths, "2026-11-11", "20:31", "21:01")
        [f] = sweep("TI-13-LATE-ONLINE", district1, "2026-11-09", "2026-11-13")
        assert f.evidence["session_id"] == late.pk
        # an online lesson ending 20:45 is no offline violation
        assert sweep("TI-13-LATE-OFFLINE", district1, "2026-11-09", "2026-11-13") == []

    def test_offline_lesson_ending_after_midnight_is_late(self, district1, maths):
        s = RuleSessionFactory(course=maths, starts_at=at("2026-11-10", "19:30"), ends_at=at("2026-11-11", "00:15"))
        [f] = sweep("TI-13-LATE-OFFLINE", district1, "2026-11-10")
        assert f.evidence["session_id"] == s.pk


# -- TI-13-ONLINE-LEN / TI-13-ONLINE-GAP --------------------------------------------------------


class TestOnlineLessons:
    def test_30_minutes_is_allowed_31_is_not(self, district1, online_maths):
        lesson(online_maths, "2026-11-10", "19:00", "19:30")
        long = lesson(online_maths, "2026-11-11", "19:00", "19:31")
        [f] = sweep("TI-13-ONLINE-LEN", district1, "2026-11-09", "2026-11-13")
        assert f.evidence["session_id"] == long.pk
        assert f.evidence["minutes"] == 31

    def test_10_minute_gap_is_allowed_9_is_not(self, district1, online_maths):
        lesson(online_maths, "2026-11-10", "18:00", "18:30")
        lesson(online_maths, "2026-11-10", "18:40", "19:10")  # 10 minutes after
        first = lesson(online_maths, "2026-11-11", "18:00", "18:30")
        second = lesson(online_maths, "2026-11-11", "18:39", "19:09")  # 9 minutes after
        [f] = sweep("TI-13-ONLINE-GAP", district1, "2026-11-09", "2026-11-13")
        assert f.evidence["session_id"] == second.pk
        assert f.evidence["previous_session"] == {"session_id": first.pk, "time": "18:00–18:30"}
        assert f.evidence["gap_minutes"] == 9
        assert f.period_start == dt.date(2026, 11, 11)

    def test_gap_is_per_course_and_per_day(self, district1, institution, online_maths):
        other = RuleCourseFactory(institution=institution, mode="online", lesson_minutes=30)
        lesson(online_maths, "2026-11-10", "18:00", "18:30")
        lesson(other, "2026-11-10", "18:31", "19:01")  # another class: no gap needed
        lesson(online_maths, "2026-11-10", "20:00", "20:30")
        assert sweep("TI-13-ONLINE-GAP", district1, "2026-11-10") == []

    def test_overlapping_lessons_have_no_gap(self, district1, online_maths):
        lesson(online_maths, "2026-11-10", "18:00", "18:30")
        overlapping = lesson(online_maths, "2026-11-10", "18:20", "18:50")
        [f] = sweep("TI-13-ONLINE-GAP", district1, "2026-11-10")
        assert f.evidence["session_id"] == overlapping.pk
        assert f.evidence["gap_minutes"] == -10


# -- TI-12-SITE, TI-12-UNLICENSED, TI-18-BLACKLIST ----------------------------------------------


class TestActivity:
    def test_offline_session_needs_an_approved_site_of_the_institution(self, district1, institution, maths):
        lesson(maths, "2026-11-10", "18:00", "19:00")  # approved site of its own
        unapproved = RuleSessionFactory(
            course=maths,
            site=RuleSiteFactory(institution=institution, approved=False),
            starts_at=at("2026-11-10", "18:00"),
            ends_at=at("2026-11-10", "19:00"),
        )
        foreign = RuleSessionFactory(
            course=maths, site=RuleSiteFactory(), starts_at=at("2026-11-11", "18:00"), ends_at=at("2026-11-11", "19:00")
        )
        nowhere = RuleSessionFactory(
            course=maths, site=None, starts_at=at("2026-11-12", "18:00"), ends_at=at("2026-11-12", "19:00")
        )
        online = RuleCourseFactory(institution=institution, mode="online", lesson_minutes=30)
        lesson(online, "2026-11-12", "18:00", "18:30")  # online: no site needed
        findings = sweep("TI-12-SITE", district1, "2026-11-09", "2026-11-13")
        assert {f.evidence["session_id"]: f.evidence["reason"] for f in findings} == {
            unapproved.pk: "not_approved",
            foreign.pk: "other_institution",
            nowhere.pk: "no_site",
        }

    @pytest.mark.parametrize(
        ("status", "number", "flagged"),
        [
            ("valid", "教民110101001号", False),
            ("valid", "", True),
            ("expired", "教民110101001号", True),
            ("revoked", "教民110101001号", True),
            ("none", "", True),
        ],
    )
    def test_unlicensed_sessions(self, district1, status, number, flagged):
        inst = InstitutionFactory(district=district1, licence_status=status, licence_no=number)
        s = lesson(RuleCourseFactory(institution=inst), "2026-11-10", "18:00", "19:00")
        findings = sweep("TI-12-UNLICENSED", district1, "2026-11-09", "2026-11-13")
        assert session_ids(findings) == ({s.pk} if flagged else set())
        if flagged:
            assert findings[0].evidence["licence_status"] == status
            assert findings[0].evidence["activity"] == "session"

    def test_unlicensed_enrolment_is_dated_by_its_opening(self, district1):
        inst = InstitutionFactory(district=district1, licence_status="expired")
        course = RuleCourseFactory(institution=inst, enrolment_opens_on=dt.date(2026, 11, 12))
        RuleCourseFactory(institution=inst, enrolment_opens_on=dt.date(2026, 12, 1))  # outside the range
        [f] = sweep("TI-12-UNLICENSED", district1, "2026-11-09", "2026-11-13")
        assert f.evidence == {
            **f.evidence,
            "activity": "enrolment",
            "course_id": course.pk,
            "enrolment_opens_on": "2026-11-12",
        }
        assert f.period_start == dt.date(2026, 11, 12)

    def test_blacklist_counts_activity_after_the_listing_date(self, district1):
        inst = InstitutionFactory(district=district1, list_status="black", list_status_since=dt.date(2026, 11, 11))
        course = RuleCourseFactory(institution=inst)
        lesson(course, "2026-11-10", "18:00", "19:00")
        lesson(course, "2026-11-11", "18:00", "19:00")  # the listing day itself
        after = lesson(course, "2026-11-12", "18:00", "19:00")
        enrolling = RuleCourseFactory(institution=inst, enrolment_opens_on=dt.date(2026, 11, 13))
        RuleCourseFactory(institution=inst, enrolment_opens_on=dt.date(2026, 11, 11))
        findings = sweep("TI-18-BLACKLIST", district1, "2026-11-09", "2026-11-13")
        assert [(f.period_start, f.evidence["activity"]) for f in findings] == [
            (dt.date(2026, 11, 12), "session"),
            (dt.date(2026, 11, 13), "enrolment"),
        ]
        assert findings[0].evidence["session_id"] == after.pk
        assert findings[1].evidence["course_id"] == enrolling.pk
        assert findings[1].evidence["listed_on"] == "2026-11-11"

    def test_white_listed_institution_is_not_flagged(self, district1):
        inst = InstitutionFactory(district=district1, list_status="white", list_status_since=dt.date(2026, 1, 1))
        lesson(RuleCourseFactory(institution=inst), "2026-11-12", "18:00", "19:00")
        assert sweep("TI-18-BLACKLIST", district1, "2026-11-09", "2026-11-13") == []


def test_sweeping_twice_changes_nothing(district1, maths):
    lesson(maths, "2026-11-14", "09:00", "10:00")
    first = sweep("TI-13-HOLIDAY", district1, "2026-11-14")
    second = sweep("TI-13-HOLIDAY", district1, "2026-11-14")
    assert [f.pk for f in first] == [f.pk for f in second]
    assert Finding.objects.filter(rule_id="TI-13-HOLIDAY").count() == 1
