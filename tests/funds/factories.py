"""Factories for the prepaid-funds tests: a bank, a supervised account, prepayments with receipt numbers,
statements built through the import service (as a bank would send them)."""

import datetime as dt
from decimal import Decimal

import factory

from funds.models import Bank, SupervisedAccount
from funds.services import LineIn, statement_import
from tests.institutions.factories import BJ, CourseFactory, PrepaymentFactory, SessionFactory


class BankFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bank
        django_get_or_create = ["code"]

    name = factory.Sequence(lambda n: f"测试银行{n}")
    code = factory.Sequence(lambda n: f"B{n:04d}")


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupervisedAccount

    bank = factory.SubFactory(BankFactory)
    account_no = factory.Sequence(lambda n: f"1100{n:012d}")
    agreement_no = factory.Sequence(lambda n: f"JG-2026-{n:04d}")
    agreement_signed_on = dt.date(2026, 8, 20)
    opened_on = dt.date(2026, 9, 1)


class FundsPrepaymentFactory(PrepaymentFactory):
    """3000 yuan for 30 hours (100 a lesson), paid into the course's institution's current account."""

    course = factory.SubFactory(CourseFactory)
    paid_on = dt.date(2026, 11, 2)
    amount = Decimal("3000.00")
    class_hours = 30
    months = 3
    receipt_no = factory.Sequence(lambda n: f"SJ{n:06d}")
    supervised_account = factory.LazyAttribute(
        lambda o: SupervisedAccount.objects.filter(institution=o.course.institution, closed_on__isnull=True).first()
    )


def lesson(course, day: str, hhmm: str = "18:00"):
    d = dt.date.fromisoformat(day)
    starts = dt.datetime.combine(d, dt.time.fromisoformat(hhmm), tzinfo=BJ)
    return SessionFactory(course=course, starts_at=starts, ends_at=starts + dt.timedelta(minutes=45))


def post_statement(account, day: str, balance, lines=(), actor=None):
    """Import one statement: ``lines`` are (txn_id, kind, value_date, amount, reference, session_id)."""
    rows = [
        LineIn(
            row=i,
            account_no=account.account_no,
            statement_date=day,
            closing_balance=str(balance),
            txn_id=t,
            kind=k,
            value_date=v,
            amount=str(a),
            reference=r,
            session_id=s,
        )
        for i, (t, k, v, a, r, s) in enumerate(lines, start=2)
    ]
    return statement_import(actor=actor, lines=rows, source="file", accounts=type(account).objects.all())
