"""Every write the audit trail must show, done the way a user does it (page, API, admin), leaves one event
with who, what, which object, which district and the outcome; a write that is rolled back leaves none."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import AuditEvent
from complaints.models import Complaint
from complaints.services import complaint_submit, complaint_transition, complaints_purge_personal_data
from compliance.models import Finding, RuleParameter
from compliance.services import finding_create_case
from institutions.imports import REGISTRY_COLUMNS
from institutions.models import Institution
from shuangjian.errors import ConflictError
from tests import factories as f

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


@pytest.fixture(autouse=True)
def _unthrottled():
    cache.clear()  # the per-address complaint limit
    yield
    cache.clear()


def page(client, user):
    client.force_login(user)
    return client


def event(action, obj, **extra):
    """The one event of ``action`` on ``obj``."""
    return AuditEvent.objects.get(action=action, object_type=obj._meta.label_lower, object_id=str(obj.pk), **extra)


def assert_who_what_where(e, *, actor, district, label=None):
    assert e.actor == actor
    assert e.actor_label == (label if label is not None else actor.get_username())
    assert e.district_id == getattr(district, "pk", district)
    assert e.outcome == "ok"
    assert e.at is not None


def yesterday():
    return timezone.localdate() - dt.timedelta(days=1)


def public_complaint(district, **kw):
    kw = {
        "target_kind": "other",
        "target_text": "小区里的补习班",
        "category": "unlicensed",
        "description": "周末上课",
        "occurred_on": yesterday(),
        "district": district,
        **kw,
    }
    complaint, _secret = complaint_submit(**kw)
    return complaint


def walk(complaint, actor, *steps, **kw):
    for step in steps:
        complaint = complaint_transition(complaint=complaint, to_state=step, actor=actor, **kw)
    return complaint


# --- institutions and their list status -------------------------------------------------------------------


def test_registering_an_institution_on_the_page_is_recorded(client, district_user, district1):
    code = f.credit_code(910)
    resp = page(client, district_user).post(
        "/institutions/new/",
        {
            "name": "审计测试培训学校",
            "credit_code": code,
            "district": district1.pk,
            "category": "non_subject",
            "domain": "arts",
            "audience": ["compulsory"],
            "mode": "offline",
            "licence_status": "valid",
        },
        REMOTE_ADDR="192.0.2.7",
    )
    assert resp.status_code == 302
    institution = Institution.objects.get(credit_code=code)
    e = event("create", institution)
    assert_who_what_where(e, actor=district_user, district=district1)
    assert e.object_repr == "审计测试培训学校"
    assert (e.ip, e.path) == ("192.0.2.7", "/institutions/new/")
    assert e.detail["credit_code"] == code and e.detail["licence_status"] == "valid"


def test_an_api_edit_records_each_changed_field_and_an_unchanged_save_records_nothing(
    as_user, district_user, institution
):
    url = f"/api/v1/institutions/{institution.pk}/"
    resp = as_user(district_user).patch(url, {"licence_status": "revoked", "icp_no": "京ICP备1号"}, format="json")
    assert resp.status_code == 200, resp.json()
    e = event("update", institution)
    assert_who_what_where(e, actor=district_user, district=institution.district)
    assert e.detail == {
        "changes": {"licence_status": {"from": "valid", "to": "revoked"}, "icp_no": {"from": "", "to": "京ICP备1号"}}
    }
    assert e.path == url
    assert as_user(district_user).patch(url, {"licence_status": "revoked"}, format="json").status_code == 200
    assert AuditEvent.objects.filter(action="update").count() == 1


def test_a_page_edit_is_recorded_with_the_values_before_and_after(client, district_user, institution):
    resp = page(client, district_user).post(
        f"/institutions/{institution.pk}/edit/",
        {
            "name": "改名后的培训学校",
            "credit_code": institution.credit_code,
            "district": institution.district_id,
            "category": institution.category,
            "domain": institution.domain,
            "audience": institution.audience,
            "mode": institution.mode,
            "nonprofit": "on",
            "licence_no": institution.licence_no,
            "licence_status": institution.licence_status,
        },
    )
    assert resp.status_code == 302
    e = event("update", institution)
    assert_who_what_where(e, actor=district_user, district=institution.district)
    assert e.detail["changes"] == {"name": {"from": institution.name, "to": "改名后的培训学校"}}


def test_a_list_status_change_on_the_page_is_recorded_with_its_reason(client, district_user, institution):
    resp = page(client, district_user).post(
        f"/institutions/{institution.pk}/list-status/",
        {"status": "black", "effective_on": "2026-11-03", "reason": "查实无证开展学科培训"},
    )
    assert resp.status_code == 302
    e = event("status_change", institution)
    assert_who_what_where(e, actor=district_user, district=institution.district)
    assert e.detail["list_status"] == {"from": "none", "to": "black"}
    assert (e.detail["effective_on"], e.detail["reason"]) == ("2026-11-03", "查实无证开展学科培训")
    assert e.detail["list_status_change"] == institution.list_changes.get().pk


def test_creating_a_listed_institution_through_the_api_records_both(as_user, city_user, district2):
    body = {
        "name": "白名单机构",
        "credit_code": f.credit_code(911),
        "district": district2.code,
        "category": "non_subject",
        "domain": "sports",
        "audience": ["compulsory"],
        "mode": "offline",
        "list_status": "white",
        "list_status_reason": "年检合格",
    }
    resp = as_user(city_user).post("/api/v1/institutions/", body, format="json")
    assert resp.status_code == 201, resp.json()
    institution = Institution.objects.get(pk=resp.json()["id"])
    created, listed = event("create", institution), event("status_change", institution)
    for e in (created, listed):
        assert_who_what_where(e, actor=city_user, district=district2)
    assert created.id < listed.id and listed.detail["list_status"] == {"from": "none", "to": "white"}


def test_a_refused_list_status_rolls_back_the_new_institution_and_its_event(as_user, district_user, district1):
    body = {
        "name": "无理由黑名单",
        "credit_code": f.credit_code(912),
        "district": district1.code,
        "category": "subject",
        "domain": "academic",
        "audience": ["compulsory"],
        "mode": "offline",
        "list_status": "black",
        "list_status_reason": "",
    }
    resp = as_user(district_user).post("/api/v1/institutions/", body, format="json")
    assert resp.status_code == 400 and "reason" in resp.json()["fields"]
    assert not Institution.objects.exists()
    assert not AuditEvent.objects.filter(object_type="institutions.institution").exists()


def _registry_csv(rows) -> SimpleUploadedFile:
    values = {
        "name": "导入机构",
        "district": "110101",
        "category": "非学科类",
        "domain": "文化艺术",
        "audience": "义务教育",
        "mode": "线下",
        "nonprofit": "否",
        "licence_no": "教民1",
        "licence_status": "有效",
        "approved_on": "2022-05-01",
        "reapproved_on": "",
        "icp_no": "",
        "listed": "否",
        "capital_raised": "否",
        "foreign_controlled": "否",
        "list_status": "未列入",
    }
    lines = [",".join(c.label for c in REGISTRY_COLUMNS)]
    lines += [",".join(str({**values, **row}[c.key]) for c in REGISTRY_COLUMNS) for row in rows]
    return SimpleUploadedFile("registry.csv", ("\n".join(lines) + "\n").encode(), content_type="text/csv")


def test_an_import_records_each_new_and_each_changed_row_naming_file_and_row(client, as_user, district_user, district1):
    first, second = f.credit_code(913), f.credit_code(914)
    resp = page(client, district_user).post(
        "/institutions/import/",
        {"file": _registry_csv([{"credit_code": first}, {"credit_code": second, "name": "第二家"}])},
    )
    assert resp.status_code == 302
    a, b = Institution.objects.get(credit_code=first), Institution.objects.get(credit_code=second)
    e = event("create", b)
    assert_who_what_where(e, actor=district_user, district=district1)
    assert (e.detail["via"], e.detail["file"], e.detail["row"]) == ("import", "registry.csv", 3)
    assert event("create", a).detail["row"] == 2
    # again through the API: the first row unchanged (no event), the second renamed and blacklisted
    resp = as_user(district_user).post(
        "/api/v1/institutions/import/",
        {
            "file": _registry_csv(
                [{"credit_code": first}, {"credit_code": second, "name": "第二家（更名）", "list_status": "黑名单"}]
            )
        },
        format="multipart",
    )
    assert resp.status_code == 201, resp.json()
    assert not AuditEvent.objects.filter(action="update", object_id=str(a.pk)).exists()
    changed = event("update", b)
    assert changed.detail["changes"] == {"name": {"from": "第二家", "to": "第二家（更名）"}}
    assert changed.path == "/api/v1/institutions/import/"
    listed = event("status_change", b)
    assert listed.detail["list_status"] == {"from": "none", "to": "black"} and "registry.csv" in listed.detail["reason"]


# --- an institution's sub-records (what the TI rules read) ----------------------------------------------------


def test_an_institution_changing_a_course_price_on_the_page_is_recorded_with_before_and_after(
    client, institution_user, institution
):
    from tests.institutions.rule_factories import RuleCourseFactory, RuleTrainerFactory

    course = RuleCourseFactory(institution=institution, price_per_lesson="80.00")
    trainer = RuleTrainerFactory(institution=institution)
    data = {
        "name": course.name,
        "subject": course.subject,
        "content_grade": 5,
        "min_grade": 5,
        "max_grade": 5,
        "mode": "offline",
        "class_size": 20,
        "lesson_minutes": 45,
        "price_per_lesson": "120.00",
        "trainers": [trainer.pk],
        "disclosed": "on",
    }
    resp = page(client, institution_user).post(f"/institutions/courses/{course.pk}/edit/", data)
    assert resp.status_code == 302, resp.content.decode()[:3000]
    e = event("update", course)
    assert_who_what_where(e, actor=institution_user, district=institution.district)
    assert e.detail["changes"]["price_per_lesson"] == {"from": "80.00", "to": "120.00"}
    assert e.detail["changes"]["trainers"] == {"from": [], "to": [trainer.pk]}
    # the same values again: nothing changed, nothing recorded
    assert page(client, institution_user).post(f"/institutions/courses/{course.pk}/edit/", data).status_code == 302
    assert AuditEvent.objects.filter(action="update", object_type="institutions.course").count() == 1


def test_sessions_added_and_moved_through_the_api_are_recorded(as_user, district_user, institution):
    from tests.institutions.rule_factories import RuleCourseFactory, RuleSiteFactory

    course = RuleCourseFactory(institution=institution)
    site = RuleSiteFactory(institution=institution)
    api = as_user(district_user)
    resp = api.post(
        "/api/v1/institutions/sessions/",
        {
            "course": course.pk,
            "site": site.pk,
            "mode": "offline",
            "starts_at": "2026-11-14T09:00:00+08:00",
            "ends_at": "2026-11-14T10:30:00+08:00",
        },
        format="json",
    )
    assert resp.status_code == 201, resp.json()
    from institutions.models import Session

    session = Session.objects.get(pk=resp.json()["id"])
    created = event("create", session)
    assert_who_what_where(created, actor=district_user, district=institution.district)
    assert created.detail["course_id"] == course.pk and created.detail["site_id"] == site.pk
    resp = api.patch(
        f"/api/v1/institutions/sessions/{session.pk}/", {"ends_at": "2026-11-14T21:30:00+08:00"}, format="json"
    )
    assert resp.status_code == 200, resp.json()
    moved = event("update", session)
    assert list(moved.detail["changes"]) == ["ends_at"]
    assert moved.detail["changes"]["ends_at"] == {
        "from": "2026-11-14T10:30:00+08:00",
        "to": "2026-11-14T21:30:00+08:00",
    }  # Beijing time


def test_a_schedule_import_is_recorded_per_institution_naming_the_file_and_rows(client, district_user, institution):
    from institutions.imports import SESSION_COLUMNS
    from institutions.models import Session
    from tests.institutions.rule_factories import RuleCourseFactory, RuleSiteFactory

    course = RuleCourseFactory(institution=institution)
    site = RuleSiteFactory(institution=institution)
    header = ",".join(c.label for c in SESSION_COLUMNS)
    values = {
        "course": course.pk,
        "site": site.pk,
        "mode": "线下",
        "starts_at": "2026-11-14 09:00",
        "ends_at": "2026-11-14 10:00",
    }
    rows = [
        ",".join(str({**values, **extra}.get(c.key, "")) for c in SESSION_COLUMNS)
        for extra in ({}, {"starts_at": "2026-11-15 09:00", "ends_at": "2026-11-15 10:00"})
    ]
    upload = SimpleUploadedFile("schedule.csv", ("\n".join([header, *rows]) + "\n").encode(), content_type="text/csv")
    resp = page(client, district_user).post("/institutions/schedule-import/", {"file": upload})
    assert resp.status_code == 302, resp.content.decode()[:3000]
    assert Session.objects.filter(course=course).count() == 2
    e = AuditEvent.objects.get(action="create", object_type="institutions.session")
    assert_who_what_where(e, actor=district_user, district=institution.district)
    assert e.detail["file"] == "schedule.csv"
    assert [(x["row"], x["course"]) for x in e.detail["sessions"]] == [(2, course.pk), (3, course.pk)]


# --- findings ----------------------------------------------------------------------------------------------


@pytest.fixture
def case_finding(district_user, institution):
    return finding_create_case(
        rule_id="TI-16-AD",
        district=institution.district,
        actor=district_user,
        evidence={"ad": "地铁广告"},
        summary="违规广告",
        institution=institution,
    )


def test_a_case_recorded_through_the_api_is_recorded(as_user, district_user, school_a):
    body = {"rule_id": "SC-20-RANKING", "school": school_a.pk, "date": "2026-11-09", "summary": "公布考试排名"}
    resp = as_user(district_user).post("/api/v1/compliance/findings/", body, format="json")
    assert resp.status_code == 201, resp.json()
    finding = Finding.objects.get(pk=resp.json()["id"])
    e = event("create", finding)
    assert_who_what_where(e, actor=district_user, district=school_a.district)
    assert e.detail == {
        "rule_id": "SC-20-RANKING",
        "kind": "case",
        "summary": "公布考试排名",
        "date": "2026-11-09",
        "school_id": school_a.pk,
    }
    assert e.path == "/api/v1/compliance/findings/"


def test_a_finding_status_change_on_the_page_is_recorded(client, district_user, case_finding):
    resp = page(client, district_user).post(
        f"/compliance/findings/{case_finding.pk}/", {"status": "notified", "reason": "已书面通知"}
    )
    assert resp.status_code == 302
    e = event("status_change", case_finding)
    assert_who_what_where(e, actor=district_user, district=case_finding.district)
    assert e.detail == {"from": "open", "to": "notified", "reason": "已书面通知"}
    assert e.path == f"/compliance/findings/{case_finding.pk}/"


def test_a_subject_marking_its_finding_rectified_through_the_api_is_recorded(as_user, institution_user, case_finding):
    url = f"/api/v1/compliance/findings/{case_finding.pk}/"
    resp = as_user(institution_user).patch(url, {"status": "rectifying", "reason": "已撤下广告"}, format="json")
    assert resp.status_code == 200, resp.json()
    e = event("status_change", case_finding)
    assert_who_what_where(e, actor=institution_user, district=case_finding.district)
    assert (e.detail["from"], e.detail["to"]) == ("open", "rectifying")
    refused = as_user(institution_user).patch(url, {"status": "dismissed", "reason": "x"}, format="json")
    assert refused.status_code == 403
    assert AuditEvent.objects.filter(action="status_change").count() == 1


# --- rule parameters -----------------------------------------------------------------------------------


def test_a_parameter_value_added_through_the_api_is_recorded_with_the_value_it_replaces(as_user, city_user):
    previous = RuleParameter.objects.filter(key="complaint_accept_working_days").latest("effective_from")
    body = {
        "key": "complaint_accept_working_days",
        "value": 7,
        "effective_from": "2031-01-01",
        "source": "京教监〔2030〕1号",
    }
    resp = as_user(city_user).post("/api/v1/compliance/parameters/", body, format="json")
    assert resp.status_code == 201, resp.json()
    row = RuleParameter.objects.get(pk=resp.json()["id"])
    e = event("create", row)
    assert_who_what_where(e, actor=city_user, district=None)  # parameters are city-wide
    assert e.detail == {
        "key": "complaint_accept_working_days",
        "value": 7,
        "effective_from": "2031-01-01",
        "source": "京教监〔2030〕1号",
        "previous_value": previous.value,
    }


@pytest.fixture
def city_admin(city_user):
    """City staff who may use the admin to add parameter values."""
    city_user.is_staff = True
    city_user.save()
    city_user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="compliance", codename__in=["add_ruleparameter", "view_ruleparameter"]
        )
    )
    return city_user


def test_a_parameter_value_added_in_the_admin_goes_through_the_service_and_is_recorded(client, city_admin):
    client = page(client, city_admin)
    url = "/admin/compliance/ruleparameter/add/"
    form = {
        "key": "complaint_resolve_working_days",
        "value": "30",
        "effective_from": "2031-02-01",
        "source": "  京教监〔2030〕2号 ",
    }
    resp = client.post(url, form)
    assert resp.status_code == 302, resp.content.decode()[:2000]
    row = RuleParameter.objects.get(key="complaint_resolve_working_days", effective_from="2031-02-01")
    assert (row.value, row.source, row.created_by) == (30, "京教监〔2030〕2号", city_admin)
    e = AuditEvent.objects.get(action="create", object_id=str(row.pk), detail__key="complaint_resolve_working_days")
    assert_who_what_where(e, actor=city_admin, district=None)
    assert (e.object_type, e.detail["value"], e.path) == ("compliance.ruleparameter", 30, url)
    # the admin's own log of the addition is in the trail as well
    assert AuditEvent.objects.filter(object_id=str(row.pk), detail__via="admin", action="create").exists()
    # the service's checks are form errors: nothing saved, nothing recorded
    before = AuditEvent.objects.count()
    resp = client.post(url, {**form, "value": '"thirty"', "effective_from": "2031-03-01"})
    assert resp.status_code == 200 and "取值类型应与原值一致" in resp.content.decode()
    resp = client.post(url, {**form, "key": "no_such_parameter", "effective_from": "2031-03-01"})
    assert resp.status_code == 200 and "没有规则使用该参数" in resp.content.decode()
    assert not RuleParameter.objects.filter(effective_from="2031-03-01").exists()
    assert AuditEvent.objects.count() == before


def test_findings_cannot_be_added_in_the_admin(client, django_user_model):
    root = django_user_model.objects.create_superuser("root", "", "Root-password-0123")
    assert page(client, root).get("/admin/compliance/finding/add/").status_code == 403


# --- complaints -----------------------------------------------------------------------------------------


def test_a_public_submission_on_the_page_is_recorded_without_who_sent_it(client, district1):
    resp = client.post(
        "/complaints/new/",
        {
            "target_kind": "other",
            "target_text": "某培训班",
            "category": "other",
            "description": "描述",
            "occurred_on": yesterday().isoformat(),
            "district": district1.pk,
            "contact_phone": PHONE,
            "contact_name": "张三",
        },
        REMOTE_ADDR="198.51.100.9",
    )
    assert resp.status_code == 302
    complaint = Complaint.objects.get()
    e = event("create", complaint)
    assert_who_what_where(e, actor=None, district=district1, label="投诉人")
    assert e.object_repr == complaint.tracking_code
    assert e.detail == {
        "channel": "web",
        "target_kind": "other",
        "category": "other",
        "department": complaint.department,
        "photos": 0,
    }
    assert e.ip is None  # a complainant may stay anonymous: not even the address is kept
    assert PHONE not in str(e.detail) and "张三" not in str(e.detail)


def test_a_public_submission_through_the_api_is_recorded(api, institution):
    resp = api.post(
        "/api/v1/complaints/",
        {
            "target_kind": "institution",
            "institution": institution.pk,
            "category": "advertising",
            "description": "地铁站广告",
            "occurred_on": yesterday().isoformat(),
            "contact_phone": PHONE,
        },
        format="json",
    )
    assert resp.status_code == 201, resp.json()
    complaint = Complaint.objects.get(tracking_code=resp.json()["tracking_code"])
    assert_who_what_where(event("create", complaint), actor=None, district=institution.district, label="投诉人")


def test_a_hotline_complaint_entered_by_staff_is_recorded_as_theirs(client, district_user, school_a):
    resp = page(client, district_user).post(
        "/complaints/staff/new/",
        {
            "channel": "hotline_12345",
            "target_kind": "school",
            "school_name": school_a.name,
            "category": "excessive_homework",
            "grade": "5",
            "description": "作业太多",
            "occurred_on": yesterday().isoformat(),
        },
        REMOTE_ADDR="192.0.2.20",
    )
    assert resp.status_code == 302
    e = event("create", Complaint.objects.get())
    assert_who_what_where(e, actor=district_user, district=school_a.district)
    assert (e.detail["channel"], e.ip) == ("hotline_12345", "192.0.2.20")


def test_state_changes_on_the_page_are_recorded(client, district_user, district1):
    complaint = public_complaint(district1)
    client = page(client, district_user)
    url = f"/complaints/{complaint.pk}/transition/"
    assert client.post(url, {"to_state": "accepted", "note": "已受理"}).status_code == 302
    assert client.post(url, {"to_state": "closed"}).status_code == 400  # refused: not recorded
    e = event("status_change", complaint)
    assert_who_what_where(e, actor=district_user, district=district1)
    assert (e.detail, e.path) == ({"from": "received", "to": "accepted"}, url)


def test_an_upheld_complaint_records_its_resolution_and_the_case_finding(as_user, district_user, institution):
    complaint = public_complaint(
        institution.district, target_kind="institution", institution=institution, category="advertising"
    )
    complaint = walk(complaint, district_user, "accepted", "investigating")
    resp = as_user(district_user).post(
        f"/api/v1/complaints/{complaint.pk}/transition/",
        {"to_state": "resolved", "outcome": "责令撤下广告", "upheld": True},
        format="json",
    )
    assert resp.status_code == 200, resp.json()
    finding = Finding.objects.get()
    case = event("create", finding)
    assert_who_what_where(case, actor=district_user, district=institution.district)
    assert (case.detail["rule_id"], case.detail["institution_id"]) == ("TI-16-AD", institution.pk)
    resolved = AuditEvent.objects.get(action="status_change", object_id=str(complaint.pk), detail__to="resolved")
    assert resolved.detail == {
        "from": "investigating",
        "to": "resolved",
        "upheld": True,
        "rule_id": "TI-16-AD",
        "finding": finding.pk,
    }


def test_a_resolution_that_loses_a_race_leaves_no_finding_and_no_event(district_user, institution):
    complaint = public_complaint(
        institution.district, target_kind="institution", institution=institution, category="advertising"
    )
    complaint = walk(complaint, district_user, "accepted", "investigating")
    stale = Complaint.objects.get(pk=complaint.pk)
    walk(complaint, district_user, "resolved", outcome="不属实", upheld=False)  # a colleague got there first
    events_before = AuditEvent.objects.count()
    with pytest.raises(ConflictError):
        complaint_transition(complaint=stale, to_state="resolved", actor=district_user, outcome="属实", upheld=True)
    assert not Finding.objects.exists()  # the case finding was created, then rolled back with its event
    assert AuditEvent.objects.count() == events_before


def test_a_reroute_through_the_api_is_recorded_under_the_new_district(as_user, district_user, district1, district2):
    complaint = public_complaint(district1)
    resp = as_user(district_user).post(
        f"/api/v1/complaints/{complaint.pk}/reroute/",
        {"district": district2.code, "reason": "发生地在西城区"},
        format="json",
    )
    assert resp.status_code == 200, resp.json()
    e = event("update", complaint)
    assert_who_what_where(e, actor=district_user, district=district2)
    assert e.detail["from"] == {"district": district1.code, "department": complaint.department}
    assert e.detail["to"]["district"] == district2.code and e.detail["reason"] == "发生地在西城区"


def test_matching_the_teacher_on_the_page_is_recorded(client, district_user, school_a):
    teacher = f.SchoolTeacherFactory(school=school_a, name="李老师")
    complaint = public_complaint(
        None, target_kind="teacher", school=school_a, teacher_name="李老师", category="paid_tutoring"
    )
    resp = page(client, district_user).post(f"/complaints/{complaint.pk}/teacher/", {"teacher": teacher.pk})
    assert resp.status_code == 302
    e = event("update", complaint)
    assert_who_what_where(e, actor=district_user, district=school_a.district)
    assert e.detail == {"teacher": {"from": None, "to": teacher.pk}}


def test_the_complainant_reopening_on_the_tracking_page_is_recorded(client, district_user, district1):
    complaint, secret = complaint_submit(
        target_kind="other",
        target_text="培训班",
        category="other",
        description="x",
        occurred_on=yesterday(),
        district=district1,
    )
    walk(complaint, district_user, "rejected", reason="不属于受理范围")
    resp = client.post(
        "/complaints/track/",
        {"action": "reopen", "tracking_code": complaint.tracking_code, "secret": secret, "note": "请再查一次"},
    )
    assert resp.status_code == 200
    e = AuditEvent.objects.get(action="status_change", object_id=str(complaint.pk), detail__reopened=True)
    assert_who_what_where(e, actor=None, district=district1, label="投诉人")
    assert (e.detail["from"], e.detail["to"]) == ("rejected", "received")


def test_the_retention_purge_records_each_complaint_it_erases(settings, district_user, district1):
    complaint = public_complaint(district1, contact_phone=PHONE)
    walk(complaint, district_user, "rejected", reason="不属于受理范围")
    Complaint.objects.filter(pk=complaint.pk).update(state="closed", closed_at=timezone.now() - dt.timedelta(days=400))
    settings.COMPLAINT_RETENTION_DAYS = 365
    assert complaints_purge_personal_data() == 1
    e = event("update", complaint)
    assert_who_what_where(e, actor=None, district=district1, label="system")
    assert e.detail == {"personal_data_erased": True, "retention_days": 365}


def test_an_import_with_a_bad_row_saves_nothing_and_records_nothing(client, district_user):
    resp = page(client, district_user).post(
        "/institutions/import/", {"file": _registry_csv([{"credit_code": f.credit_code(915)}, {"credit_code": "BAD"}])}
    )
    assert resp.status_code == 400
    assert not Institution.objects.exists()
    assert not AuditEvent.objects.filter(object_type="institutions.institution").exists()
