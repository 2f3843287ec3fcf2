"""The HW-* rules at their boundaries and on the calendar's edge days."""

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from compliance.registry import get_rule
from homework.models import CompletionSurvey, HomeworkDay
from tests import factories as f

from .conftest import HOLIDAY_MONDAY, MAKEUP_SATURDAY, REST_SATURDAY, SCHOOL_DAY, VACATION_MONDAY, item, sweep

pytestmark = pytest.mark.django_db


# -- HW-5-G36 / HW-5-G79: the daily written total ---------------------------------


def test_g36_sixty_minutes_is_within_the_limit(file_items, g4, district1):
    file_items(item(g4, subject="maths", minutes=30), item(g4, subject="chinese", minutes=30))
    assert sweep("HW-5-G36", district1, SCHOOL_DAY) == []


def test_g36_sixty_one_minutes_is_a_finding_with_per_subject_evidence(file_items, g4, district1):
    file_items(
        item(g4, subject="maths", minutes=31),
        item(g4, subject="chinese", minutes=30),
        item(g4, subject="english", kind="oral", minutes=40),
    )
    [finding] = sweep("HW-5-G36", district1, SCHOOL_DAY)
    assert finding.school_class_id == g4.pk and finding.period_start == SCHOOL_DAY
    assert finding.evidence["total"] == 61 and finding.evidence["limit"] == 60
    assert finding.evidence["by_subject"] == {"数学": 31, "语文": 30}  # oral homework does not count
    assert finding.evidence["measured_subjects"] == []


def test_g36_counts_written_homework_done_in_school_too(file_items, g4, district1):
    file_items(item(g4, subject="maths", minutes=40), item(g4, subject="chinese", minutes=21, at_home=False))
    [finding] = sweep("HW-5-G36", district1, SCHOOL_DAY)
    assert finding.evidence["total"] == 61


def test_g79_ninety_is_within_and_ninety_one_is_not(file_items, g8, district1, school_a):
    other = f.SchoolClassFactory(school=school_a, grade=9, name="九年级1班")
    file_items(
        item(g8, subject="maths", minutes=45),
        item(g8, subject="physics", minutes=45),
        item(other, subject="maths", minutes=45),
        item(other, subject="physics", minutes=46),
    )
    [finding] = sweep("HW-5-G79", district1, SCHOOL_DAY)
    assert finding.school_class_id == other.pk and finding.evidence["total"] == 91


def test_g36_does_not_judge_grade_7_against_60_minutes(file_items, g8, district1):
    file_items(item(g8, subject="maths", minutes=80))
    assert sweep("HW-5-G36", district1, SCHOOL_DAY) == []


def test_measured_minutes_override_the_estimate(file_items, g4, district1, school_user):
    file_items(item(g4, subject="maths", minutes=30), item(g4, subject="chinese", minutes=30))
    assert sweep("HW-5-G36", district1, SCHOOL_DAY) == []
    CompletionSurvey.objects.create(
        school_class=g4,
        school=g4.school,
        date=SCHOOL_DAY,
        subject="maths",
        kind="written",
        measured_minutes=45,
        sample_size=8,
        recorded_at=timezone.now(),
    )
    [finding] = sweep("HW-5-G36", district1, SCHOOL_DAY)
    assert finding.evidence["total"] == 75
    assert finding.evidence["measured_subjects"] == ["数学"]
    maths = next(i for i in finding.evidence["items"] if i["subject"] == "maths")
    assert maths["minutes"] == 30 and maths["measured"] == 45 and maths["counted"] == 45


def test_a_lower_measured_time_clears_the_finding(file_items, g4, district1):
    file_items(item(g4, subject="maths", minutes=70))
    assert len(sweep("HW-5-G36", district1, SCHOOL_DAY)) == 1
    CompletionSurvey.objects.create(
        school_class=g4,
        school=g4.school,
        date=SCHOOL_DAY,
        subject="maths",
        kind="written",
        measured_minutes=50,
        sample_size=10,
        recorded_at=timezone.now(),
    )
    assert sweep("HW-5-G36", district1, SCHOOL_DAY) == []


def test_makeup_saturday_is_swept_like_a_school_day(file_items, g4, district1):
    file_items(item(g4, day=MAKEUP_SATURDAY, minutes=61))
    [finding] = sweep("HW-5-G36", district1, MAKEUP_SATURDAY)
    assert finding.period_start == MAKEUP_SATURDAY


def test_a_changed_limit_applies_from_its_date(file_items, g4, district1):
    from compliance.models import RuleParameter

    file_items(item(g4, day=dt.date(2026, 11, 9), minutes=55), item(g4, day=SCHOOL_DAY, minutes=55))
    RuleParameter.objects.create(key="hw_max_minutes_g36", value=50, effective_from=SCHOOL_DAY, source="test")
    findings = sweep("HW-5-G36", district1, dt.date(2026, 11, 9), SCHOOL_DAY)
    assert [x.period_start for x in findings] == [SCHOOL_DAY]
    assert findings[0].evidence["limit"] == 50


# -- HW-5-G12 -------------------------------------------------------------------


def test_g12_one_minute_of_written_home_homework_is_a_finding(file_items, g1, district1):
    file_items(item(g1, subject="chinese", minutes=1))
    [finding] = sweep("HW-5-G12", district1, SCHOOL_DAY)
    assert finding.evidence["total"] == 1 and finding.evidence["items"][0]["subject_zh"] == "语文"


def test_g12_allows_zero_minutes_in_school_written_and_oral_homework(file_items, g1, district1):
    file_items(
        item(g1, subject="chinese", minutes=0),
        item(g1, subject="maths", minutes=15, at_home=False),
        item(g1, subject="english", kind="oral", minutes=10),
        item(g1, subject="music", kind="reading", minutes=10),
    )
    assert sweep("HW-5-G12", district1, SCHOOL_DAY) == []


def test_g12_ignores_grade_3(file_items, school_a, district1):
    g3 = f.SchoolClassFactory(school=school_a, grade=3)
    file_items(item(g3, minutes=20))
    assert sweep("HW-5-G12", district1, SCHOOL_DAY) == []


# -- the flag rules ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule_id", "flag"),
    [
        ("HW-4-PARENT", "for_parents"),
        ("HW-4-PARENT", "parent_grading"),
        ("HW-4-PUNITIVE", "punitive"),
        ("HW-4-STANDARD", "beyond_standard"),
        ("HW-6-SELFGRADE", "self_grading"),
    ],
)
def test_a_flagged_item_is_one_finding_per_class_day(file_items, g4, g8, district1, rule_id, flag):
    file_items(
        item(g4, subject="maths", **{flag: True}),
        item(g4, subject="chinese", **{flag: True}),
        item(g4, subject="english"),
        item(g8, subject="maths"),
    )
    [finding] = sweep(rule_id, district1, SCHOOL_DAY)
    assert finding.school_class_id == g4.pk
    assert sorted(i["subject"] for i in finding.evidence["items"]) == ["chinese", "maths"]
    assert all(i[flag] for i in finding.evidence["items"])


@pytest.mark.parametrize("rule_id", ["HW-4-PARENT", "HW-4-PUNITIVE", "HW-4-STANDARD", "HW-6-SELFGRADE"])
def test_unflagged_items_give_no_finding(file_items, g4, district1, rule_id):
    file_items(item(g4, subject="maths"), item(g4, subject="chinese", kind="oral"))
    assert sweep(rule_id, district1, SCHOOL_DAY) == []


def test_refiling_without_the_flag_clears_the_finding(file_items, g4, district1):
    file_items(item(g4, subject="maths", parent_grading=True))
    [finding] = sweep("HW-4-PARENT", district1, SCHOOL_DAY)
    file_items(item(g4, subject="maths"))
    assert sweep("HW-4-PARENT", district1, SCHOOL_DAY) == []
    finding.refresh_from_db()
    assert finding.status == "cleared"


def test_another_districts_items_are_not_swept_here(school_b_user, other_class, district1, district2, file_items):
    file_items(item(other_class, punitive=True), user=school_b_user)
    assert sweep("HW-4-PUNITIVE", district1, SCHOOL_DAY) == []
    assert len(sweep("HW-4-PUNITIVE", district2, SCHOOL_DAY)) == 1


# -- HW-4-PUBLISH ----------------------------------------------------------------------


def _at(day, hh, mm=0):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hh, mm)))


def test_publish_missing_class_day_is_a_finding_and_filed_ones_are_not(file_items, g4, g8, district1):
    file_items(item(g4), now=_at(SCHOOL_DAY, 18))
    [finding] = sweep("HW-4-PUBLISH", district1, SCHOOL_DAY)
    assert finding.school_class_id == g8.pk and finding.evidence["filed_at"] is None
    assert finding.summary.endswith("未公示")


def test_publish_boundary_is_the_deadline_plus_grace(school_user, g4, district1, file_items):
    # deadline 20:00 on the day, grace 1 day: filed at 20:00 the next day is on time, a minute later is not
    file_items(item(g4), now=_at(SCHOOL_DAY + dt.timedelta(days=1), 20, 0))
    assert sweep("HW-4-PUBLISH", district1, SCHOOL_DAY) == []
    HomeworkDay.objects.update(first_filed_at=_at(SCHOOL_DAY + dt.timedelta(days=1), 20, 1))
    [finding] = sweep("HW-4-PUBLISH", district1, SCHOOL_DAY)
    assert finding.evidence["filed_at"].startswith("2026-11-11T20:01")


def test_publish_a_refiling_keeps_the_first_publication_time(file_items, g4, district1):
    file_items(item(g4), now=_at(SCHOOL_DAY, 19))
    # re-filed while the day is still open (after its close only an approved correction changes it)
    file_items(item(g4, minutes=10), now=_at(SCHOOL_DAY + dt.timedelta(days=1), 19, 30))
    assert sweep("HW-4-PUBLISH", district1, SCHOOL_DAY) == []


def test_publish_no_homework_today_counts_as_filed(file_items, g4, district1):
    file_items(whole_day=(g4.pk, SCHOOL_DAY), now=_at(SCHOOL_DAY, 19, 59))
    assert HomeworkDay.objects.get(school_class=g4).no_homework
    assert sweep("HW-4-PUBLISH", district1, SCHOOL_DAY) == []


def test_publish_is_not_due_before_the_cutoff(g4, district1):
    with mock.patch("homework.rules.timezone.now", return_value=_at(SCHOOL_DAY + dt.timedelta(days=1), 19, 59)):
        assert sweep("HW-4-PUBLISH", district1, SCHOOL_DAY) == []
    with mock.patch("homework.rules.timezone.now", return_value=_at(SCHOOL_DAY + dt.timedelta(days=1), 20, 1)):
        assert len(sweep("HW-4-PUBLISH", district1, SCHOOL_DAY)) == 1


def test_publish_expects_the_makeup_saturday_but_not_holidays_or_rest_days(g4, district1):
    findings = sweep("HW-4-PUBLISH", district1, dt.date(2026, 10, 1), dt.date(2026, 10, 11))
    # 10-01..10-07 National Day, 10-08 and 10-09 school days, 10-10 make-up Saturday, 10-11 Sunday
    assert [x.period_start for x in findings] == [dt.date(2026, 10, 8), dt.date(2026, 10, 9), MAKEUP_SATURDAY]
    assert HOLIDAY_MONDAY not in [x.period_start for x in findings]
    assert sweep("HW-4-PUBLISH", district1, REST_SATURDAY) == []


def test_publish_expects_nothing_in_the_winter_vacation(school_a, district1):
    last_year = f.SchoolClassFactory(school=school_a, grade=4, academic_year=2025)
    assert sweep("HW-4-PUBLISH", district1, VACATION_MONDAY) == []
    findings = sweep("HW-4-PUBLISH", district1, dt.date(2026, 3, 2))  # the first school day after it
    assert [x.school_class_id for x in findings] == [last_year.pk]


def test_publish_for_filing_triggered_sweep_limits_to_the_schools(g4, district1):
    f.SchoolClassFactory(school=f.SchoolFactory(district=district1), grade=5)
    from compliance.services import sweep_rule_district

    sweep_rule_district(
        rule=get_rule("HW-4-PUBLISH"),
        district=district1,
        date_from=SCHOOL_DAY,
        date_to=SCHOOL_DAY,
        school_ids=frozenset({g4.school_id}),
    )
    from compliance.models import Finding

    assert list(Finding.objects.values_list("school_class_id", flat=True)) == [g4.pk]


def test_a_calendar_gap_is_surfaced_not_guessed(district1):
    from schools.calendar import CalendarGap

    with pytest.raises(CalendarGap):
        sweep("HW-4-PUBLISH", district1, dt.date(2027, 9, 6))


# -- the catalogue ---------------------------------------------------------------------


def test_every_homework_rule_is_registered_with_a_precise_hint():
    from compliance.registry import all_rules

    rules = {r.id: r for r in all_rules() if r.id.startswith("HW-")}
    assert set(rules) == {
        "HW-5-G12",
        "HW-5-G36",
        "HW-5-G79",
        "HW-4-PARENT",
        "HW-4-PUNITIVE",
        "HW-4-STANDARD",
        "HW-6-SELFGRADE",
        "HW-4-PUBLISH",
        "HW-4-GRADING",
    }
    assert rules["HW-4-GRADING"].kind == "case" and rules["HW-4-GRADING"].func is None
    assert all(r.hint_zh and r.hint_en and r.func.__doc__ for r in rules.values() if r.kind == "auto")
    assert "60" in rules["HW-5-G36"].hint_zh and "90" in rules["HW-5-G79"].hint_zh


def test_grading_case_can_be_recorded(district1, g4, district_user):
    from compliance.services import finding_create_case

    finding = finding_create_case(
        rule_id="HW-4-GRADING",
        district=district1,
        actor=district_user,
        evidence={"complaint": "作业三天未批改"},
        school=g4.school,
        school_class=g4,
        date=SCHOOL_DAY,
    )
    assert finding.kind == "case" and finding.school_class_id == g4.pk


@pytest.mark.parametrize(
    "rule_id",
    [
        "HW-5-G12",
        "HW-5-G36",
        "HW-5-G79",
        "HW-4-PARENT",
        "HW-4-PUNITIVE",
        "HW-4-STANDARD",
        "HW-6-SELFGRADE",
        "HW-4-PUBLISH",
    ],
)
def test_rules_are_set_based_queries_do_not_grow_with_classes(
    rule_id, school_a, district1, file_items, django_assert_max_num_queries
):
    from compliance.parameters import parameter_segments
    from compliance.registry import SweepContext

    rule = get_rule(rule_id)
    classes = [f.SchoolClassFactory(school=school_a, grade=g) for g in (1, 2, 4, 5, 8, 9) for _ in range(3)]
    file_items(
        *[
            item(c, subject=s, minutes=50, for_parents=True, punitive=True, beyond_standard=True, self_grading=True)
            for c in classes[::2]
            for s in ("maths", "chinese")
        ]
    )
    days = (dt.date(2026, 11, 9), dt.date(2026, 11, 13))  # a school week: five school days
    [(start, end, params)] = parameter_segments(rule.params, *days)
    ctx = SweepContext(rule=rule, districts=(district1,), date_from=start, date_to=end, params=params)
    ctx.school_days()  # the calendar's own few queries
    with django_assert_max_num_queries(6 if rule_id == "HW-4-PUBLISH" else 1):
        violations = rule.func(ctx)
    assert violations
