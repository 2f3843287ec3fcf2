"""A write the database itself refuses (a race past validation, a value too long): the caller gets a clean answer
in the API's shape that says what it means, never the database's own text."""

import datetime as dt
from unittest import mock

import pytest
from django.db import transaction

from compliance.models import RuleParameter

pytestmark = pytest.mark.django_db

URL = "/api/v1/compliance/parameters/"
BODY = {"key": "hw_max_minutes_g36", "value": 50, "effective_from": "2027-02-01", "source": "市教委通知"}


def _refused(write):
    """The parameter service replaced by a write the database refuses (two requests that both passed validation)."""

    def service(**kwargs):
        with transaction.atomic():
            write()

    return mock.patch("compliance.services.parameter_create", side_effect=service)


def _texts(resp) -> str:
    return resp.content.decode()


def test_a_unique_constraint_answers_409_with_its_own_message(as_user, city_user):
    def duplicate():
        for _ in range(2):
            RuleParameter.objects.create(
                key="hw_max_minutes_g36", value=50, effective_from=dt.date(2027, 2, 1), source="x"
            )

    with _refused(duplicate):
        resp = as_user(city_user).post(URL, BODY, format="json")
    assert resp.status_code == 409
    body = resp.json()
    assert body["code"] == "conflict" and "与已有数据冲突" in body["detail"]
    assert body["fields"] == {"non_field_errors": ["该参数在这一生效日期已有取值"]}
    for leak in ("duplicate key", "Key (", "compliance_ruleparameter", "violates", "hw_max_minutes_g36)"):
        assert leak not in _texts(resp)


def test_a_value_the_column_cannot_hold_answers_400_without_the_database_text(as_user, city_user):
    def too_long():
        RuleParameter.objects.create(key="k" * 500, value=1, effective_from=dt.date(2027, 2, 1), source="x")

    with _refused(too_long):
        resp = as_user(city_user).post(URL, BODY, format="json")
    assert resp.status_code == 400
    assert resp.json()["code"] == "database" and "未保存" in resp.json()["detail"]
    assert "character varying" not in _texts(resp) and "value too long" not in _texts(resp)
