"""The dashboards' rectification section: notices issued / on time / overdue / in progress, per district."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from compliance import services
from dashboards import excel
from tests import factories as f
from tests.beat import local
from tests.compliance.test_rectification import ISSUED, _finding

pytestmark = pytest.mark.django_db

DEADLINE = dt.date(2026, 10, 12)  # five working days after Tuesday 2026-09-29, the National Day week skipped
RANGE = {"date_from": "2026-09-01", "date_to": "2026-09-30"}


def _at(day: dt.date, hour: int = 10):
    return time_machine.travel(local(day, hour), tick=False)


def _issue(user, school):
    cls = f.SchoolClassFactory(school=school, grade=1)
    finding = _finding("HW-5-G12", cls, ISSUED - dt.timedelta(days=1))
    (notice,) = services.notices_issue(actor=user, finding_ids=[finding.pk], required_action="停止布置书面作业")
    assert notice.deadline == DEADLINE
    return notice


@pytest.fixture
def notices(district1, district2, school_a, school_b, district_user, district2_user, school_user):
    """District 1: school A answers by the deadline, school C never; district 2: school B never."""
    school_c = f.SchoolFactory(district=district1, name="东城区测试小学C")
    with _at(ISSUED):
        a = _issue(district_user, school_a)
        _issue(district_user, school_c)
        _issue(district2_user, school_b)
    with _at(DEADLINE, 16):
        services.report_submit(actor=school_user, notice=a, text="已停止布置书面作业，附家长会记录")
    return a


def city(client):
    r = client.get(reverse("api:dashboard-city"), RANGE)
    assert r.status_code == 200, r.content
    body = r.json()
    return body["rectification"], {d["code"]: d["rectification"] for d in body["districts"]}


def test_on_the_deadline_every_notice_is_still_in_progress(notices, as_user, city_user):
    with _at(DEADLINE, 18):
        total, per = city(as_user(city_user))
    assert total == {"issued": 3, "on_time": 0, "overdue": 0, "in_progress": 3, "on_time_rate": None}
    assert (per["110101"]["in_progress"], per["110102"]["in_progress"]) == (2, 1)


def test_a_report_answered_in_time_and_accepted_after_the_deadline_counts_on_time_the_silent_ones_overdue(
    notices, as_user, city_user, district_user, settings
):
    settings.DASHBOARD_CACHE_SECONDS = 60  # the acceptance must show on the next request, cache or not
    client = as_user(city_user)
    with _at(DEADLINE + dt.timedelta(days=1)):
        total, _per = city(client)
        # school A's report, submitted on the deadline, awaits review: the bureau's time, not overdue
        assert (total["on_time"], total["overdue"], total["in_progress"]) == (0, 2, 1)
        services.report_review(actor=district_user, notice=notices, decision="accepted")
        total, per = city(client)
    assert total == {"issued": 3, "on_time": 1, "overdue": 2, "in_progress": 0, "on_time_rate": 0.3333}
    assert per["110101"] == {"issued": 2, "on_time": 1, "overdue": 1, "in_progress": 0, "on_time_rate": 0.5}
    assert per["110102"] == {"issued": 1, "on_time": 0, "overdue": 1, "in_progress": 0, "on_time_rate": 0.0}


def test_a_district_sees_only_its_own_notices_and_the_page_and_workbook_show_them(
    notices, as_user, client, district_user
):
    with _at(DEADLINE + dt.timedelta(days=1)):
        r = as_user(district_user).get(reverse("api:dashboard-district", args=["110101"]), RANGE)
        assert r.json()["rectification"]["issued"] == 2
        client.force_login(district_user)
        page = client.get("/dashboards/districts/110101/", RANGE).content.decode()
        assert "整改通知" in page and "按期整改率" in page
        data = r.json()
    rows = list(load_workbook(io.BytesIO(excel.dashboard_workbook(data)))["整改通知"].iter_rows(values_only=True))
    assert rows[0][:5] == ("范围", "下发", "按期整改销号", "逾期", "整改中")
    # school A answered on the deadline and awaits review: not overdue; school C never answered
    assert rows[1][:5] == ("合计", 2, 0, 1, 1)
