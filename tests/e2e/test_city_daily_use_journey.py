"""A city officer's daily tools: a rule parameter's new value from a date (a past date needs a confirmation that
re-checks the days), next year's statutory holidays, the month grid of the calendar and the city map."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from compliance.models import ComplianceRun, RuleParameter
from schools.models import StatutoryYear

from .test_accessibility import violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_city_officer_sets_a_parameter_enters_a_year_and_reads_the_calendar_and_map(
    live_server, open_page, login, shot, city_user
):
    page = open_page("desktop", axe=True)
    login(page, "city")
    page.get_by_role("link", name="规则参数").first.click()
    expect(page.get_by_role("heading", name="规则参数", exact=True)).to_be_visible()
    assert not violations(page), violations(page)
    page.get_by_role("link", name="3–6年级书面作业平均时长上限（分钟）").click()

    # a date already past is refused until the officer confirms the re-check
    past = timezone.localdate() - dt.timedelta(days=3)
    page.get_by_label("新取值").fill("50")
    page.get_by_label("生效日期", exact=True).fill(past.isoformat())
    page.get_by_label("依据").fill("京教基〔2026〕9号 第三条")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("请勾选确认").first).to_be_visible()
    expect(page.get_by_label("新取值")).to_have_value("50")
    assert not RuleParameter.objects.filter(key="hw_max_minutes_g36", value=50).exists()
    assert not violations(page), violations(page)
    page.get_by_label("确认：生效日期早于今天").check()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已发起合规检查")).to_be_visible()
    assert RuleParameter.objects.get(key="hw_max_minutes_g36", effective_from=past).value == 50
    assert ComplianceRun.objects.filter(trigger="change").exists()
    expect(page.get_by_role("cell", name="现行")).to_be_visible()
    shot(page, "city-parameter")

    # next year's statutory holidays, on the existing page
    page.goto(live_server.url + "/calendar/statutory-years/?year=2090")
    page.get_by_label("依据").fill("国务院办公厅关于2090年部分节假日安排的通知")
    page.get_by_label("法定节假日", exact=True).fill("2090-01-01 元旦\n2090-01-25~2090-01-31 春节")
    page.get_by_label("调休上班日").fill("2090-01-21")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("2090 年的节假日安排已录入")).to_be_visible()
    assert StatutoryYear.objects.filter(year=2090).exists()

    # the month grid shows the year just entered, from the calendar service
    page.get_by_role("link", name="月历").first.click()
    page.get_by_label("月份").fill("2090-01")
    page.get_by_role("button", name="查看").click()
    expect(page.locator('[data-date="2090-01-25"]')).to_have_attribute("data-kind", "statutory_holiday")
    expect(page.locator('[data-date="2090-01-21"]')).to_have_attribute("data-kind", "makeup")
    assert not violations(page), violations(page)
    page.goto(live_server.url + "/calendar/month/?month=2026-10")
    expect(page.locator('[data-date="2026-10-01"]')).to_have_attribute("data-kind", "statutory_holiday")
    shot(page, "city-calendar-month")
    for url in ("/calendar/terms/", "/calendar/vacations/", "/calendar/overrides/", "/audit/"):
        page.goto(live_server.url + url)
        assert not violations(page), (url, violations(page))

    # the city dashboard: the dates shown, the stamp, the district map
    page.goto(live_server.url + "/dashboards/city/")
    expect(page.locator('input[name="date_from"]')).not_to_have_value("")
    expect(page.locator(".as-of")).to_be_visible()
    expect(page.locator('[data-chart="district-map"] svg')).to_be_visible()
    expect(page.locator('[data-chart="district-map"]').get_by_text("海淀区")).to_be_visible()
    shot(page, "city-dashboard-map")
