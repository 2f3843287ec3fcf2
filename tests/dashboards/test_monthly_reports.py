"""Monthly district reports (区月报): the state machine through the API and the pages, who may do what, frozen
figures, ?final=1 on the city dashboard, the workbook, and month_locked."""

import datetime as dt
from io import BytesIO

import pytest
import time_machine
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AuditEvent
from dashboards import selectors
from dashboards.models import MonthlyReport
from dashboards.services import stats_refresh
from notifications.models import Notification
from tests import factories as f

from . import factories as df
from .conftest import DAYS

pytestmark = pytest.mark.django_db

NOVEMBER = dt.date(2026, 11, 1)
LIST = "/api/v1/dashboards/reports/"


@pytest.fixture(autouse=True)
def _december():
    """Today is 5 December 2026: November is over and may be submitted."""
    with time_machine.travel(dt.datetime(2026, 12, 5, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def refreshed(filings, district1, district2):
    stats_refresh(district_ids=None, date_from=DAYS[0], date_to=DAYS[-1])
    return filings


def login(user):
    c = Client()
    c.force_login(user)
    return c


def freeze(as_user, district_user):
    r = as_user(district_user).post(LIST, {"month": "2026-11"}, format="json")
    assert r.status_code == 201, r.content
    return r.json()


def step(client, pk, name, **body):
    return client.post(f"{LIST}{pk}/{name}/", body, format="json")


# -- the state machine through the API --------------------------------------------------------------------------


def test_district_freezes_submits_and_city_accepts(refreshed, as_user, district_user, city_user):
    report = freeze(as_user, district_user)
    assert report["state"] == "draft" and report["month"] == "2026-11"
    assert report["figures"]["homework"]["filing"]["filed"] > 0
    district, city = as_user(district_user), as_user(city_user)

    r = step(district, report["id"], "submit")
    assert r.status_code == 200 and r.json()["state"] == "submitted"
    assert r.json()["submitted_by"] == district_user.username
    assert Notification.objects.filter(recipient=city_user, kind="month_report_submitted").exists()

    r = step(city, report["id"], "accept")
    assert r.status_code == 200 and r.json()["state"] == "accepted"
    assert r.json()["accepted_by"] == city_user.username
    assert Notification.objects.filter(recipient=district_user, kind="month_report_decided").exists()
    transitions = list(
        AuditEvent.objects.filter(object_type="dashboards.monthlyreport", object_id=str(report["id"]))
        .order_by("pk")
        .values_list("detail__transition", flat=True)
    )
    assert transitions == ["refresh", "submit", "accept"]

    # accepted: locked, no refresh and no second acceptance
    assert step(district, report["id"], "refresh").status_code == 409
    assert step(city, report["id"], "accept").status_code == 409
    assert as_user(district_user).post(LIST, {"month": "2026-11"}, format="json").status_code == 409


def test_return_needs_a_reason_and_gives_a_draft_with_it(refreshed, as_user, district_user, city_user):
    report = freeze(as_user, district_user)
    district, city = as_user(district_user), as_user(city_user)
    step(district, report["id"], "submit")
    r = step(city, report["id"], "return", reason="")
    assert r.status_code == 400 and "reason" in r.json()["fields"]
    assert MonthlyReport.objects.get(pk=report["id"]).state == "submitted"

    r = step(city, report["id"], "return", reason="投诉数与区台账不符")
    assert r.status_code == 200
    assert r.json()["state"] == "draft" and r.json()["returned_reason"] == "投诉数与区台账不符"
    note = Notification.objects.get(recipient=district_user, kind="month_report_decided")
    assert note.body == "投诉数与区台账不符"
    # the district refreshes and submits again
    assert step(district, report["id"], "refresh").status_code == 200
    assert step(district, report["id"], "submit").json()["state"] == "submitted"


def test_reopen_is_the_citys_with_a_reason_and_audited(refreshed, as_user, district_user, city_user):
    report = freeze(as_user, district_user)
    district, city = as_user(district_user), as_user(city_user)
    step(district, report["id"], "submit")
    step(city, report["id"], "accept")
    assert selectors.month_locked(district_user.profile.district_id, dt.date(2026, 11, 20))
    assert step(district, report["id"], "reopen", reason="更正").status_code == 403
    assert step(city, report["id"], "reopen").status_code == 400
    r = step(city, report["id"], "reopen", reason="学校申请更正11月作业")
    assert r.status_code == 200 and r.json()["state"] == "draft" and r.json()["accepted_at"] is None
    assert not selectors.month_locked(district_user.profile.district_id, dt.date(2026, 11, 20))
    event = AuditEvent.objects.filter(detail__transition="reopen").get()
    assert event.actor == city_user and event.detail["reason"] == "学校申请更正11月作业"
    assert event.detail["from"] == "accepted" and event.detail["to"] == "draft"


def test_wrong_order_is_a_conflict(refreshed, as_user, district_user, city_user):
    report = freeze(as_user, district_user)
    city = as_user(city_user)
    assert step(city, report["id"], "accept").status_code == 409
    assert step(city, report["id"], "reopen", reason="x").status_code == 409
    assert step(city, report["id"], "return", reason="x").status_code == 409


def test_the_current_month_is_not_submitted_before_it_ends(refreshed, as_user, district_user):
    r = as_user(district_user).post(LIST, {"month": "2026-12"}, format="json")
    assert r.status_code == 201
    r = step(as_user(district_user), r.json()["id"], "submit")
    assert r.status_code == 409 and r.json()["code"] == "month_not_over"
    assert as_user(district_user).post(LIST, {"month": "2027-01"}, format="json").status_code == 400


def test_one_report_per_district_month_in_the_database(district1):
    MonthlyReport.objects.create(district=district1, month=NOVEMBER, frozen_at=dt.datetime.now(dt.UTC))
    with pytest.raises(IntegrityError):
        MonthlyReport.objects.create(district=district1, month=NOVEMBER, frozen_at=dt.datetime.now(dt.UTC))


def test_month_is_stored_as_its_first_day(district1):
    with pytest.raises(IntegrityError):
        MonthlyReport.objects.create(district=district1, month=dt.date(2026, 11, 2), frozen_at=dt.datetime.now(dt.UTC))


# -- who may do what ---------------------------------------------------------------------------------------------


def test_a_district_cannot_accept_its_own_report(refreshed, as_user, district_user):
    report = freeze(as_user, district_user)
    step(as_user(district_user), report["id"], "submit")
    r = step(as_user(district_user), report["id"], "accept")
    assert r.status_code == 403
    assert MonthlyReport.objects.get(pk=report["id"]).state == "submitted"


def test_the_city_does_not_freeze_or_submit(refreshed, as_user, district_user, city_user):
    assert as_user(city_user).post(LIST, {"month": "2026-11"}, format="json").status_code == 403
    report = freeze(as_user, district_user)
    assert step(as_user(city_user), report["id"], "submit").status_code == 403


def test_another_district_sees_nothing(refreshed, as_user, district_user, district2_user):
    report = freeze(as_user, district_user)
    other = as_user(district2_user)
    assert other.get(LIST).json()["results"] == []
    assert other.get(f"{LIST}{report['id']}/").status_code == 404
    assert step(other, report["id"], "submit").status_code == 404
    assert login(district2_user).get(reverse("dashboards:report", args=[report["id"]])).status_code == 404
    assert login(district2_user).get(reverse("dashboards:report-xlsx", args=[report["id"]])).status_code == 404


def test_a_school_cannot_see_reports(refreshed, as_user, district_user, school_user):
    report = freeze(as_user, district_user)
    assert as_user(school_user).get(LIST).status_code == 403
    assert as_user(school_user).get(f"{LIST}{report['id']}/").status_code == 403
    assert login(school_user).get(reverse("dashboards:reports")).status_code == 403
    assert login(school_user).get(reverse("dashboards:report", args=[report["id"]])).status_code == 403


def test_list_query_count_does_not_grow(refreshed, as_user, district_user, city_user, django_assert_max_num_queries):
    from schools.models import District

    freeze(as_user, district_user)
    for i, code in enumerate(("110102", "110105", "110106")):
        d = District.objects.filter(code=code).first()
        if d:
            MonthlyReport.objects.create(district=d, month=NOVEMBER, frozen_at=dt.datetime.now(dt.UTC))
        MonthlyReport.objects.create(
            district=district_user.profile.district, month=dt.date(2026, i + 1, 1), frozen_at=dt.datetime.now(dt.UTC)
        )
    client = as_user(city_user)
    with django_assert_max_num_queries(6):
        r = client.get(LIST)
    assert r.status_code == 200 and r.json()["count"] >= 4


# -- frozen figures --------------------------------------------------------------------------------------------------


def test_frozen_figures_do_not_change_when_the_data_does(refreshed, as_user, district_user, school_a):
    report = freeze(as_user, district_user)
    before = report["figures"]["homework"]["filing"]
    g2 = f.SchoolClassFactory(school=school_a, grade=2, name="二年级1班")
    df.homework_day(g2, DAYS[3], items=[("maths", "written", 10, False)])
    stats_refresh(district_ids=None, date_from=DAYS[0], date_to=DAYS[-1])
    live = selectors.month_figures(district=school_a.district, month=NOVEMBER, user=district_user)
    assert live["homework"]["filing"]["filed"] == before["filed"] + 1  # the dashboard moved …
    again = as_user(district_user).get(f"{LIST}{report['id']}/").json()
    assert again["figures"]["homework"]["filing"] == before  # … the report did not
    # a refresh of the draft takes the new figures
    refreshed_report = step(as_user(district_user), report["id"], "refresh").json()
    assert refreshed_report["figures"]["homework"]["filing"]["filed"] == before["filed"] + 1


# -- ?final=1 ---------------------------------------------------------------------------------------------------------


def test_final_uses_only_accepted_months_frozen_figures(refreshed, as_user, district_user, district2_user, city_user):
    city = as_user(city_user)
    params = {"date_from": "2026-11-09", "date_to": "2026-11-13"}
    live = city.get("/api/v1/dashboards/city/", params).json()
    assert live["homework"]["filing"]["filed"] > 0 and "final" not in live

    r = city.get("/api/v1/dashboards/city/", {**params, "final": "1"})
    assert r.status_code == 200
    final = r.json()
    assert final["filters"]["date_from"] == "2026-11-01" and final["filters"]["date_to"] == "2026-11-30"
    assert final["districts"] == [] and final["homework"]["filing"]["filed"] == 0
    assert {p["code"] for p in final["final"]["pending"]} >= {"110101", "110102"}

    report = freeze(as_user, district_user)
    step(as_user(district_user), report["id"], "submit")
    # submitted is not yet published
    assert city.get("/api/v1/dashboards/city/", {**params, "final": "1"}).json()["districts"] == []
    step(city, report["id"], "accept")
    final = city.get("/api/v1/dashboards/city/", {**params, "final": "1"}).json()
    assert [d["code"] for d in final["districts"]] == ["110101"]
    frozen = report["figures"]
    assert final["districts"][0]["homework"]["filing"] == frozen["homework"]["filing"]
    assert final["homework"]["filing"] == frozen["homework"]["filing"]
    assert final["complaints"]["received"] == frozen["complaints"]["received"]
    assert final["final"]["accepted"] == 1
    # school B's district 2 filed in November too, but is not accepted: left out of the published figures
    live_month = city.get("/api/v1/dashboards/city/", {"date_from": "2026-11-01", "date_to": "2026-11-30"}).json()
    assert live_month["homework"]["filing"]["filed"] > final["homework"]["filing"]["filed"]

    # later data changes do not move the published figures
    g2 = f.SchoolClassFactory(school=refreshed["g4"].school, grade=2, name="二年级2班")
    df.homework_day(g2, DAYS[2], items=[("maths", "written", 10, False)])
    stats_refresh(district_ids=None, date_from=DAYS[0], date_to=DAYS[-1])
    again = city.get("/api/v1/dashboards/city/", {**params, "final": "1"}).json()
    assert again["homework"]["filing"] == final["homework"]["filing"]

    page = login(city_user).get(reverse("dashboards:city"), {**params, "final": "1"})
    assert page.status_code == 200
    assert "只含已通过审核的 1 个区" in page.content.decode()


def test_city_page_marks_each_district_month(refreshed, as_user, district_user, city_user):
    report = freeze(as_user, district_user)
    step(as_user(district_user), report["id"], "submit")
    html = login(city_user).get(reverse("dashboards:city")).content.decode()
    assert f'href="/dashboards/reports/{report["id"]}/" class="status report-state-submitted"' in html
    assert "2026-11" in html and "未汇总" in html


# -- pages -------------------------------------------------------------------------------------------------------------


def test_pages_district_submits_city_returns_then_accepts(refreshed, district_user, city_user):
    district, city = login(district_user), login(city_user)
    r = district.post(reverse("dashboards:reports"), {"month": "2026-11"})
    report = MonthlyReport.objects.get()
    assert r.status_code == 302 and r.url == reverse("dashboards:report", args=[report.pk])
    url = reverse("dashboards:report", args=[report.pk])
    page = district.get(url).content.decode()
    assert 'value="submit"' in page and 'value="accept"' not in page
    assert district.post(url, {"transition": "submit"}).status_code == 302

    listing = city.get(reverse("dashboards:reports")).content.decode()
    assert "待审核的月报" in listing and url in listing
    page = city.get(url).content.decode()
    assert 'value="accept"' in page and 'value="return"' in page
    r = city.post(url, {"transition": "return", "reason": ""})
    assert r.status_code == 400 and "退回须说明理由" in r.content.decode()
    assert city.post(url, {"transition": "return", "reason": "请核对课后服务数据"}).status_code == 302
    page = district.get(url).content.decode()
    assert "请核对课后服务数据" in page and "草稿" in page
    assert "被退回" in district.get(reverse("dashboards:reports")).content.decode()

    assert district.post(url, {"transition": "submit"}).status_code == 302
    assert district.post(url, {"transition": "accept"}).status_code == 403
    assert city.post(url, {"transition": "accept"}).status_code == 302
    report.refresh_from_db()
    assert report.state == "accepted" and report.accepted_by == city_user
    assert city.post(url, {"transition": "accept"}).status_code == 409


def test_report_page_prints_on_a4(refreshed, as_user, district_user):
    report = freeze(as_user, district_user)
    html = login(district_user).get(reverse("dashboards:report", args=[report["id"]])).content.decode()
    assert 'class="report-sheet"' in html and 'class="report-actions no-print"' in html
    from django.contrib.staticfiles import finders

    css = open(finders.find("css/site.css"), encoding="utf-8").read()
    assert "@page { size: A4" in css and ".report-actions { display: none; }" in css


def test_month_form_keeps_what_was_typed(district_user):
    r = login(district_user).post(reverse("dashboards:reports"), {"month": "2026-13"})
    assert r.status_code == 400
    assert 'value="2026-13"' in r.content.decode()


# -- the workbook ---------------------------------------------------------------------------------------------------


def test_workbook_has_the_cover_and_a_sheet_per_section(refreshed, as_user, district_user, city_user):
    report = freeze(as_user, district_user)
    step(as_user(district_user), report["id"], "submit")
    step(as_user(city_user), report["id"], "accept")
    r = login(city_user).get(reverse("dashboards:report-xlsx", args=[report["id"]]))
    assert r.status_code == 200
    wb = load_workbook(BytesIO(r.content))
    assert wb.sheetnames[0] == "封面"
    assert {"作业", "填报完整及时", "课后服务", "培训机构", "问题线索", "投诉"} <= set(wb.sheetnames)
    cover = {row[0]: row[1] for row in wb["封面"].iter_rows(min_row=2, values_only=True) if row and row[0]}
    assert cover["区"] == district_user.profile.district.name
    assert cover["月份"] == "2026-11" and cover["状态"] == "已通过"
    assert cover["报送人"] == district_user.username and cover["审核通过人"] == city_user.username
    filing = list(wb["填报完整及时"].iter_rows(min_row=2, values_only=True))
    frozen = report["figures"]["homework"]["filing"]
    assert filing[0][:4] == ("作业公示", frozen["expected"], frozen["filed"], frozen["on_time"])
    assert wb["作业"]["A1"].value == "年级段"


# -- month_locked ------------------------------------------------------------------------------------------------


def test_month_locked_and_its_set_based_variant(district1, district2, django_assert_num_queries):
    now = dt.datetime.now(dt.UTC)
    MonthlyReport.objects.create(
        district=district1, month=NOVEMBER, state="accepted", frozen_at=now, submitted_at=now, accepted_at=now
    )
    MonthlyReport.objects.create(district=district2, month=NOVEMBER, state="submitted", frozen_at=now, submitted_at=now)
    assert selectors.month_locked(district1.pk, dt.date(2026, 11, 1))
    assert selectors.month_locked(district1.pk, dt.date(2026, 11, 30))
    assert not selectors.month_locked(district1.pk, dt.date(2026, 12, 1))
    assert not selectors.month_locked(district1.pk, dt.date(2026, 10, 31))
    assert not selectors.month_locked(district2.pk, dt.date(2026, 11, 15))  # submitted is not locked
    pairs = [
        (district1.pk, dt.date(2026, 11, 3)),
        (district1.pk, dt.date(2026, 12, 3)),
        (district2.pk, dt.date(2026, 11, 3)),
        (district1.pk, dt.date(2026, 11, 28)),
    ]
    with django_assert_num_queries(1):
        locked = selectors.months_locked(pairs)
    assert locked == {(district1.pk, dt.date(2026, 11, 3)), (district1.pk, dt.date(2026, 11, 28))}
    assert selectors.months_locked([]) == set()


def test_final_city_workbook_holds_the_published_figures(refreshed, as_user, district_user, city_user):
    report = freeze(as_user, district_user)
    step(as_user(district_user), report["id"], "submit")
    step(as_user(city_user), report["id"], "accept")
    page = login(city_user).get(reverse("dashboards:city"), {"date_to": "2026-11-13", "final": "1"})
    html = page.content.decode()
    assert 'name="final" value="1"' in html  # the filter form keeps the published view
    assert "final=1" in html.split("导出Excel")[0].rsplit("href=", 1)[1]
    r = login(city_user).get(reverse("dashboards:city-xlsx"), {"date_to": "2026-11-13", "final": "1"})
    wb = load_workbook(BytesIO(r.content))
    rows = list(wb["各区对比"].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in rows] == [district_user.profile.district.name]
    filing = list(wb["填报完整及时"].iter_rows(min_row=2, values_only=True))
    assert filing[0][2] == report["figures"]["homework"]["filing"]["filed"]


@pytest.mark.parametrize("month", ["0000-01", "2021-06", "2026-13", "2026-1"])
def test_a_month_outside_the_measures_is_refused(district_user, as_user, month):
    r = as_user(district_user).post(LIST, {"month": month}, format="json")
    assert r.status_code == 400 and "month" in r.json()["fields"]
    assert not MonthlyReport.objects.exists()
