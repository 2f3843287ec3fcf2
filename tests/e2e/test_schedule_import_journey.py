"""Journey 4: a district officer uploads an institution's schedule with two bad rows, then the corrected file.

The import sends no task, so it runs with the in-process defaults.
"""

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from institutions.imports import SESSION_COLUMNS
from institutions.models import Session
from tests import factories as f
from tests.institutions.factories import CourseFactory, SiteFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def spreadsheet(path, rows):
    """The schedule as the downloaded template lays it out: a header row, then one session per row."""
    wb = Workbook()
    ws = wb.active
    ws.title = "课程安排"
    ws.append([c.label for c in SESSION_COLUMNS])
    for row in rows:
        ws.append(row)
    wb.save(path)
    return str(path)


def test_officer_sees_both_bad_rows_named_nothing_saved_then_imports_the_corrected_file(
    live_server, desktop, login, shot, tmp_path, district_user
):
    institution = f.InstitutionFactory(name="启航学科培训学校")
    course = CourseFactory(institution=institution, name="四年级数学思维")
    site = SiteFactory(institution=institution, address="北京市东城区和平里东街5号")
    others_site = SiteFactory(institution=f.InstitutionFactory(name="另一家培训学校"))

    def rows(*, ends_at_row3, site_row5):
        return [
            [course.pk, site.pk, "2026-12-05 09:00", "2026-12-05 09:45", "线下"],  # spreadsheet row 2
            [course.pk, site.pk, "2026-12-05 10:00", ends_at_row3, "线下"],  # row 3
            [course.pk, site.pk, "2026-12-12 09:00", "2026-12-12 09:45", "线下"],  # row 4
            [course.pk, site_row5, "2026-12-12 10:00", "2026-12-12 10:45", "线下"],  # row 5
        ]

    bad = spreadsheet(tmp_path / "课程安排.xlsx", rows(ends_at_row3="2026-12-05 09:15", site_row5=others_site.pk))
    good = spreadsheet(tmp_path / "课程安排-已更正.xlsx", rows(ends_at_row3="2026-12-05 10:45", site_row5=site.pk))

    login(desktop, "district1")
    desktop.get_by_role("link", name="培训机构登记").click()
    desktop.get_by_role("link", name="启航学科培训学校").click()
    expect(desktop.get_by_role("heading", name="启航学科培训学校")).to_be_visible()
    desktop.get_by_role("link", name="批量导入课程安排").click()
    expect(desktop.get_by_role("heading", name="批量导入课程安排（课次）")).to_be_visible()

    desktop.get_by_label("文件").set_input_files(bad)
    desktop.get_by_role("button", name="检查并导入").click()
    expect(desktop.get_by_role("heading", name="发现 2 处错误，未保存任何数据")).to_be_visible()
    errors = desktop.locator("table.import-errors tbody tr")
    expect(errors).to_have_count(2)
    assert [r.split("\t") for r in errors.all_inner_texts()] == [
        ["3", "结束时间", "结束时间须晚于开始时间"],
        ["5", "场所编号", "该场所不属于开课机构"],
    ]
    shot(desktop, "04-schedule-import-errors")
    assert Session.objects.count() == 0  # one bad row: nothing saved

    desktop.get_by_label("文件").set_input_files(good)
    desktop.get_by_role("button", name="检查并导入").click()
    expect(desktop.locator("ul.messages")).to_contain_text("导入成功：新增 4 条，更新 0 条")
    expect(desktop.locator("table.import-errors")).to_have_count(0)
    shot(desktop, "04-schedule-import-done")

    desktop.goto(f"{live_server.url}/institutions/{institution.pk}/")
    sessions = desktop.locator("table", has=desktop.get_by_role("columnheader", name="开始", exact=True)).locator(
        "tbody tr"
    )
    expect(sessions).to_have_count(4)
    starts = [r.split("\t")[:4] for r in sessions.all_inner_texts()]  # course, class group, start, end
    assert starts[::-1] == [  # the latest first
        ["四年级数学思维", "—", "2026-12-05 09:00", "09:45"],
        ["四年级数学思维", "—", "2026-12-05 10:00", "10:45"],
        ["四年级数学思维", "—", "2026-12-12 09:00", "09:45"],
        ["四年级数学思维", "—", "2026-12-12 10:00", "10:45"],
    ]
    expect(sessions.first).to_contain_text("北京市东城区和平里东街5号")
    shot(desktop, "04-institution-sessions")
    assert Session.objects.filter(course=course, site=site).count() == 4
