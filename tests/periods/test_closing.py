"""A closed day refuses every write path (bulk API, "no homework" API, day form, upload, after-school API and page,
admin) with an error naming the day and how to ask for a correction, and nothing changes; the check is one query."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEvent
from afterschool.models import DailyReport
from homework.models import HomeworkDay, HomeworkItem
from periods.closing import AFTERSCHOOL, HOMEWORK, closing_for
from tests import clock
from tests import factories as f

from .conftest import AFTER_CLOSE, HEADER, SCHOOL_DAY, item

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        sorted(HomeworkItem.objects.values_list("school_class_id", "subject", "minutes", "content")),
        sorted(HomeworkDay.objects.values_list("school_class_id", "no_homework", "last_filed_at")),
        AuditEvent.objects.count(),
    )


def test_the_bulk_api_answers_409_naming_the_day_and_the_correction_and_changes_nothing(
    closed, as_user, school_user, g4, g8
):
    before = snapshot()
    resp = as_user(school_user).post(
        "/api/v1/homework/", [item(g4, minutes=5), item(g8, subject="maths")], format="json"
    )
    assert resp.status_code == 409
    body = resp.json()
    assert body["code"] == "day_closed"
    message = body["fields"]["row 1"]["date"][0]
    assert "2026-11-10" in message and "2026-11-11 20:00" in message
    assert "更正申请" in message and "/periods/" in message
    assert set(body["fields"]) == {"row 1", "row 2"}
    assert snapshot() == before


def test_no_homework_today_through_the_api_is_refused_on_a_closed_day(closed, as_user, school_user, g4):
    before = snapshot()
    resp = as_user(school_user).post(
        "/api/v1/homework/days/", {"school_class": g4.pk, "date": SCHOOL_DAY.isoformat()}, format="json"
    )
    assert resp.status_code == 409 and resp.json()["code"] == "day_closed"
    assert snapshot() == before


def test_a_bureau_cannot_rewrite_a_closed_day_through_the_api_either(closed, as_user, district_user, g4):
    before = snapshot()
    resp = as_user(district_user).post("/api/v1/homework/", [item(g4, minutes=1)], format="json")
    assert resp.status_code == 409
    assert snapshot() == before


def test_the_day_form_shows_the_refusal_beside_the_date_and_keeps_the_day(closed, school_user, g4):
    browser = Client()
    browser.force_login(school_user)
    before = snapshot()
    data = {
        "school_class": g4.pk,
        "date": SCHOOL_DAY.isoformat(),
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "0",
        "items-0-subject": "maths",
        "items-0-kind": "written",
        "items-0-minutes": "5",
        "items-0-at_home": "on",
    }
    resp = browser.post(reverse("homework:file"), data)
    page = resp.content.decode()
    assert resp.status_code == 200
    assert "2026-11-10 的作业已于 2026-11-11 20:00 截止填报" in page and "更正申请" in page
    assert snapshot() == before
    # the day page says the day is closed and links to the correction form for it
    page = browser.get(reverse("homework:file"), {"school_class": g4.pk, "date": "2026-11-10"}).content.decode()
    assert "该日已关闭" in page and reverse("periods:new") in page


def test_the_upload_names_each_row_of_a_closed_day_and_saves_nothing(closed, school_user, g4):
    browser = Client()
    browser.force_login(school_user)
    today = dt.date(2026, 11, 12)
    csv = (
        HEADER
        + f"{g4.pk},,4,{today.isoformat()},数学,书面,20,是,否,否,否,否,否,今天的\n"
        + f"{g4.pk},,4,2026-11-10,数学,书面,5,是,否,否,否,否,否,改前天的\n"
    ).encode()
    before = snapshot()
    resp = browser.post(
        reverse("homework:upload"), {"file": SimpleUploadedFile("hw.csv", csv, content_type="text/csv")}
    )
    page = resp.content.decode()
    assert "2026-11-10 的作业已于 2026-11-11 20:00 截止填报" in page
    assert '<td class="num">3</td>' in page  # spreadsheet row 3 (after the header)
    assert snapshot() == before  # the good row is not saved either (the file is all or nothing)


def test_the_after_school_api_and_page_refuse_a_closed_day(as_user, school_user, school_a):
    from tests.afterschool.conftest import payload

    with clock.at(AFTER_CLOSE):
        resp = as_user(school_user).post("/api/v1/afterschool/reports/", payload(school_a, SCHOOL_DAY), format="json")
        assert resp.status_code == 409 and resp.json()["code"] == "day_closed"
        assert "2026-11-10 的课后服务日报已于 2026-11-11 23:59 截止填报" in resp.json()["fields"]["date"][0]
        browser = Client()
        browser.force_login(school_user)
        form = {**payload(school_a, SCHOOL_DAY)}
        form.pop("school")
        resp = browser.post(reverse("afterschool:report"), form)
        assert "截止填报" in resp.content.decode()
    assert DailyReport.objects.count() == 0


def test_the_admin_shows_a_closed_days_rows_read_only_and_refuses_a_new_report(closed, school_a, g4):
    admin = f.UserFactory(is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(admin)
    row = HomeworkItem.objects.filter(school_class=g4).first()
    assert (
        browser.post(reverse("admin:homework_homeworkitem_delete", args=[row.pk]), {"post": "yes"}).status_code == 403
    )
    assert HomeworkItem.objects.filter(pk=row.pk).exists()
    resp = browser.post(
        reverse("admin:afterschool_dailyreport_add"),
        {
            "school": school_a.pk,
            "date": SCHOOL_DAY.isoformat(),
            "pe_minutes": 45,
            "stage1_minutes": 15,
            "end_time": "17:30",
            "enrolled": 300,
            "participants": 280,
            "filed_at_0": "2026-11-12",
            "filed_at_1": "09:00:00",
            "first_filed_at_0": "2026-11-12",
            "first_filed_at_1": "09:00:00",
        },
    )
    assert resp.status_code == 200 and "截止填报" in resp.content.decode()
    assert DailyReport.objects.count() == 0


def test_the_closing_check_is_one_query_for_a_whole_request(school_user, school_a, as_user):
    classes = [f.SchoolClassFactory(school=school_a, grade=3 + n % 6) for n in range(30)]
    days = [SCHOOL_DAY - dt.timedelta(days=1), SCHOOL_DAY]  # Monday and Tuesday, both open on Tuesday
    rows = [item(c, day=d, subject=s) for c in classes for d in days for s in ("maths", "chinese", "english")]
    with clock.on_day(SCHOOL_DAY), CaptureQueriesContext(connection) as queries:
        assert as_user(school_user).post("/api/v1/homework/", rows, format="json").status_code == 201
    parameter_reads = [q for q in queries.captured_queries if "compliance_ruleparameter" in q["sql"]]
    assert len(parameter_reads) == 1, parameter_reads
    assert HomeworkItem.objects.count() == 180


def test_closing_reads_the_parameters_in_force_on_the_day():
    from compliance.models import RuleParameter

    RuleParameter.objects.create(key="hw_filing_grace_days", value=3, effective_from=dt.date(2026, 11, 10))
    closing = closing_for(HOMEWORK, [dt.date(2026, 11, 9), SCHOOL_DAY])
    assert clock.local(dt.date(2026, 11, 10), 20) == closing.closes_at(dt.date(2026, 11, 9))
    assert clock.local(dt.date(2026, 11, 13), 20) == closing.closes_at(SCHOOL_DAY)
    after_school = closing_for(AFTERSCHOOL, [SCHOOL_DAY])
    assert after_school.closes_at(SCHOOL_DAY).strftime("%Y-%m-%d %H:%M") == "2026-11-11 23:59"
