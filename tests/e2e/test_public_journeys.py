"""Journeys 5 and 6: a parent looks an institution up; a city officer switches the language."""

import pytest

from tests import factories as f

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_parent_looks_up_an_institution_by_credit_code(live_server, phone, shot):
    inst = f.InstitutionFactory(name="启明星学科培训学校", licence_status="valid", list_status="white")
    phone.goto(f"{live_server.url}/lookup/")
    phone.get_by_role("searchbox").fill(inst.credit_code)
    phone.get_by_role("button", name="查询").click()
    # one match: the look-up goes straight to the institution's card
    phone.get_by_role("heading", name="启明星学科培训学校").wait_for()
    body = phone.locator("main").inner_text()
    assert "有效" in body  # licence status
    assert "白名单" in body  # list status
    shot(phone, "05-lookup-phone")


def test_city_officer_switches_to_english_and_back(live_server, desktop, login, shot, city_user):
    login(desktop, "city")
    assert desktop.locator("html").get_attribute("lang") == "zh-CN"
    desktop.get_by_role("button", name="English").click()
    desktop.wait_for_load_state()
    assert desktop.locator("html").get_attribute("lang") == "en"
    shot(desktop, "06-city-english")
    desktop.get_by_role("button", name="中文").click()
    desktop.wait_for_load_state()
    assert desktop.locator("html").get_attribute("lang") == "zh-CN"
    assert "市教委工作台" in desktop.locator("main").inner_text()
