"""The dashboard pages and their Excel exports: scoped, drawn from the same figures, and opening in Excel."""

import json
from io import BytesIO

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from dashboards.services import stats_refresh

from . import factories as df
from .conftest import DAYS

pytestmark = pytest.mark.django_db

RANGE = {"date_from": DAYS[0].isoformat(), "date_to": DAYS[-1].isoformat()}


def login(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def refreshed(filings, district1, district2):
    stats_refresh(district_ids=None, date_from=DAYS[0], date_to=DAYS[-1])
    return filings


def page_data(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="dashboard-data" type="application/json">') + len(
        '<script id="dashboard-data" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


def test_home_sends_each_role_to_its_dashboard(city_user, district_user, school_user, institution_user):
    assert login(city_user).get(reverse("dashboards:district-home")).url == reverse("dashboards:city")
    assert login(district_user).get(reverse("dashboards:district-home")).url == reverse(
        "dashboards:district", args=["110101"]
    )
    assert login(school_user).get(reverse("dashboards:district-home")).url == reverse(
        "dashboards:school", args=[school_user.profile.school_id]
    )
    assert login(institution_user).get(reverse("dashboards:district-home")).status_code == 403


def test_district_page_draws_the_api_figures_with_drill_downs(refreshed, district_user, district1, as_user, school_a):
    df.finding("HW-5-G36", district1, day=DAYS[1], school=school_a)
    r = login(district_user).get(reverse("dashboards:district", args=["110101"]), RANGE)
    assert r.status_code == 200
    html = r.content.decode()
    api = as_user(district_user).get(reverse("api:dashboard-district", args=["110101"]), RANGE).json()
    data = page_data(r)
    assert data["homework"] == api["homework"] and data["afterschool"] == api["afterschool"]
    assert "static/vendor/echarts/echarts.min.js" in html and "js/dashboards.js" in html
    assert "onclick" not in html and "<script>" not in html  # no inline code under the CSP
    # drill-down to the school and from the rule to its findings
    assert reverse("dashboards:school", args=[school_a.pk]) in html
    assert f"{reverse('compliance:findings')}?rule=HW-5-G36&amp;district={district1.pk}" in html
    assert "73.3%" in html  # homework completeness 11 / 15


def test_pages_are_scoped(district_user, school_user, school_b, city_user):
    assert login(district_user).get(reverse("dashboards:district", args=["110102"])).status_code == 404
    assert login(district_user).get(reverse("dashboards:city")).status_code == 403
    assert login(school_user).get(reverse("dashboards:school", args=[school_b.pk])).status_code == 404
    assert login(school_user).get(reverse("dashboards:district-xlsx", args=["110101"])).status_code == 404
    assert login(city_user).get(reverse("dashboards:district", args=["110102"])).status_code == 200
    assert Client().get(reverse("dashboards:city")).status_code == 302  # to the login page


def test_city_page_has_districts_side_by_side(refreshed, city_user):
    r = login(city_user).get(reverse("dashboards:city"), RANGE)
    assert r.status_code == 200
    data = page_data(r)
    assert len(data["districts"]) == 16
    assert reverse("dashboards:district", args=["110108"]) in r.content.decode()


def test_invalid_filters_show_errors_and_fall_back(district_user):
    r = login(district_user).get(
        reverse("dashboards:district", args=["110101"]), {"date_from": "2026-11-20", "date_to": "2026-11-01"}
    )
    assert r.status_code == 200
    assert "结束日期不能早于开始日期" in r.content.decode()


def sheet_rows(content: bytes, title: str) -> list[tuple]:
    wb = load_workbook(BytesIO(content))
    return list(wb[title].iter_rows(values_only=True))


def test_district_excel_holds_the_same_numbers(refreshed, district_user, as_user):
    r = login(district_user).get(reverse("dashboards:district-xlsx", args=["110101"]), RANGE)
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    api = as_user(district_user).get(reverse("api:dashboard-district", args=["110101"]), RANGE).json()
    rows = sheet_rows(r.content, "作业")
    g36 = next(b for b in api["homework"]["bands"] if b["grade_band"] == "G36")
    row = next(x for x in rows if x[0] == "3–6年级")
    assert list(row[1:]) == [
        g36["expected"],
        g36["filed"],
        g36["on_time"],
        g36["completeness"],
        g36["timeliness"],
        g36["within_limit"],
        g36["within_limit_share"],
        g36["avg_minutes"],
        g36["p90_minutes"],
    ]
    filing = sheet_rows(r.content, "填报完整及时")
    assert filing[1][1:4] == (15, 11, 10) and filing[2][1:4] == (5, 4, 3)
    schools = sheet_rows(r.content, "各校")
    assert len(schools) == 2 and schools[1][2:5] == (15, 11, 10)


def test_city_excel_has_a_row_per_district(refreshed, city_user):
    r = login(city_user).get(reverse("dashboards:city-xlsx"), RANGE)
    rows = sheet_rows(r.content, "各区对比")
    assert len(rows) == 17
    xicheng = next(x for x in rows if x[0] == "西城区")
    assert xicheng[1] == 0.2  # one filed class-day out of five


def test_findings_export_uses_the_findings_page_filters_and_scope(district_user, district1, district2, school_a):
    df.finding("HW-5-G36", district1, day=DAYS[0], school=school_a)
    df.finding("HW-4-PUBLISH", district1, day=DAYS[1], school=school_a)
    df.finding("HW-5-G36", district2, day=DAYS[0])
    c = login(district_user)
    rows = sheet_rows(c.get(reverse("dashboards:findings-xlsx")).content, "问题线索")
    assert len(rows) == 3 and {r[4] for r in rows[1:]} == {"东城区"}
    rows = sheet_rows(c.get(reverse("dashboards:findings-xlsx"), {"rule": "HW-5-G36"}).content, "问题线索")
    assert [r[1] for r in rows[1:]] == ["HW-5-G36"]
    # another district's id is not a choice for this user
    assert c.get(reverse("dashboards:findings-xlsx"), {"district": district2.pk}).status_code == 404
