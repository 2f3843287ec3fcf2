"""City staff are warned on their landing page (and the city dashboard) before the holiday calendar runs out.

The calendar runs out at the end of the last year it knows without a gap (``calendar_known_until``). From 60 days
before that day, and after it, the warning names the day and the year to enter, and links to the page where city
staff enter it. More than 60 days ahead, or once the next year is entered, nothing is shown.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from schools.models import StatutoryDay, StatutoryYear

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
WARNING = "法定节假日日历将于 2026-12-31 到期：请录入 2027 年的节假日和调休安排"
ENTER_LINK = 'href="/calendar/statutory-years/?year=2027#enter"'


def on(day: dt.date):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, 9, tzinfo=SHANGHAI), tick=False)


def page(user, name="home", language=None) -> str:
    client = Client()
    client.force_login(user)
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    response = client.get(reverse(name), **headers)
    assert response.status_code == 200
    return response.content.decode()


def enter_2027():
    year = StatutoryYear.objects.create(year=2027, source="国务院办公厅关于2027年部分节假日安排的通知")
    StatutoryDay.objects.create(year=year, date=dt.date(2027, 1, 1), kind="holiday", name="元旦")


def test_the_landing_page_warns_when_the_next_year_is_missing(city_user):
    with on(dt.date(2026, 12, 4)):
        home = page(city_user)
        dashboard = page(city_user, "dashboards:city")
    for html in (home, dashboard):
        assert WARNING in html
        assert ENTER_LINK in html


def test_no_warning_once_the_next_year_is_entered(city_user):
    enter_2027()
    with on(dt.date(2026, 12, 4)):
        assert "法定节假日日历" not in page(city_user)
        assert "法定节假日日历" not in page(city_user, "dashboards:city")


@pytest.mark.parametrize(
    ("today", "warned"),
    [(dt.date(2026, 10, 1), False), (dt.date(2026, 10, 31), False), (dt.date(2026, 11, 1), True)],
)
def test_the_warning_starts_60_days_ahead(city_user, today, warned):
    with on(today):
        assert (WARNING in page(city_user)) is warned


def test_once_past_the_warning_says_the_calendar_has_run_out(city_user):
    with on(dt.date(2027, 1, 5)):
        html = page(city_user)
    assert "法定节假日日历已于 2026-12-31 到期：请录入 2027 年的节假日和调休安排" in html
    assert ENTER_LINK in html


def test_the_warning_in_english(city_user):
    with on(dt.date(2026, 12, 4)):
        html = page(city_user, language="en")
    assert (
        "The statutory holiday calendar runs out on 2026-12-31: please enter the holidays and make-up working days of 2027"
        in html
    )


def test_other_roles_are_not_warned(district_user, school_user):
    with on(dt.date(2026, 12, 4)):
        for user in (district_user, school_user):
            html = page(user)
            assert "法定节假日日历" not in html
            assert "/calendar/statutory-years/" not in html
