"""The pages: the public form (with and without a chosen institution), tracking, the inbox, detail and workflow."""

import datetime as dt

import pytest

from complaints.models import Complaint, ContactView
from tests import factories as f

from .conftest import png_upload, yesterday
from .helpers import at, submit

pytestmark = pytest.mark.django_db


def _form(**kw):
    data = {
        "target_kind": "other",
        "target_text": "某培训班",
        "category": "other",
        "description": "描述",
        "occurred_on": yesterday().isoformat(),
    }
    data.update(kw)
    return data


def test_public_form_renders_in_chinese_without_inline_script(client):
    r = client.get("/complaints/new/")
    html = r.content.decode()
    assert r.status_code == 200
    assert "投诉举报" in html and "js/complaints-form.js" in html
    assert "<script>" not in html and "onclick" not in html


def test_anonymous_submission_shows_code_and_secret_once(client, district1):
    data = _form(district=district1.pk)
    data["photos"] = [png_upload()]
    r = client.post("/complaints/new/", data, follow=True)
    assert r.status_code == 200 and r.redirect_chain[0][1] == 302
    c = Complaint.objects.get()
    html = r.content.decode()
    assert c.tracking_code in html and r["Cache-Control"].startswith("no-store")
    assert c.photos.count() == 1 and c.anonymous
    secret = html.split('id="secret">')[1].split("<")[0]
    t = client.post("/complaints/track/", {"tracking_code": c.tracking_code, "secret": secret})
    assert "已收到" in t.content.decode()
    assert (
        "查询码或查询密码不正确"
        in client.post(
            "/complaints/track/", {"tracking_code": c.tracking_code, "secret": "WRONGWRONG22"}
        ).content.decode()
    )


def test_institution_by_name_without_javascript_lists_the_matches(client, district1, district2):
    a = f.InstitutionFactory(name="海淀启航英语培训学校", district=district1)
    f.InstitutionFactory(name="西城启航英语培训中心", district=district2)
    base = _form(target_kind="institution", category="advertising")
    r = client.post("/complaints/new/", {**base, "institution_name": "启航英语"})
    html = r.content.decode()
    assert "找到多个培训机构" in html and "西城启航英语培训中心" in html
    assert not Complaint.objects.exists()
    r = client.post("/complaints/new/", {**base, "institution_name": "启航英语", "institution": a.pk})
    c = Complaint.objects.get()
    assert (c.institution, c.district, c.department) == (a, district1, "market_regulation")
    assert (
        client.post("/complaints/new/", {**base, "institution_name": "不存在的机构"})
        .content.decode()
        .split('class="complaint-form"')[1]
        .count("未找到")
        == 1
    )


def test_institution_autocomplete_returns_only_id_name_district(api, district1):
    f.InstitutionFactory(name="朝阳小星星美术", district=district1)
    r = api.get("/api/v1/complaints/targets/institutions/", {"q": "小星星"})
    assert r.status_code == 200
    assert r.json() == [{"id": r.json()[0]["id"], "name": "朝阳小星星美术", "district": district1.name}]
    assert api.get("/api/v1/complaints/targets/institutions/", {"q": ""}).json() == []


def test_inbox_is_sorted_by_deadline_and_filtered(client, district1, district2, district_user, monkeypatch):
    later, _ = submit(target_kind="other", target_text="甲", district=district1, category="other")
    earlier, _ = submit(
        when=at(2026, 9, 30),
        monkeypatch=monkeypatch,
        target_kind="other",
        target_text="乙",
        district=district1,
        category="advertising",
        occurred_on=dt.date(2026, 9, 29),
    )
    other, _ = submit(target_kind="other", target_text="丙", district=district2, category="other")
    client.force_login(district_user)
    html = client.get("/complaints/inbox/").content.decode()
    assert html.index(earlier.tracking_code) < html.index(later.tracking_code)
    assert other.tracking_code not in html
    assert "已超期" in html
    html = client.get("/complaints/inbox/", {"department": "market_regulation"}).content.decode()
    assert earlier.tracking_code in html and later.tracking_code not in html
    html = client.get("/complaints/inbox/", {"category": "other", "state": "received"}).content.decode()
    assert later.tracking_code in html and earlier.tracking_code not in html


def test_inbox_is_for_bureau_staff_only(client, school_user):
    assert client.get("/complaints/inbox/").status_code == 302
    client.force_login(school_user)
    assert client.get("/complaints/inbox/").status_code == 403


def test_detail_transition_and_reveal(client, district1, district_user):
    c, _ = submit(target_kind="other", target_text="培训班", district=district1, contact_phone="13912345678")
    client.force_login(district_user)
    page = client.get(f"/complaints/{c.pk}/").content.decode()
    assert "139****5678" in page and "13912345678" not in page
    r = client.post(f"/complaints/{c.pk}/transition/", {"to_state": "accepted", "note": "已受理", "public": "on"})
    assert r.status_code == 302
    c.refresh_from_db()
    assert c.state == "accepted" and c.events.get(kind="transition").public
    r = client.post(f"/complaints/{c.pk}/transition/", {"to_state": "closed"})
    assert r.status_code == 400
    r = client.post(f"/complaints/{c.pk}/contact/")
    assert "13912345678" in r.content.decode()
    assert ContactView.objects.filter(complaint=c, user=district_user).count() == 1


def test_other_districts_detail_is_a_404(client, district1, district2_user):
    c, _ = submit(target_kind="other", target_text="培训班", district=district1)
    client.force_login(district2_user)
    assert client.get(f"/complaints/{c.pk}/").status_code == 404
    assert client.post(f"/complaints/{c.pk}/contact/").status_code == 404


def test_staff_enter_a_hotline_complaint(client, district1, district_user, school_a):
    client.force_login(district_user)
    assert client.get("/complaints/staff/new/").status_code == 200
    r = client.post(
        "/complaints/staff/new/",
        _form(
            channel="hotline_12345",
            target_kind="school",
            school_name=school_a.name,
            category="excessive_homework",
            grade="5",
            contact_phone="13600000000",
        ),
        follow=True,
    )
    assert r.status_code == 200, r.content.decode()[:2000]
    c = Complaint.objects.get()
    assert (c.channel, c.school, c.created_by) == ("hotline_12345", school_a, district_user)
    assert "12345" in c.events.get(kind="submitted").actor_label


def test_a_non_image_on_the_form_is_refused_with_a_clear_message(client, district1):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = _form(district=district1.pk)
    data["photos"] = [SimpleUploadedFile("x.png", b"MZ\x90\x00 not a picture", content_type="image/png")]
    r = client.post("/complaints/new/", data)
    assert r.status_code == 200
    assert "不是可识别的图片" in r.content.decode()
    assert not Complaint.objects.exists()


def test_reopen_from_the_tracking_page(client, district1, district_user):
    from complaints.services import complaint_transition

    c, secret = submit(target_kind="other", target_text="培训班", district=district1)
    complaint_transition(complaint=c, to_state="rejected", actor=district_user, reason="材料不足")
    page = client.post("/complaints/track/", {"tracking_code": c.tracking_code, "secret": secret}).content.decode()
    assert "申请重新处理" in page and "材料不足" in page
    client.post(
        "/complaints/track/",
        {"action": "reopen", "tracking_code": c.tracking_code, "secret": secret, "note": "已补充材料"},
    )
    c.refresh_from_db()
    assert (c.state, c.reopen_count) == ("received", 1)
    page = client.post("/complaints/track/", {"tracking_code": c.tracking_code, "secret": secret}).content.decode()
    assert "已补充材料" in page and 'value="reopen"' not in page


def test_staff_match_teacher_on_the_detail_page(client, school_a, district_user):
    c, _ = submit(target_kind="teacher", school=school_a, teacher_name="张老师", category="paid_tutoring")
    t = f.SchoolTeacherFactory(school=school_a)
    client.force_login(district_user)
    assert "核实在职教师" in client.get(f"/complaints/{c.pk}/").content.decode()
    assert client.post(f"/complaints/{c.pk}/teacher/", {"teacher": t.pk}).status_code == 302
    c.refresh_from_db()
    assert c.teacher == t


def test_inbox_page_query_count_does_not_grow_with_rows(
    client, district1, school_a, district_user, django_assert_max_num_queries
):
    inst = f.InstitutionFactory(district=district1)
    for _ in range(15):
        submit(target_kind="institution", institution=inst, category="unlicensed")
        submit(target_kind="teacher", school=school_a, teacher_name="李老师", category="paid_tutoring")
    client.force_login(district_user)
    with django_assert_max_num_queries(12):
        r = client.get("/complaints/inbox/")
    assert r.status_code == 200 and r.content.decode().count("/complaints/") >= 30


def test_beat_schedule_has_the_daily_purge():
    from complaints.tasks import beat_schedule

    assert beat_schedule()["complaints-purge-personal-data"]["task"] == "complaints.tasks.purge_personal_data"
