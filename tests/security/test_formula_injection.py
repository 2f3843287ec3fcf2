"""Formula injection: every spreadsheet the portal hands out writes a name that starts like a formula as text.

A class, school or institution named ``=HYPERLINK(...)`` is planted, every export that shows it is downloaded as a
user would, and the cell is read back with openpyxl: it is a text cell (``data_type == "s"``) whose value does not
start with ``=``; numbers stay numbers.
"""

import csv
import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from dashboards.services import stats_refresh
from institutions.imports import REGISTRY_COLUMNS, institution_import
from institutions.models import Institution
from institutions.tabular import write_csv
from shuangjian import exports
from tests import factories as f
from tests.dashboards import factories as df

pytestmark = pytest.mark.django_db

PLANTED = '=HYPERLINK("http://evil.example/x","点击查看")'
SHORT = '=HYPERLINK("http://e.example","看")'  # a class name has 40 characters at most
DAY = dt.date(2026, 11, 10)


def login(user):
    c = Client()
    c.force_login(user)
    return c


def planted_cells(content: bytes, needle: str = "HYPERLINK") -> list:
    wb = load_workbook(io.BytesIO(content))
    found = [
        cell
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and needle in cell.value
    ]
    assert found, "the planted name is not in the workbook"
    return found


def assert_text(cells):
    for cell in cells:
        assert cell.data_type == "s", (cell.coordinate, cell.value)
        assert not cell.value.startswith(("=", "+", "-", "@")), (cell.coordinate, cell.value)


@pytest.fixture
def evil_school(district1):
    return f.SchoolFactory(district=district1, name=PLANTED)


def test_district_dashboard_workbook_writes_a_school_name_as_text(evil_school, district_user):
    klass = f.SchoolClassFactory(school=evil_school, grade=4)
    df.homework_day(klass, DAY, items=[("maths", "written", 30, True)])
    stats_refresh(district_ids=None, date_from=DAY, date_to=DAY)
    r = login(district_user).get(
        reverse("dashboards:district-xlsx", args=["110101"]), {"date_from": DAY.isoformat(), "date_to": DAY.isoformat()}
    )
    assert r.status_code == 200
    assert_text(planted_cells(r.content))


def test_findings_workbook_writes_school_class_and_institution_names_as_text(evil_school, district1, district_user):
    klass = f.SchoolClassFactory(school=evil_school, grade=4, name="+cmd|' /C calc'!A0")
    institution = f.InstitutionFactory(district=district1, name="@SUM(1+1)*cmd|' /C calc'!A0")
    finding = df.finding("HW-5-G36", district1, day=DAY, school=evil_school)
    finding.school_class = klass
    finding.summary = "-2+3+cmd|' /C calc'!A0"
    finding.save()
    df.finding("TI-3-HOURS", district1, day=DAY, institution=institution)
    content = login(district_user).get(reverse("dashboards:findings-xlsx")).content
    assert_text(planted_cells(content))
    assert_text(planted_cells(content, "calc"))


def test_registry_export_writes_an_institution_name_as_text_and_reimports_it_unchanged(district1, city_user):
    institution = f.InstitutionFactory(district=district1, name=PLANTED)
    r = login(city_user).get(reverse("institutions:export"))
    assert r.status_code == 200
    assert_text(planted_cells(r.content))
    report = institution_import(user=city_user, file=io.BytesIO(r.content))
    assert report.ok, report.errors
    institution.refresh_from_db()
    assert institution.name == PLANTED


def test_homework_template_writes_a_class_name_as_text_in_xlsx_and_csv(school_a, school_user):
    f.SchoolClassFactory(school=school_a, grade=4, name=SHORT)
    c = login(school_user)
    assert_text(planted_cells(c.get(reverse("homework:template")).content))
    text = c.get(reverse("homework:template"), {"format": "csv"}).content.decode("utf-8-sig")
    names = [row[1] for row in csv.reader(io.StringIO(text)) if "HYPERLINK" in "".join(row)]
    assert names == ["'" + SHORT]


def test_registry_csv_writer_escapes_text_and_leaves_numbers():
    text = write_csv(REGISTRY_COLUMNS[:2], [["=1+1", -5], ["\t=cmd", "正常名称"]]).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1:] == [["'=1+1", "-5"], ["'\t=cmd", "正常名称"]]


def test_the_writer_escapes_only_text_numbers_stay_numbers():
    wb = Workbook()
    exports.sheet_append(wb.active, [PLANTED, -5, 3.5, "-5", "@x", "\r=1", "普通", None])
    cells = list(wb.active[1])
    assert [c.data_type for c in cells[:7]] == ["s", "n", "n", "s", "s", "s", "s"]
    assert [c.value for c in cells[:7]] == ["'" + PLANTED, -5, 3.5, "'-5", "'@x", "'\r=1", "普通"]


def test_a_name_with_a_control_character_does_not_break_an_export(district1, city_user):
    Institution.objects.filter(pk=f.InstitutionFactory(district=district1).pk).update(name="机构\x01名称")
    r = login(city_user).get(reverse("institutions:export"))
    assert r.status_code == 200
    assert planted_cells(r.content, "机构")[0].value == "机构名称"
