"""Fee and enrolment rules (TI-15-PRICE, TI-15-FILING, TI-15-PREPAY) at their boundaries, and the case rules."""

import datetime as dt
from decimal import Decimal

import pytest

from compliance.models import Finding, RuleParameter
from compliance.registry import get_rule
from compliance.services import finding_create_case
from tests.factories import InstitutionFactory, SchoolTeacherFactory

from .rule_factories import RuleCourseFactory, RuleFilingFactory, RulePrepaymentFactory, sweep

pytestmark = pytest.mark.django_db


def priced(institution, price, **kwargs):
    return RuleCourseFactory(institution=institution, price_per_lesson=Decimal(price), **kwargs)


# -- TI-15-PRICE --------------------------------------------------------------------------------


class TestGuidePrice:
    def test_90_minute_offline_lesson_for_12_students_may_cost_132(self, district1, institution):
        priced(institution, "132.00", class_size=12, lesson_minutes=90)
        over = priced(institution, "132.01", class_size=12, lesson_minutes=90)
        [f] = sweep("TI-15-PRICE", district1)
        assert f.evidence["course_id"] == over.pk
        assert f.evidence["max_allowed"] == "132.00"
        assert f.evidence["benchmark"] == "60"
        assert f.evidence["standard_minutes"] == 45
        assert f.period_start is None

    def test_bureau_example_class_of_25_at_most_66_per_45_minutes(self, district1, institution):
        priced(institution, "66.00", class_size=25)
        before = priced(institution, "113.00", class_size=25)  # the old price of the bureau's example
        over = priced(institution, "66.01", class_size=25)
        findings = sweep("TI-15-PRICE", district1)
        assert {f.evidence["course_id"] for f in findings} == {before.pk, over.pk}
        assert {f.evidence["max_allowed"] for f in findings} == {"66.00"}

    @pytest.mark.parametrize(
        ("mode", "size", "minutes", "limit"),
        [
            ("offline", 9, 45, "88.00"),  # fewer than 10: 80 × 1.1
            ("offline", 10, 45, "66.00"),  # 10 to 35 both included
            ("offline", 35, 45, "66.00"),
            ("offline", 36, 45, "44.00"),  # more than 35: 40 × 1.1
            ("online", 200, 30, "22.00"),  # online: 20 × 1.1 per 30 minutes
            ("online", 50, 25, "18.33"),  # pro-rated: 20 × 25 / 30 × 1.1
        ],
    )
    def test_bands_and_pro_rating(self, district1, institution, mode, size, minutes, limit):
        at_limit = priced(institution, limit, mode=mode, class_size=size, lesson_minutes=minutes)
        above = priced(
            institution, str(Decimal(limit) + Decimal("0.01")), mode=mode, class_size=size, lesson_minutes=minutes
        )
        findings = sweep("TI-15-PRICE", district1)
        assert [f.evidence["course_id"] for f in findings] == [above.pk]
        assert at_limit.pk != above.pk and findings[0].evidence["max_allowed"] == limit

    def test_only_subject_type_courses_are_price_controlled(self, district1, institution):
        priced(institution, "500.00", subject="music")
        assert sweep("TI-15-PRICE", district1) == []

    def test_a_new_guide_price_applies_from_its_date(self, district1, institution):
        priced(institution, "70.00", class_size=25)
        assert sweep("TI-15-PRICE", district1, "2026-11-09") != []
        RuleParameter.objects.create(
            key="guide_price_offline_10_35", value=65, effective_from=dt.date(2026, 11, 1), source="测试：新的指导价"
        )
        assert sweep("TI-15-PRICE", district1, "2026-11-09") == []  # 65 × 1.1 = 71.50
        assert Finding.objects.get(rule_id="TI-15-PRICE").status == "cleared"


# -- TI-15-FILING -------------------------------------------------------------------------------


class TestFiling:
    def test_enrolment_needs_a_filing_approved_by_the_day_it_opens(self, district1, institution):
        opens = dt.date(2026, 11, 10)
        ok = RuleCourseFactory(institution=institution, enrolment_opens_on=opens)
        RuleFilingFactory(course=ok, enrolment_opens_on=opens, approved_on=opens)
        late = RuleCourseFactory(institution=institution, enrolment_opens_on=opens)
        RuleFilingFactory(course=late, enrolment_opens_on=opens, approved_on=opens + dt.timedelta(days=1))
        pending = RuleCourseFactory(institution=institution, enrolment_opens_on=opens)
        RuleFilingFactory(course=pending, enrolment_opens_on=opens, approved_on=None)
        none = RuleCourseFactory(institution=institution, enrolment_opens_on=opens)
        old_round = RuleCourseFactory(institution=institution, enrolment_opens_on=opens)
        RuleFilingFactory(course=old_round, enrolment_opens_on=dt.date(2026, 3, 1), approved_on=dt.date(2026, 2, 20))
        findings = sweep("TI-15-FILING", district1, "2026-11-09", "2026-11-13")
        assert {f.evidence["course_id"] for f in findings} == {late.pk, pending.pk, none.pk, old_round.pk}
        by_course = {f.evidence["course_id"]: f for f in findings}
        assert by_course[late.pk].evidence["filings"][0]["approved_on"] == "2026-11-11"
        assert by_course[none.pk].evidence["filings"] == []
        assert by_course[none.pk].period_start == opens

    def test_enrolment_outside_the_range_is_not_swept(self, district1, institution):
        RuleCourseFactory(institution=institution, enrolment_opens_on=dt.date(2026, 12, 1))
        RuleCourseFactory(institution=institution, enrolment_opens_on=None)
        assert sweep("TI-15-FILING", district1, "2026-11-09", "2026-11-13") == []


# -- TI-15-PREPAY -------------------------------------------------------------------------------


class TestPrepayment:
    def test_60_class_hours_allowed_61_not(self, district1, institution):
        course = RuleCourseFactory(institution=institution)
        RulePrepaymentFactory(course=course, class_hours=60)
        over = RulePrepaymentFactory(course=course, class_hours=61)
        [f] = sweep("TI-15-PREPAY", district1, "2026-11-09", "2026-11-13")
        assert f.evidence["prepayment_id"] == over.pk
        assert f.evidence["problems"] == ["61 课时（上限 60）"]
        assert f.period_start == over.paid_on

    def test_3_months_allowed_4_not_and_supervised_account_required(self, district1, institution):
        course = RuleCourseFactory(institution=institution)
        RulePrepaymentFactory(course=course, months=3)
        long = RulePrepaymentFactory(course=course, months=4)
        unsupervised = RulePrepaymentFactory(course=course, supervised=False, account="个人账户")
        findings = sweep("TI-15-PREPAY", district1, "2026-11-09", "2026-11-13")
        assert {f.evidence["prepayment_id"]: f.evidence["problems"] for f in findings} == {
            long.pk: ["覆盖 4 个月（上限 3）"],
            unsupervised.pk: ["未进入监管账户"],
        }

    def test_prepayments_are_dated_by_payment_day(self, district1, institution):
        RulePrepaymentFactory(
            course=RuleCourseFactory(institution=institution), months=6, paid_on=dt.date(2026, 10, 30)
        )
        assert sweep("TI-15-PREPAY", district1, "2026-11-09", "2026-11-13") == []
        assert len(sweep("TI-15-PREPAY", district1, "2026-10-26", "2026-10-30")) == 1


# -- case rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize("rule_id", ["TI-15-CONTRACT", "TI-16-AD"])
def test_case_rules_are_recorded_by_staff(district1, district_user, rule_id):
    assert get_rule(rule_id).kind == "case"
    inst = InstitutionFactory(district=district1)
    finding = finding_create_case(
        rule_id=rule_id,
        district=district1,
        actor=district_user,
        evidence={"note": "现场检查"},
        summary="检查发现",
        institution=inst,
        date=dt.date(2026, 11, 10),
    )
    assert finding.kind == "case" and finding.institution_id == inst.pk and finding.status == "open"


def test_te_26_paid_is_auto_and_recordable_as_a_case(district1, district_user, school_a):
    rule = get_rule("TE-26-PAID")
    assert rule.kind == "auto" and rule.subject == "teacher"
    teacher = SchoolTeacherFactory(school=school_a)
    finding = finding_create_case(
        rule_id="TE-26-PAID",
        district=district1,
        actor=district_user,
        evidence={"complaint": "家长举报有偿补课"},
        teacher=teacher,
        school=school_a,
    )
    assert finding.kind == "case" and finding.teacher_id == teacher.pk
