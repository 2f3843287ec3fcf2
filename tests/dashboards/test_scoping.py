"""Who sees which dashboard, and what a dashboard request costs in queries."""

import pytest
from django.urls import reverse

from dashboards.services import stats_refresh

from .conftest import DAYS

pytestmark = pytest.mark.django_db

RANGE = {"date_from": DAYS[0].isoformat(), "date_to": DAYS[-1].isoformat()}


def district_url(code):
    return reverse("api:dashboard-district", args=[code])


def test_district_user_sees_only_their_district(as_user, district_user, district2):
    assert as_user(district_user).get(district_url("110101"), RANGE).status_code == 200
    assert as_user(district_user).get(district_url("110102"), RANGE).status_code == 404
    assert as_user(district_user).get(reverse("api:dashboard-district-schools", args=["110102"])).status_code == 404
    assert as_user(district_user).get(district_url("999999")).status_code == 404


def test_city_dashboard_is_for_city_staff(as_user, city_user, district_user, school_user):
    assert as_user(city_user).get(reverse("api:dashboard-city"), RANGE).status_code == 200
    assert as_user(district_user).get(reverse("api:dashboard-city")).status_code == 403
    assert as_user(school_user).get(reverse("api:dashboard-city")).status_code == 403


def test_anonymous_is_refused(api):
    assert api.get(district_url("110101")).status_code in (401, 403)
    assert api.get(reverse("api:dashboard-city")).status_code in (401, 403)


def test_school_staff_see_their_school_only(as_user, school_user, school_b, district_user, school_a):
    assert as_user(school_user).get(reverse("api:dashboard-school", args=[school_a.pk])).status_code == 200
    assert as_user(school_user).get(reverse("api:dashboard-school", args=[school_b.pk])).status_code == 404
    assert as_user(school_user).get(district_url("110101")).status_code == 404
    # district staff may open their schools, not another district's
    assert as_user(district_user).get(reverse("api:dashboard-school", args=[school_a.pk])).status_code == 200
    assert as_user(district_user).get(reverse("api:dashboard-school", args=[school_b.pk])).status_code == 404


def test_bad_filters_are_400(as_user, district_user):
    client = as_user(district_user)
    r = client.get(district_url("110101"), {"date_from": "2026-11-20", "date_to": "2026-11-01"})
    assert r.status_code == 400 and "date_to" in r.json()["fields"]
    assert client.get(district_url("110101"), {"grade_band": "G99"}).status_code == 400
    assert client.get(district_url("110101"), {"date_from": "2025-01-01", "date_to": "2026-11-01"}).status_code == 400


def test_query_counts_do_not_grow_with_data(
    filings, as_user, district_user, city_user, school_user, district1, district2, django_assert_max_num_queries
):
    stats_refresh(district_ids=None, date_from=DAYS[0], date_to=DAYS[-1])
    # profile, district, homework 2, after-school 1, institutions 4, findings 1, complaints 2 (+2 for the calendar
    # when resolved complaints need working days): the same for one district or sixteen
    with django_assert_max_num_queries(13):
        assert as_user(district_user).get(district_url("110101"), RANGE).status_code == 200
    with django_assert_max_num_queries(13):
        assert as_user(city_user).get(reverse("api:dashboard-city"), RANGE).status_code == 200
    with django_assert_max_num_queries(5):
        r = as_user(school_user).get(reverse("api:dashboard-school", args=[school_user.profile.school_id]), RANGE)
        assert r.status_code == 200
    with django_assert_max_num_queries(4):
        r = as_user(district_user).get(reverse("api:dashboard-district-schools", args=["110101"]), RANGE)
        assert r.status_code == 200 and len(r.json()) == 1
