"""Computed dashboards are cached until the summary tables are rebuilt (or briefly, for staff changes)."""

import pytest
from django.urls import reverse

from dashboards.services import stats_refresh
from homework.models import HomeworkDay

from . import factories as df
from .conftest import DAYS

pytestmark = pytest.mark.django_db

RANGE = {"date_from": DAYS[0].isoformat(), "date_to": DAYS[-1].isoformat()}


def filed(client):
    r = client.get(reverse("api:dashboard-district", args=["110101"]), RANGE)
    return r.json()["homework"]["filing"]["filed"]


def test_a_refresh_shows_at_once_and_a_repeat_costs_no_figure_queries(
        filings, as_user, district_user, district1, django_capture_on_commit_callbacks, django_assert_max_num_queries,
        settings):
    settings.DASHBOARD_CACHE_SECONDS = 60
    client = as_user(district_user)
    with django_capture_on_commit_callbacks(execute=True):
        stats_refresh(district_ids=[district1.pk], date_from=DAYS[0], date_to=DAYS[-1])
    assert filed(client) == 11
    with django_assert_max_num_queries(3):  # the caller's profile and the district: no figure is recounted
        assert filed(client) == 11
    g4 = filings["g4"]
    HomeworkDay.objects.create(school_class=g4, school=g4.school, date=DAYS[3], first_filed_at=df.at(DAYS[3], 19),
                               last_filed_at=df.at(DAYS[3], 19))
    assert filed(client) == 11  # the summary tables have not been rebuilt yet
    with django_capture_on_commit_callbacks(execute=True):
        stats_refresh(district_ids=[district1.pk], date_from=DAYS[3], date_to=DAYS[3])
    assert filed(client) == 12


def test_without_the_cache_every_request_counts_afresh(filings, as_user, district_user, district1, settings,
                                                      school_a):
    settings.DASHBOARD_CACHE_SECONDS = 0  # the default
    stats_refresh(district_ids=[district1.pk], date_from=DAYS[0], date_to=DAYS[-1])
    client = as_user(district_user)
    url = reverse("api:dashboard-district", args=["110101"])
    assert client.get(url, RANGE).json()["findings"]["open"] == 0
    df.finding("HW-5-G36", district1, day=DAYS[0], school=school_a)
    assert client.get(url, RANGE).json()["findings"]["open"] == 1


def test_cached_figures_stay_scoped(filings, as_user, district_user, district2_user, city_user, district1, settings):
    settings.DASHBOARD_CACHE_SECONDS = 60
    stats_refresh(district_ids=None, date_from=DAYS[0], date_to=DAYS[-1])
    assert as_user(city_user).get(reverse("api:dashboard-district", args=["110101"]), RANGE).status_code == 200
    # the cached 110101 dashboard is still refused to another district's staff
    assert as_user(district2_user).get(reverse("api:dashboard-district", args=["110101"]), RANGE).status_code == 404
