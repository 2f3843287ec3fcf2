"""A finished sweep reaches the dashboards by itself: its filings and findings show on the next request."""

import pytest
from django.urls import reverse

from compliance.models import ComplianceRun
from compliance.services import run_start
from dashboards.services import stats_refresh

from . import factories as df
from .conftest import DAYS

pytestmark = pytest.mark.django_db

RANGE = {"date_from": DAYS[0].isoformat(), "date_to": DAYS[-1].isoformat()}


@pytest.mark.parametrize("cache_seconds", [60, 0])
def test_after_a_sweep_finishes_the_dashboard_shows_its_findings_and_filings(
    cache_seconds, settings, filings, as_user, district_user, district1, django_capture_on_commit_callbacks
):
    settings.DASHBOARD_CACHE_SECONDS = cache_seconds
    with django_capture_on_commit_callbacks(execute=True):
        stats_refresh(district_ids=[district1.pk], date_from=DAYS[0], date_to=DAYS[-1])
    client = as_user(district_user)
    url = reverse("api:dashboard-district", args=["110101"])
    before = client.get(url, RANGE).json()
    assert before["homework"]["filing"]["filed"] == 11 and before["findings"]["open"] == 0
    # grade 4 files Thursday late, 65 minutes of written homework (over the limit of 60)
    df.homework_day(filings["g4"], DAYS[3], items=[("maths", "written", 40, True), ("chinese", "written", 25, True)])
    with django_capture_on_commit_callbacks(execute=True):
        run = run_start(date_from=DAYS[0], date_to=DAYS[-1], district_codes=["110101"], rule_ids=["HW-5-G36"])
    run.refresh_from_db()
    assert run.state == "done"
    after = client.get(url, RANGE).json()
    assert after["homework"]["filing"]["filed"] == 12
    g36 = next(b for b in after["homework"]["bands"] if b["grade_band"] == "G36")
    assert (g36["filed"], g36["within_limit"]) == (5, 3)  # Tuesday and Thursday over the limit
    assert after["findings"]["open"] == 2
    assert [(r["rule_id"], r["open"]) for r in after["findings"]["by_rule"]] == [("HW-5-G36", 2)]
    assert ComplianceRun.objects.count() == 1  # no other run was needed
