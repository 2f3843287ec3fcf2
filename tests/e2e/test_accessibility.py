"""The basics of accessibility on the public pages, checked by axe-core in the browser.

Every form field has a label, text contrast meets WCAG 2 AA, a page has a first-level heading and its headings go
down one level at a time, and ``<html lang>`` is set and valid. The pages are checked as the public reaches them
(anonymous), in their states a visitor sees: empty forms, a form sent back with its errors, search results, a
detail, a tracked complaint.
"""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from complaints.services import complaint_submit
from tests import factories as f

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

#: axe-core rule IDs of the checked kinds (https://dequeuniversity.com/rules/axe/)
RULES = [
    # every form field has a label
    "label",
    "select-name",
    "aria-input-field-name",
    "form-field-multiple-labels",
    "label-title-only",
    # text contrast (WCAG 2 AA: 4.5:1, 3:1 for large text)
    "color-contrast",
    # headings present and in order
    "page-has-heading-one",
    "heading-order",
    "empty-heading",
    # the page's language
    "html-has-lang",
    "html-lang-valid",
    "valid-lang",
]

RUN = """rules => axe.run(document, {runOnly: {type: "rule", values: rules}}).then(r =>
  [["violation", r.violations], ["undecided", r.incomplete]].flatMap(([kind, results]) => results.map(v => ({
    kind, id: v.id, help: v.help,
    nodes: v.nodes.map(n => n.target.join(" ") + " — " + (n.failureSummary
      || n.any.concat(n.all, n.none).map(c => c.message).join("; ")).replace(/\\s+/g, " "))}))))"""


def violations(page) -> list[str]:
    """Every violation of the checked rules on the page as it is now, one line per element.

    What axe cannot decide counts too: it files text as light as its background (1:1, text nobody can read)
    under "needs review" rather than as a violation, and these pages have nothing it should need a person for.
    """
    page.wait_for_function("() => window.axe !== undefined")
    found = page.evaluate(RUN, RULES)
    return [f"{page.url} {v['kind']} {v['id']} ({v['help']}): {node}" for v in found for node in v["nodes"]]


def check(page, shot=None, name=""):
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    if shot:
        shot(page, name)
    problems = violations(page)
    assert not problems, "\n".join(problems)


@pytest.fixture
def data(db):
    inst = f.InstitutionFactory(name="启明星学科培训学校", licence_status="valid", list_status="white")
    f.InstitutionFactory(name="启明星艺术培训中心", licence_status="revoked", list_status="black")
    complaint, secret = complaint_submit(
        target_kind="institution",
        institution=inst,
        category="advertising",
        description="小区电梯里张贴学科培训广告",
        occurred_on=timezone.localdate() - dt.timedelta(days=1),
    )
    return {"institution": inst, "code": complaint.tracking_code, "secret": secret}


def test_public_pages_pass_the_basic_accessibility_checks_on_a_desktop(live_server, open_page, shot, data):
    page = open_page("desktop", axe=True)
    base = live_server.url

    page.goto(f"{base}/")
    check(page)

    page.goto(f"{base}/login/")
    check(page)
    page.get_by_role("button", name="登录").click()  # empty: sent back with its errors
    check(page)

    page.goto(f"{base}/lookup/")
    check(page)
    page.get_by_role("searchbox").fill("启明星")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("link", name="启明星艺术培训中心")).to_be_visible()  # two matches: a list
    check(page, shot, "a11y-lookup-results")
    page.get_by_role("link", name="启明星学科培训学校").click()
    expect(page.get_by_role("heading", name="启明星学科培训学校")).to_be_visible()
    check(page, shot, "a11y-lookup-detail")

    page.goto(f"{base}/complaints/new/")
    check(page)
    page.get_by_role("button", name="提交投诉").click()  # empty: sent back with every error named
    expect(page.locator(".errorlist").first).to_be_visible()
    check(page, shot, "a11y-complaint-form-errors")

    page.goto(f"{base}/complaints/track/")
    check(page)
    page.get_by_label("查询码").fill(data["code"])
    page.get_by_label("查询密码").fill(data["secret"])
    page.get_by_role("button", name="查询", exact=True).click()
    expect(page.locator(".card .status")).to_have_text("已收到")
    check(page, shot, "a11y-complaint-tracked")


def test_complaint_form_passes_the_basic_accessibility_checks_on_a_phone(live_server, open_page, data):
    page = open_page("phone", axe=True)
    page.goto(f"{live_server.url}/complaints/new/")
    page.get_by_label("培训机构名称").press_sequentially("启明星", delay=30)
    expect(page.get_by_role("button", name="启明星学科培训学校（东城区）")).to_be_visible()  # the name search's matches
    check(page)
    page.get_by_label("其他", exact=True).check()  # the fields of another kind of target
    check(page)


BROKEN = """() => {
  document.documentElement.removeAttribute("lang");
  const main = document.querySelector("main");
  main.insertAdjacentHTML("beforeend",
    '<h4>跳级的标题</h4><p id="pale">对比度不足的文字</p><input type="text" name="unlabelled">');
  document.getElementById("pale").style.color = "#aaa";  // through the CSSOM: the CSP refuses style attributes
}"""


def test_the_check_reports_each_kind_of_problem(live_server, open_page):
    page = open_page("desktop", axe=True)
    page.goto(f"{live_server.url}/")
    assert violations(page) == []
    page.evaluate(BROKEN)
    found = "\n".join(violations(page))
    for rule in ("html-has-lang", "label", "color-contrast", "heading-order"):
        assert f" {rule} (" in found, found


def test_the_district_officers_work_pages_pass_the_basic_accessibility_checks(
    live_server, open_page, login, shot, district1, district_user, data
):
    """The findings list with its filters, counts and bulk actions, the run pages, the inbox searched, a complaint
    with its action forms sent back with an error."""
    from compliance.models import ComplianceRun

    run = ComplianceRun.objects.create(
        date_from=timezone.localdate() - dt.timedelta(days=7),
        date_to=timezone.localdate(),
        district_codes=[district1.code],
        scope_district=district1,
        rule_ids=["HW-5-G36"],
    )
    page = open_page("desktop", axe=True)
    login(page, "district1")
    base = live_server.url

    page.goto(f"{base}/compliance/findings/?status=open")
    check(page)
    page.goto(f"{base}/compliance/runs/")
    check(page, shot, "a11y-runs")
    page.goto(f"{base}/compliance/runs/{run.pk}/")
    check(page)
    page.goto(f"{base}/complaints/inbox/")
    page.get_by_label("查询码或内容").fill("广告")
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_role("link", name=data["code"])).to_be_visible()
    check(page)
    page.get_by_role("link", name=data["code"]).click()
    page.locator("#action-reject summary").click()
    # blanks only pass the browser's check of the required field and are sent back by the server
    page.locator("#action-reject").get_by_label("不予受理理由（对投诉人公开）").fill("   ")
    page.locator("#action-reject").get_by_role("button", name="不予受理").click()
    expect(page.locator("#action-reject .errorlist")).to_be_visible()
    check(page, shot, "a11y-complaint-action-error")
