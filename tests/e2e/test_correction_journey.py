"""Journey: a school asks to correct a closed day, the district approves it, and the class's published homework
shows the new rows, marked corrected with the date.

The day (a Tuesday) is filed at noon on the day; the journey runs two days later, when the day is closed (the
server's clock is simulated; the browser's cookies carry Max-Age, so they live in real time).
"""

import datetime as dt

import pytest
from playwright.sync_api import expect

from homework.models import HomeworkItem
from homework.services import homework_file
from periods.models import Correction, DayVersion
from tests import clock
from tests import factories as f

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DAY = dt.date(2026, 11, 10)


def test_school_requests_a_correction_the_district_approves_it_and_the_publication_shows_it(
    live_server, open_page, login, shot, school_a, school_user, district_user
):
    g4 = f.SchoolClassFactory(school=school_a, grade=4, name="四年级1班")
    with clock.on_day(DAY):
        homework_file(
            user=school_user,
            items=[
                {
                    "school_class": g4.pk,
                    "date": DAY.isoformat(),
                    "subject": "maths",
                    "kind": "written",
                    "minutes": 20,
                    "content": "练习册第12页",
                },
                {
                    "school_class": g4.pk,
                    "date": DAY.isoformat(),
                    "subject": "chinese",
                    "kind": "written",
                    "minutes": 15,
                    "content": "抄写生字",
                },
            ],
        )
    with clock.at(clock.local(DAY + dt.timedelta(days=2), 9)):
        school = open_page("desktop")
        login(school, "school-a")
        # the day page says the day is closed and offers the correction
        school.goto(f"{live_server.url}/homework/file/?school_class={g4.pk}&date={DAY.isoformat()}")
        expect(school.locator("#day-period")).to_contain_text("该日已关闭")
        school.locator("#day-period").get_by_role("link", name="提出更正申请").click()
        school.wait_for_load_state()
        expect(school.get_by_label("更正日期")).to_have_value(DAY.isoformat())
        expect(school.get_by_label("四年级1班")).to_be_checked()
        school.get_by_label("更正原因").fill("数学作业时长录错，应为10分钟；语文作业改为朗读")
        rows = school.locator("tr.item-row")
        rows.nth(0).locator("select[name$='-school_class']").select_option(label="四年级1班")
        rows.nth(0).locator("select[name$='-subject']").select_option(label="数学")
        rows.nth(0).locator("input[name$='-minutes']").fill("10")
        rows.nth(0).locator("input[name$='-content']").fill("练习册第12页（前5题）")
        rows.nth(1).locator("select[name$='-school_class']").select_option(label="四年级1班")
        rows.nth(1).locator("select[name$='-subject']").select_option(label="语文")
        rows.nth(1).locator("select[name$='-kind']").select_option(label="口头")
        rows.nth(1).locator("input[name$='-minutes']").fill("10")
        rows.nth(1).locator("input[name$='-content']").fill("朗读课文第三课")
        shot(school, "correction-01-school-request")
        school.get_by_role("button", name="提交更正申请").click()
        school.wait_for_load_state()
        expect(school.locator("#correction-status")).to_have_text("待审批")
        correction = Correction.objects.get()

        district = open_page("desktop")
        login(district, "district1")
        district.goto(f"{live_server.url}/periods/")
        district.get_by_role("link", name=f"#{correction.pk}").click()
        district.wait_for_load_state()
        expect(district.locator("table.publication")).to_contain_text("朗读课文第三课")
        district.get_by_label("审批", exact=True).select_option(label="批准")
        district.get_by_label("审批意见（驳回时必填）").fill("已核实")
        shot(district, "correction-02-district-decides")
        district.get_by_role("button", name="提交审批").click()
        district.wait_for_load_state()
        expect(district.locator("#correction-status")).to_have_text("已批准")
        shot(district, "correction-03-district-approved")

        school.goto(f"{live_server.url}/homework/classes/{g4.pk}/{DAY.isoformat()}/")
        expect(school.locator("#corrected-mark")).to_have_text("已更正（2026-11-12）")
        published = school.locator("table.publication").first
        expect(published).to_contain_text("朗读课文第三课")
        expect(published).not_to_contain_text("抄写生字")
        expect(school.get_by_role("heading", name="更正历史")).to_be_visible()
        shot(school, "correction-04-published-corrected")
    assert sorted(HomeworkItem.objects.values_list("subject", "minutes")) == [("chinese", 10), ("maths", 10)]
    assert DayVersion.objects.get().version == 1
