"""Abuse: per-address rate limits with a clear 429, and uploads checked by content and size."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from complaints.models import Complaint

from .conftest import png_bytes, png_upload, submission

pytestmark = pytest.mark.django_db

URL = "/api/v1/complaints/"


def test_a_flood_from_one_address_is_throttled_while_another_gets_through(api, district1, rates):
    rates(public_submit="3/min")
    codes = [api.post(URL, submission(), format="json", REMOTE_ADDR="10.0.0.1").status_code for _ in range(5)]
    assert codes == [201, 201, 201, 429, 429]
    r = api.post(URL, submission(), format="json", REMOTE_ADDR="10.0.0.1")
    assert r.status_code == 429
    assert "提交过于频繁" in r.json()["detail"] and r.json()["code"] == "throttled"
    assert "Retry-After" in r.headers
    assert api.post(URL, submission(), format="json", REMOTE_ADDR="10.0.0.2").status_code == 201
    assert Complaint.objects.count() == 4


def test_a_forged_forwarded_for_header_does_not_escape_the_limit(api, district1, rates):
    rates(public_submit="2/min")
    codes = [
        api.post(
            URL, submission(), format="json", REMOTE_ADDR="10.0.0.3", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}"
        ).status_code
        for i in range(3)
    ]
    assert codes == [201, 201, 429]


def test_tracking_is_rate_limited(api, district1, rates):
    rates(public_read="2/min")
    codes = [
        api.post(
            "/api/v1/complaints/track/",
            {"tracking_code": "TSAAAAAAAAAA", "secret": "x"},
            format="json",
            REMOTE_ADDR="10.0.0.4",
        ).status_code
        for _ in range(3)
    ]
    assert codes == [404, 404, 429]


def test_the_html_form_is_throttled_with_a_chinese_page(client, district1, rates):
    rates(public_submit="1/min")
    form = {
        "target_kind": "other",
        "target_text": "某培训班",
        "district": district1.pk,
        "category": "other",
        "description": "描述",
        "occurred_on": submission()["occurred_on"],
    }
    assert client.post("/complaints/new/", form, REMOTE_ADDR="10.0.0.5").status_code == 302
    r = client.post("/complaints/new/", form, REMOTE_ADDR="10.0.0.5")
    assert r.status_code == 429
    assert "提交过于频繁" in r.content.decode()
    assert client.post("/complaints/new/", form, REMOTE_ADDR="10.0.0.6").status_code == 302


def test_a_non_image_is_refused_whatever_its_name(api, district1):
    data = submission()
    data["photos"] = [SimpleUploadedFile("photo.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")]
    r = api.post(URL, data, format="multipart")
    assert r.status_code == 400
    assert "不是可识别的图片" in r.json()["fields"]["photos"][0]
    assert not Complaint.objects.exists()


def test_an_oversize_photo_is_refused(api, district1):
    big = png_bytes() + b"\0" * (5 * 1024 * 1024)
    data = submission()
    data["photos"] = [SimpleUploadedFile("big.png", big, content_type="image/png")]
    r = api.post(URL, data, format="multipart")
    assert r.status_code == 400
    assert "5 MB" in r.json()["fields"]["photos"][0]


def test_more_than_five_photos_are_refused(api, district1):
    data = submission()
    data["photos"] = [png_upload(f"p{i}.png") for i in range(6)]
    r = api.post(URL, data, format="multipart")
    assert r.status_code == 400
    assert "photos" in r.json()["fields"]


def test_an_oversize_request_is_refused_before_it_is_read(api, client, district1):
    r = api.post(URL, submission(), format="json", CONTENT_LENGTH=str(40 * 1024 * 1024))
    assert r.status_code == 413
    assert "提交的内容过大" in r.json()["detail"]
    r = client.post("/complaints/new/", {"description": "x"}, CONTENT_LENGTH=str(40 * 1024 * 1024))
    assert r.status_code == 413 and "提交的内容过大" in r.content.decode()
    assert not Complaint.objects.exists()
