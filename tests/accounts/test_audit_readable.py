"""The audit log reads as a work tool: field, before → after with Chinese labels, object names with links, and
date pickers for the range."""

import datetime as dt

import pytest
from django.test import Client

from accounts.audit import audit_record
from schools.models import Term

pytestmark = pytest.mark.django_db


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_change_reads_as_field_before_and_after_with_a_link_to_the_object(city_user):
    term = Term.objects.filter(district__isnull=True).first()
    audit_record(
        actor=city_user,
        action="update",
        obj=term,
        detail={"changes": {"ends_on": {"from": "2027-01-15", "to": "2027-01-20"}}},
    )
    page = browser(city_user).get("/audit/").content.decode()
    assert "{&#x27;" not in page and "{'" not in page and "&#x27;from&#x27;" not in page
    assert '<th scope="row">结束日期</th><td>2027-01-15</td>' in page
    assert "2027-01-20" in page
    assert f'href="/calendar/terms/{term.pk}/"' in page
    assert "学期" in page  # the kind of object in words, not schools.term


def test_other_details_are_listed_with_their_names(city_user):
    from compliance.models import RuleParameter

    row = RuleParameter.objects.filter(key="hw_max_minutes_g36").first()
    audit_record(
        actor=city_user,
        action="create",
        obj=row,
        detail={"key": row.key, "value": 50, "effective_from": dt.date(2027, 2, 1), "previous_value": 60},
    )
    page = browser(city_user).get("/audit/").content.decode()
    assert "<dt>原取值</dt><dd>60</dd>" in page
    assert 'href="/compliance/parameters/hw_max_minutes_g36/"' in page


def test_the_range_filter_uses_date_pickers_that_keep_the_dates(city_user):
    page = browser(city_user).get("/audit/?date_from=2026-12-01&date_to=2026-12-05").content.decode()
    assert 'type="date" name="date_from" value="2026-12-01"' in page
    assert 'type="date" name="date_to" value="2026-12-05"' in page
