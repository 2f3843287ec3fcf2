import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from institutions.imports import SESSION_COLUMNS
from institutions.models import Course, Institution, ListStatusChange, Session
from tests import factories as f

from .factories import CourseFactory, SiteFactory

pytestmark = pytest.mark.django_db


def login(user):
    client = Client()
    client.force_login(user)
    return client


def test_list_is_scoped_searchable_and_filtered(district_user, district1, district2):
    mine = f.InstitutionFactory(district=district1, name="东城启航培训学校", category="subject")
    f.InstitutionFactory(district=district1, name="东城舞蹈中心", category="non_subject", domain="arts")
    f.InstitutionFactory(district=district2, name="西城启航培训学校")
    client = login(district_user)
    html = client.get("/institutions/", {"q": "启航"}).content.decode()
    assert mine.name in html and "西城启航培训学校" not in html
    html = client.get("/institutions/", {"category": "non_subject"}).content.decode()
    assert "东城舞蹈中心" in html and mine.name not in html
    html = client.get("/institutions/", {"q": mine.credit_code[:12]}).content.decode()
    assert mine.name in html


def test_other_districts_institution_page_is_404(district2_user, institution):
    client = login(district2_user)
    assert client.get(f"/institutions/{institution.pk}/").status_code == 404
    assert client.get(f"/institutions/{institution.pk}/edit/").status_code == 404
    assert client.get(f"/institutions/{institution.pk}/list-status/").status_code == 404


def test_school_staff_and_anonymous_are_kept_out(school_user):
    assert login(school_user).get("/institutions/").status_code == 403
    assert Client().get("/institutions/").status_code == 302


def test_create_form_keeps_input_on_error(district_user):
    client = login(district_user)
    code = f.credit_code(880)
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    resp = client.post(
        "/institutions/new/",
        {
            "name": "保留输入培训学校",
            "credit_code": wrong,
            "district": district_user.profile.district_id,
            "category": "non_subject",
            "domain": "arts",
            "audience": ["compulsory"],
            "mode": "offline",
            "licence_status": "valid",
        },
    )
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "保留输入培训学校" in html and "校验位" in html
    assert not Institution.objects.exists()
    resp = client.post(
        "/institutions/new/",
        {
            "name": "保留输入培训学校",
            "credit_code": code.lower(),
            "district": district_user.profile.district_id,
            "category": "non_subject",
            "domain": "arts",
            "audience": ["compulsory"],
            "mode": "offline",
            "licence_status": "valid",
        },
    )
    assert resp.status_code == 302
    assert Institution.objects.get().credit_code == code


def test_list_status_change_page_records_who_and_why(district_user, institution):
    client = login(district_user)
    resp = client.post(
        f"/institutions/{institution.pk}/list-status/", {"status": "black", "effective_on": "2026-11-03", "reason": ""}
    )
    assert resp.status_code == 200 and not ListStatusChange.objects.exists()
    resp = client.post(
        f"/institutions/{institution.pk}/list-status/",
        {"status": "black", "effective_on": "2026-11-03", "reason": "查实无证开展学科培训"},
    )
    assert resp.status_code == 302
    change = ListStatusChange.objects.get()
    assert (change.actor, change.reason, str(change.effective_on)) == (
        district_user,
        "查实无证开展学科培训",
        "2026-11-03",
    )
    assert "查实无证开展学科培训" in client.get(f"/institutions/{institution.pk}/").content.decode()


def test_schedule_import_page_shows_bad_rows_and_saves_nothing(institution_user, institution):
    course = CourseFactory(institution=institution)
    site = SiteFactory(institution=institution)
    header = ",".join(c.label for c in SESSION_COLUMNS)
    csv = (
        f"{header}\n{course.pk},{site.pk},2026-11-14 09:00,2026-11-14 09:45,线下\n"
        f"{course.pk},{site.pk},2026-11-14 10:00,2026-11-14 09:00,线下\n"
    ).encode("utf-8-sig")
    upload = io.BytesIO(csv)
    upload.name = "schedule.csv"
    resp = login(institution_user).post("/institutions/schedule-import/", {"file": upload})
    assert resp.status_code == 400
    html = resp.content.decode()
    assert "结束时间须晚于开始时间" in html and '<td class="num">3</td>' in html
    assert '<td data-field="ends_at">结束时间</td>' in html  # the column as the spreadsheet's header names it
    assert Session.objects.count() == 0
    assert "<td>班次</td><td>class_group</td>" in html  # the optional column is explained


def test_export_downloads_the_scoped_registry(district_user, district1, district2):
    mine = f.InstitutionFactory(district=district1)
    other = f.InstitutionFactory(district=district2)
    resp = login(district_user).get("/institutions/export/")
    assert resp.status_code == 200 and "spreadsheetml" in resp["Content-Type"]
    codes = [row[0] for row in load_workbook(io.BytesIO(resp.content)).active.iter_rows(min_row=2, values_only=True)]
    assert codes == [mine.credit_code] and other.credit_code not in codes


def test_templates_download(district_user, institution_user):
    assert login(district_user).get("/institutions/import/template.xlsx").status_code == 200
    assert login(institution_user).get("/institutions/schedule-import/template.xlsx").status_code == 200
    assert login(institution_user).get("/institutions/import/template.xlsx").status_code == 403


def test_institution_user_page_and_own_records(institution_user, institution, district1):
    other = f.InstitutionFactory(district=district1)
    client = login(institution_user)
    assert institution.name in client.get("/institutions/mine/").content.decode()
    assert client.get(f"/institutions/{other.pk}/").status_code == 404
    assert client.get(f"/institutions/{other.pk}/courses/new/").status_code == 404
    resp = client.post(
        f"/institutions/{institution.pk}/courses/new/",
        {
            "name": "少儿围棋",
            "subject": "practice",
            "content_grade": 2,
            "min_grade": 1,
            "max_grade": 3,
            "mode": "offline",
            "class_size": 10,
            "lesson_minutes": 60,
            "price_per_lesson": "80.00",
            "disclosed": "on",
        },
    )
    assert resp.status_code == 302, resp.content.decode()[:2000]
    assert Course.objects.get().institution == institution
    assert client.get(f"/institutions/{institution.pk}/edit/").status_code == 403
    assert client.get(f"/institutions/{institution.pk}/sites/new/").status_code == 403


def test_detail_page_query_count_is_fixed(district_user, institution, django_assert_max_num_queries):
    for _ in range(3):
        course = CourseFactory(institution=institution)
        SiteFactory(institution=institution)
        Session.objects.create(
            course=course,
            site=institution.sites.first(),
            starts_at="2026-11-14T09:00+08:00",
            ends_at="2026-11-14T10:00+08:00",
            mode="offline",
        )
    client = login(district_user)
    with django_assert_max_num_queries(20):
        assert client.get(f"/institutions/{institution.pk}/").status_code == 200


def test_list_page_query_count_is_fixed(district_user, district1, django_assert_max_num_queries):
    for _ in range(8):
        f.InstitutionFactory(district=district1)
    client = login(district_user)
    with django_assert_max_num_queries(9):  # 8, and the header's unread-notification count
        assert client.get("/institutions/", {"sort": "-updated"}).status_code == 200


def test_session_form_checks_times_and_keeps_input(institution_user, institution):
    course = CourseFactory(institution=institution)
    site = SiteFactory(institution=institution)
    client = login(institution_user)
    data = {
        "course": course.pk,
        "site": site.pk,
        "starts_at": "2026-11-16T18:00",
        "ends_at": "2026-11-16T17:00",
        "mode": "offline",
    }
    resp = client.post(f"/institutions/{institution.pk}/sessions/new/", data)
    assert resp.status_code == 200 and "结束时间须晚于开始时间" in resp.content.decode()
    assert 'value="2026-11-16T18:00"' in resp.content.decode()
    assert not Session.objects.exists()
    data["ends_at"] = "2026-11-16T19:30"
    assert client.post(f"/institutions/{institution.pk}/sessions/new/", data).status_code == 302
    assert Session.objects.get().site == site


def test_sessions_record_their_class_group_and_the_page_shows_it(institution_user, institution):
    course = CourseFactory(institution=institution, name="五年级数学")
    site = SiteFactory(institution=institution)
    client = login(institution_user)
    form = client.get(f"/institutions/{institution.pk}/sessions/new/").content.decode()
    assert 'name="class_group"' in form and "班次" in form
    data = {
        "course": course.pk,
        "class_group": "周二晚班",
        "site": site.pk,
        "starts_at": "2026-11-17T18:00",
        "ends_at": "2026-11-17T19:00",
        "mode": "offline",
    }
    assert client.post(f"/institutions/{institution.pk}/sessions/new/", data).status_code == 302
    assert Session.objects.get().class_group == "周二晚班"
    html = client.get("/institutions/mine/").content.decode()
    assert "<th>班次</th>" in html and "<td>周二晚班</td>" in html
