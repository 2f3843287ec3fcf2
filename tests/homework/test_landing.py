"""A school's staff see their school's homework findings on the landing page, with what to fix."""

import pytest
from django.test import Client
from django.urls import reverse

from compliance.registry import get_rule

from .conftest import SCHOOL_DAY, item, sweep

pytestmark = pytest.mark.django_db


def test_school_landing_lists_its_homework_findings_with_the_hint(
    file_items, g4, district1, school_user, school_b_user, other_class
):
    file_items(item(g4, subject="maths", minutes=70))
    file_items(item(other_class, subject="maths", minutes=80), user=school_b_user)
    sweep("HW-5-G36", district1, SCHOOL_DAY)
    c = Client()
    c.force_login(school_user)
    html = c.get(reverse("home")).content.decode()
    assert "HW-5-G36" in html and get_rule("HW-5-G36").hint_zh in html
    assert g4.name in html
    assert reverse("homework:file") in html and reverse("homework:upload") in html
    c.force_login(school_b_user)
    assert "HW-5-G36" not in c.get(reverse("home")).content.decode()  # district2 was not swept; and not A's


# -- the filing grid: each class's state on the last school days, one click to file ------------------------------

import datetime as dt  # noqa: E402

from django.utils import timezone  # noqa: E402

from homework.selectors import FilingState, filing_grid, grid_days  # noqa: E402
from tests import factories as f  # noqa: E402

WEDNESDAY = dt.date(2026, 11, 11)
THURSDAY = dt.date(2026, 11, 12)


def _at(day, hour, minute=0):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@pytest.fixture
def filed_week(file_items, g1, g4, g8):
    """Tuesday: grade 4 over its limit, grade 8 published the next morning (after the 20:00 deadline, within the
    day's grace: the day is still open), grade 1 "no homework" on time."""
    file_items(item(g4, subject="maths", minutes=70), whole_day=(g4.pk, SCHOOL_DAY), now=_at(SCHOOL_DAY, 18))
    file_items(item(g8, subject="physics", minutes=30), whole_day=(g8.pk, SCHOOL_DAY), now=_at(WEDNESDAY, 9))
    file_items(whole_day=(g1.pk, SCHOOL_DAY), now=_at(SCHOOL_DAY, 19))


def test_grid_days_are_the_last_school_days_by_the_calendar(district1):
    assert grid_days(district_id=district1.pk, today=THURSDAY) == [
        dt.date(2026, 11, 6),
        dt.date(2026, 11, 9),
        dt.date(2026, 11, 10),
        dt.date(2026, 11, 11),
        THURSDAY,
    ]
    # a Saturday: no column for today; 国庆 holidays are skipped and the make-up Saturday counts
    days = grid_days(district_id=district1.pk, today=dt.date(2026, 10, 10), n=5)
    assert days[-1] == dt.date(2026, 10, 10) and days[0] == dt.date(2026, 9, 29)
    assert not [d for d in days if dt.date(2026, 10, 1) <= d <= dt.date(2026, 10, 7)]


def test_grid_gives_each_class_day_its_state(school_user, filed_week, g1, g4, g8):
    grid = filing_grid(user=school_user, days=[SCHOOL_DAY, THURSDAY])
    states = {c.name: [(cell.state, cell.late) for cell in cells] for c, cells in grid.rows}
    assert states == {
        g1.name: [(FilingState.FILED, False), (FilingState.NOT_FILED, False)],
        g4.name: [(FilingState.OVER_LIMIT, False), (FilingState.NOT_FILED, False)],
        g8.name: [(FilingState.LATE, True), (FilingState.NOT_FILED, False)],
    }
    assert [c.name for c, _ in grid.rows] == [g1.name, g4.name, g8.name]  # by grade
    g4_cell = dict((c.name, cells) for c, cells in grid.rows)[g4.name][0]
    assert (g4_cell.written, g4_cell.limit, g4_cell.rule_id) == (70, 60, "HW-5-G36")
    assert grid.counts() == [{"date": SCHOOL_DAY, "filed": 3, "total": 3}, {"date": THURSDAY, "filed": 0, "total": 3}]


def test_grid_counts_a_surveys_measured_minutes_as_the_rule_does(school_user, file_items, g4):
    from homework.services import survey_record

    file_items(item(g4, subject="maths", minutes=50), whole_day=(g4.pk, SCHOOL_DAY), now=_at(SCHOOL_DAY, 18))
    (cell,) = filing_grid(user=school_user, days=[SCHOOL_DAY]).rows[0][1]
    assert cell.state == FilingState.FILED
    survey_record(
        user=school_user,
        school_class_id=g4.pk,
        date=SCHOOL_DAY,
        subject="maths",
        kind="written",
        measured_minutes=75,
        sample_size=10,
    )
    (cell,) = filing_grid(user=school_user, days=[SCHOOL_DAY]).rows[0][1]
    assert (cell.state, cell.written) == (FilingState.OVER_LIMIT, 75)


def test_grid_is_three_queries_whatever_the_number_of_classes(
    school_user, school_a, filed_week, django_assert_num_queries
):
    days = [dt.date(2026, 11, 9), SCHOOL_DAY, dt.date(2026, 11, 11), THURSDAY]
    with django_assert_num_queries(3):  # the classes, their filed days with the written minutes, the parameters
        small = filing_grid(user=school_user, days=days)
    f.SchoolClassFactory.create_batch(30, school=school_a, grade=5)
    with django_assert_num_queries(3):
        big = filing_grid(user=school_user, days=days)
    assert len(small.rows) == 3 and len(big.rows) == 33


def test_landing_page_shows_the_grid_with_one_click_to_file(
    school_user, filed_week, g4, g8, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: THURSDAY)
    c = Client()
    c.force_login(school_user)
    with django_assert_max_num_queries(20):
        html = c.get(reverse("home")).content.decode()
    assert 'class="filing-grid"' in html
    link = f"{reverse('homework:file')}?school_class={g4.pk}&amp;date={SCHOOL_DAY.isoformat()}"
    assert f'<a class="cell-state state-over_limit" href="{link}"' in html
    assert "书面 70/60 分钟" in html
    assert f"?school_class={g8.pk}&amp;date={THURSDAY.isoformat()}" in html
    assert "11-06" in html and "11-07" not in html  # a Saturday is no column
    assert ">3/3<" in html and ">0/3<" in html
