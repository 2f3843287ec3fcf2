"""A city officer enters next year's statutory holidays from the header's “校历” link."""

import pytest
from playwright.sync_api import expect

from schools.models import StatutoryYear

from .test_accessibility import violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_city_officer_enters_a_statutory_year(live_server, open_page, login, shot, city_user):
    page = open_page("desktop", axe=True)
    login(page, "city")
    page.get_by_role("link", name="校历", exact=True).click()
    expect(page.get_by_role("heading", name="法定节假日年度", exact=True)).to_be_visible()
    page.get_by_label("年份").fill("2090")
    page.get_by_label("依据").fill("国务院办公厅关于2090年部分节假日安排的通知")
    page.get_by_label("法定节假日", exact=True).fill("2090-01-01 元旦\n2090-02-30 春节")
    page.get_by_label("调休上班日").fill("2090-01-02")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("第 2 行：“2090-02-30”不是有效日期")).to_be_visible()
    expect(page.get_by_label("法定节假日", exact=True)).to_have_value("2090-01-01 元旦\n2090-02-30 春节")
    assert not violations(page), violations(page)
    shot(page, "calendar-statutory-year-errors")
    page.get_by_label("法定节假日", exact=True).fill("2090-01-01 元旦\n2090-01-25~2090-01-31 春节")
    page.get_by_label("调休上班日").fill("2090-01-21")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("2090 年的节假日安排已录入")).to_be_visible()
    assert StatutoryYear.objects.get(year=2090).days.count() == 9
    shot(page, "calendar-statutory-years")
