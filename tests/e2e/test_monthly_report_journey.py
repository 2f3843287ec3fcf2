"""The district submits its monthly report (区月报) for November; the city accepts it; the city dashboard marks the
month accepted and publishes its figures with ?final=1; the report sheet prints on A4."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from dashboards.models import MonthlyReport
from dashboards.selectors import month_locked
from dashboards.services import stats_refresh
from tests import factories as f
from tests.dashboards import factories as df

from .test_accessibility import violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NOVEMBER = [dt.date(2026, 11, 9) + dt.timedelta(days=i) for i in range(5)]


@pytest.fixture
def november(school_a, district2):
    g4 = f.SchoolClassFactory(school=school_a, grade=4, name="四年级1班")
    for day in NOVEMBER[:4]:
        df.homework_day(g4, day, items=[("maths", "written", 30, True), ("chinese", "written", 20, True)])
        df.report(school_a, day)
    stats_refresh(district_ids=None, date_from=NOVEMBER[0], date_to=NOVEMBER[-1])
    return g4


def test_district_submits_the_month_and_the_city_accepts_it(
    live_server, open_page, login, shot, november, district_user, city_user
):
    district = open_page("desktop", axe=True)
    login(district, "district1")
    district.get_by_role("link", name="月报", exact=True).click()
    expect(district.get_by_role("heading", name="区月报 · 东城区")).to_be_visible()
    district.get_by_label("月份").fill("2026-11")
    district.get_by_role("button", name="汇总月报").click()
    expect(district.get_by_role("heading", name="东城区“双减”工作月报（2026-11）")).to_be_visible()
    expect(district.locator(".report-cover [data-state]")).to_have_text("草稿")
    assert not violations(district), violations(district)
    shot(district, "monthly-report-draft")
    district.get_by_role("button", name="报送市教委").click()
    expect(district.locator(".report-cover [data-state]")).to_have_text("已报送")
    expect(district.get_by_role("button", name="报送市教委")).to_have_count(0)
    shot(district, "monthly-report-submitted")

    city = open_page("desktop", axe=True)
    login(city, "city")
    city.get_by_role("link", name="月报", exact=True).click()
    expect(city.get_by_role("heading", name="待审核的月报")).to_be_visible()
    assert not violations(city), violations(city)
    shot(city, "monthly-report-city-review-list")
    city.get_by_role("link", name="审核（通过或退回）").click()
    city.get_by_role("button", name="通过", exact=True).click()
    expect(city.locator(".report-cover [data-state]")).to_have_text("已通过")
    report = MonthlyReport.objects.get()
    assert report.state == "accepted" and report.accepted_by == city_user
    assert month_locked(report.district_id, dt.date(2026, 11, 15))
    shot(city, "monthly-report-accepted")

    city.emulate_media(media="print")
    city.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    expect(city.locator(".report-actions")).to_be_hidden()
    expect(city.locator(".site-header nav")).to_be_hidden()
    shot(city, "monthly-report-print-a4")
    city.emulate_media(media="screen")
    city.set_viewport_size({"width": 1366, "height": 900})

    city.goto(f"{live_server.url}/dashboards/city/?date_from=2026-11-01&date_to=2026-11-30")
    cell = city.locator(".report-states .report-grid tr", has_text="东城区").locator("[data-state]")
    expect(cell.first).to_have_text("已通过")
    city.get_by_role("link", name="只看已通过审核的月报数据（正式数据）").click()
    expect(city.get_by_role("status")).to_contain_text("只含已通过审核的 1 个区")
    shot(city, "monthly-report-city-final")

    # the district sees its accepted month
    district.get_by_role("link", name="月报", exact=True).click()
    expect(district.locator("td [data-state='accepted']")).to_have_text("已通过")
