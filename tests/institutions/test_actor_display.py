"""A change made by no person (a sweep, an import, the seed) is shown as made by "系统", never a server error."""

import datetime as dt

import pytest
from django.test import Client

from institutions.models import ListStatusChange

pytestmark = pytest.mark.django_db


def _system_change(institution):
    return ListStatusChange.objects.create(
        institution=institution,
        from_status="none",
        to_status="black",
        effective_on=dt.date(2026, 11, 2),
        reason="导入：无证经营",
        actor=None,
    )


def test_list_status_page_shows_a_change_without_actor_as_the_system(district_user, institution):
    _system_change(institution)
    client = Client()
    client.force_login(district_user)
    resp = client.get(f"/institutions/{institution.pk}/list-status/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "导入：无证经营" in html and "<td>系统</td>" in html


def test_institution_page_shows_a_change_without_actor_as_the_system(district_user, institution):
    _system_change(institution)
    client = Client()
    client.force_login(district_user)
    html = client.get(f"/institutions/{institution.pk}/").content.decode()
    assert "<td>系统</td>" in html


def test_actor_name_filter_names_a_person_or_the_system(district_user):
    from accounts.templatetags.people import actor_name

    district_user.first_name, district_user.last_name = "", ""
    assert actor_name(district_user) == district_user.username
    district_user.last_name = "王"
    district_user.first_name = "芳"
    assert actor_name(district_user) == district_user.get_full_name()
    assert actor_name(None) == "系统"
    assert actor_name(None, "系统检查") == "系统检查"
