"""Journey: a school clerk files three classes in a row from the landing grid, with "复制上一个上课日" and
"保存并填报下一班", switching class in the page without loading it.

Every click and every field filled is counted (``Clerk``), and every page load: the figures of
``docs/decisions/daily-use-school.md`` come from this walk. The changed pages are checked with axe-core: no
serious or critical violation of any rule.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from homework.models import HomeworkDay, HomeworkItem
from homework.selectors import grid_days, previous_school_day
from tests import clock
from tests import factories as f

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

#: each class's homework of the last school day: what the clerk copies
YESTERDAY = [
    ("chinese", "written", 20, "抄写生字"),
    ("maths", "written", 25, "练习册第12页"),
    ("english", "oral", 10, "朗读课文"),
]

SERIOUS = """() => axe.run(document).then(r => r.violations
  .filter(v => v.impact === "serious" || v.impact === "critical")
  .flatMap(v => v.nodes.map(n => v.id + " (" + v.impact + "): " + n.target.join(" "))))"""


def serious_violations(page) -> list[str]:
    page.wait_for_function("() => window.axe !== undefined")
    return [f"{page.url} {v}" for v in page.evaluate(SERIOUS)]


class Clerk:
    """The clerk's page, counting interactions (a click, a field filled, an option chosen) and page loads."""

    def __init__(self, page):
        self.page = page
        self.interactions = 0
        self.loads = 0
        page.on("load", lambda _page: self._loaded())

    def _loaded(self):
        self.loads += 1

    def click(self, locator):
        self.interactions += 1
        locator.click()

    def fill(self, locator, value):
        self.interactions += 1
        locator.fill(value)

    def choose(self, locator, **option):
        self.interactions += 1
        locator.select_option(**option)


def _seed_yesterday(classes, day):
    """The last school day's filing of each class, written as it stands in the database."""
    now = timezone.make_aware(dt.datetime.combine(day, dt.time(18)))  # on time, before 20:00
    for c in classes:
        HomeworkDay.objects.create(school_class=c, school=c.school, date=day, first_filed_at=now, last_filed_at=now)
        for subject, kind, minutes, content in YESTERDAY:
            HomeworkItem.objects.create(
                school_class=c,
                school=c.school,
                date=day,
                subject=subject,
                kind=kind,
                minutes=minutes,
                content=content,
                filed_at=now,
            )


@pytest.fixture
def wednesday_afternoon():
    """A school day's afternoon (Wednesday 2026-11-11, 17:00, the clock running): the day open for filing, the one
    before it too, whatever day and hour the suite runs (a Saturday evening closes Friday)."""
    with clock.on_day(dt.date(2026, 11, 11), hour=17):
        yield


def test_clerk_files_three_classes_in_a_row_with_copy_and_save_and_next(
    wednesday_afternoon, live_server, open_page, login, shot, school_a, school_user
):
    classes = [f.SchoolClassFactory(school=school_a, grade=4, name=f"四年级{n}班") for n in (1, 2, 3)]
    day = grid_days(district_id=school_a.district_id, today=timezone.localdate())[-1]
    before = previous_school_day(district_id=school_a.district_id, day=day)
    _seed_yesterday(classes, before)

    page = open_page("desktop", axe=True)
    login(page, "school-a")
    clerk = Clerk(page)
    grid = page.locator("table.filing-grid")
    expect(grid).to_be_visible()
    first = grid.get_by_role("link", name=f"四年级1班 {day.isoformat()} 未填报：填报")
    expect(first).to_be_visible()
    expect(grid.get_by_role("link", name=f"四年级1班 {before.isoformat()} 已填报：修改")).to_be_visible()
    shot(page, "school-landing-grid-before")
    assert serious_violations(page) == []

    clerk.click(first)  # one click from the grid to that class-day's form
    expect(page.get_by_label("班级")).to_have_value(str(classes[0].pk))
    expect(page.get_by_label("日期", exact=True)).to_have_value(day.isoformat())
    assert serious_violations(page) == []
    rows = page.locator("tr.item-row")
    for n, c in enumerate(classes):
        copy = page.get_by_role("link", name=f"复制上一个上课日（{before:%m-%d}）")
        clerk.click(copy)  # copied in the page: no load, nothing saved
        expect(page.locator("#day-status")).to_contain_text("修改后提交才会保存")
        expect(rows.nth(0).locator("select[name$='-subject']")).to_have_value("chinese")
        expect(rows.nth(2).locator("select[name$='-kind']")).to_have_value("oral")
        expect(rows.nth(1).locator("input[name$='-content']")).to_have_value("练习册第12页")
        assert not HomeworkItem.objects.filter(date=day, school_class=c).exists()
        clerk.fill(rows.nth(1).locator("input[name$='-content']"), f"练习册第{13 + n}页")  # today's page
        if n == 0:
            expect(page.locator("#homework-total")).to_contain_text("书面作业合计：45 分钟 / 本年级上限 60 分钟")
            shot(page, "school-day-form-copied")
            assert serious_violations(page) == []
        clerk.click(page.get_by_role("button", name="保存并填报下一班"))
        page.wait_for_load_state()
        expect(page.locator("ul.messages")).to_contain_text(f"{c.name} {day.isoformat()} 的作业已公示（3 项）")
        if n < 2:
            expect(page.get_by_label("班级")).to_have_value(str(classes[n + 1].pk))
            expect(page.get_by_label("日期", exact=True)).to_have_value(day.isoformat())

    # after the last class: the landing grid, every class filed that day
    expect(grid).to_be_visible()
    for c in classes:  # filed (late when the clerk files the day after: the walk may run on a weekend)
        expect(
            grid.get_by_role("link", name=re.compile(f"^{c.name} {day.isoformat()} (已填报|逾期填报)：修改$"))
        ).to_be_visible()
    shot(page, "school-landing-grid")
    assert HomeworkItem.objects.filter(date=day).count() == 9
    assert sorted(HomeworkItem.objects.filter(date=day, subject="maths").values_list("content", flat=True)) == [
        "练习册第13页",
        "练习册第14页",
        "练习册第15页",
    ]
    # 3 classes: one click from the grid, then per class a copy, one field changed, save and next: 3 each;
    # one page load per class (the save), plus the form's first load
    assert (clerk.interactions, clerk.loads) == (1 + 3 * 3, 1 + 3)

    # the class select switches class in the page: no load, the other class's filing shown at once
    clerk.click(grid.get_by_role("link", name=re.compile(f"^四年级3班 {day.isoformat()} (已填报|逾期填报)：修改$")))
    page.wait_for_load_state()
    page.evaluate("() => { window.stillTheSamePage = true; }")
    loads = clerk.loads
    clerk.choose(page.get_by_label("班级"), value=str(classes[0].pk))
    expect(rows.nth(1).locator("input[name$='-content']")).to_have_value("练习册第13页")
    expect(page.locator("#day-status")).to_contain_text("该班当天已填报")
    assert page.evaluate("() => window.stillTheSamePage") is True and clerk.loads == loads
    assert f"school_class={classes[0].pk}" in page.url  # a reload keeps the class chosen
    expect(page.get_by_role("columnheader", name="类型")).to_be_visible()
    kind_width = rows.nth(0).locator("select[name$='-kind']").evaluate("el => el.getBoundingClientRect().width")
    assert kind_width >= 70  # the type select shows its whole word
    expect(page.locator(".flag-legend")).to_contain_text("严禁给家长布置作业")
    shot(page, "school-day-form")

    page.goto(f"{live_server.url}/afterschool/report/")
    expect(page.get_by_label("日期", exact=True)).to_have_value(timezone.localdate().isoformat())
    expect(page.locator("#missing-days")).to_be_visible()
    shot(page, "school-afterschool-missing-days")
    assert serious_violations(page) == []
    page.goto(f"{live_server.url}/homework/upload/")
    assert serious_violations(page) == []
