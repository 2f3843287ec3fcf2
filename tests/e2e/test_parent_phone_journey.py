"""A parent on a 390×844 phone: reads a black-listed institution's warning, files a complaint and keeps its
confirmation (tracking link with the code, QR code, copy button). No console error (the favicon), no serious axe
violation on either page."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from complaints.models import Complaint
from institutions.models import ListStatusChange
from tests import factories as f

from .test_accessibility import violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_parent_reads_the_black_list_warning_then_files_a_complaint_on_a_phone(live_server, open_page, shot):
    inst = f.InstitutionFactory(
        name="北京市东城区金桥启航培训学校", list_status="black", list_status_since=dt.date(2026, 10, 8)
    )
    ListStatusChange.objects.create(
        institution=inst,
        from_status="none",
        to_status="black",
        effective_on=dt.date(2026, 10, 8),
        reason="无证开展学科培训，拒不整改",
    )
    page = open_page("phone", axe=True)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(f"{live_server.url}/lookup/{inst.credit_code}/")
    banner = page.locator(".danger-banner")
    expect(banner).to_be_visible()
    expect(banner.get_by_role("heading")).to_have_text("警示：该机构已列入黑名单")
    expect(banner).to_contain_text("请勿报名缴费")
    expect(banner).to_contain_text("无证开展学科培训，拒不整改")
    expect(banner).to_contain_text("2026-10-08")
    expect(page.locator("table.prices")).to_have_count(0)
    box = banner.bounding_box()
    assert box and box["y"] < 844 and box["width"] <= 390  # on the first screen, within the phone's width
    shot(page, "19-parent-black-list-warning-phone")
    assert not violations(page), violations(page)

    # the banner's button opens the complaint form with the institution and the refund category filled in
    banner.get_by_role("link", name="投诉举报或申请退费协助").click()
    expect(page.get_by_label("培训机构名称")).to_have_value(inst.name)
    page.get_by_label("学生年级").select_option(label="四年级")
    page.get_by_label("发生日期").fill((dt.date.today() - dt.timedelta(days=2)).isoformat())
    page.get_by_label("问题描述").fill("机构已列入黑名单仍在招生，预收了一学期学费，拒绝退费。")
    page.get_by_role("button", name="提交投诉").click()

    expect(page.get_by_role("heading", name="投诉已提交")).to_be_visible()
    complaint = Complaint.objects.get()
    assert "/complaints/submitted/" in page.url and complaint.tracking_code in page.url
    expect(page.locator("#tracking-code")).to_have_text(complaint.tracking_code)
    secret = page.locator("#secret").inner_text().strip()
    assert secret and secret not in page.url
    link = page.locator("#track-link")
    expect(link).to_have_text(f"{live_server.url}/complaints/track/?code={complaint.tracking_code}")
    expect(page.locator("svg.qr-code")).to_be_visible()
    expect(page.get_by_role("button", name="复制密码")).to_be_visible()
    shot(page, "20-parent-complaint-confirmation-qr-phone")
    assert not violations(page), violations(page)

    # a reload shows the same confirmation and files nothing more
    page.reload()
    expect(page.locator("#tracking-code")).to_have_text(complaint.tracking_code)
    assert Complaint.objects.count() == 1

    # the tracking link fills in the code; the secret completes it
    link.click()
    expect(page.get_by_label("查询码")).to_have_value(complaint.tracking_code)
    page.get_by_label("查询密码").fill(secret)
    page.get_by_role("button", name="查询", exact=True).click()
    expect(page.locator(".card .status")).to_have_text("已收到")
    assert not errors, errors
