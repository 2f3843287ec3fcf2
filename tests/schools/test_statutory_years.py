"""City staff enter a statutory year (法定节假日年度) on their own page, and the calendar stops having a gap for it."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent
from compliance.models import ComplianceRun
from schools import selectors, services
from schools.calendar import CalendarGap, SchoolCalendar
from schools.models import StatutoryDay, StatutoryYear
from shuangjian.errors import ServiceError

pytestmark = pytest.mark.django_db

URL = "/calendar/statutory-years/"
SHANGHAI = ZoneInfo("Asia/Shanghai")
SOURCE = "国务院办公厅关于2027年部分节假日安排的通知"
HOLIDAYS_2027 = "2027-01-01 元旦\n2027-02-11~2027-02-17 春节\n2027-10-01～2027-10-07 国庆节"
MAKEUP_2027 = "2027-02-07\n2027-02-20 春节调休\n2027-10-09"


def on(day: dt.date):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, 9, tzinfo=SHANGHAI), tick=False)


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post_2027(user, *, client=None, **changes):
    data = {"year": 2027, "source": SOURCE, "holidays": HOLIDAYS_2027, "makeup_days": MAKEUP_2027, **changes}
    return (client or browser(user)).post(URL, data)


def test_the_url_is_named_and_linked_from_the_header(city_user):
    assert reverse("schools:statutory-years") == URL
    page = browser(city_user).get(reverse("home")).content.decode()
    assert f'href="{URL}"' in page


def test_only_city_staff_may_open_or_post_the_page(district_user, school_user, institution_user, city_user):
    anonymous = Client().get(URL)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    for user in (district_user, school_user, institution_user):
        assert browser(user).get(URL).status_code == 403
        assert post_2027(user).status_code == 403
    assert not StatutoryYear.objects.exists()
    assert browser(city_user).get(URL).status_code == 200


def test_the_page_lists_the_years_the_calendar_knows_and_offers_the_missing_one(city_user):
    StatutoryYear.objects.create(year=2029, source="某通知")
    with on(dt.date(2026, 12, 4)):
        page = browser(city_user).get(URL).content.decode()
    assert "日历已知至 2026-12-31" in page
    assert "chinese_calendar 软件包" in page and "2004" in page  # the package's years, oldest included
    assert "某通知" in page and "市教委录入" in page
    assert 'name="year" value="2027"' in page  # the first year the calendar does not know


def test_a_bad_line_is_named_and_what_was_typed_is_kept(city_user):
    holidays = "2027-01-01 元旦\n2027-13-01 春节\n\n2028-01-01 元旦\n2027-02-11~2027-02-09 春节\n2027-01-01 元旦"
    makeup = "2027-02-08\n2027-01-01\n2027-02-07"
    response = post_2027(city_user, holidays=holidays, makeup_days=makeup)
    assert response.status_code == 400
    page = response.content.decode()
    assert "第 2 行：“2027-13-01”不是有效日期" in page
    assert "第 4 行：2028-01-01 不在 2027 年内" in page  # blank lines counted, as the user sees them
    assert "第 5 行：结束日期 2027-02-09 早于开始日期 2027-02-11" in page
    assert "第 6 行：2027-01-01 已在第 1 行列出" in page
    assert "第 1 行：2027-02-08 是星期一，调休上班日应是周六或周日" in page
    assert "第 2 行：2027-01-01 已在节假日第 1 行列为节假日，不能同时是调休上班日" in page
    # what was typed is shown again, as typed
    assert "2027-13-01 春节\n\n2028-01-01 元旦" in page
    assert "2027-02-08\n2027-01-01\n2027-02-07" in page
    assert SOURCE in page
    assert not StatutoryYear.objects.exists()
    assert not AuditEvent.objects.filter(object_type="schools.statutoryyear").exists()


def test_an_unreadable_line_and_a_missing_name_are_explained(city_user):
    page = post_2027(city_user, holidays="元旦 2027-01-01\n2027-05-01", makeup_days="2027-02-06~2027-02-07").content
    page = page.decode()
    assert "第 1 行：“元旦 2027-01-01”无法识别，请写成“2027-01-01 元旦”" in page
    assert "第 2 行：请在日期后写上节日名称" in page
    assert "第 1 行：“2027-02-06~2027-02-07”无法识别，请每行写一个日期" in page


def test_a_saved_year_closes_the_gap(city_user):
    with pytest.raises(CalendarGap):
        SchoolCalendar().day(dt.date(2027, 3, 3))
    client = browser(city_user)
    with on(dt.date(2026, 12, 4)):
        response = post_2027(city_user, client=client)
        assert response.status_code == 302 and response["Location"] == URL
        assert "2027 年的节假日安排已录入" in client.get(URL).content.decode()
        assert selectors.calendar_known_until() == dt.date(2027, 12, 31)
    calendar = SchoolCalendar()
    assert calendar.day(dt.date(2027, 3, 3)).is_school_day
    assert calendar.day(dt.date(2027, 1, 1)).holiday_name == "元旦"
    assert all(calendar.day(dt.date(2027, 2, d)).statutory_holiday for d in range(11, 18))
    assert (
        calendar.day(dt.date(2027, 10, 7)).statutory_holiday
        and not calendar.day(dt.date(2027, 10, 8)).statutory_holiday
    )
    assert calendar.day(dt.date(2027, 2, 20)).makeup_workday and calendar.day(dt.date(2027, 2, 20)).is_workday
    assert calendar.day(dt.date(2027, 2, 27)).is_rest_day
    year = StatutoryYear.objects.get(year=2027)
    assert year.source == SOURCE and year.days.count() == 1 + 7 + 7 + 3
    event = AuditEvent.objects.get(object_type="schools.statutoryyear")
    assert event.action == "create" and event.actor == city_user
    assert "2027-02-11 春节" in event.detail["holidays"]
    assert not ComplianceRun.objects.exists()  # entered ahead: no day of 2027 is past, nothing to re-check


def test_editing_a_year_replaces_its_days_and_shows_them_as_typed(city_user):
    with on(dt.date(2026, 12, 4)):
        post_2027(city_user)
        form = browser(city_user).get(URL + "?year=2027").content.decode()
        assert "修改 2027 年的节假日安排" in form
        assert "2027-02-11~2027-02-17 春节" in form and "2027-02-20 春节调休" in form
        response = post_2027(city_user, holidays="2027-01-01 元旦\n2027-02-12~2027-02-18 春节", makeup_days="")
    assert response.status_code == 302
    calendar = SchoolCalendar()
    assert not calendar.day(dt.date(2027, 2, 11)).statutory_holiday
    assert calendar.day(dt.date(2027, 2, 18)).statutory_holiday
    assert not calendar.day(dt.date(2027, 2, 20)).makeup_workday
    assert not StatutoryDay.objects.filter(kind="makeup").exists()
    update = AuditEvent.objects.filter(object_type="schools.statutoryyear").latest("id")
    assert update.action == "update" and update.detail["replaced"] == {
        "source": SOURCE,
        "holidays": 15,
        "makeup_days": 3,
    }


def test_a_year_entered_late_has_its_past_days_checked(city_user):
    with on(dt.date(2027, 1, 6)):
        response = post_2027(city_user)
    assert response.status_code == 302
    run = ComplianceRun.objects.get()
    assert (run.date_from, run.date_to, run.trigger) == (dt.date(2027, 1, 1), dt.date(2027, 1, 5), "change")
    assert run.started_by == city_user


def test_the_service_refuses_anyone_but_city_staff(district_user):
    with pytest.raises(ServiceError) as err:
        services.statutory_year_save(user=district_user, year=2027, source=SOURCE, holidays=HOLIDAYS_2027)
    assert err.value.code == "permission_denied"
    assert not StatutoryYear.objects.exists()


def test_a_year_needs_a_holiday_and_a_source(city_user):
    with pytest.raises(ServiceError) as err:
        services.statutory_year_save(user=city_user, year=2027, source=SOURCE, holidays="\n \n")
    assert "请至少录入一个节假日" in err.value.fields["holidays"][0]
    with pytest.raises(ServiceError) as err:
        services.statutory_year_save(user=city_user, year=2027, source=" ", holidays=HOLIDAYS_2027)
    assert "source" in err.value.fields


# --- how far the calendar reaches -------------------------------------------------------------------------


def test_known_until_is_the_end_of_the_last_year_without_a_gap():
    assert selectors.calendar_known_until(today=dt.date(2026, 12, 4)) == dt.date(2026, 12, 31)
    StatutoryYear.objects.create(year=2029, source="x")  # a later year does not bridge the gap of 2027
    assert selectors.calendar_known_until(today=dt.date(2026, 12, 4)) == dt.date(2026, 12, 31)
    StatutoryYear.objects.create(year=2027, source="x")
    assert selectors.calendar_known_until(today=dt.date(2026, 12, 4)) == dt.date(2027, 12, 31)
    StatutoryYear.objects.create(year=2028, source="x")
    assert selectors.calendar_known_until(today=dt.date(2026, 12, 4)) == dt.date(2029, 12, 31)


def test_known_until_has_passed_when_the_current_year_is_unknown():
    assert selectors.calendar_known_until(today=dt.date(2027, 1, 5)) == dt.date(2026, 12, 31)
    warning = selectors.calendar_expiry_warning(today=dt.date(2027, 1, 5))
    assert warning == {"known_until": dt.date(2026, 12, 31), "year": 2027, "days_left": -5, "expired": True}


@pytest.mark.parametrize(
    ("today", "warned"),
    [
        (dt.date(2026, 10, 1), False),  # 91 days left
        (dt.date(2026, 10, 31), False),  # 61 days left
        (dt.date(2026, 11, 1), True),  # 60 days left: the first day of the warning
        (dt.date(2026, 12, 4), True),
        (dt.date(2026, 12, 31), True),  # the last known day
    ],
)
def test_the_warning_starts_60_days_before_the_calendar_runs_out(today, warned):
    warning = selectors.calendar_expiry_warning(today=today)
    assert (warning is not None) is warned
    if warned:
        assert warning["year"] == 2027 and warning["known_until"] == dt.date(2026, 12, 31)
