"""Every institution rule is set-based: a fixed, small number of queries per district, however many violations."""

import datetime as dt
from decimal import Decimal

import pytest

from compliance.models import Finding
from compliance.parameters import parameter_segments
from compliance.registry import SweepContext, auto_rules, get_rule
from compliance.services import run_create, run_execute_sync
from tests.factories import InstitutionFactory, SchoolFactory, SchoolTeacherFactory

from .rule_factories import (
    RuleCourseFactory,
    RuleForeignStaffFactory,
    RulePrepaymentFactory,
    RuleSessionFactory,
    RuleTrainerFactory,
    at,
)

pytestmark = pytest.mark.django_db

RULES = sorted(r.id for r in auto_rules() if r.id.startswith(("TI-", "TE-26")))


def build_institution(district, n: int, school):
    """One institution that breaks every rule, several times over."""
    inst = InstitutionFactory(
        district=district,
        mode="both",
        nonprofit=False,
        licence_status="expired",
        approved_on=dt.date(2023, 1, 1),
        audience=["preschool", "compulsory", "high_school"],
        listed=True,
        list_status="black",
        list_status_since=dt.date(2026, 11, 1),
    )
    offline = RuleCourseFactory(
        institution=inst,
        price_per_lesson=Decimal("99.00"),
        foreign_curriculum=True,
        content_grade=3,
        min_grade=0,
        max_grade=3,
        enrolment_opens_on=dt.date(2026, 11, 10),
    )
    online = RuleCourseFactory(
        institution=inst, mode="online", lesson_minutes=40, min_grade=0, price_per_lesson=Decimal("50.00")
    )
    no_cert = RuleTrainerFactory(institution=inst, certificate_no="", photo="")
    offline.trainers.add(no_cert)
    SchoolTeacherFactory(school=school, certificate_no=f"POACH{n}")
    RuleTrainerFactory(institution=inst, certificate_no=f"POACH{n}")
    RuleForeignStaffFactory(institution=inst, in_china=False)
    RulePrepaymentFactory(course=offline, class_hours=80)
    arts = InstitutionFactory(district=district, category="non_subject", domain="arts")
    RuleCourseFactory(institution=arts, subject="maths")
    lessons = []
    for day in ("2026-11-13", "2026-11-14", "2026-11-16"):
        lessons.append(
            RuleSessionFactory(course=offline, site=None, starts_at=at(day, "16:00"), ends_at=at(day, "21:00"))
        )
        RuleSessionFactory(course=online, starts_at=at(day, "20:30"), ends_at=at(day, "21:10"))
        RuleSessionFactory(course=online, starts_at=at(day, "21:15"), ends_at=at(day, "21:55"))
    _break_prepaid_funds(inst, offline, lessons[0], district)


def _break_prepaid_funds(inst, course, lesson, district):
    """A supervised account short of money, a release the day before its lesson, a refund request left late."""
    from funds.models import Bank, BankStatement, RefundRequest, StatementLine, SupervisedAccount

    bank, _ = Bank.objects.get_or_create(code="RULES", defaults={"name": "规则测试银行"})
    account = SupervisedAccount.objects.create(
        institution=inst,
        bank=bank,
        account_no=f"RULES{inst.pk:08d}",
        agreement_no=f"JG-{inst.pk}",
        agreement_signed_on=dt.date(2026, 8, 1),
        opened_on=dt.date(2026, 9, 1),
    )
    paid = RulePrepaymentFactory(course=course, receipt_no=f"R{inst.pk}", supervised_account=account)
    statement = BankStatement.objects.create(
        account=account, statement_date=dt.date(2026, 11, 12), closing_balance=Decimal("0"), source="file"
    )
    StatementLine.objects.create(
        statement=statement,
        account=account,
        txn_id="EARLY-1",
        kind="release",
        value_date=dt.date(2026, 11, 12),
        amount=Decimal("60.00"),
        reference=paid.receipt_no,
        prepayment=paid,
        session=lesson,
    )
    RefundRequest.objects.create(
        tracking_code=f"TFRULES{inst.pk:05d}",
        secret_hash="x",
        institution=inst,
        prepayment=paid,
        district=district,
        contact_phone="13800000000",
        requested_on=dt.date(2026, 11, 10),
        due_on=dt.date(2026, 11, 13),
    )


@pytest.mark.parametrize("rule_id", RULES)
def test_rule_queries_do_not_grow_with_the_data(rule_id, district1, django_assert_max_num_queries):
    school = SchoolFactory(district=district1)
    for n in range(4):
        build_institution(district1, n, school)
    rule = get_rule(rule_id)
    [(start, end, params)] = parameter_segments(rule.params, dt.date(2026, 11, 9), dt.date(2026, 11, 20))
    ctx = SweepContext(rule=rule, districts=(district1,), date_from=start, date_to=end, params=params)
    # the calendar takes a few queries (staff holiday rows, vacations); each rule a few more
    with django_assert_max_num_queries(8):
        violations = list(rule.func(ctx))
    assert len(violations) >= 4


def test_a_run_of_every_institution_rule_finishes_with_findings(district1):
    build_institution(district1, 0, SchoolFactory(district=district1))
    run = run_create(
        date_from=dt.date(2026, 11, 9), date_to=dt.date(2026, 11, 20), district_codes=[district1.code], rule_ids=RULES
    )
    run = run_execute_sync(run=run)
    assert run.state == "done" and run.errors == []
    found = set(Finding.objects.filter(district=district1).values_list("rule_id", flat=True))
    assert found == set(RULES)
    # the teacher's and the institution's findings of one match
    assert Finding.objects.get(rule_id="TE-26-PAID").teacher_id is not None
    assert Finding.objects.get(rule_id="TI-14-POACH").institution_id is not None
