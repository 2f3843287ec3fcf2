"""Journey 3: a teacher files a grade-4 class's day over the written-homework limit, and corrects it.

The filing's sweep runs on a real Celery worker (a subprocess on the test database, through Redis), as in
production: the filing returns at once, the worker turns it into a compliance run, and the finding appears on the
school's landing page and the district dashboard; the corrected filing's sweep clears it.
"""

import datetime as dt
import time

import pytest
from playwright.sync_api import expect

from compliance import services as compliance_services
from compliance.choices import FindingStatus, RunState
from compliance.models import ComplianceRun, Finding
from tests import clock
from tests import factories as f
from tests.worker import wait_for_run

pytestmark = [pytest.mark.e2e, pytest.mark.services, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

DAY = "2026-11-10"  # a Tuesday in term: a school day in Dongcheng


@pytest.fixture(autouse=True)
def _filed_on_the_day():
    """The teacher files (and re-files) on the day itself, while it is open (``periods.closing``); the server's
    clock is simulated, the worker sweeps on its own."""
    with clock.on_day(dt.date.fromisoformat(DAY), hour=17):
        yield


def wait_for_filing_sweep(count: int, timeout: float = 60) -> ComplianceRun:
    """The ``count``-th sweep that filings triggered, once the worker has finished it."""
    deadline = time.monotonic() + timeout
    while ComplianceRun.objects.filter(trigger="filing").count() < count:
        assert time.monotonic() < deadline, "the filing was not swept"
        time.sleep(0.2)
    run = wait_for_run(ComplianceRun.objects.filter(trigger="filing").latest("id").pk, timeout=timeout)
    assert run.state == RunState.DONE, run.errors
    return run


def dashboard_findings(page, base_url):
    """The district dashboard's findings table for November, as the officer filters it."""
    page.goto(f"{base_url}/dashboards/")
    page.get_by_label("日期从").fill("2026-11-01")
    page.get_by_label("日期至").fill("2026-11-30")
    page.get_by_role("button", name="查看").click()
    expect(page.locator(".dash-head")).to_contain_text("2026-11-01 — 2026-11-30")
    return page.locator("section.dash-section", has=page.get_by_role("heading", name="问题线索", exact=True))


def test_teacher_is_warned_files_anyway_sees_the_finding_then_corrects_it(
    live_server, desktop, open_page, login, shot, settings, celery_broker, school_a, school_user, district_user
):
    settings.SWEEP_DEBOUNCE_SECONDS = 1
    compliance_services._debounce_release()
    g4 = f.SchoolClassFactory(school=school_a, grade=4, name="四年级1班")
    f.SchoolClassFactory(school=school_a, grade=8, name="八年级1班")
    worker = celery_broker()

    login(desktop, "school-a")
    desktop.get_by_role("link", name="填报作业").click()
    desktop.wait_for_load_state()  # the form's script listens for another class or day
    desktop.get_by_label("班级").select_option(label="四年级1班（4年级）")  # loads that class's filing
    desktop.wait_for_url(f"**school_class={g4.pk}**")
    desktop.wait_for_load_state()
    desktop.get_by_label("日期", exact=True).fill(DAY)  # and another day that day's
    desktop.wait_for_url(f"**school_class={g4.pk}&date={DAY}")
    desktop.wait_for_load_state()
    rows = desktop.locator("tr.item-row")
    rows.nth(0).locator("select[name$='-subject']").select_option(label="数学")
    rows.nth(0).locator("input[name$='-minutes']").fill("40")
    rows.nth(0).locator("input[name$='-content']").fill("练习册第12页")
    rows.nth(1).locator("select[name$='-subject']").select_option(label="语文")
    total = desktop.locator("#homework-total")
    over = desktop.locator("#homework-total-over")
    minutes = rows.nth(1).locator("input[name$='-minutes']")
    minutes.press_sequentially("3")
    expect(total).to_contain_text("书面作业合计：43 分钟 / 本年级上限 60 分钟")
    expect(over).to_be_hidden()
    minutes.press_sequentially("0")  # 30: 70 minutes in all, over grade 4's limit
    expect(total).to_contain_text("书面作业合计：70 分钟 / 本年级上限 60 分钟")
    expect(over).to_be_visible()
    expect(over).to_contain_text("已超过本年级上限（HW-5-G36）")
    shot(desktop, "03-homework-form-warning")

    desktop.get_by_role("button", name="提交并公示").click()  # a warning, never a block
    expect(desktop.get_by_role("heading", name="作业公示")).to_be_visible()
    messages = desktop.locator("ul.messages")
    expect(messages).to_contain_text("的作业已公示（2 项）")
    expect(messages.locator(".msg-warning")).to_contain_text("书面作业合计 70 分钟，超过本年级上限 60 分钟（HW-5-G36）")
    shot(desktop, "03-homework-published")

    run = wait_for_filing_sweep(1)
    assert run.school_ids == [school_a.pk] and run.new_count >= 1
    finding = Finding.objects.get(rule_id="HW-5-G36")
    assert (finding.school_class_id, finding.status) == (g4.pk, FindingStatus.OPEN)

    desktop.goto(f"{live_server.url}/")
    landing = desktop.locator("table", has=desktop.get_by_role("columnheader", name="如何整改"))
    row = landing.locator("tbody tr", has_text="HW-5-G36")
    expect(row).to_contain_text("3–6年级书面作业超时")
    expect(row).to_contain_text("书面作业 70 分钟，超过 60 分钟")
    expect(row).to_contain_text("三至六年级每天书面作业平均完成时间不超过60分钟")
    shot(desktop, "03-school-landing-finding")

    officer = open_page("desktop")
    login(officer, "district1")
    findings = dashboard_findings(officer, live_server.url)
    g36 = findings.locator("tbody tr", has=officer.get_by_role("rowheader", name="HW-5-G36"))
    expect(g36.locator("td.num").first).to_have_text("1")  # open
    shot(officer, "03-district-dashboard-finding")

    # the teacher corrects the day: Chinese down to 20 minutes, 60 in all
    desktop.goto(f"{live_server.url}/homework/file/?school_class={g4.pk}&date={DAY}")
    rows = desktop.locator("tr.item-row")
    chinese = rows.filter(has=desktop.locator("select[name$='-subject'] option[selected][value=chinese]"))
    expect(chinese.locator("input[name$='-minutes']")).to_have_value("30")  # the filed day, to correct
    chinese.locator("input[name$='-minutes']").fill("20")
    expect(total).to_contain_text("书面作业合计：60 分钟 / 本年级上限 60 分钟")
    expect(over).to_be_hidden()
    desktop.get_by_role("button", name="提交并公示").click()
    expect(desktop.locator("ul.messages")).to_contain_text("的作业已公示（2 项）")
    expect(desktop.locator(".msg-warning")).to_have_count(0)

    run = wait_for_filing_sweep(2)
    assert run.cleared_count >= 1
    finding.refresh_from_db()
    assert finding.status == FindingStatus.CLEARED

    desktop.goto(f"{live_server.url}/")
    expect(landing).to_be_visible()  # other findings remain (the day was filed late: HW-4-PUBLISH)
    expect(landing.locator("tbody tr", has_text="HW-5-G36")).to_have_count(0)
    shot(desktop, "03-school-landing-cleared")
    dashboard_findings(officer, live_server.url)
    expect(g36.locator("td.num").nth(0)).to_have_text("0")  # open
    expect(g36.locator("td.num").nth(1)).to_have_text("1")  # cleared
    assert "Traceback" not in worker.output()
