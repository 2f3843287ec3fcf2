"""Session rules (TI-13-*, TI-12-SITE, TI-12-UNLICENSED, TI-18-BLACKLIST) at their boundaries and on the calendar's
edge days. Times are Beijing time."""

import datetime as dt
from importlib import import_module

import pytest
from django.apps import apps as django_apps

from compliance.choices import ACTIVE_STATUSES
from compliance.models import Finding
from compliance.registry import get_rule
from compliance.services import sweep_rule_district
from institutions.services import institution_set_list_status
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
def arts_school(district1):
    """A non-subject institution (an arts school)."""
    return InstitutionFactory(district=district1, category="non_subject", domain="arts")


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

    def test_school_day_evening_and_non_subject_training_are_not_flagged(self, district1, maths, arts_school):
        lesson(maths, "2026-11-10", "18:00", "19:30")
        piano = RuleCourseFactory(institution=arts_school, subject="music")
        lesson(piano, "2026-11-14", "09:00", "10:00")
        assert sweep("TI-13-HOLIDAY", district1, "2026-11-09", "2026-11-20") == []

    def test_any_course_of_a_subject_type_institution_is_subject_type_training(self, district1, institution):
        piano = RuleCourseFactory(institution=institution, subject="music")
        s = lesson(piano, "2026-11-14", "09:00", "10:00")
        [f] = sweep("TI-13-HOLIDAY", district1, "2026-11-14")
        assert f.evidence["session_id"] == s.pk and f.evidence["subject"] == "music"

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

    def test_non_subject_training_may_run_in_school_hours(self, district1, arts_school):
        lesson(RuleCourseFactory(institution=arts_school, subject="pe"), "2026-11-10", "10:00", "11:00")
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


# -- Art. 13 is about subject-type training ----------------------------------------------------


class TestSubjectTypeTrainingOnly:
    """ "严控学科类培训时间": the evening, length and gap limits bind subject-type training, as the holiday ban does."""

    LATE_AND_LONG = ("TI-13-LATE-OFFLINE", "TI-13-LATE-ONLINE", "TI-13-ONLINE-LEN", "TI-13-ONLINE-GAP")

    def late_evening(self, institution, subject):
        offline = RuleCourseFactory(institution=institution, subject=subject)
        online = RuleCourseFactory(institution=institution, subject=subject, mode="online", lesson_minutes=30)
        return {
            "TI-13-LATE-OFFLINE": lesson(offline, "2026-11-10", "20:00", "21:30"),
            "TI-13-ONLINE-LEN": lesson(online, "2026-11-10", "19:00", "19:45"),
            "TI-13-ONLINE-GAP": lesson(online, "2026-11-10", "19:50", "20:20"),
            "TI-13-LATE-ONLINE": lesson(online, "2026-11-10", "21:00", "21:30"),
        }

    @pytest.mark.parametrize("rule_id", LATE_AND_LONG)
    def test_arts_at_a_non_subject_institution_ending_2130_raises_nothing(self, district1, arts_school, rule_id):
        self.late_evening(arts_school, "fine_arts")
        assert sweep(rule_id, district1, "2026-11-10") == []

    @pytest.mark.parametrize("rule_id", LATE_AND_LONG)
    @pytest.mark.parametrize("who", ["subject_institution", "subject_course"])
    def test_subject_type_training_is_judged(self, district1, institution, arts_school, rule_id, who):
        # an arts course of a subject-type institution, or a maths course wherever it is taught
        sessions = (
            self.late_evening(institution, "music")
            if who == "subject_institution"
            else self.late_evening(arts_school, "maths")
        )
        [f] = sweep(rule_id, district1, "2026-11-10")
        assert f.evidence["session_id"] == sessions[rule_id].pk
        assert "学科类" in get_rule(rule_id).title_zh


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

    def test_two_classes_of_one_course_may_have_lessons_back_to_back(self, district1, online_maths):
        def group(name, start, end):
            return RuleSessionFactory(
                course=online_maths, class_group=name, starts_at=at("2026-11-10", start), ends_at=at("2026-11-10", end)
            )

        group("周二A班", "18:00", "18:30")
        group("周二B班", "18:30", "19:00")  # another group of pupils, right after
        assert sweep("TI-13-ONLINE-GAP", district1, "2026-11-10") == []

        first = group("周二A班", "19:00", "19:30")
        second = group("周二A班", "19:35", "20:05")  # the same group 5 minutes later
        [f] = sweep("TI-13-ONLINE-GAP", district1, "2026-11-10")
        assert f.evidence["session_id"] == second.pk
        assert f.evidence["class_group"] == "周二A班"
        assert f.evidence["previous_session"]["session_id"] == first.pk
        assert f.evidence["gap_minutes"] == 5
        assert "周二A班" in f.summary

    def test_a_course_without_class_groups_is_one_class(self, district1, online_maths):
        lesson(online_maths, "2026-11-10", "18:00", "18:30")
        grouped = RuleSessionFactory(
            course=online_maths,
            class_group="A班",
            starts_at=at("2026-11-10", "18:31"),
            ends_at=at("2026-11-10", "19:01"),
        )
        second = lesson(online_maths, "2026-11-10", "18:35", "19:05")
        [f] = sweep("TI-13-ONLINE-GAP", district1, "2026-11-10")
        assert f.evidence["session_id"] == second.pk and f.evidence["class_group"] == ""
        assert grouped.pk not in session_ids([f])

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


# -- TI-18-BLACKLIST over the list's dated history ---------------------------------------------


def set_list(inst, status, day):
    return institution_set_list_status(
        institution=inst, status=status, effective_on=dt.date.fromisoformat(day), reason="区教委决定", actor=None
    )


class TestBlacklistHistory:
    @pytest.mark.parametrize("lifted_to", ["none", "white"])
    def test_lifting_a_listing_later_keeps_the_violation_open(self, district1, lifted_to):
        inst = InstitutionFactory(district=district1)
        set_list(inst, "black", "2026-11-11")
        course = RuleCourseFactory(institution=inst)
        s = lesson(course, "2026-11-12", "18:00", "19:00")
        [f] = sweep("TI-18-BLACKLIST", district1, "2026-11-09", "2026-11-13")
        assert f.evidence["session_id"] == s.pk and f.evidence["listed_on"] == "2026-11-11"

        set_list(inst, lifted_to, "2026-11-16")
        later = lesson(course, "2026-11-17", "18:00", "19:00")  # after the lifting: allowed
        sweep_rule_district(
            rule=get_rule("TI-18-BLACKLIST"),
            district=district1,
            date_from=dt.date(2026, 11, 9),
            date_to=dt.date(2026, 11, 20),
        )
        f.refresh_from_db()
        assert f.status == "open"
        assert f.evidence["listed_on"] == "2026-11-11" and f.evidence["lifted_on"] == "2026-11-16"
        assert "2026-11-16 移出" in f.summary
        active = Finding.objects.filter(rule_id="TI-18-BLACKLIST", status__in=ACTIVE_STATUSES)
        assert [x.evidence["session_id"] for x in active] == [s.pk]
        assert later.pk

    def test_each_activity_is_judged_by_the_listing_of_its_own_date(self, district1):
        inst = InstitutionFactory(district=district1)
        set_list(inst, "black", "2026-11-02")
        set_list(inst, "none", "2026-11-05")
        set_list(inst, "black", "2026-11-10")
        course = RuleCourseFactory(institution=inst)
        first = lesson(course, "2026-11-03", "18:00", "19:00")  # during the first listing
        lesson(course, "2026-11-06", "18:00", "19:00")  # between the listings
        lesson(course, "2026-11-10", "18:00", "19:00")  # the day of the second listing itself
        second = lesson(course, "2026-11-11", "18:00", "19:00")
        opens_between = RuleCourseFactory(institution=inst, enrolment_opens_on=dt.date(2026, 11, 9))
        opens_listed = RuleCourseFactory(institution=inst, enrolment_opens_on=dt.date(2026, 11, 12))
        findings = sweep("TI-18-BLACKLIST", district1, "2026-11-01", "2026-11-13")
        assert [(f.period_start, f.evidence["activity"], f.evidence["listed_on"]) for f in findings] == [
            (dt.date(2026, 11, 3), "session", "2026-11-02"),
            (dt.date(2026, 11, 11), "session", "2026-11-10"),
            (dt.date(2026, 11, 12), "enrolment", "2026-11-10"),
        ]
        assert findings[0].evidence["session_id"] == first.pk and findings[0].evidence["lifted_on"] == "2026-11-05"
        assert findings[1].evidence["session_id"] == second.pk and "lifted_on" not in findings[1].evidence
        assert findings[2].evidence["course_id"] == opens_listed.pk
        assert opens_between.pk not in {f.evidence.get("course_id") for f in findings}

    def test_a_listing_registered_before_the_history_survives_its_lifting(self, district1):
        # registered with list_status only; the migration records it as the first change of the history
        inst = InstitutionFactory(district=district1, list_status="black", list_status_since=dt.date(2026, 11, 11))
        s = lesson(RuleCourseFactory(institution=inst), "2026-11-12", "18:00", "19:00")
        [f] = sweep("TI-18-BLACKLIST", district1, "2026-11-09", "2026-11-13")
        import_module("institutions.migrations.0005_list_status_history_backfill").backfill(django_apps, None)
        set_list(inst, "none", "2026-11-16")
        assert sweep("TI-18-BLACKLIST", district1, "2026-11-09", "2026-11-13") == [f]
        f.refresh_from_db()
        assert f.evidence == {**f.evidence, "session_id": s.pk, "listed_on": "2026-11-11", "lifted_on": "2026-11-16"}

    def test_a_listing_recorded_to_start_later_does_not_reach_back(self, district1):
        inst = InstitutionFactory(district=district1)
        set_list(inst, "black", "2026-11-20")  # recorded now, in force from the 20th
        lesson(RuleCourseFactory(institution=inst), "2026-11-12", "18:00", "19:00")
        assert sweep("TI-18-BLACKLIST", district1, "2026-11-09", "2026-11-13") == []

    def test_the_rule_reads_the_history_in_a_fixed_number_of_queries(self, district1, django_assert_max_num_queries):
        for n in range(5):
            inst = InstitutionFactory(district=district1)
            set_list(inst, "black", "2026-11-02")
            set_list(inst, "none", "2026-11-05")
            course = RuleCourseFactory(institution=inst, enrolment_opens_on=dt.date(2026, 11, 4))
            for day in ("2026-11-03", "2026-11-04"):
                lesson(course, day, f"1{n}:00", f"1{n}:45")
        with django_assert_max_num_queries(12):
            findings = sweep("TI-18-BLACKLIST", district1, "2026-11-01", "2026-11-06")
        assert len(findings) == 15


def test_sweeping_twice_changes_nothing(district1, maths):
    lesson(maths, "2026-11-14", "09:00", "10:00")
    first = sweep("TI-13-HOLIDAY", district1, "2026-11-14")
    second = sweep("TI-13-HOLIDAY", district1, "2026-11-14")
    assert [f.pk for f in first] == [f.pk for f in second]
    assert Finding.objects.filter(rule_id="TI-13-HOLIDAY").count() == 1
