"""The chart script draws every chart of a page from the page's own data (run under Node with a stub ECharts)."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from dashboards.services import stats_refresh

from . import factories as df
from .conftest import DAYS
from .test_pages import page_data

pytestmark = [pytest.mark.django_db, pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js")]

HARNESS = Path(__file__).with_name("charts_harness.js")
SCRIPT = Path(settings.BASE_DIR) / "static" / "js" / "dashboards.js"


def drawn(data: dict, tmp_path) -> dict:
    path = tmp_path / "data.json"
    path.write_text(json.dumps(data))
    out = subprocess.run(["node", str(HARNESS), str(path), str(SCRIPT)], capture_output=True, text=True, check=True)
    return {name: (series, points) for name, series, points in json.loads(out.stdout)}


def test_district_and_city_pages_draw_their_charts(filings, city_user, district1, school_a, tmp_path):
    stats_refresh(district_ids=None, date_from=DAYS[0], date_to=DAYS[-1])
    df.finding("HW-5-G36", district1, day=DAYS[0], school=school_a)
    client = Client()
    client.force_login(city_user)
    query = {"date_from": DAYS[0].isoformat(), "date_to": DAYS[-1].isoformat()}
    charts = drawn(page_data(client.get(reverse("dashboards:district", args=["110101"]), query)), tmp_path)
    assert charts["homework-bands"] == (3, [3, 3, 3])
    assert charts["homework-weeks"] == (3, [1, 1, 1])  # three bands filed, one week
    assert charts["findings-rules"] == (3, [1, 1, 1])
    assert "districts" not in charts
    charts = drawn(page_data(client.get(reverse("dashboards:city"), query)), tmp_path)
    assert charts["districts"] == (4, [16, 16, 16, 16])
