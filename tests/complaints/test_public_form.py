"""The parent's form on a phone: grades by name, no future date, an error summary, Chinese messages, one complaint
per form however often it is sent, and a confirmation whose tracking link carries the code (never the secret)."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from complaints.models import Complaint

from .conftest import yesterday

pytestmark = pytest.mark.django_db


def _form(**kw):
    data = {
        "target_kind": "other",
        "target_text": "某培训班",
        "category": "other",
        "description": "周末在小区里开设数学培训班",
        "occurred_on": yesterday().isoformat(),
    }
    data.update(kw)
    return data


def _token(client):
    html = Client.get(client, "/complaints/new/").content.decode()
    return re.search(r'name="submission_token" value="([0-9a-f-]+)"', html).group(1)


def test_grade_is_a_select_of_named_grades_and_the_date_cannot_be_in_the_future(client):
    html = client.get("/complaints/new/").content.decode()
    assert '<select name="grade"' in html and "一年级" in html and "九年级（初三）" in html
    assert f'max="{timezone.localdate().isoformat()}"' in html
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    html = client.post("/complaints/new/", _form(grade="10", occurred_on=tomorrow)).content.decode()
    assert "年级须在一至九年级之间" in html and "发生日期不能晚于今天" in html
    assert "确保该值" not in html and Complaint.objects.count() == 0


def test_errors_are_summarised_at_the_top_with_links_and_chinese_messages(client):
    html = client.post("/complaints/new/", {"target_kind": "other", "contact_email": "abc"}).content.decode()
    summary = html.split('id="error-summary"')[1].split("</div>")[0]
    assert 'href="#id_description"' in summary and 'href="#id_occurred_on"' in summary
    assert "请选择问题类别" in summary and "请填写发生日期" in summary
    assert "电子邮箱格式不正确" in summary
    assert "This field" not in html and "这个字段是必填项" not in html
    # what was typed is kept
    assert 'value="abc"' in html


def test_the_same_form_sent_twice_files_one_complaint_and_shows_the_first_confirmation(client, district1):
    token = _token(client)
    data = _form(district=district1.pk, submission_token=token)
    first = client.post("/complaints/new/", data)
    assert first.status_code == 302 and first["Location"].startswith("/complaints/submitted/")
    second = client.post("/complaints/new/", data)
    assert second.status_code == 302 and second["Location"] == first["Location"]
    assert Complaint.objects.count() == 1
    page = client.get(first["Location"])
    html = page.content.decode()
    complaint = Complaint.objects.get()
    assert complaint.tracking_code in html and page["Cache-Control"].startswith("no-store")


def test_confirmation_has_a_tracking_link_with_the_code_a_qr_code_and_a_copy_button(client, district1):
    resp = client.post("/complaints/new/", _form(district=district1.pk, submission_token=_token(client)), follow=True)
    html = resp.content.decode()
    complaint = Complaint.objects.get()
    secret = html.split('id="secret">')[1].split("<")[0]
    link = re.search(r'id="track-link">([^<]+)<', html).group(1)
    assert link.endswith(f"/complaints/track/?code={complaint.tracking_code}")
    assert secret not in link and secret not in resp.redirect_chain[0][0]
    assert '<svg role="img"' in html and 'class="qr-code"' in html
    assert 'data-copy="secret"' in html and "js/copy.js" in html
    # the link fills in the code on the tracking page
    track = client.get(link.split("testserver")[-1]).content.decode()
    assert f'value="{complaint.tracking_code}"' in track


def test_another_browser_cannot_open_the_confirmation(client, district1):
    resp = client.post("/complaints/new/", _form(district=district1.pk, submission_token=_token(client)))
    assert Client().get(resp["Location"]).status_code == 404


def test_lookup_form_speaks_the_portals_chinese(client):
    html = client.get("/lookup/", {"q": "启"}).content.decode()
    assert "请至少输入2个字" in html and "确保该变量" not in html
