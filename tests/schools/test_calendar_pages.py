"""City staff keep the school calendar's terms, vacations and district overrides on pages, and read a month as a
grid drawn from the calendar service the rules use."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from accounts.models import AuditEvent
from compliance.models import ComplianceRun
from schools.calendar import SchoolCalendar
from schools.models import Term, Vacation

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
PAGES = ("/calendar/terms/", "/calendar/vacations/", "/calendar/overrides/", "/calendar/month/")


def on(day: dt.date):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, 9, tzinfo=SHANGHAI), tick=False)


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_only_city_staff_open_the_calendar_pages(city_user, district_user, school_user, institution_user):
    for url in PAGES:
        assert Client().get(url).status_code == 302
        for user in (district_user, school_user, institution_user):
            assert browser(user).get(url).status_code == 403
        assert browser(city_user).get(url).status_code == 200


def test_a_district_override_of_the_summer_vacation_is_added_audited_listed_and_rechecked(
    city_user, district1, district2
):
    with on(dt.date(2026, 12, 4)):
        response = browser(city_user).post(
            "/calendar/vacations/",
            {
                "academic_year": 2025,
                "kind": "summer",
                "district": district1.pk,
                "starts_on": "2026-07-01",
                "ends_on": "2026-08-31",
            },
        )
    assert response.status_code == 302
    row = Vacation.objects.get(district=district1, academic_year=2025, kind="summer")
    event = AuditEvent.objects.get(action="create", object_id=str(row.pk))
    assert event.detail["changes"]["starts_on"] == {"from": None, "to": "2026-07-01"}
    page = browser(city_user).get("/calendar/overrides/").content.decode()
    assert district1.name in page and "2026-07-01" in page
    # the calendar the rules ask follows the override in that district only, and the past days are checked again
    assert SchoolCalendar(district1).day(dt.date(2026, 7, 1)).is_vacation
    assert not SchoolCalendar(district2).day(dt.date(2026, 7, 1)).is_vacation
    run = ComplianceRun.objects.get()
    assert run.district_codes == [district1.code] and run.date_from == dt.date(2026, 7, 1)


def test_editing_a_vacation_over_past_days_rechecks_them(city_user):
    city = Vacation.objects.filter(district__isnull=True).order_by("-starts_on").first()
    assert city is not None
    with on(city.ends_on + dt.timedelta(days=10)):
        response = browser(city_user).post(
            f"/calendar/vacations/{city.pk}/",
            {
                "academic_year": city.academic_year,
                "kind": city.kind,
                "district": "",
                "starts_on": city.starts_on.isoformat(),
                "ends_on": (city.ends_on - dt.timedelta(days=3)).isoformat(),
            },
        )
    assert response.status_code == 302
    run = ComplianceRun.objects.get()
    assert run.trigger == "change" and run.date_to == city.ends_on
    event = AuditEvent.objects.get(action="update", object_id=str(city.pk))
    assert event.detail["changes"]["ends_on"]["to"] == (city.ends_on - dt.timedelta(days=3)).isoformat()


def test_a_term_ending_before_it_starts_is_refused_and_what_was_typed_kept(city_user):
    response = browser(city_user).post(
        "/calendar/terms/",
        {"academic_year": 2031, "name": "autumn", "district": "", "starts_on": "2031-09-01", "ends_on": "2031-08-01"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "结束日期不能早于开始日期" in page and 'value="2031-09-01"' in page
    assert not Term.objects.filter(academic_year=2031).exists()


def test_a_second_city_term_of_the_same_year_is_a_conflict(city_user):
    data = {"academic_year": 2031, "name": "autumn", "district": "", "starts_on": "2031-09-01", "ends_on": "2032-01-20"}
    assert browser(city_user).post("/calendar/terms/", data).status_code == 302
    response = browser(city_user).post("/calendar/terms/", data)
    assert response.status_code == 400 and "已有一条" in response.content.decode()
    assert Term.objects.filter(academic_year=2031).count() == 1


def test_the_month_grid_shows_each_day_as_the_calendar_service_sees_it(city_user):
    page = browser(city_user).get("/calendar/month/?month=2026-10").content.decode()
    calendar = SchoolCalendar()
    assert 'data-date="2026-10-01" data-kind="statutory_holiday"' in page  # 国庆节
    assert (
        'data-date="2026-10-10" data-kind="makeup"' in page or calendar.day(dt.date(2026, 10, 10)).kind != "school_day"
    )
    for day in (dt.date(2026, 10, 12), dt.date(2026, 10, 17)):
        info = calendar.day(day)
        kind = "makeup" if info.makeup_workday and info.kind == "school_day" else info.kind
        assert f'data-date="{day.isoformat()}" data-kind="{kind}"' in page
    assert "国庆节" in page


def test_the_month_grid_shows_a_district_vacation_and_names_a_gap_year(city_user, district1):
    Vacation.objects.create(
        academic_year=2026,
        kind="winter",
        district=district1,
        starts_on=dt.date(2027, 1, 4),
        ends_on=dt.date(2027, 2, 28),
    )
    response = browser(city_user).get(f"/calendar/month/?month=2030-01&district={district1.code}")
    assert response.status_code == 409 and "2030" in response.content.decode()
