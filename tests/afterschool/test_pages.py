"""The school's pages: the daily report form and the term's programme."""

import datetime as dt

import pytest
from django.urls import reverse

from afterschool.models import Activity, DailyReport, Programme
from tests import clock
from tests import factories as f

from .conftest import MONDAY, NATIONAL_DAY


@pytest.fixture(autouse=True)
def _day_open():
    """The reports here are filed on the school day itself, while it is open (``periods.closing``)."""
    with clock.on_day(MONDAY):
        yield


pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_the_autumn_term(monkeypatch):
    """The programme page edits the current term's programme: fix "today" inside the 2026 autumn term."""
    from afterschool import selectors

    monkeypatch.setattr(selectors, "today", lambda: dt.date(2026, 11, 20))


def _form(day=MONDAY, **overrides):
    data = {
        "date": day.isoformat(),
        "pe_minutes": "45",
        "stage1_minutes": "20",
        "end_time": "17:45",
        "enrolled": "300",
        "participants": "290",
        "extended_care": "on",
    }
    data.update(overrides)
    return data


def test_school_files_the_daily_report_from_the_page(client, school_user, school_a):
    client.force_login(school_user)
    url = reverse("afterschool:report")
    assert client.get(url).status_code == 200
    resp = client.post(url, _form())
    assert resp.status_code == 302
    report = DailyReport.objects.get()
    assert report.school == school_a and report.end_time == dt.time(17, 45)
    assert report.extended_care is True and report.compulsory is False


def test_report_page_keeps_the_input_and_names_the_field_on_error(client, school_user):
    client.force_login(school_user)
    resp = client.post(reverse("afterschool:report"), _form(participants="301"))
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "参加人数（301）不能多于报名人数（300）" in html
    assert 'value="301"' in html and 'value="17:45"' in html
    assert resp.context["form"].errors["participants"]
    assert not DailyReport.objects.exists()


def test_report_page_refuses_a_holiday_and_negative_minutes(client, school_user):
    client.force_login(school_user)
    resp = client.post(reverse("afterschool:report"), _form(NATIONAL_DAY, pe_minutes="-5"))
    errors = resp.context["form"].errors
    assert "不是上学日" in errors["date"][0] and errors["pe_minutes"]


def test_report_page_is_for_school_staff(client, district_user):
    client.force_login(district_user)
    assert client.get(reverse("afterschool:report")).status_code == 403


def test_school_edits_its_programme_and_activities(client, school_user, school_a, institution):
    client.force_login(school_user)
    url = reverse("afterschool:programme")
    page = client.get(url)
    assert page.status_code == 200 and page.context["term"] is not None
    # an activity cannot be added before the programme exists
    resp = client.post(url, {"action": "activity", "name": "篮球", "kind": "pe", "provider_kind": "school_teacher"})
    assert resp.status_code == 200 and resp.context["activity_form"].non_field_errors()
    assert client.post(url, {"action": "programme", "extended_care": "on", "note": "周一至周五"}).status_code == 302
    programme = Programme.objects.get(school=school_a)
    assert programme.extended_care and programme.term == page.context["term"]
    resp = client.post(url, {"action": "activity", "name": "科学", "kind": "science", "provider_kind": "institution"})
    assert resp.status_code == 200 and resp.context["activity_form"].errors["institution"]
    resp = client.post(
        url,
        {
            "action": "activity",
            "name": "科学",
            "kind": "science",
            "provider_kind": "institution",
            "institution": institution.pk,
        },
    )
    assert resp.status_code == 302
    activity = Activity.objects.get(programme=programme)
    assert activity.institution == institution
    assert client.post(url, {"action": "delete", "activity": activity.pk}).status_code == 302
    assert not Activity.objects.exists()


def test_school_cannot_delete_another_schools_activity(client, school_user, school_b, autumn_2026):
    other = Activity.objects.create(
        programme=Programme.objects.create(school=school_b, term=autumn_2026),
        name="足球",
        kind="pe",
        provider_kind="volunteer",
    )
    client.force_login(school_user)
    assert client.post(reverse("afterschool:programme"), {"action": "delete", "activity": other.pk}).status_code == 404
    assert Activity.objects.filter(pk=other.pk).exists()


def test_primary_school_page_refuses_evening_self_study(client, school_a):
    primary = f.SchoolFactory(district=school_a.district, stage="primary")
    user = f.user_with_role("school", username="primary-page", school=primary, district=primary.district)
    client.force_login(user)
    resp = client.post(reverse("afterschool:programme"), {"action": "programme", "evening_self_study": "on"})
    assert resp.status_code == 200 and resp.context["programme_form"].errors["evening_self_study"]
    assert not Programme.objects.exists()


def test_programme_page_edits_the_districts_own_term(client, school_user, school_a, autumn_2026):
    from schools.models import Term

    own = Term.objects.create(
        academic_year=2026,
        name="autumn",
        district=school_a.district,
        starts_on=dt.date(2026, 8, 31),
        ends_on=autumn_2026.ends_on,
    )
    client.force_login(school_user)
    url = reverse("afterschool:programme")
    assert client.post(url, {"action": "programme", "extended_care": "on"}).status_code == 302
    assert Programme.objects.get().term == own


def test_programme_page_between_terms_says_so(client, school_user, monkeypatch):
    from afterschool import selectors

    monkeypatch.setattr(selectors, "today", lambda: dt.date(2026, 7, 20))  # summer vacation, no term
    client.force_login(school_user)
    resp = client.get(reverse("afterschool:programme"))
    assert resp.status_code == 200 and resp.context["term"] is None
    assert "不在任何学期内" in resp.content.decode()


def test_refiling_from_the_page_replaces_the_days_report(client, school_user):
    client.force_login(school_user)
    url = reverse("afterschool:report")
    client.post(url, _form(end_time="17:00"))
    client.post(url, _form(end_time="18:00", compulsory="on"))
    report = DailyReport.objects.get()
    assert report.end_time == dt.time(18, 0) and report.compulsory is True


def test_report_page_warns_about_the_school_days_without_a_report(client, school_user, school_a, monkeypatch):
    from django.utils import timezone

    from .conftest import make_report

    thursday = dt.date(2026, 11, 12)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: thursday)
    make_report(school_a, dt.date(2026, 11, 9))
    make_report(school_a, dt.date(2026, 11, 11))
    make_report(school_a, dt.date(2026, 11, 8))  # a Sunday: listed, not a missing day of course
    client.force_login(school_user)
    resp = client.get(reverse("afterschool:report"))
    html = resp.content.decode()
    missing = resp.context["missing"]
    assert dt.date(2026, 11, 10) in missing and dt.date(2026, 11, 6) in missing
    assert not {dt.date(2026, 11, 9), dt.date(2026, 11, 11), thursday, dt.date(2026, 11, 8)} & set(missing)
    assert not {dt.date(2026, 11, 7), dt.date(2026, 11, 1)} & set(missing)  # weekends expect nothing
    assert 'id="missing-days"' in html and '<a href="?date=2026-11-10">11-10</a>' in html
    assert "今日待填报" in html and "（非上学日）" in html
    # the "补填" link opens the form on that day
    html = client.get(reverse("afterschool:report") + "?date=2026-11-10").content.decode()
    assert 'type="date" name="date" value="2026-11-10"' in html


def test_report_page_has_no_warning_when_every_school_day_is_filed(client, school_user, school_a, monkeypatch):
    from django.utils import timezone

    from afterschool.selectors import recent_days

    from .conftest import make_report

    thursday = dt.date(2026, 11, 12)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: thursday)
    for row in recent_days(school=school_a, on=thursday)["rows"]:
        make_report(school_a, row["date"])
    client.force_login(school_user)
    resp = client.get(reverse("afterschool:report"))
    assert resp.context["missing"] == [] and 'id="missing-days"' not in resp.content.decode()
