"""The three prepaid-funds rules at their boundaries."""

import datetime as dt
from decimal import Decimal

import pytest

from funds.models import Attendance, BankStatement, RefundRequest
from funds.services import refund_due_on
from tests.institutions.factories import CourseFactory
from tests.institutions.rule_factories import sweep

from .factories import AccountFactory, FundsPrepaymentFactory, lesson, post_statement

pytestmark = pytest.mark.django_db


def balance(account, amount, day=dt.date(2026, 11, 20)):
    return BankStatement.objects.create(
        account=account, statement_date=day, closing_balance=Decimal(amount), source="file"
    )


def attend(prepayment, n, first_day=10):
    for i in range(n):
        session = lesson(prepayment.course, f"2026-11-{first_day + i:02d}")
        Attendance.objects.create(session=session, prepayment=prepayment)


class TestCustody:
    def test_balance_exactly_covering_the_undelivered_lessons_is_no_finding(self, account, institution):
        course = CourseFactory(institution=institution)
        p = FundsPrepaymentFactory(course=course)  # 3000 for 30 hours
        attend(p, 10)  # 20 left: 2000 undelivered
        balance(account, "2000.00")
        assert sweep("TI-15-CUSTODY", institution.district) == []

    def test_one_yuan_short_is_a_finding_with_a_one_yuan_shortfall(self, account, institution):
        course = CourseFactory(institution=institution)
        p = FundsPrepaymentFactory(course=course)
        attend(p, 10)
        balance(account, "1999.00")
        [f] = sweep("TI-15-CUSTODY", institution.district)
        assert f.evidence["shortfall"] == "1.00"
        assert f.evidence["undelivered"] == "2000.00"
        assert f.evidence["balance"] == "1999.00"
        assert f.evidence["account"] == account.account_no

    def test_ratio_is_a_dated_parameter(self, account, institution):
        from compliance.models import RuleParameter

        RuleParameter.objects.create(key="custody_min_ratio", value=0.5, effective_from=dt.date(2026, 1, 1), source="t")
        p = FundsPrepaymentFactory(course=CourseFactory(institution=institution))
        balance(account, "1500.00")
        assert sweep("TI-15-CUSTODY", institution.district) == []
        p.refresh_from_db()

    def test_a_paid_refund_lowers_the_undelivered_value(self, account, institution):
        p = FundsPrepaymentFactory(course=CourseFactory(institution=institution))
        RefundRequest.objects.create(
            tracking_code="TFTEST000001",
            secret_hash="x",
            institution=institution,
            prepayment=p,
            district=institution.district,
            contact_phone="13800000000",
            requested_on=dt.date(2026, 11, 3),
            state="paid",
            amount=Decimal("1000.00"),
            paid_on=dt.date(2026, 11, 5),
        )
        balance(account, "2000.00")
        assert sweep("TI-15-CUSTODY", institution.district) == []

    def test_fee_paid_outside_the_registered_account(self, account, institution, bank):
        course = CourseFactory(institution=institution)
        other = AccountFactory(institution=CourseFactory().institution, bank=bank)
        inside = FundsPrepaymentFactory(course=course)
        elsewhere = FundsPrepaymentFactory(course=course, supervised_account=other)
        nowhere = FundsPrepaymentFactory(course=course, supervised_account=None)
        balance(account, "9000.00")
        findings = sweep("TI-15-CUSTODY", institution.district)
        assert {f.evidence.get("prepayment_id") for f in findings} == {elsewhere.pk, nowhere.pk}
        assert inside.pk not in {f.evidence.get("prepayment_id") for f in findings}

    def test_no_statement_means_no_money(self, account, institution):
        FundsPrepaymentFactory(course=CourseFactory(institution=institution), amount=Decimal("300.00"))
        [f] = sweep("TI-15-CUSTODY", institution.district)
        assert f.evidence["shortfall"] == "300.00"
        assert f.evidence["balance_on"] is None


class TestEarlyRelease:
    def test_release_the_day_before_its_session(self, account, institution):
        course = CourseFactory(institution=institution)
        p = FundsPrepaymentFactory(course=course)
        deposit = ("D1", "deposit", "2026-11-02", "3000.00", p.receipt_no, None)
        post_statement(account, "2026-11-02", "3000.00", [deposit])
        session = lesson(course, "2026-11-10")
        Attendance.objects.create(session=session, prepayment=p)
        post_statement(
            account, "2026-11-09", "2900.00", [("R1", "release", "2026-11-09", "100.00", p.receipt_no, session.pk)]
        )
        [f] = sweep("TI-15-EARLY-RELEASE", institution.district, "2026-11-09")
        assert f.evidence["txn_id"] == "R1"
        assert f.evidence["session_day"] == "2026-11-10"
        assert f.period_start == dt.date(2026, 11, 9)

    def test_release_on_the_day_of_an_attended_session_is_fine(self, account, institution):
        course = CourseFactory(institution=institution)
        p = FundsPrepaymentFactory(course=course)
        session = lesson(course, "2026-11-10")
        Attendance.objects.create(session=session, prepayment=p)
        post_statement(
            account, "2026-11-10", "2900.00", [("R1", "release", "2026-11-10", "100.00", p.receipt_no, session.pk)]
        )
        assert sweep("TI-15-EARLY-RELEASE", institution.district, "2026-11-10") == []

    def test_more_released_than_delivered(self, account, institution):
        course = CourseFactory(institution=institution)
        p = FundsPrepaymentFactory(course=course)
        session = lesson(course, "2026-11-10")  # held, but the pupil's attendance is not recorded
        post_statement(
            account, "2026-11-10", "2900.00", [("R1", "release", "2026-11-10", "100.00", p.receipt_no, session.pk)]
        )
        [f] = sweep("TI-15-EARLY-RELEASE", institution.district, "2026-11-10")
        assert f.evidence["lessons_attended"] == 0
        assert f.evidence["released_to_date"] == "100.00"
        assert f.evidence["delivered_value"] == "0.00"


class TestRefundDeadline:
    """Requested Monday 28 September 2026: ten working days, National Day in between, end on Friday 16 October."""

    def request(self, institution, **kwargs):
        p = FundsPrepaymentFactory(course=CourseFactory(institution=institution))
        requested = dt.date(2026, 9, 28)
        return RefundRequest.objects.create(
            tracking_code=f"TF{p.pk:010d}",
            secret_hash="x",
            institution=institution,
            prepayment=p,
            district=institution.district,
            contact_phone="13800000000",
            requested_on=requested,
            due_on=refund_due_on(district=institution.district, start=requested),
            **kwargs,
        )

    def test_deadline_skips_the_holiday(self, institution):
        assert refund_due_on(district=institution.district, start=dt.date(2026, 9, 28)) == dt.date(2026, 10, 16)

    def test_paid_on_the_last_working_day_is_on_time(self, institution):
        self.request(
            institution,
            state="paid",
            amount=Decimal("100"),
            decided_on=dt.date(2026, 10, 9),
            paid_on=dt.date(2026, 10, 16),
        )
        assert sweep("TI-15-REFUND", institution.district, "2026-09-28") == []

    def test_paid_the_day_after_is_late(self, institution):
        r = self.request(
            institution,
            state="paid",
            amount=Decimal("100"),
            decided_on=dt.date(2026, 10, 9),
            paid_on=dt.date(2026, 10, 17),
        )
        [f] = sweep("TI-15-REFUND", institution.district, "2026-09-28")
        assert f.evidence["refund"] == r.tracking_code
        assert f.evidence["due_on"] == "2026-10-16"
        assert f.evidence["days_late"] == 1

    def test_accepted_but_never_paid_is_late(self, institution):
        self.request(institution, state="accepted", amount=Decimal("100"), decided_on=dt.date(2026, 9, 29))
        [f] = sweep("TI-15-REFUND", institution.district, "2026-09-28")
        assert f.evidence["paid_on"] is None

    def test_refused_in_time_is_decided(self, institution):
        self.request(institution, state="refused", refusal_reason="已全部上完", decided_on=dt.date(2026, 10, 16))
        assert sweep("TI-15-REFUND", institution.district, "2026-09-28") == []
