"""Rendered dashboards are cached until a figure they count changes: never stale, scoped before the cache."""

import pytest
from django.core.cache import cache
from django.db.models import F
from django.urls import reverse

from compliance.services import finding_set_status
from dashboards.caching import VERSION_KEY, scope_key
from dashboards.models import HomeworkDayStat
from dashboards.services import stats_refresh
from homework.models import HomeworkDay

from . import factories as df
from .conftest import DAYS

pytestmark = pytest.mark.django_db

RANGE = {"date_from": DAYS[0].isoformat(), "date_to": DAYS[-1].isoformat()}


def url(code="110101"):
    return reverse("api:dashboard-district", args=[code])


def filed(client, code="110101"):
    r = client.get(url(code), RANGE)
    assert r.status_code == 200, r.content
    return r.json()["homework"]["filing"]["filed"]


@pytest.fixture
def cache_on(settings):
    settings.DASHBOARD_CACHE_SECONDS = 60


def test_a_refresh_shows_at_once_and_a_repeat_costs_no_figure_queries(
    cache_on,
    filings,
    as_user,
    district_user,
    district1,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    client = as_user(district_user)
    with django_capture_on_commit_callbacks(execute=True):
        stats_refresh(district_ids=[district1.pk], date_from=DAYS[0], date_to=DAYS[-1])
    first = client.get(url(), RANGE)
    assert first.json()["homework"]["filing"]["filed"] == 11
    with django_assert_max_num_queries(3):  # the caller's profile and the district: no figure is recounted
        again = client.get(url(), RANGE)
    assert again.content == first.content and again["Content-Type"] == "application/json"
    g4 = filings["g4"]
    HomeworkDay.objects.create(
        school_class=g4,
        school=g4.school,
        date=DAYS[3],
        first_filed_at=df.at(DAYS[3], 19),
        last_filed_at=df.at(DAYS[3], 19),
    )
    assert filed(client) == 11  # the summary tables have not been rebuilt yet
    with django_capture_on_commit_callbacks(execute=True):
        stats_refresh(district_ids=[district1.pk], date_from=DAYS[3], date_to=DAYS[3])
    assert filed(client) == 12


def test_without_the_cache_every_request_counts_afresh(filings, as_user, district_user, district1, settings, school_a):
    settings.DASHBOARD_CACHE_SECONDS = 0
    stats_refresh(district_ids=[district1.pk], date_from=DAYS[0], date_to=DAYS[-1])
    client = as_user(district_user)
    assert client.get(url(), RANGE).json()["findings"]["open"] == 0
    df.finding("HW-5-G36", district1, day=DAYS[0], school=school_a)
    assert client.get(url(), RANGE).json()["findings"]["open"] == 1


def test_staff_changes_to_findings_and_complaints_show_on_the_next_request(
    cache_on, filings, as_user, district_user, district1, school_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        stats_refresh(district_ids=[district1.pk], date_from=DAYS[0], date_to=DAYS[-1])
    client = as_user(district_user)
    body = client.get(url(), RANGE).json()
    assert (body["findings"]["open"], body["complaints"]["received"]) == (0, 0)
    finding = df.finding("HW-5-G36", district1, day=DAYS[1], school=school_a)
    assert client.get(url(), RANGE).json()["findings"]["open"] == 1
    finding_set_status(finding=finding, status="dismissed", actor=district_user, reason="家长会已核实")
    body = client.get(url(), RANGE).json()
    assert (body["findings"]["open"], body["findings"]["dismissed"]) == (0, 1)
    df.complaint(district1, received_on=DAYS[2])
    assert client.get(url(), RANGE).json()["complaints"]["received"] == 1


def test_a_lost_version_never_revives_an_old_entry(cache_on, filings, as_user, district_user, district1):
    stats_refresh(district_ids=[district1.pk], date_from=DAYS[0], date_to=DAYS[-1])
    client = as_user(district_user)
    assert filed(client) == 11
    # a change no receiver hears about, then the version is evicted from the cache: the next version must differ
    # from the one the cached entry was counted under
    HomeworkDayStat.objects.filter(district=district1, date=DAYS[0], grade_band="G79").update(filed=F("filed") - 1)
    cache.delete(VERSION_KEY)
    assert filed(client) == 10
    # the same for the district's own version
    HomeworkDayStat.objects.filter(district=district1, date=DAYS[1], grade_band="G79").update(filed=F("filed") - 1)
    cache.delete(scope_key(district1.pk))
    assert filed(client) == 9


def test_cached_figures_stay_scoped(
    cache_on, filings, as_user, district_user, district2_user, city_user, school_user, district1
):
    stats_refresh(district_ids=None, date_from=DAYS[0], date_to=DAYS[-1])
    assert filed(as_user(city_user)) == 11
    assert filed(as_user(district_user)) == 11  # 110101's figures are now cached for both roles
    # another district's staff and a school's staff are refused the cached 110101 dashboard
    assert as_user(district2_user).get(url(), RANGE).status_code == 404
    assert as_user(school_user).get(url(), RANGE).status_code == 404
    assert (
        as_user(district_user).get(reverse("api:dashboard-school", args=[filings["b4"].school_id]), RANGE).status_code
        == 404
    )
    # and their own dashboard is their own district's figures, not the cached ones
    assert filed(as_user(district2_user), "110102") == 1


def test_the_browsable_api_renders_the_cached_figures(cache_on, filings, as_user, district_user, district1):
    stats_refresh(district_ids=[district1.pk], date_from=DAYS[0], date_to=DAYS[-1])
    client = as_user(district_user)
    assert filed(client) == 11
    page = client.get(url(), RANGE, HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert "&quot;filed&quot;: 11" in page.content.decode() or '"filed": 11' in page.content.decode()


def test_a_cached_dashboard_costs_a_token_caller_one_query_and_stays_scoped(
    cache_on, filings, district_user, district2_user, district1, django_assert_num_queries
):
    from rest_framework.test import APIClient

    from tests.factories import api_token

    def token_client(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
        return client

    stats_refresh(district_ids=None, date_from=DAYS[0], date_to=DAYS[-1])
    own, other = token_client(district_user), token_client(district2_user)
    assert filed(own) == 11
    with django_assert_num_queries(1):  # the token, with the caller's profile and district; then the cache
        assert filed(own) == 11
    assert other.get(url(), RANGE).status_code == 404  # 110101 is cached, and still not theirs
    assert filed(other, "110102") == 1


def test_an_unreachable_cache_neither_fails_a_write_nor_a_dashboard(
    cache_on, filings, as_user, district_user, district1, school_a, settings, monkeypatch
):
    import socket

    from django.core.cache import caches

    from shuangjian.cache import reset_unreachable

    reset_unreachable()
    stats_refresh(district_ids=[district1.pk], date_from=DAYS[0], date_to=DAYS[-1])
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.CACHES = {
        "default": {
            "BACKEND": "shuangjian.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    try:
        caches["default"].get("probe")
    except Exception:  # noqa: BLE001 - it is unreachable, as meant
        pass
    else:
        pytest.skip("the cache answered")
    client = as_user(district_user)
    assert client.get(url(), RANGE).json()["findings"]["open"] == 0
    df.finding("HW-5-G36", district1, day=DAYS[0], school=school_a)  # a counted row saved: the bump must not fail
    assert client.get(url(), RANGE).json()["findings"]["open"] == 1  # counted without the cache


def city_url():
    return reverse("api:dashboard-city")


def test_a_filing_in_one_district_shows_at_once_there_and_in_the_city_while_another_district_stays_a_hit(
    cache_on,
    filings,
    as_user,
    district_user,
    district2_user,
    city_user,
    district1,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    with django_capture_on_commit_callbacks(execute=True):
        stats_refresh(district_ids=None, date_from=DAYS[0], date_to=DAYS[-1])
    city, d1, d2 = as_user(city_user), as_user(district_user), as_user(district2_user)
    city_filed = city.get(city_url(), RANGE).json()["homework"]["filing"]["filed"]
    assert filed(d1) == 11
    other = d2.get(url("110102"), RANGE)
    g4 = filings["g4"]
    HomeworkDay.objects.create(
        school_class=g4,
        school=g4.school,
        date=DAYS[3],
        first_filed_at=df.at(DAYS[3], 19),
        last_filed_at=df.at(DAYS[3], 19),
    )
    with django_capture_on_commit_callbacks(execute=True):
        stats_refresh(district_ids=[district1.pk], date_from=DAYS[3], date_to=DAYS[3])  # what a filing's sweep does
    assert filed(d1) == 12
    assert city.get(city_url(), RANGE).json()["homework"]["filing"]["filed"] == city_filed + 1
    with django_assert_max_num_queries(3):  # 110102's cached entry is still current: nothing recounted
        again = d2.get(url("110102"), RANGE)
    assert again.content == other.content
    assert other["Cache-Status"].endswith("fwd=miss; stored") and again["Cache-Status"].endswith("; hit")


def test_a_complaint_rerouted_to_another_district_shows_in_both_districts_next_request(
    cache_on, as_user, district_user, district2_user, district1, district2
):
    from complaints.services import complaint_reroute

    day = DAYS[1]
    d1, d2 = as_user(district_user), as_user(district2_user)

    def received(client, code):
        return client.get(url(code), RANGE).json()["complaints"]["received"]

    complaint = df.complaint(district1, received_on=day)
    assert (received(d1, "110101"), received(d2, "110102")) == (1, 0)
    complaint_reroute(complaint=complaint, actor=district_user, reason="机构实际在西城区经营", district=district2)
    assert (received(d1, "110101"), received(d2, "110102")) == (0, 1)


def test_a_finding_saved_in_one_district_leaves_the_other_districts_entry_current(
    cache_on, as_user, district_user, district2_user, district1, school_a, django_assert_max_num_queries
):
    d1, d2 = as_user(district_user), as_user(district2_user)
    assert d1.get(url(), RANGE).json()["findings"]["open"] == 0
    other = d2.get(url("110102"), RANGE)
    df.finding("HW-5-G36", district1, day=DAYS[1], school=school_a)
    assert d1.get(url(), RANGE).json()["findings"]["open"] == 1
    with django_assert_max_num_queries(3):
        assert d2.get(url("110102"), RANGE).content == other.content


def test_a_complaint_recounts_only_the_complaints_and_the_answer_is_what_the_cache_off_counts(
    cache_on, filings, as_user, district_user, city_user, district1, settings, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    stats_refresh(district_ids=None, date_from=DAYS[0], date_to=DAYS[-1])
    d1, city = as_user(district_user), as_user(city_user)
    before = d1.get(url(), RANGE).json()
    city_before = city.get(city_url(), RANGE).json()
    df.complaint(district1, received_on=DAYS[1])  # a parent's complaint arrives
    for client, path in ((d1, url()), (city, city_url())):
        with CaptureQueriesContext(connection) as queries:
            answer = client.get(path, RANGE)
        assert answer["Cache-Status"].endswith("fwd=miss; stored")
        figures = [q["sql"] for q in queries.captured_queries if "json_agg" in q["sql"]]
        # one statement, counting the complaints alone: the homework, findings and registry parts stayed current
        assert len(figures) == 1 and "dashboards_homeworkdaystat" not in figures[0]
        assert "complaints_complaint" in figures[0]
        settings.DASHBOARD_CACHE_SECONDS = 0
        assert answer.content == client.get(path, RANGE).content  # byte for byte what counting afresh gives
        settings.DASHBOARD_CACHE_SECONDS = 60
    after, city_after = d1.get(url(), RANGE).json(), city.get(city_url(), RANGE).json()
    assert after["complaints"]["received"] == before["complaints"]["received"] + 1
    assert city_after["complaints"]["received"] == city_before["complaints"]["received"] + 1
    assert city_after["districts"][0]["complaints"]["received"] == 1 and after["homework"] == before["homework"]
    with django_assert_max_num_queries(3):
        assert d1.get(url(), RANGE)["Cache-Status"].endswith("; hit")
