"""An anonymous complaint is accepted and can be followed with its tracking code and secret, and only with both."""

import pytest

from complaints.models import Complaint, ComplaintPhoto

from .conftest import png_upload, submission

pytestmark = pytest.mark.django_db

URL = "/api/v1/complaints/"
TRACK = "/api/v1/complaints/track/"


def test_anonymous_complaint_is_accepted_and_trackable(api, district1):
    r = api.post(URL, submission(), format="json")
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["tracking_code"].startswith("TS") and len(body["tracking_code"]) == 12
    assert len(body["secret"]) == 12
    complaint = Complaint.objects.get(tracking_code=body["tracking_code"])
    assert complaint.anonymous and complaint.channel == "web" and complaint.state == "received"
    assert complaint.district == district1
    # only a hash of the secret is stored
    assert body["secret"] not in complaint.secret_hash

    t = api.post(TRACK, {"tracking_code": body["tracking_code"].lower(), "secret": body["secret"]}, format="json")
    assert t.status_code == 200
    status = t.json()
    assert status["state"] == "received"
    assert status["events"][0]["kind"] == "submitted"
    assert status["accept_due"] == complaint.accept_due.isoformat()


def test_wrong_secret_or_code_is_not_found(api, district1):
    body = api.post(URL, submission(), format="json").json()
    wrong = "A" * 12 if body["secret"] != "A" * 12 else "B" * 12
    r = api.post(TRACK, {"tracking_code": body["tracking_code"], "secret": wrong}, format="json")
    assert r.status_code == 404
    assert "查询码或查询密码不正确" in r.json()["detail"]
    r = api.post(TRACK, {"tracking_code": "TSXXXXXXXXXX", "secret": body["secret"]}, format="json")
    assert r.status_code == 404


def test_public_status_shows_no_personal_data_or_internal_notes(api, district1, district_user):
    data = submission(contact_name="王小明", contact_phone="13812341234", contact_email="wxm@example.com")
    body = api.post(URL, data, format="json").json()
    complaint = Complaint.objects.get(tracking_code=body["tracking_code"])
    from complaints.services import complaint_transition

    complaint_transition(
        complaint=complaint, to_state="accepted", actor=district_user, note="内部：联系学校核实", public=False
    )
    complaint_transition(
        complaint=complaint, to_state="investigating", actor=district_user, note="已安排人员调查", public=True
    )
    text = api.post(TRACK, {"tracking_code": body["tracking_code"], "secret": body["secret"]}, format="json").content
    text = text.decode()
    assert "已安排人员调查" in text
    assert "内部：联系学校核实" not in text
    for personal in ("王小明", "13812341234", "1234", "wxm@example.com"):
        assert personal not in text


def test_missing_fields_give_field_messages(api, district1):
    r = api.post(
        URL,
        {"target_kind": "institution", "category": "advertising", "description": "广告", "occurred_on": "2026-11-01"},
        format="json",
    )
    assert r.status_code == 400
    assert "institution" in r.json()["fields"]
    r = api.post(URL, submission(target_kind="teacher", district=None), format="json")
    assert r.status_code == 400
    assert set(r.json()["fields"]) >= {"school", "teacher_name"}


def test_photos_are_kept_under_random_names(api, district1):
    data = submission()
    data["photos"] = [png_upload("我的照片.png"), png_upload("second.png")]
    r = api.post(URL, data, format="multipart")
    assert r.status_code == 201, r.json()
    photos = list(ComplaintPhoto.objects.all())
    assert len(photos) == 2
    assert all(p.content_type == "image/png" and "我的照片" not in p.image.name for p in photos)
    assert photos[0].image.name != photos[1].image.name


def test_channel_is_recorded_for_staff_and_forced_to_web_for_the_public(api, district1, district_user, as_user, rates):
    rates(public_submit="1/min")
    r = api.post(URL, submission(channel="hotline_12345"), format="json")
    assert Complaint.objects.get(tracking_code=r.json()["tracking_code"]).channel == "web"
    client = as_user(district_user)
    for _ in range(3):  # staff entering hotline calls are not rate-limited like the public
        r = client.post(URL, submission(channel="hotline_12345", contact_phone="13700000000"), format="json")
        assert r.status_code == 201
    c = Complaint.objects.get(tracking_code=r.json()["tracking_code"])
    assert (c.channel, c.created_by) == ("hotline_12345", district_user)
