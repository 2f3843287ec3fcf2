"""The staff read API of funds: scoped lists with a fixed number of queries, whatever the number of rows."""

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from funds.models import BankStatement, RefundRequest
from tests import factories as f
from tests.institutions.factories import CourseFactory

from .factories import AccountFactory, FundsPrepaymentFactory

pytestmark = pytest.mark.django_db


def world(district, bank, n=4):
    for i in range(n):
        inst = f.InstitutionFactory(district=district)
        account = AccountFactory(institution=inst, bank=bank)
        p = FundsPrepaymentFactory(course=CourseFactory(institution=inst))
        BankStatement.objects.create(
            account=account, statement_date=dt.date(2026, 11, 10), closing_balance=Decimal("10"), source="api"
        )
        RefundRequest.objects.create(
            tracking_code=f"TF{district.code[-2:]}API{i:05d}",
            secret_hash="x",
            institution=inst,
            prepayment=p,
            district=district,
            contact_phone="13800000000",
            requested_on=dt.date(2026, 11, 11),
        )


@pytest.mark.parametrize("resource", ["accounts", "statements", "refunds"])
def test_list_query_count_does_not_grow(
    district1, district2, bank, district_user, resource, django_assert_max_num_queries
):
    world(district1, bank)
    world(district2, bank, n=2)
    client = APIClient()
    client.force_authenticate(district_user)
    with django_assert_max_num_queries(6):
        response = client.get(f"/api/v1/funds/{resource}/")
    assert response.status_code == 200
    assert response.json()["count"] == 4  # district 2's are not in district 1's list


def test_refund_list_never_shows_the_parents_contact(district1, bank, district_user):
    world(district1, bank, n=1)
    client = APIClient()
    client.force_authenticate(district_user)
    row = client.get("/api/v1/funds/refunds/").json()["results"][0]
    assert "contact_phone" not in row and "13800000000" not in str(row)


def test_refunds_filter_overdue(district1, bank, district_user):
    world(district1, bank, n=2)
    late, on_time = RefundRequest.objects.order_by("pk")
    RefundRequest.objects.filter(pk=late.pk).update(due_on=dt.date(2026, 11, 20))
    RefundRequest.objects.filter(pk=on_time.pk).update(
        due_on=dt.date(2026, 11, 20), state="paid", amount=Decimal("5"), paid_on=dt.date(2026, 11, 19)
    )
    client = APIClient()
    client.force_authenticate(district_user)
    rows = client.get("/api/v1/funds/refunds/?overdue=true").json()["results"]
    assert [r["tracking_code"] for r in rows] == [late.tracking_code]
