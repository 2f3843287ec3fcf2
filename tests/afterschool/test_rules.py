"""The AS rules at their boundaries and on the calendar's edge days."""

import datetime as dt

import pytest

from afterschool import rules
from afterschool.models import Activity, DailyReport, Programme, ProviderSelection
from compliance import registry
from compliance.models import Finding, RuleParameter
from compliance.services import finding_create_case, sweep_rule_district
from schools.calendar import CalendarGap
from schools.models import Term
from tests import factories as f

from .conftest import MAKEUP_SATURDAY, MONDAY, NATIONAL_DAY, WINTER_VACATION_MONDAY, make_report, run_rule

pytestmark = pytest.mark.django_db


def test_every_after_school_rule_is_registered_with_its_kind():
    auto = [
        "AS-8-PE",
        "AS-8-END",
        "AS-8-CARE",
        "AS-9-NEWLESSON",
        "AS-9-VOLUNTARY",
        "AS-10-PROVIDER",
        "AS-REPORT-MISSING",
    ]
    for rule_id in auto:
        r = registry.get_rule(rule_id)
        assert r.kind == "auto" and r.subject == "school" and r.func.__doc__
    for rule_id in ("SC-20-HOLIDAY", "SC-20-RANKING"):
        r = registry.get_rule(rule_id)
        assert r.kind == "case" and r.func is None and r.article == 20


def test_staff_can_record_a_holiday_tutoring_case(school_a, district_user):
    finding = finding_create_case(
        rule_id="SC-20-HOLIDAY",
        district=school_a.district,
        actor=district_user,
        evidence={"report": "国庆期间组织初三集体补课"},
        date=NATIONAL_DAY,
        school=school_a,
    )
    assert finding.kind == "case" and finding.school == school_a and finding.status == "open"


# -- AS-8-PE ---------------------------------------------------------------


def test_pe_60_minutes_passes_and_59_is_flagged(school_a):
    make_report(school_a, MONDAY, pe_minutes=45, stage1_minutes=15)
    make_report(school_a, MONDAY + dt.timedelta(days=1), pe_minutes=45, stage1_minutes=14)
    found = run_rule("AS-8-PE", school_a.district, MONDAY, MONDAY + dt.timedelta(days=4))
    assert [(v.date, v.evidence["total"]) for v in found] == [(MONDAY + dt.timedelta(days=1), 59)]
    assert found[0].evidence["pe_minutes"] == 45 and found[0].evidence["stage1_minutes"] == 14
    assert found[0].evidence["minimum"] == 60 and found[0].school_id == school_a.pk


def test_pe_on_a_makeup_saturday_is_checked_but_not_on_a_holiday(school_a):
    make_report(school_a, MAKEUP_SATURDAY, pe_minutes=0, stage1_minutes=59)
    make_report(school_a, NATIONAL_DAY, pe_minutes=0, stage1_minutes=10)  # entered directly; not a school day
    found = run_rule("AS-8-PE", school_a.district, NATIONAL_DAY, MAKEUP_SATURDAY)
    assert [v.date for v in found] == [MAKEUP_SATURDAY]


def test_pe_uses_the_minimum_in_force_on_the_day(school_a):
    RuleParameter.objects.create(
        key="as_min_pe_minutes", value=70, effective_from=MONDAY + dt.timedelta(days=1), source="测试：新规"
    )
    make_report(school_a, MONDAY, pe_minutes=45, stage1_minutes=20)
    make_report(school_a, MONDAY + dt.timedelta(days=1), pe_minutes=45, stage1_minutes=20)
    found = run_rule("AS-8-PE", school_a.district, MONDAY, MONDAY + dt.timedelta(days=1))
    assert [(v.date, v.evidence["minimum"]) for v in found] == [(MONDAY + dt.timedelta(days=1), 70)]


# -- AS-8-END --------------------------------------------------------------


def test_end_at_1730_is_on_time_and_1729_is_not(school_a):
    make_report(school_a, MONDAY, end_time=dt.time(17, 30))
    make_report(school_a, MONDAY + dt.timedelta(days=1), end_time=dt.time(17, 29))
    found = run_rule("AS-8-END", school_a.district, MONDAY, MONDAY + dt.timedelta(days=1))
    assert [(v.date, v.evidence["end_time"], v.evidence["earliest_end"]) for v in found] == [
        (MONDAY + dt.timedelta(days=1), "17:29", "17:30")
    ]


def test_end_on_makeup_saturday_counts_and_vacation_day_does_not(school_a):
    make_report(school_a, MAKEUP_SATURDAY, end_time=dt.time(16, 0))
    make_report(school_a, WINTER_VACATION_MONDAY, end_time=dt.time(16, 0))
    assert [v.date for v in run_rule("AS-8-END", school_a.district, MAKEUP_SATURDAY)] == [MAKEUP_SATURDAY]
    assert run_rule("AS-8-END", school_a.district, WINTER_VACATION_MONDAY) == []


def test_report_rules_stay_in_their_district_and_school_subset(school_a, school_b):
    other_a = f.SchoolFactory(district=school_a.district)
    for s in (school_a, school_b, other_a):
        make_report(s, MONDAY, end_time=dt.time(17, 0))
    assert {v.school_id for v in run_rule("AS-8-END", school_a.district, MONDAY)} == {school_a.pk, other_a.pk}
    subset = run_rule("AS-8-END", school_a.district, MONDAY, school_ids=frozenset({other_a.pk}))
    assert [v.school_id for v in subset] == [other_a.pk]


# -- AS-9 ------------------------------------------------------------------


def test_new_lessons_and_compulsory_participation_are_flagged(school_a):
    make_report(school_a, MONDAY, new_lessons=True)
    make_report(school_a, MONDAY + dt.timedelta(days=1), compulsory=True)
    make_report(school_a, MONDAY + dt.timedelta(days=2))
    week = (school_a.district, MONDAY, MONDAY + dt.timedelta(days=4))
    assert [v.date for v in run_rule("AS-9-NEWLESSON", *week)] == [MONDAY]
    voluntary = run_rule("AS-9-VOLUNTARY", *week)
    assert [v.date for v in voluntary] == [MONDAY + dt.timedelta(days=1)]
    assert voluntary[0].evidence["compulsory"] is True and voluntary[0].evidence["participants"] == 280


def test_as9_on_makeup_saturday_and_not_on_a_holiday(school_a):
    make_report(school_a, MAKEUP_SATURDAY, new_lessons=True, compulsory=True)
    make_report(school_a, NATIONAL_DAY, new_lessons=True, compulsory=True)
    assert [v.date for v in run_rule("AS-9-NEWLESSON", school_a.district, NATIONAL_DAY, MAKEUP_SATURDAY)] == [
        MAKEUP_SATURDAY
    ]
    assert [v.date for v in run_rule("AS-9-VOLUNTARY", school_a.district, NATIONAL_DAY, MAKEUP_SATURDAY)] == [
        MAKEUP_SATURDAY
    ]


# -- AS-8-CARE -------------------------------------------------------------


def test_programme_without_extended_care_is_flagged_dated_by_term_start(school_a, autumn_2026):
    no_care = Programme.objects.create(school=school_a, term=autumn_2026, extended_care=False)
    with_care_school = f.SchoolFactory(district=school_a.district)
    Programme.objects.create(school=with_care_school, term=autumn_2026, extended_care=True)
    found = run_rule("AS-8-CARE", school_a.district, MONDAY, MONDAY + dt.timedelta(days=4))
    assert [(v.school_id, v.date, v.date_end) for v in found] == [
        (school_a.pk, autumn_2026.starts_on, autumn_2026.ends_on)
    ]
    assert found[0].evidence["programme_id"] == no_care.pk and "2026" in found[0].evidence["term"]


def test_programme_of_a_term_outside_the_range_is_not_checked(school_a):
    spring = Term.objects.get(academic_year=2025, name="spring", district__isnull=True)
    Programme.objects.create(school=school_a, term=spring, extended_care=False)
    assert run_rule("AS-8-CARE", school_a.district, MONDAY) == []
    assert [v.date for v in run_rule("AS-8-CARE", school_a.district, spring.starts_on)] == [spring.starts_on]


# -- AS-10-PROVIDER ----------------------------------------------------------


@pytest.fixture
def programme(school_a, autumn_2026):
    return Programme.objects.create(school=school_a, term=autumn_2026, extended_care=True)


def _activity(programme, institution=None, provider_kind="institution", name="篮球"):
    return Activity.objects.create(
        programme=programme, name=name, kind="pe", provider_kind=provider_kind, institution=institution
    )


def test_selected_non_subject_institution_passes(programme, school_a, autumn_2026):
    inst = f.InstitutionFactory(district=school_a.district, category="non_subject", domain="sports")
    ProviderSelection.objects.create(district=school_a.district, institution=inst, selected_on=autumn_2026.starts_on)
    _activity(programme, inst)
    _activity(programme, provider_kind="school_teacher", name="作业辅导")
    assert run_rule("AS-10-PROVIDER", school_a.district, MONDAY) == []


def test_unselected_and_subject_type_providers_are_flagged(programme, school_a, district2, autumn_2026):
    unselected = f.InstitutionFactory(district=school_a.district, category="non_subject", domain="arts")
    subject = f.InstitutionFactory(district=school_a.district, category="subject")
    # a selection that lapsed the day before the term, and one by another district, do not count
    lapsed = f.InstitutionFactory(district=school_a.district, category="non_subject", domain="sports")
    ProviderSelection.objects.create(
        district=school_a.district,
        institution=lapsed,
        selected_on=dt.date(2025, 8, 1),
        valid_until=autumn_2026.starts_on - dt.timedelta(days=1),
    )
    elsewhere = f.InstitutionFactory(district=district2, category="non_subject", domain="science")
    ProviderSelection.objects.create(district=district2, institution=elsewhere, selected_on=dt.date(2026, 8, 1))
    # a subject-type institution on the list (entered before the rule existed) is still flagged
    ProviderSelection.objects.create(district=school_a.district, institution=subject, selected_on=dt.date(2026, 8, 1))
    acts = [_activity(programme, inst, name=str(i)) for i, inst in enumerate([unselected, subject, lapsed, elsewhere])]
    found = {v.key: v for v in run_rule("AS-10-PROVIDER", school_a.district, MONDAY)}
    assert set(found) == {f"activity:{a.pk}" for a in acts}
    assert found[f"activity:{acts[1].pk}"].evidence["reasons"] == ["学科类机构"]
    assert found[f"activity:{acts[0].pk}"].evidence["reasons"] == ["未经本区遴选"]
    assert found[f"activity:{acts[0].pk}"].institution_id == unselected.pk
    assert all(v.date == autumn_2026.starts_on for v in found.values())


def test_selection_from_the_term_start_day_counts(programme, school_a, autumn_2026):
    inst = f.InstitutionFactory(district=school_a.district, category="non_subject", domain="sports")
    sel = ProviderSelection.objects.create(
        district=school_a.district, institution=inst, selected_on=autumn_2026.starts_on + dt.timedelta(days=1)
    )
    _activity(programme, inst)
    assert len(run_rule("AS-10-PROVIDER", school_a.district, MONDAY)) == 1
    sel.selected_on = autumn_2026.starts_on
    sel.valid_until = autumn_2026.starts_on
    sel.save()
    assert run_rule("AS-10-PROVIDER", school_a.district, MONDAY) == []


# -- AS-REPORT-MISSING -------------------------------------------------------


@pytest.fixture
def today(monkeypatch):
    def set_today(day):
        monkeypatch.setattr(rules, "_today", lambda: day)

    return set_today


def test_missing_reports_are_one_per_school_and_school_day(school_a, today):
    other = f.SchoolFactory(district=school_a.district)
    today(dt.date(2026, 11, 20))
    for i in range(5):
        make_report(school_a, MONDAY + dt.timedelta(days=i))
    make_report(other, MONDAY)
    found = run_rule("AS-REPORT-MISSING", school_a.district, MONDAY, MONDAY + dt.timedelta(days=6))
    # the weekend of 14–15 November is not expected
    assert sorted((v.school_id, v.date) for v in found) == [
        (other.pk, MONDAY + dt.timedelta(days=i)) for i in range(1, 5)
    ]
    assert found[0].evidence["filed_late"] is False


def test_grace_day_boundary(school_a, today):
    # Friday 13 Nov, grace 1 day: the deadline is the 14th, so the report is missing from the 15th on
    friday = dt.date(2026, 11, 13)
    today(dt.date(2026, 11, 14))
    assert run_rule("AS-REPORT-MISSING", school_a.district, friday) == []
    today(dt.date(2026, 11, 15))
    assert [v.date for v in run_rule("AS-REPORT-MISSING", school_a.district, friday)] == [friday]


def test_report_first_filed_after_the_deadline_is_missing_by_the_deadline(school_a, today):
    today(dt.date(2026, 11, 20))
    late = make_report(school_a, MONDAY)
    DailyReport.objects.filter(pk=late.pk).update(first_filed_at=dt.datetime(2026, 11, 11, 0, 0, tzinfo=dt.UTC))
    found = run_rule("AS-REPORT-MISSING", school_a.district, MONDAY)
    assert [v.evidence["filed_late"] for v in found] == [True]
    # filed before midnight (Beijing time) of the deadline day is on time
    DailyReport.objects.filter(pk=late.pk).update(first_filed_at=dt.datetime(2026, 11, 10, 15, 59, tzinfo=dt.UTC))
    assert run_rule("AS-REPORT-MISSING", school_a.district, MONDAY) == []


def test_nothing_is_missing_on_holidays_weekends_or_vacation_but_a_makeup_saturday_is_expected(school_a, today):
    today(dt.date(2026, 11, 27))
    golden_week = run_rule("AS-REPORT-MISSING", school_a.district, NATIONAL_DAY, MAKEUP_SATURDAY)
    # 1–7 October are holidays or rest days; 8–9 October are school days; the 10th is a make-up Saturday
    assert [v.date for v in golden_week] == [dt.date(2026, 10, 8), dt.date(2026, 10, 9), MAKEUP_SATURDAY]
    assert (
        run_rule(
            "AS-REPORT-MISSING",
            school_a.district,
            WINTER_VACATION_MONDAY,
            WINTER_VACATION_MONDAY + dt.timedelta(days=6),
        )
        == []
    )


def test_missing_reports_take_one_query_per_school_day_whatever_the_number_of_schools(
    school_a, today, django_assert_max_num_queries
):
    f.SchoolFactory.create_batch(30, district=school_a.district)
    today(dt.date(2026, 11, 27))
    list(run_rule("AS-REPORT-MISSING", school_a.district, MONDAY))  # warm the calendar and parameter caches
    with django_assert_max_num_queries(5 + 5 + 2):
        found = run_rule("AS-REPORT-MISSING", school_a.district, MONDAY, MONDAY + dt.timedelta(days=4))
    assert len(found) == 31 * 5


def test_a_year_the_calendar_does_not_know_is_reported_not_guessed(school_a, today):
    today(dt.date(2027, 3, 1))
    with pytest.raises(CalendarGap):
        run_rule("AS-REPORT-MISSING", school_a.district, dt.date(2027, 1, 4), dt.date(2027, 1, 8))


# -- through the engine --------------------------------------------------------


def test_a_sweep_raises_then_clears_a_finding_when_the_report_is_corrected(school_a):
    report = make_report(school_a, MONDAY, end_time=dt.time(17, 0))
    rule = registry.get_rule("AS-8-END")
    counts = sweep_rule_district(rule=rule, district=school_a.district, date_from=MONDAY, date_to=MONDAY)
    finding = Finding.objects.get(rule_id="AS-8-END")
    assert counts.new == 1 and finding.school == school_a and finding.period_start == MONDAY
    report.end_time = dt.time(17, 30)
    report.save()
    counts = sweep_rule_district(rule=rule, district=school_a.district, date_from=MONDAY, date_to=MONDAY)
    finding.refresh_from_db()
    assert counts.cleared == 1 and finding.status == "cleared"


def test_a_term_finding_is_kept_by_a_later_sweep_and_cleared_by_a_sweep_of_the_term_start(school_a, autumn_2026):
    p = Programme.objects.create(school=school_a, term=autumn_2026, extended_care=False)
    rule = registry.get_rule("AS-8-CARE")
    sweep_rule_district(rule=rule, district=school_a.district, date_from=MONDAY, date_to=MONDAY)
    sweep_rule_district(
        rule=rule,
        district=school_a.district,
        date_from=MONDAY + dt.timedelta(days=1),
        date_to=MONDAY + dt.timedelta(days=1),
    )
    assert Finding.objects.filter(rule_id="AS-8-CARE", status="open").count() == 1
    p.extended_care = True
    p.save()
    sweep_rule_district(
        rule=rule, district=school_a.district, date_from=autumn_2026.starts_on, date_to=autumn_2026.starts_on
    )
    assert Finding.objects.get(rule_id="AS-8-CARE").status == "cleared"


def test_care_finding_uses_the_districts_own_term(school_a, school_b, autumn_2026):
    own = Term.objects.create(
        academic_year=2026,
        name="autumn",
        district=school_a.district,
        starts_on=dt.date(2026, 8, 31),
        ends_on=autumn_2026.ends_on,
    )
    Programme.objects.create(school=school_a, term=own, extended_care=False)
    found = run_rule("AS-8-CARE", school_a.district, MONDAY)
    assert [(v.school_id, v.date) for v in found] == [(school_a.pk, dt.date(2026, 8, 31))]
    assert run_rule("AS-8-CARE", school_b.district, MONDAY) == []


BAD_REPORT = {
    "pe_minutes": 0,
    "stage1_minutes": 30,
    "end_time": dt.time(16, 0),
    "new_lessons": True,
    "compulsory": True,
}
REPORT_RULES = ["AS-8-PE", "AS-8-END", "AS-9-NEWLESSON", "AS-9-VOLUNTARY"]


@pytest.mark.parametrize("rule_id", REPORT_RULES)
def test_report_rules_on_the_calendars_edge_days(school_a, rule_id):
    edge_days = {
        "makeup_saturday": MAKEUP_SATURDAY,
        "holiday": NATIONAL_DAY,
        "vacation": WINTER_VACATION_MONDAY,
        "rest_day": dt.date(2026, 11, 14),
    }
    for day in edge_days.values():
        make_report(school_a, day, **BAD_REPORT)
    dates = {v.date for v in run_rule(rule_id, school_a.district, WINTER_VACATION_MONDAY, dt.date(2026, 11, 15))}
    assert dates == {MAKEUP_SATURDAY}


@pytest.mark.parametrize("rule_id", ["AS-8-CARE", "AS-10-PROVIDER"])
def test_term_rules_see_nothing_in_a_vacation_between_terms(school_a, rule_id, autumn_2026):
    p = Programme.objects.create(school=school_a, term=autumn_2026, extended_care=False)
    _activity(p, f.InstitutionFactory(district=school_a.district, category="subject"))
    summer = (dt.date(2026, 7, 6), dt.date(2026, 8, 28))
    assert run_rule(rule_id, school_a.district, *summer) == []
    assert len(run_rule(rule_id, school_a.district, NATIONAL_DAY)) == 1  # a holiday inside the term
