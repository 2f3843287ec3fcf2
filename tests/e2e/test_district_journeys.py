"""The district officer's day: a complaint assigned to a colleague, who finds it under "assigned to me" and resolves
it with the action forms; a bulk status change on the findings list; the school reading its finding in Chinese.

No task is sent to a worker (the journeys' writes ask for sweeps, which run in-process with the test defaults).
"""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from complaints.models import Complaint
from complaints.services import complaint_submit
from compliance.choices import RuleKind
from compliance.models import ComplianceRun, Finding, FindingEvent
from compliance.services.reconcile import REASON_FOUND
from tests import factories as f
from tests.e2e.test_accessibility import violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_officer_assigns_a_complaint_to_a_colleague_who_resolves_it_with_the_action_form(
    live_server, open_page, login, shot, district1, district_user, institution
):
    colleague = f.user_with_role("district", username="district1-li", district=district1)
    colleague.first_name = "李小红"
    colleague.save()
    occurred = timezone.localdate() - dt.timedelta(days=2)
    earlier, _ = complaint_submit(
        target_kind="institution",
        institution=institution,
        category="prepayment_refund",
        description="报名时一次收取一年学费。",
        occurred_on=occurred,
    )
    complaint, _ = complaint_submit(
        target_kind="institution",
        institution=institution,
        category="holiday_or_late_training",
        description="周六晚上十点后还在上数学课。",
        occurred_on=occurred,
        grade=5,
    )

    officer = open_page("desktop", axe=True)
    login(officer, "district1")
    officer.goto(f"{live_server.url}/complaints/inbox/")
    # the inbox finds the complaint by its code, typed as it was read out on the phone (lower case, a dash)
    code = complaint.tracking_code
    officer.get_by_label("查询码或内容").fill(f"{code[:6].lower()}-{code[6:]}")
    officer.get_by_role("button", name="筛选").click()
    rows = officer.locator("table tbody tr")
    expect(rows).to_have_count(1)
    rows.get_by_role("link", name=code).click()
    expect(officer.get_by_role("heading", name=code)).to_be_visible()
    # the earlier complaint about the same institution this week is flagged
    expect(officer.locator("#possible-duplicates")).to_contain_text(earlier.tracking_code)
    expect(officer.locator("#possible-duplicates")).to_contain_text("同一培训机构")
    # only the actions of a received complaint (accept, reject, reroute), each its own form
    expect(officer.locator(".action-forms details")).to_have_count(3)
    expect(officer.locator("#action-resolve")).to_have_count(0)
    officer.get_by_label("承办人:", exact=True).select_option(label="李小红")
    officer.get_by_label("交办说明（内部）").fill("请今天联系机构核实")
    officer.get_by_role("button", name="分配", exact=True).click()
    expect(officer.get_by_text("已分配给 李小红。")).to_be_visible()
    expect(officer.locator("#assignee")).to_contain_text("李小红")
    problems = violations(officer)
    assert not problems, "\n".join(problems)
    shot(officer, "03-complaint-assigned")

    colleague_page = open_page("desktop", axe=True)
    login(colleague_page, "district1-li")
    colleague_page.goto(f"{live_server.url}/complaints/inbox/")
    colleague_page.get_by_role("link", name="分配给我的（1）").click()
    rows = colleague_page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("李小红")
    problems = violations(colleague_page)
    assert not problems, "\n".join(problems)
    shot(colleague_page, "03-inbox-assigned-to-me")
    rows.get_by_role("link", name=code).click()

    colleague_page.locator("#action-accept summary").click()
    colleague_page.locator("#action-accept").get_by_label("受理说明").fill("已受理，将于十五个工作日内办结")
    colleague_page.locator("#action-accept").get_by_role("button", name="受理").click()
    expect(colleague_page.locator("h1 .status")).to_have_text("已受理")
    colleague_page.locator("#action-investigate").get_by_role("button", name="开始调查").click()
    expect(colleague_page.locator("h1 .status")).to_have_text("调查中")

    resolve = colleague_page.locator("#action-resolve")
    # the resolve form shows only its own fields, and no rule is chosen for the officer
    expect(resolve.locator("[name='resolve-reason']")).to_have_count(0)
    expect(resolve.get_by_label("立案规则（属实时必选）")).to_have_value("")
    resolve.get_by_label("办理结果（对投诉人公开）").fill("经查属实：该机构周六22:00后仍安排线下培训，已责令整改。")
    resolve.get_by_label("属实", exact=True).check()
    resolve.get_by_role("button", name="办结").click()
    # forgotten rule: refused, with what was typed kept
    expect(colleague_page.locator("#action-resolve")).to_contain_text("投诉属实时须选择立案规则")
    expect(colleague_page.locator("#action-resolve").get_by_label("办理结果（对投诉人公开）")).to_have_value(
        "经查属实：该机构周六22:00后仍安排线下培训，已责令整改。"
    )
    colleague_page.locator("#action-resolve").get_by_label("立案规则（属实时必选）").select_option("TI-13-LATE-OFFLINE")
    colleague_page.locator("#action-resolve").get_by_role("button", name="办结").click()
    expect(colleague_page.locator("h1 .status")).to_have_text("已办结")
    problems = violations(colleague_page)
    assert not problems, "\n".join(problems)
    shot(colleague_page, "03-complaint-resolved-by-colleague")

    complaint = Complaint.objects.get(pk=complaint.pk)
    assert (complaint.state, complaint.assigned_to_id, complaint.rule_id) == (
        "resolved",
        colleague.pk,
        "TI-13-LATE-OFFLINE",
    )
    assert complaint.finding.rule_id == "TI-13-LATE-OFFLINE"


def _finding(school, klass, *, n, evidence, run):
    now = timezone.now()
    made = Finding.objects.create(
        rule_id="HW-5-G36",
        kind=RuleKind.AUTO,
        district=school.district,
        school=school,
        school_class=klass,
        period_start=timezone.localdate() - dt.timedelta(days=n),
        evidence=evidence,
        summary=f"{klass.name}书面作业合计{evidence['total']}分钟，超过60分钟",
        fingerprint=f"e2e-{n}",
        first_seen=now,
        last_seen=now,
        status_changed_at=now,
    )
    FindingEvent.objects.create(
        finding=made, to_status="open", actor_label=f"run {run.pk}", reason=REASON_FOUND, at=now
    )
    return made


def test_a_district_officer_dismisses_findings_in_bulk_and_the_school_reads_its_finding_in_chinese(
    live_server, open_page, login, shot, district1, district_user, school_a, school_user
):
    klass = f.SchoolClassFactory(school=school_a, name="三年级2班", grade=3)
    run = ComplianceRun.objects.create(
        date_from=timezone.localdate() - dt.timedelta(days=7),
        date_to=timezone.localdate(),
        district_codes=[district1.code],
        scope_district=district1,
    )
    evidence = {
        "date": "2026-11-18",
        "class": "三年级2班",
        "grade": 3,
        "limit": 60,
        "total": 100,
        "by_subject": {"数学": 70, "语文": 20, "英语": 10},
        "items": [
            {
                "kind": "written",
                "subject": "maths",
                "subject_zh": "数学",
                "content": "课本练习题",
                "minutes": 70,
                "counted": 70,
                "at_home": True,
            },
            {
                "kind": "written",
                "subject": "chinese",
                "subject_zh": "语文",
                "content": "生字抄写",
                "minutes": 20,
                "counted": 20,
                "at_home": True,
            },
            {
                "kind": "reading",
                "subject": "english",
                "subject_zh": "英语",
                "content": "课文跟读",
                "minutes": 10,
                "counted": 10,
                "at_home": True,
            },
        ],
        "measured_subjects": [],
    }
    findings = [_finding(school_a, klass, n=n, evidence=evidence, run=run) for n in range(1, 5)]

    officer = open_page("desktop", axe=True)
    login(officer, "district1")
    officer.get_by_role("link", name="问题线索").first.click()
    expect(officer.get_by_role("heading", name="问题线索")).to_be_visible()
    expect(officer.locator(".rule-counts")).to_contain_text("HW-5-G36")
    expect(officer.locator(".rule-counts")).to_contain_text("4")
    problems = violations(officer)
    assert not problems, "\n".join(problems)
    shot(officer, "04-findings-list")

    for item in findings[:2]:
        officer.get_by_label(f"选择问题 #{item.pk}").check()
    officer.get_by_label("新状态").select_option(label="已驳回")
    officer.get_by_label("原因", exact=True).fill("家长会统一布置的周末实践作业，不属于日常书面作业")
    officer.get_by_role("button", name="变更选中问题的状态").click()
    expect(officer.get_by_text("已将 2 条问题改为“已驳回”")).to_be_visible()
    for item in findings[:2]:
        expect(officer.locator("table tbody tr", has_text=f"#{item.pk}")).to_contain_text("已驳回")
    expect(officer.locator("table tbody tr", has_text=f"#{findings[2].pk}")).to_contain_text("待处理")
    shot(officer, "04-findings-bulk-dismissed")
    assert sorted(Finding.objects.filter(status="dismissed").values_list("pk", flat=True)) == sorted(
        i.pk for i in findings[:2]
    )

    school = open_page("desktop", axe=True)
    login(school, school_user.username)
    school.goto(f"{live_server.url}/compliance/findings/{findings[2].pk}/")
    evidence_table = school.locator("table.evidence")
    expect(evidence_table).to_contain_text("各科时长（分钟）")
    expect(evidence_table).to_contain_text("数学 70；")
    expect(evidence_table).to_contain_text("书面")
    for raw in ("by_subject", "{", "written", "subject_zh"):
        assert raw not in evidence_table.inner_text()
    expect(school.locator("main")).to_contain_text(f"系统检查（第 {run.pk} 次）")
    expect(school.locator("main")).not_to_contain_text("found by a sweep")
    problems = violations(school)
    assert not problems, "\n".join(problems)
    shot(school, "04-finding-page-as-school")
