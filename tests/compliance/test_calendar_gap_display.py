"""A run that met a calendar gap says so, with the year, on its page and in the API; city staff get the link to
the page where they enter the year, everyone else is told who enters it."""

import datetime as dt

import pytest
from django.test import Client

from compliance.models import ComplianceRun

pytestmark = pytest.mark.django_db

RUNS = "/api/v1/compliance/runs/"
ENTER_2027 = "/calendar/statutory-years/?year=2027"
NIGHT = dt.date(2027, 1, 5)


def gap(district, year=2027, rule=""):
    return {
        "rule": rule,
        "district": district,
        "error": f"{year} 年的法定节假日和调休安排尚未录入：请市教委在“校历 › 法定节假日年度”中录入后再试。",
        "code": "calendar_gap",
        "year": year,
    }


FAILED_PART = {"rule": "HW-5-G36", "district": "110101", "error": "数据库连接中断"}


def run_with(errors, *, scope_district=None, codes=("110101", "110102")):
    return ComplianceRun.objects.create(
        trigger="schedule",
        date_from=dt.date(2027, 1, 4),
        date_to=dt.date(2027, 1, 4),
        district_codes=list(codes),
        scope_district=scope_district,
        state="failed",
        errors=errors,
    )


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_run_page_names_the_year_and_districts_and_links_city_staff_to_the_calendar(city_user):
    run = run_with([gap("110101"), gap("110102"), gap("110101", year=2028, rule="TI-13-HOLIDAY"), FAILED_PART])
    html = browser(city_user).get(f"/compliance/runs/{run.pk}/").content.decode()
    block = html.split('id="calendar-gaps"')[1].split("</section>")[0]
    assert "2027 年的法定节假日和调休安排尚未录入：东城区、西城区 2027 年的日期没有检查。" in block
    assert "2028 年的法定节假日和调休安排尚未录入：东城区 2028 年的日期没有检查。" in block
    assert f'href="{ENTER_2027}#enter"' in block and "录入 2027 年的节假日安排" in block
    assert 'href="/calendar/statutory-years/?year=2028#enter"' in block
    # the other errors are listed as before, and the gaps are not listed twice
    errors = html.split('data-field="errors">')[1].split("</ul>")[0]
    assert "HW-5-G36 东城区: 数据库连接中断" in errors
    assert "尚未录入" not in errors


def test_a_gap_in_every_district_says_so(city_user):
    from schools.models import District

    codes = list(District.objects.values_list("code", flat=True))
    run = run_with([gap(code) for code in codes], codes=codes)
    html = browser(city_user).get(f"/compliance/runs/{run.pk}/").content.decode()
    assert "2027 年的法定节假日和调休安排尚未录入：全市各区 2027 年的日期都没有检查。" in html


def test_district_staff_are_told_the_city_bureau_enters_the_year(district_user, district1):
    run = run_with([gap("110101")], scope_district=district1, codes=["110101"])
    html = browser(district_user).get(f"/compliance/runs/{run.pk}/").content.decode()
    block = html.split('id="calendar-gaps"')[1].split("</section>")[0]
    assert "2027 年的法定节假日和调休安排尚未录入：东城区 2027 年的日期没有检查。" in block
    assert "须由市教委在“校历 › 法定节假日年度”中录入该年度后，这些日期才能检查。" in block
    assert "/calendar/statutory-years/" not in block


def test_a_run_without_a_gap_has_no_gap_block(city_user):
    run = run_with([FAILED_PART])
    html = browser(city_user).get(f"/compliance/runs/{run.pk}/").content.decode()
    assert 'id="calendar-gaps"' not in html and "数据库连接中断" in html


def test_the_run_list_marks_runs_with_a_gap(city_user):
    with_gap = run_with([gap("110101"), gap("110102")])
    without = run_with([FAILED_PART])
    html = browser(city_user).get("/compliance/runs/").content.decode()
    rows = {pk: html.split(f">#{pk}</a>")[1].split("</tr>")[0] for pk in (with_gap.pk, without.pk)}
    assert "缺 2027 年日历" in rows[with_gap.pk]
    assert "日历" not in rows[without.pk]


def test_the_api_gives_the_gaps_with_their_year(
    as_user, city_user, district_user, district1, django_assert_max_num_queries
):
    run = run_with([gap("110102"), gap("110101"), gap("110101", year=2028, rule="TI-13-HOLIDAY"), FAILED_PART])
    body = as_user(city_user).get(f"{RUNS}{run.pk}/").json()
    assert body["calendar_gaps"] == [
        {"year": 2027, "districts": ["110101", "110102"], "enter_url": ENTER_2027},
        {"year": 2028, "districts": ["110101"], "enter_url": "/calendar/statutory-years/?year=2028"},
    ]
    assert len(body["errors"]) == 4  # the errors themselves are unchanged
    assert as_user(city_user).get(f"{RUNS}{run_with([FAILED_PART]).pk}/").json()["calendar_gaps"] == []
    # reading the gaps costs no query: the list stays within the count the list endpoint is held to
    run_with([gap("110101")], scope_district=district1, codes=["110101"])
    run_with([gap("110101", year=2029)], scope_district=district1, codes=["110101"])
    with django_assert_max_num_queries(5):
        listed = as_user(district_user).get(RUNS).json()
    assert [r["calendar_gaps"][0]["year"] for r in listed["results"]] == [2029, 2027]


def test_the_schema_describes_the_gaps(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    run = schema["components"]["schemas"]["Run"]
    assert run["properties"]["calendar_gaps"]["readOnly"] is True
    gap_schema = schema["components"]["schemas"]["RunCalendarGap"]
    assert set(gap_schema["properties"]) == {"year", "districts", "enter_url"}
    assert gap_schema["properties"]["year"]["type"] == "integer"
