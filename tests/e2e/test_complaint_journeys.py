"""Journeys 1 and 2: a parent complains from a phone and follows the complaint; a district officer handles it.

Neither journey sends a task (a complaint's deadlines are set when it is submitted and moved), so both run with
the in-process defaults; the journeys that trigger sweeps run a real worker (``test_homework_journey.py``).
"""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from complaints.models import Complaint
from complaints.services import complaint_submit
from compliance.models import Finding
from tests import factories as f

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def track(page, base_url, code, secret):
    page.goto(f"{base_url}/complaints/track/")
    page.get_by_label("查询码").fill(code)
    page.get_by_label("查询密码").fill(secret)
    page.get_by_role("button", name="查询", exact=True).click()
    return page.locator(".card .status")


def test_parent_complains_anonymously_from_a_phone_and_sees_the_district_accept_it(
    live_server, phone, desktop, login, shot, district_user
):
    f.InstitutionFactory(name="启航学科培训学校")  # Dongcheng, the officer's district
    f.InstitutionFactory(name="启明星艺术培训中心")
    occurred = timezone.localdate() - dt.timedelta(days=2)

    phone.goto(f"{live_server.url}/")
    phone.get_by_role("link", name="投诉举报").click()
    expect(phone.get_by_role("heading", name="投诉举报")).to_be_visible()
    phone.wait_for_load_state()  # the name search's script is deferred
    expect(phone.get_by_label("校外培训机构")).to_be_checked()
    phone.get_by_label("培训机构名称").press_sequentially("启航", delay=30)
    # the name search lists the matching institution; picking it fills the name
    match = phone.get_by_role("button", name="启航学科培训学校（东城区）")
    expect(match).to_be_visible()
    shot(phone, "01-complaint-name-search-phone")
    match.click()
    expect(phone.locator("ul.autocomplete[data-for=institution_name]")).to_be_hidden()
    expect(phone.get_by_label("培训机构名称")).to_have_value("启航学科培训学校")
    phone.get_by_label("问题类别").select_option(label="节假日或夜间培训")
    phone.get_by_label("学生年级").select_option(label="四年级")
    phone.get_by_label("发生日期").fill(occurred.isoformat())
    phone.get_by_label("问题描述").fill("周六晚上九点后仍在上数学课，孩子十点才到家。")
    shot(phone, "01-complaint-form-phone")
    phone.get_by_role("button", name="提交投诉").click()

    expect(phone.get_by_role("heading", name="投诉已提交")).to_be_visible()
    code = phone.locator("#tracking-code").inner_text().strip()
    secret = phone.locator("#secret").inner_text().strip()
    assert code and secret
    expect(phone.get_by_text("密码只显示这一次")).to_be_visible()
    shot(phone, "01-complaint-submitted-phone")
    complaint = Complaint.objects.get(tracking_code=code)
    assert complaint.anonymous and complaint.institution.name == "启航学科培训学校"

    expect(track(phone, live_server.url, code, secret)).to_have_text("已收到")
    # a wrong secret shows nothing of the complaint
    expect(track(phone, live_server.url, code, "wrong-secret")).to_have_count(0)
    expect(phone.get_by_text("查询码或查询密码不正确")).to_be_visible()

    # meanwhile the district officer accepts it
    login(desktop, "district1")
    desktop.goto(f"{live_server.url}/complaints/inbox/")
    desktop.get_by_role("link", name=code).click()
    desktop.locator("#action-accept summary").click()
    desktop.locator("#action-accept").get_by_role("button", name="受理").click()
    expect(desktop.get_by_text("已办理：受理，投诉现为“已受理”。")).to_be_visible()

    # later, the parent looks again with the code and secret they kept
    expect(track(phone, live_server.url, code, secret)).to_have_text("已受理")
    main = phone.locator("main")
    expect(main).to_contain_text("办结期限")
    expect(main).to_contain_text("东城区")
    shot(phone, "01-complaint-accepted-phone")


def _complaint(institution, *, description, accept_due):
    complaint, _secret = complaint_submit(
        target_kind="institution",
        institution=institution,
        category="holiday_or_late_training",
        description=description,
        occurred_on=timezone.localdate() - dt.timedelta(days=3),
        grade=5,
    )
    Complaint.objects.filter(pk=complaint.pk).update(accept_due=accept_due)
    return complaint.tracking_code


def test_district_officer_accepts_and_resolves_the_most_urgent_complaint_into_a_case_finding(
    live_server, desktop, login, shot, district_user, institution
):
    today = timezone.localdate()
    later = _complaint(institution, description="周末补课收费", accept_due=today + dt.timedelta(days=5))
    urgent = _complaint(institution, description="晚上十点后还在上课", accept_due=today - dt.timedelta(days=1))
    soon = _complaint(institution, description="国庆假期开课", accept_due=today + dt.timedelta(days=1))
    other_district = f.InstitutionFactory(district=f.district("110102"))
    hidden = _complaint(other_district, description="西城区的机构", accept_due=today)

    login(desktop, "district1")
    desktop.get_by_role("link", name="投诉受理").click()
    expect(desktop.get_by_role("heading", name="投诉受理")).to_be_visible()
    expect(desktop.locator("main")).to_contain_text("3 件投诉，按办理期限排序")
    rows = desktop.locator("table tbody tr")
    assert rows.locator("td:nth-child(2)").all_inner_texts() == [urgent, soon, later]  # nearest deadline first
    expect(rows.first).to_contain_text("已超期")
    assert hidden not in desktop.locator("main").inner_text()  # another district's complaint is not listed
    shot(desktop, "02-inbox")

    rows.first.get_by_role("link", name=urgent).click()
    expect(desktop.get_by_role("heading", name=urgent)).to_be_visible()
    # one form per action: accepting first (of accept / reject), then the only next step, the investigation
    desktop.locator("#action-accept summary").click()
    desktop.locator("#action-accept").get_by_role("button", name="受理").click()
    expect(desktop.locator("h1 .status")).to_have_text("已受理")
    desktop.locator("#action-investigate").get_by_role("button", name="开始调查").click()
    expect(desktop.locator("h1 .status")).to_have_text("调查中")

    resolve = desktop.locator("#action-resolve")
    resolve.get_by_label("办理结果").fill("经查属实：该机构在22:00后安排线下培训，已责令停止并整改。")
    resolve.get_by_label("属实", exact=True).check()
    # the rule is never proposed: the officer picks the precise one among the category's rules
    rule = resolve.get_by_label("立案规则（属实时必选）")
    expect(rule).to_have_value("")
    rule.select_option("TI-13-LATE-OFFLINE")
    resolve.get_by_role("button", name="办结").click()
    expect(desktop.locator("h1 .status")).to_have_text("已办结")
    finding = Finding.objects.get(kind="case")  # the upheld complaint's case (a missed deadline may add a CP finding)
    expect(desktop.locator("main")).to_contain_text(f"TI-13-LATE-OFFLINE #{finding.pk}")
    shot(desktop, "02-complaint-resolved")

    desktop.goto(f"{live_server.url}/")
    desktop.get_by_role("link", name="问题线索").first.click()
    expect(desktop.get_by_role("heading", name="问题线索")).to_be_visible()
    row = desktop.locator("table tbody tr", has_text=f"#{finding.pk}")
    expect(row).to_contain_text("TI-13-LATE-OFFLINE")
    expect(row).to_contain_text(f"投诉{urgent}经查属实")
    expect(row).to_contain_text(institution.name)
    shot(desktop, "02-findings")
    assert (finding.rule_id, finding.kind, finding.district.code, finding.institution_id) == (
        "TI-13-LATE-OFFLINE",
        "case",
        "110101",
        institution.pk,
    )
