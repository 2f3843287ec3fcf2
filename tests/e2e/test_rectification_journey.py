"""Journey: the supervision loop in a browser. The district bulk-issues a rectification notice for a school's open
findings, the school finds it in its inbox and on its landing page and answers with a photo, the district returns the
report with a reason, the school answers again, the district accepts: the findings read "rectified" with the whole
history. Screenshots of the notice (screen and print), the report form and the review.

The clock is set to a school week of 2026 (the notice's deadline is counted on the statutory calendar) and keeps
ticking; the session lasts long enough for the browser, whose own clock is not moved, to keep the cookie.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from PIL import Image
from playwright.sync_api import expect

from compliance.choices import FindingStatus, NoticeState
from compliance.models import Finding, RectificationNotice
from tests import factories as f
from tests.beat import local
from tests.compliance.test_rectification import _finding as finding

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MONDAY = dt.date(2026, 11, 16)
DEADLINE = dt.date(2026, 12, 7)  # HW-4-PUBLISH is minor: 15 working days after Monday 16 November


def _finding(rule_id, school_class, day):
    return finding(rule_id, school_class, day, summary=f"{school_class.name} {day} 未按时公示作业")


def _photo(tmp_path):
    path = tmp_path / "整改后公示栏.png"
    buf = io.BytesIO()
    Image.new("RGB", (320, 200), (40, 120, 60)).save(buf, "PNG")
    path.write_bytes(buf.getvalue())
    return path


@pytest.fixture
def week(settings):
    settings.SESSION_COOKIE_AGE = 5 * 365 * 24 * 3600
    with time_machine.travel(local(MONDAY, 9), tick=True):
        yield


def _review(page, *, decision, reason=""):
    page.get_by_label(decision).check()
    if reason:
        page.get_by_label("复核意见").fill(reason)
    page.get_by_role("button", name="提交复核结果").click()


def test_notice_report_return_resubmit_accept(
    week, live_server, open_page, login, shot, tmp_path, school_a, school_b, school_user, district_user
):
    cls = f.SchoolClassFactory(school=school_a, grade=4, name="四年级2班")
    week_before = [MONDAY - dt.timedelta(days=d) for d in (7, 6, 5)]
    chosen = [_finding("HW-4-PUBLISH", cls, d) for d in week_before]
    other_rule = _finding("HW-5-G36", cls, week_before[0])
    other_district = _finding("HW-4-PUBLISH", f.SchoolClassFactory(school=school_b, grade=4), week_before[0])

    district, school = open_page("desktop"), open_page("desktop")
    login(district, "district1")
    login(school, "school-a")
    base = live_server.url

    # the district filters the open HW-4-PUBLISH findings and issues notices for the whole filter
    district.goto(f"{base}/compliance/findings/?rule=HW-4-PUBLISH&status=open")
    district.get_by_role("link", name="对筛选出的全部待处理问题下发整改通知").click()
    expect(district.get_by_role("heading", name="下发整改通知")).to_be_visible()
    group = district.locator("section.notice-group")
    expect(group).to_have_count(1)  # one school of the district; another district's finding is not offered
    expect(group).to_contain_text(school_a.name)
    expect(group.locator("tbody tr")).to_have_count(3)
    expect(group).to_contain_text("整改期限：15 个工作日，至 2026-12-07")
    district.get_by_label("整改要求").fill("立即补齐所缺作业公示；每日16:00前在平台公示当日作业，由年级组长核对。")
    district.get_by_role("button", name="下发 1 份整改通知").click()
    notice = RectificationNotice.objects.get()
    expect(district.get_by_role("heading", name="整改通知书")).to_be_visible()
    expect(district.locator("article.notice-sheet")).to_contain_text(notice.number)
    expect(district.locator("article.notice-sheet")).to_contain_text("第4条")  # the legal basis: the rule's article
    shot(district, "17-notice-page")
    district.emulate_media(media="print")
    shot(district, "17-notice-print")
    district.emulate_media(media="screen")
    assert notice.deadline == DEADLINE and notice.school == school_a
    assert set(Finding.objects.filter(pk__in=[x.pk for x in chosen]).values_list("status", flat=True)) == {
        FindingStatus.NOTIFIED
    }
    assert Finding.objects.get(pk=other_rule.pk).status == FindingStatus.OPEN
    assert Finding.objects.get(pk=other_district.pk).status == FindingStatus.OPEN

    # the school sees it in its inbox (unread count in the header) and on its landing page
    school.goto(f"{base}/")
    expect(school.locator(".inbox-link .badge")).to_have_text("1")
    expect(school.locator("main")).to_contain_text(notice.number)
    school.locator(".inbox-link").click()
    expect(school.locator("table.notifications")).to_contain_text(notice.number)
    school.goto(f"{base}/")
    school.get_by_role("link", name=notice.number).click()
    school.get_by_label("整改情况").fill("已补齐11月9日至11日的作业公示，年级组长每日核对。")
    school.get_by_label("附件（照片、PDF、Excel，每个不超过 10 MB）").set_input_files(str(_photo(tmp_path)))
    shot(school, "17-report-form")
    school.get_by_role("button", name="提交报告").click()
    expect(school.locator(".notice-reports")).to_contain_text("整改后公示栏.png")
    expect(school.locator(".notice-reports")).to_contain_text("待复核")

    # the district is told, and returns the report with a reason
    district.goto(f"{base}/")
    expect(district.locator(".inbox-link .badge")).to_have_text("1")
    district.goto(f"{base}/compliance/notices/{notice.pk}/")
    expect(district.get_by_role("link", name="整改后公示栏.png")).to_be_visible()
    district.get_by_label("退回，重新整改").check()
    district.get_by_label("复核意见").fill("照片看不清公示日期，请补充平台截图。")
    shot(district, "17-review")
    district.get_by_role("button", name="提交复核结果").click()
    expect(district.locator(".notice-reports")).to_contain_text("照片看不清公示日期")
    assert RectificationNotice.objects.get().state == NoticeState.RETURNED

    # the school reads the reason and answers again
    school.reload()
    expect(school.locator(".notice-reports")).to_contain_text("照片看不清公示日期")
    school.get_by_label("整改情况").fill("补充平台公示截图，显示每日公示时间。")
    school.get_by_label("附件（照片、PDF、Excel，每个不超过 10 MB）").set_input_files(str(_photo(tmp_path)))
    school.get_by_role("button", name="提交报告").click()
    expect(school.locator(".notice-reports .report")).to_have_count(2)

    # the district accepts: the notice is closed (销号), the findings rectified
    district.reload()
    _review(district, decision="通过，销号")
    expect(district.locator("article.notice-sheet")).to_contain_text("已通过复核，销号")
    shot(district, "17-accepted")
    assert set(Finding.objects.filter(pk__in=[x.pk for x in chosen]).values_list("status", flat=True)) == {
        FindingStatus.RECTIFIED
    }

    # each finding shows the whole history: notified, submitted, returned, submitted again, rectified
    school.goto(f"{base}/compliance/findings/{chosen[0].pk}/")
    history = [(e.from_status, e.to_status) for e in Finding.objects.get(pk=chosen[0].pk).events.order_by("at", "pk")]
    assert history == [
        ("open", "notified"),
        ("notified", "rectification_submitted"),
        ("rectification_submitted", "rectifying"),
        ("rectifying", "rectification_submitted"),
        ("rectification_submitted", "rectified"),
    ]
    expect(school.locator("main")).to_contain_text("照片看不清公示日期")
    expect(school.locator("main")).to_contain_text(notice.number)
    shot(school, "17-finding-history")
