"""The one set of cell parsers, and that the homework filing and the registry import accept the same cells."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest

from homework.models import HomeworkItem
from homework.services import homework_file
from institutions.imports import REGISTRY_COLUMNS, SESSION_COLUMNS, institution_import, session_import
from institutions.models import Institution, Session
from schools.calendar import academic_year
from shuangjian import cells
from tests import clock
from tests import factories as f
from tests.institutions.factories import CourseFactory, SiteFactory

BJ = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 11, 10)  # a Tuesday, a school day

DATES = [
    "2026-11-10",
    "2026/11/10",
    "2026.11.10",
    "2026年11月10日",
    "2026年11月10",
    "2026-1-5",
    "2026/1/5",
    " 2026.11.10 ",
    dt.date(2026, 11, 10),
    dt.datetime(2026, 11, 10, 0, 0),
]
NOT_DATES = ["10/11/2026", "2026-13-01", "2026-02-30", "明天", "20261110", 20261110, 45606, "0001-01-01", "2026-11"]
TRUE = ["是", "Y", "y", "yes", "YES", "true", "True", "1", "√", 1, True, 1.0]
FALSE = ["否", "N", "n", "no", "No", "false", "FALSE", "0", "×", 0, False, 0.0]
NOT_BOOLS = ["也许", "maybe", "t", "f", 2, "2", "ok"]


@pytest.mark.parametrize("value", DATES)
def test_every_date_form_is_read(value):
    expected = dt.date(2026, 1, 5) if "-1-5" in str(value) or "/1/5" in str(value) else dt.date(2026, 11, 10)
    assert cells.parse_date(value) == expected


@pytest.mark.parametrize("value", NOT_DATES)
def test_what_is_not_a_date_is_refused_saying_the_format(value):
    with pytest.raises(cells.CellError) as exc:
        cells.parse_date(value)
    assert "YYYY-MM-DD" in str(exc.value) or "年份" in str(exc.value)


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-14 09:00",
        "2026/11/14 9:00",
        "2026.11.14 09:00:00",
        "2026-11-14T09:00",
        "2026年11月14日 9:00",
        dt.datetime(2026, 11, 14, 9, 0),
    ],
)
def test_every_datetime_form_is_read_in_the_given_zone(value):
    assert cells.parse_datetime(value, tz=BJ) == dt.datetime(2026, 11, 14, 9, 0, tzinfo=BJ)


@pytest.mark.parametrize("value", ["2026-11-14", "14/11/2026 9am", "2026-11-14 25:00", "2026-11-14 9"])
def test_what_is_not_a_datetime_is_refused(value):
    with pytest.raises(cells.CellError):
        cells.parse_datetime(value, tz=BJ)


@pytest.mark.parametrize("value", TRUE)
def test_yes_words(value):
    assert cells.parse_bool(value) is True


@pytest.mark.parametrize("value", FALSE)
def test_no_words(value):
    assert cells.parse_bool(value) is False


@pytest.mark.parametrize("value", NOT_BOOLS)
def test_other_words_are_refused_listing_the_accepted_ones(value):
    with pytest.raises(cells.CellError) as exc:
        cells.parse_bool(value)
    assert "是/否" in str(exc.value)


def test_a_blank_yes_no_cell_is_the_default_or_required():
    assert cells.parse_bool("", default=True) is True and cells.parse_bool(None, default=False) is False
    with pytest.raises(cells.CellError):
        cells.parse_bool(" ")


@pytest.mark.parametrize(("value", "expected"), [(12, 12), (12.0, 12), ("12", 12), (" -3 ", -3), ("+4", 4)])
def test_whole_numbers(value, expected):
    assert cells.parse_int(value) == expected


@pytest.mark.parametrize("value", [12.5, "12.5", "abc", True, "１２", None])
def test_what_is_not_a_whole_number_is_refused(value):
    with pytest.raises(cells.CellError):
        cells.parse_int(value)


def test_number_ranges_name_their_bounds():
    with pytest.raises(cells.CellError, match="0 到 300"):
        cells.parse_int(301, min_value=0, max_value=300)


def test_text_is_stripped_and_a_number_cell_reads_as_its_digits():
    assert cells.parse_text("  教民110101 ") == "教民110101"
    assert cells.parse_text(110101.0) == "110101" and cells.parse_text(None) == ""
    with pytest.raises(cells.CellError):
        cells.parse_text("长" * 11, max_length=10)


def test_the_exports_escape_quote_is_read_back_off():
    assert cells.parse_text("'=SUM(A1)") == "=SUM(A1)" and cells.parse_text("'普通") == "'普通"


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (dt.date(2026, 9, 1), 2026),
        (dt.date(2027, 8, 31), 2026),
        (dt.date(2027, 1, 5), 2026),
        (dt.date(2026, 8, 31), 2025),
    ],
)
def test_one_academic_year(day, year):
    assert academic_year(day) == year


# -- the imports agree --------------------------------------------------------------------------------------

ACCEPTED_DATES = ["2026-11-10", "2026/11/10", "2026.11.10", "2026年11月10日"]


@pytest.mark.django_db
@pytest.mark.parametrize("text", ACCEPTED_DATES)
def test_homework_and_the_registry_accept_the_same_date_cells(text, school_user, school_a, district_user):
    g4 = f.SchoolClassFactory(school=school_a, grade=4)
    with clock.on_day(DAY):  # filed while the day is open
        homework_file(
            user=school_user,
            items=[{"school_class": g4.pk, "date": text, "subject": "maths", "kind": "written", "minutes": 20}],
        )
    assert HomeworkItem.objects.get().date == DAY
    report = institution_import(user=district_user, file=registry_file(approved_on=text))
    assert report.ok, report.errors
    assert Institution.objects.get().approved_on == DAY


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("yes", "no"), [("是", "否"), ("Y", "N"), ("yes", "no"), ("TRUE", "false"), ("1", "0"), ("√", "×")]
)
def test_homework_and_the_registry_accept_the_same_yes_no_cells(yes, no, school_user, school_a, district_user):
    g4 = f.SchoolClassFactory(school=school_a, grade=4)
    with clock.on_day(DAY):  # filed while the day is open
        homework_file(
            user=school_user,
            items=[
                {
                    "school_class": g4.pk,
                    "date": "2026-11-10",
                    "subject": "maths",
                    "kind": "written",
                    "minutes": 20,
                    "at_home": no,
                    "for_parents": yes,
                }
            ],
        )
    item = HomeworkItem.objects.get()
    assert (item.at_home, item.for_parents) == (False, True)
    report = institution_import(user=district_user, file=registry_file(nonprofit=yes, listed=no))
    assert report.ok, report.errors
    institution = Institution.objects.get()
    assert (institution.nonprofit, institution.listed) == (True, False)


@pytest.mark.django_db
def test_the_schedule_import_reads_the_same_date_forms(institution_user, institution):
    course, site = CourseFactory(institution=institution), SiteFactory(institution=institution)
    rows = [[course.pk, site.pk, f"{d} 09:00", f"{d} 09:45", "线下"] for d in ("2026.11.14", "2026年11月15日")]
    report = session_import(user=institution_user, file=csv_file([c.label for c in SESSION_COLUMNS], rows))
    assert report.ok, report.errors
    assert sorted(s.starts_at for s in Session.objects.all()) == [
        dt.datetime(2026, 11, 14, 9, tzinfo=BJ),
        dt.datetime(2026, 11, 15, 9, tzinfo=BJ),
    ]


def csv_file(header, rows):
    lines = [",".join(header)] + [",".join(str(c) for c in row) for row in rows]
    return io.BytesIO(("\n".join(lines) + "\n").encode())


def registry_file(**over):
    row = {
        "credit_code": f.credit_code(3),
        "name": "北京某某培训学校",
        "district": "110101",
        "category": "非学科类",
        "domain": "文化艺术",
        "audience": "义务教育",
        "mode": "线下",
        "nonprofit": "否",
        "licence_no": "教民110101",
        "licence_status": "有效",
        "approved_on": "2022-05-01",
        "reapproved_on": "",
        "icp_no": "",
        "listed": "否",
        "capital_raised": "否",
        "foreign_controlled": "否",
        "list_status": "未列入",
        **over,
    }
    return csv_file([c.label for c in REGISTRY_COLUMNS], [[row[c.key] for c in REGISTRY_COLUMNS]])
