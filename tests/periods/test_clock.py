"""On a simulated clock: a day is open until its deadline plus grace and closed one minute after, for homework and
after-school reports; a make-up working day closes like any school day; a holiday is no school day at all."""

import datetime as dt

import pytest

from afterschool.models import DailyReport
from homework.models import HomeworkItem
from tests import clock
from tests.afterschool.conftest import payload

from .conftest import SCHOOL_DAY, item

pytestmark = pytest.mark.django_db

MAKEUP_SATURDAY = dt.date(2026, 10, 10)  # 调休上班日 after National Day: a school day
HOLIDAY = dt.date(2026, 10, 5)  # National Day holiday (a Monday)


def post_homework(client, school_class, day, minutes):
    return client.post("/api/v1/homework/", [item(school_class, day=day, minutes=minutes)], format="json")


@pytest.mark.parametrize("day", [SCHOOL_DAY, MAKEUP_SATURDAY], ids=["tuesday", "makeup-saturday"])
def test_homework_is_open_until_20_00_the_day_after_and_closed_a_minute_later(as_user, school_user, g4, day):
    client = as_user(school_user)
    with clock.at(clock.local(day + dt.timedelta(days=1), 20, 0), tick=False):
        assert post_homework(client, g4, day, 20).status_code == 201
    with clock.at(clock.local(day + dt.timedelta(days=1), 20, 1), tick=False):
        resp = post_homework(client, g4, day, 5)
    assert resp.status_code == 409 and resp.json()["code"] == "day_closed"
    assert list(HomeworkItem.objects.values_list("minutes", flat=True)) == [20]


@pytest.mark.parametrize("day", [SCHOOL_DAY, MAKEUP_SATURDAY], ids=["tuesday", "makeup-saturday"])
def test_an_after_school_report_is_open_until_the_end_of_the_day_after(as_user, school_user, school_a, day):
    client = as_user(school_user)
    url = "/api/v1/afterschool/reports/"
    with clock.at(clock.local(day + dt.timedelta(days=1), 23, 59), tick=False):
        assert client.post(url, payload(school_a, day, participants=200), format="json").status_code == 201
    with clock.at(clock.local(day + dt.timedelta(days=2), 0, 1), tick=False):
        resp = client.post(url, payload(school_a, day, participants=100), format="json")
    assert resp.status_code == 409
    assert DailyReport.objects.get().participants == 200


def test_a_holiday_is_refused_as_the_calendar_says_open_or_not(as_user, school_user, g4, school_a):
    client = as_user(school_user)
    for moment in (clock.local(HOLIDAY, 12), clock.local(HOLIDAY + dt.timedelta(days=3), 12)):
        with clock.at(moment, tick=False):
            resp = post_homework(client, g4, HOLIDAY, 20)
            assert resp.status_code == 400, resp.json()  # not a school day: nothing to file, nothing to close
            assert "法定节假日" in resp.json()["fields"]["row 1"]["date"][0]
            report = client.post("/api/v1/afterschool/reports/", payload(school_a, HOLIDAY), format="json")
            assert report.status_code == 400 and "不是上学日" in report.json()["fields"]["date"][0]
    assert HomeworkItem.objects.count() == 0 and DailyReport.objects.count() == 0


def test_the_day_page_says_until_when_the_day_is_open(school_user, g4):
    from django.test import Client
    from django.urls import reverse

    browser = Client()
    browser.force_login(school_user)
    with clock.at(clock.local(SCHOOL_DAY, 12)):
        page = browser.get(reverse("homework:file"), {"school_class": g4.pk, "date": "2026-11-10"}).content.decode()
    assert "2026-11-10 的作业可填报至 2026-11-11 20:00" in page
