"""The city dashboard as used every day: the period shown in the date inputs, rule titles, the "数据截至" stamp
and the district map (a layout bundled with the site, no CDN)."""

import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from compliance.models import ComplianceRun
from dashboards import selectors
from dashboards.selectors import default_range
from schools.models import District

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_date_inputs_hold_the_period_shown_in_iso(city_user):
    start, end = default_range()
    page = browser(city_user).get("/dashboards/city/").content.decode()
    assert f'name="date_from" value="{start.isoformat()}"' in page
    assert f'name="date_to" value="{end.isoformat()}"' in page
    page = browser(city_user).get("/dashboards/city/?date_from=2026-11-02").content.decode()
    assert 'name="date_to" value="2026-11-29"' in page  # the computed end is shown, not an empty box


def test_the_stamp_shows_the_last_refresh_and_falls_back_to_the_last_run(city_user):
    cache.delete(selectors.REFRESHED_AT_KEY)
    page = browser(city_user).get("/dashboards/city/").content.decode()
    assert "数据尚未汇总" in page
    finished = timezone.make_aware(dt.datetime(2026, 12, 3, 2, 15))
    run = ComplianceRun.objects.create(date_from=dt.date(2026, 12, 2), date_to=dt.date(2026, 12, 2))
    ComplianceRun.objects.filter(pk=run.pk).update(finished_at=finished)
    page = browser(city_user).get("/dashboards/city/").content.decode()
    assert "数据截至 2026-12-03 02:15" in page


def test_the_findings_chart_is_given_rule_titles():
    from dashboards.views import _finding_links

    filters = selectors.Filters(date_from=dt.date(2026, 11, 1), date_to=dt.date(2026, 11, 28))
    data = {"findings": {"by_rule": [{"rule_id": "HW-4-PUBLISH"}, {"rule_id": "XX-UNKNOWN"}]}}
    _finding_links(data, filters)
    known, unknown = data["findings"]["by_rule"]
    assert known["title"] and known["title"] != "HW-4-PUBLISH" and not known["title"].isascii()
    assert unknown["title"] == "XX-UNKNOWN"
    assert "title || r.rule_id" in (ROOT / "static/js/dashboards.js").read_text()


def test_the_city_map_uses_the_bundled_layout_of_the_sixteen_districts(city_user):
    page = browser(city_user).get("/dashboards/city/").content.decode()
    assert 'data-geojson="/static/geo/beijing-districts.json"' in page
    assert "//cdn" not in page and "https://" not in page.split("<footer")[0].split("<body")[1]
    geo = json.loads((ROOT / "static/geo/beijing-districts.json").read_text())
    names = {feature["properties"]["name"] for feature in geo["features"]}
    assert names == set(District.objects.values_list("name", flat=True))
    assert len(names) == 16
