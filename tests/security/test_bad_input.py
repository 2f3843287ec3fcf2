"""Malformed input on every filing path: a clear Chinese error naming the row and field (or the file), a 4xx or a
form error, never a 500, and nothing half-saved.

Paths: the homework day form, spreadsheet upload and bulk API; the after-school daily report form and API (there
is no after-school upload); the institution registry import and the schedule (session) import, each as a page
and as an API.

Decisions the cases pin down:

- CSV encoding. Excel on a Chinese Windows saves "CSV" in the ANSI code page, GBK, so GBK (read as its superset
  GB 18030) is accepted, as are UTF-8 with or without a BOM and UTF-16 with a BOM (Excel's "Unicode text",
  tab-separated). Anything else is refused with a message asking for UTF-8 or GBK, never guessed.
- Dates. Homework and after-school reports are filed for school days only: a holiday or vacation date is a row
  error. A training session on a holiday is not refused at import: whether it breaks a rule is for the TI- rules
  to judge, and refusing it would hide it from them.
- Spreadsheets are read by content, not by name: a PNG named ``.xlsx``, a damaged or truncated workbook, a zip
  that is not a workbook, and a workbook that expands beyond what a 5 MB upload can legitimately hold (a zip
  bomb, or a sheet that claims a million rows and sixteen thousand columns) are file errors, read no further.
- A merged title above the header (the header not on row 1) is a header error naming row 1.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook
from PIL import Image
from rest_framework.test import APIClient

from afterschool.models import DailyReport
from compliance.models import SweepRequest
from homework.models import HomeworkDay, HomeworkItem
from homework.tabular import COLUMNS as HW_COLUMNS
from institutions.imports import REGISTRY_COLUMNS, SESSION_COLUMNS
from institutions.models import Institution, ListStatusChange, Session
from tests import clock
from tests import factories as f
from tests.institutions.factories import CourseFactory, SiteFactory

pytestmark = pytest.mark.django_db

SCHOOL_DAY = dt.date(2026, 11, 10)  # a Tuesday in the autumn term
NATIONAL_DAY = dt.date(2026, 10, 5)  # a statutory holiday in the same academic year
WEEKEND = dt.date(2026, 11, 7)  # a rest Saturday before SCHOOL_DAY (not a future one while SCHOOL_DAY is open)
HUGE = 10**20  # beyond any database integer


# -- files ---------------------------------------------------------------------------------------------------


def csv_bytes(header, rows, encoding="utf-8", delimiter=","):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(header, rows, *, title_row: str | None = None):
    wb = Workbook()
    ws = wb.active
    if title_row:  # a title merged across the columns above the header, as people decorate sheets
        ws.append([title_row])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def png_bytes():
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (20, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def zip_not_xlsx():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("readme.txt", "不是表格")
    return out.getvalue()


def _replace_sheet(xlsx: bytes, sheet_xml: bytes) -> bytes:
    src, out = zipfile.ZipFile(io.BytesIO(xlsx)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for info in src.infolist():
            data = sheet_xml if info.filename == "xl/worksheets/sheet1.xml" else src.read(info.filename)
            z.writestr(info.filename, data)
    return out.getvalue()


NS = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def dense_bomb(header) -> bytes:
    """A workbook of a few hundred KB whose sheet expands to over 100 MB of XML."""
    head = b"".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>'.encode() for h in header)
    filler = b'<row><c t="inlineStr"><is><t>' + b"x" * 4000 + b"</t></is></c></row>"
    xml = NS + b"<sheetData><row>" + head + b"</row>" + filler * 27000 + b"</sheetData></worksheet>"
    return _replace_sheet(xlsx_bytes(header, []), xml)


def sparse_bomb(header) -> bytes:
    """A tiny workbook whose only data cell sits at XFD1048576: a naive reader makes a million 16,384-wide rows."""
    head = b"".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>'.encode() for h in header)
    xml = (
        NS + b'<dimension ref="A1:XFD1048576"/><sheetData><row r="1">' + head + b"</row>"
        b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>'
    )
    return _replace_sheet(xlsx_bytes(header, []), xml)


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def oversize(header) -> bytes:
    return csv_bytes(header, []) + b"#" * (5 * 1024 * 1024 + 1)


# -- the homework paths ----------------------------------------------------------------------------------------


@pytest.fixture
def hw(school_user, school_a, school_b):
    class Ctx:
        pass

    c = Ctx()
    c.g4 = f.SchoolClassFactory(school=school_a, grade=4, name="四年级1班")
    c.other = f.SchoolClassFactory(school=school_b, grade=4, name="外校四年级")
    c.browser = Client(raise_request_exception=False)
    c.browser.force_login(school_user)
    c.api = APIClient(raise_request_exception=False)
    c.api.force_authenticate(school_user)
    with clock.on_day(SCHOOL_DAY):  # the filings are made while SCHOOL_DAY is open (``periods.closing``)
        yield c


def hw_counts():
    return HomeworkItem.objects.count(), HomeworkDay.objects.count(), SweepRequest.objects.count()


def day_post(class_id, day, rows):
    data = {
        "school_class": class_id,
        "date": day,
        "items-TOTAL_FORMS": len(rows),
        "items-INITIAL_FORMS": 0,
        "items-MIN_NUM_FORMS": 0,
        "items-MAX_NUM_FORMS": 40,
    }
    for n, row in enumerate(rows):
        for key, value in {"kind": "written", "at_home": "on", **row}.items():
            data[f"items-{n}-{key}"] = value
    return data


# (case id, day-form field overrides, rows, where the error is, field, message fragment)
FORM_CASES = [
    ("minutes-not-a-number", {}, [{"subject": "maths", "minutes": "二十"}], 0, "minutes", "0 到 300"),
    ("minutes-negative", {}, [{"subject": "maths", "minutes": "-5"}], 0, "minutes", "0 到 300"),
    ("minutes-over-300", {}, [{"subject": "maths", "minutes": "301"}], 0, "minutes", "0 到 300"),
    ("minutes-huge", {}, [{"subject": "maths", "minutes": str(HUGE)}], 0, "minutes", "0 到 300"),
    ("unknown-subject", {}, [{"subject": "alchemy", "minutes": "20"}], 0, "subject", "有效的选项"),
    ("unknown-kind", {}, [{"subject": "maths", "kind": "telepathy", "minutes": "20"}], 0, "kind", "有效的选项"),
    ("content-too-long", {}, [{"subject": "maths", "minutes": "20", "content": "题" * 501}], 0, "content", "500"),
    (
        "duplicated-rows",
        {},
        [{"subject": "maths", "minutes": "20"}, {"subject": "maths", "minutes": "30"}],
        1,
        "subject",
        "重复填报",
    ),
    (
        "class-of-another-school",
        {"school_class": "other"},
        [{"subject": "maths", "minutes": "20"}],
        "day",
        "school_class",
        "班级不存在或不在您的管辖范围",
    ),
    (
        "class-unknown",
        {"school_class": "999999"},
        [{"subject": "maths", "minutes": "20"}],
        "day",
        "school_class",
        "班级不存在或不在您的管辖范围",
    ),
    (
        "class-huge",
        {"school_class": str(HUGE)},
        [{"subject": "maths", "minutes": "20"}],
        "day",
        "school_class",
        "班级不存在或不在您的管辖范围",
    ),
    (
        "class-not-a-number",
        {"school_class": "四年级"},
        [{"subject": "maths", "minutes": "20"}],
        "day",
        "school_class",
        "班级不存在或不在您的管辖范围",
    ),
    (
        "date-holiday",
        {"date": NATIONAL_DAY.isoformat()},
        [{"subject": "maths", "minutes": "20"}],
        "day",
        "date",
        "不是上学日",
    ),
    (
        "date-weekend",
        {"date": WEEKEND.isoformat()},
        [{"subject": "maths", "minutes": "20"}],
        "day",
        "date",
        "不是上学日",
    ),
    ("date-malformed", {"date": "2026-13-45"}, [{"subject": "maths", "minutes": "20"}], "day", "date", "日期"),
    ("date-future", {"date": "2027-03-01"}, [{"subject": "maths", "minutes": "20"}], "day", "date", "未来"),
    ("date-other-school-year", {"date": "2026-03-10"}, [{"subject": "maths", "minutes": "20"}], "day", "date", "学年"),
]


@pytest.mark.parametrize(
    ("case", "day", "rows", "where", "field", "message"), FORM_CASES, ids=[c[0] for c in FORM_CASES]
)
def test_homework_day_form(hw, case, day, rows, where, field, message):
    before = hw_counts()
    class_id = {"other": hw.other.pk}.get(day.get("school_class"), day.get("school_class", hw.g4.pk))
    resp = hw.browser.post("/homework/file/", day_post(class_id, day.get("date", SCHOOL_DAY.isoformat()), rows))
    assert resp.status_code == 200, resp.status_code  # the form again, with its errors
    form = resp.context["day_form"] if where == "day" else resp.context["formset"].forms[where]
    errors = " ".join(str(e) for e in form.errors.get(field, []))
    assert message in errors, dict(form.errors)
    assert message in resp.content.decode()
    assert hw_counts() == before


HW_HEADER = [h for h, _ in HW_COLUMNS]


def hw_row(class_id, day=None, subject="数学", kind="书面", minutes=20, content=""):
    day = day or SCHOOL_DAY.isoformat()
    return [class_id, "", "", day, subject, kind, minutes, "是", "否", "否", "否", "否", "否", content]


def hw_rows_case(case, g4, other):
    """Rows (after the header) whose row 3 is bad in the way ``case`` says; row 2 is always fine."""
    good = hw_row(g4)
    bad = {
        "minutes-not-a-number": hw_row(g4, subject="语文", minutes="二十"),
        "minutes-fraction": hw_row(g4, subject="语文", minutes=20.5),
        "minutes-over-300": hw_row(g4, subject="语文", minutes=301),
        "minutes-huge": hw_row(g4, subject="语文", minutes=HUGE),
        "class-unknown": hw_row(999999, subject="语文"),
        "class-huge": hw_row(HUGE, subject="语文"),
        "class-not-a-number": hw_row("四年级1班", subject="语文"),
        "class-of-another-school": hw_row(other, subject="语文"),
        "date-holiday": hw_row(g4, day=NATIONAL_DAY.isoformat(), subject="语文"),
        "date-malformed": hw_row(g4, day="10/11/2026x", subject="语文"),
        "duplicated-rows": hw_row(g4),
        "flag-not-yes-no": hw_row(g4, subject="语文")[:7] + ["也许"] + hw_row(g4)[8:],
        "unknown-subject": hw_row(g4, subject="炼金术"),
    }[case]
    return [good, bad]


HW_ROW_CASES = [
    ("minutes-not-a-number", "预计完成时间", "0 到 300"),
    ("minutes-fraction", "预计完成时间", "0 到 300"),
    ("minutes-over-300", "预计完成时间", "0 到 300"),
    ("minutes-huge", "预计完成时间", "0 到 300"),
    ("class-unknown", "班级ID", "班级不存在或不在您的管辖范围"),
    ("class-huge", "班级ID", "班级不存在或不在您的管辖范围"),
    ("class-not-a-number", "班级ID", "班级不存在或不在您的管辖范围"),
    ("class-of-another-school", "班级ID", "班级不存在或不在您的管辖范围"),
    ("date-holiday", "日期", "不是上学日"),
    ("date-malformed", "日期", "YYYY-MM-DD"),
    ("duplicated-rows", "学科", "重复填报"),
    ("flag-not-yes-no", "在家完成", "是/否"),
    ("unknown-subject", "学科", "未知学科"),
]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize(("case", "column", "message"), HW_ROW_CASES, ids=[c[0] for c in HW_ROW_CASES])
def test_homework_upload_bad_rows(hw, fmt, case, column, message):
    before = hw_counts()
    rows = hw_rows_case(case, hw.g4.pk, hw.other.pk)
    data = xlsx_bytes(HW_HEADER, rows) if fmt == "xlsx" else csv_bytes(HW_HEADER, rows)
    resp = hw.browser.post("/homework/upload/", {"file": SimpleUploadedFile(f"作业.{fmt}", data)})
    assert resp.status_code == 200
    report = resp.context["report"]
    assert any(r["row"] == 3 and r["field"] == column and message in r["message"] for r in report), report
    assert "有 " in resp.content.decode() and "整个文件都没有保存" in resp.content.decode()
    assert hw_counts() == before


HW_FILE_CASES = [
    ("oversize", lambda: oversize(HW_HEADER), "5 MB"),
    ("png-named-xlsx", png_bytes, "不支持的文件类型"),
    ("zip-not-xlsx", zip_not_xlsx, "不是 Excel"),
    ("truncated-xlsx", lambda: truncated(xlsx_bytes(HW_HEADER, [hw_row(1)] * 50)), "已损坏"),
    ("dense-zip-bomb", lambda: dense_bomb(HW_HEADER), "过大"),
    ("sparse-sheet-bomb", lambda: sparse_bomb(HW_HEADER), "过多"),
    (
        "merged-title-above-header",
        lambda: xlsx_bytes(HW_HEADER, [hw_row(1)], title_row="2026年11月作业统计"),
        "第 1 行",
    ),
    ("unknown-encoding", lambda: "班级ID,日期\n".encode() + b"\x80\xff\x80\n", "编码"),
    ("empty", lambda: b"", "空文件"),
    ("csv-cell-too-long", lambda: csv_bytes(HW_HEADER, [hw_row(1, content="题" * 200_000)]), "第 2 行格式有误"),
    ("header-only", lambda: csv_bytes(HW_HEADER, []), "没有作业行"),
]


@pytest.mark.parametrize(("case", "make", "message"), HW_FILE_CASES, ids=[c[0] for c in HW_FILE_CASES])
def test_homework_upload_bad_files(hw, case, make, message):
    before = hw_counts()
    resp = hw.browser.post("/homework/upload/", {"file": SimpleUploadedFile("作业.xlsx", make())})
    assert resp.status_code == 200
    errors = " ".join(resp.context["form"].errors.get("file", []))
    assert message in errors, errors
    assert hw_counts() == before


@pytest.mark.parametrize(
    ("encoding", "delimiter"), [("gbk", ","), ("gb18030", ","), ("utf-8-sig", ","), ("utf-16", "\t")]
)
def test_homework_upload_accepts_chinese_excel_encodings(hw, encoding, delimiter):
    data = csv_bytes(HW_HEADER, [hw_row(hw.g4.pk, content="练习册第3页，口算题")], encoding, delimiter)
    resp = hw.browser.post("/homework/upload/", {"file": SimpleUploadedFile("作业.csv", data)})
    assert resp.status_code == 200 and not resp.context["report"], resp.context["form"].errors
    assert HomeworkItem.objects.get().content == "练习册第3页，口算题"


def api_item(class_id, **over):
    return {
        "school_class": class_id,
        "date": SCHOOL_DAY.isoformat(),
        "subject": "maths",
        "kind": "written",
        "minutes": 20,
        **over,
    }


HW_API_CASES = [
    ("minutes-string", {"minutes": "twenty"}, "minutes", "0 到 300"),
    ("minutes-bool", {"minutes": True}, "minutes", "0 到 300"),
    ("minutes-object", {"minutes": {"value": 20}}, "minutes", "0 到 300"),
    ("minutes-fraction", {"minutes": 20.5}, "minutes", "0 到 300"),
    ("minutes-negative", {"minutes": -1}, "minutes", "0 到 300"),
    ("minutes-over-300", {"minutes": 301}, "minutes", "0 到 300"),
    ("minutes-huge", {"minutes": HUGE}, "minutes", "0 到 300"),
    ("minutes-huge-float", {"minutes": 1e300}, "minutes", "0 到 300"),
    ("class-unknown", {"school_class": 999999}, "school_class", "班级不存在或不在您的管辖范围"),
    ("class-huge", {"school_class": HUGE}, "school_class", "班级不存在或不在您的管辖范围"),
    ("class-huge-float", {"school_class": 1e300}, "school_class", "班级不存在或不在您的管辖范围"),
    ("class-list", {"school_class": [1, 2]}, "school_class", "班级不存在或不在您的管辖范围"),
    ("class-other-school", {"school_class": "other"}, "school_class", "班级不存在或不在您的管辖范围"),
    ("grade-out-of-range", {"grade": 12}, "grade", "1 到 9"),
    ("date-holiday", {"date": NATIONAL_DAY.isoformat()}, "date", "不是上学日"),
    ("date-number", {"date": 20261110}, "date", "YYYY-MM-DD"),
    ("date-malformed", {"date": "2026-02-30"}, "date", "YYYY-MM-DD"),
    ("subject-unknown", {"subject": "alchemy"}, "subject", "未知学科"),
    ("kind-number", {"kind": 3}, "kind", "未知作业类型"),
    ("flag-string", {"punitive": "perhaps"}, "punitive", "是/否"),
    ("content-too-long", {"content": "题" * 501}, "content", "500"),
]


@pytest.mark.parametrize(("case", "over", "field", "message"), HW_API_CASES, ids=[c[0] for c in HW_API_CASES])
def test_homework_bulk_api_bad_items(hw, case, over, field, message):
    before = hw_counts()
    if over.get("school_class") == "other":
        over = {**over, "school_class": hw.other.pk}
    items = [
        api_item(hw.g4.pk),
        api_item(hw.g4.pk, subject="chinese", **{k: v for k, v in over.items() if k != "subject"}),
    ]
    if "subject" in over:
        items[1]["subject"] = over["subject"]
    resp = hw.api.post("/api/v1/homework/", items, format="json")
    assert resp.status_code == 400, resp.content[:500]
    body = resp.json()
    assert "未保存任何数据" in body["detail"]
    assert message in " ".join(body["fields"]["row 2"][field]), body["fields"]
    assert "row 1" not in body["fields"]
    assert hw_counts() == before


def test_homework_in_the_winter_vacation_is_refused_on_every_path(hw, school_a):
    last_year = f.SchoolClassFactory(school=school_a, grade=5, academic_year=2025, name="五年级1班（2025学年）")
    vacation = "2026-02-02"  # winter vacation of academic year 2025
    resp = hw.api.post("/api/v1/homework/", [api_item(last_year.pk, date=vacation)], format="json")
    assert resp.status_code == 400 and "不是上学日（寒暑假" in resp.json()["fields"]["row 1"]["date"][0]
    resp = hw.browser.post("/homework/file/", day_post(last_year.pk, vacation, [{"subject": "maths", "minutes": "20"}]))
    assert "不是上学日（寒暑假" in " ".join(resp.context["day_form"].errors["date"])
    data = csv_bytes(HW_HEADER, [hw_row(last_year.pk, day=vacation)], "gbk")
    resp = hw.browser.post("/homework/upload/", {"file": SimpleUploadedFile("作业.csv", data)})
    assert [(r["row"], r["field"]) for r in resp.context["report"]] == [(2, "日期")]
    assert "寒暑假" in resp.context["report"][0]["message"]
    assert hw_counts() == (0, 0, 0)


def test_homework_bulk_api_duplicated_rows_name_both(hw):
    resp = hw.api.post("/api/v1/homework/", [api_item(hw.g4.pk), api_item(hw.g4.pk, minutes=30)], format="json")
    assert resp.status_code == 400
    fields = resp.json()["fields"]
    assert "第 1 行 与 第 2 行 重复填报" in fields["row 1"]["subject"][0] and "row 2" in fields
    assert hw_counts() == (0, 0, 0)


HW_API_BODIES = [
    ("over-20-mb", None, "application/json", 413),
    ("not-json", b"{school_class: 1,", "application/json", 400),
    ("a-string", b'"homework"', "application/json", 400),
    ("a-number", b"42", "application/json", 400),
    ("empty-list", b"[]", "application/json", 400),
    ("list-of-strings", b'["maths", "chinese"]', "application/json", 400),
    ("list-of-lists", b"[[1, 2]]", "application/json", 400),
    ("too-many-items", None, "application/json", 400),
    ("form-encoded", b"school_class=1&minutes=20", "application/x-www-form-urlencoded", 400),
    ("xml", b"<item><minutes>20</minutes></item>", "application/xml", 415),
]


@pytest.mark.parametrize(("case", "body", "content_type", "status"), HW_API_BODIES, ids=[c[0] for c in HW_API_BODIES])
def test_homework_bulk_api_malformed_bodies(hw, case, body, content_type, status):
    if body is None:
        import json

        if case == "too-many-items":
            body = json.dumps([api_item(hw.g4.pk)] * 5001).encode()
        else:  # ~24 MB of items: refused before it is parsed
            body = json.dumps([api_item(hw.g4.pk, content="题" * 800)] * 4900).encode()
    resp = hw.api.generic("POST", "/api/v1/homework/", body, content_type=content_type)
    assert resp.status_code == status, resp.content[:500]
    data = resp.json()
    assert data["detail"] and data["code"]
    if case != "not-json" and status != 415:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in data["detail"] + str(data["fields"])), data
    assert hw_counts() == (0, 0, 0)


# -- the after-school paths ------------------------------------------------------------------------------------


@pytest.fixture
def asr(school_user, school_a, school_b):
    class Ctx:
        pass

    c = Ctx()
    c.school, c.other = school_a, school_b
    c.browser = Client(raise_request_exception=False)
    c.browser.force_login(school_user)
    c.api = APIClient(raise_request_exception=False)
    c.api.force_authenticate(school_user)
    with clock.on_day(SCHOOL_DAY):  # the filings are made while SCHOOL_DAY is open (``periods.closing``)
        yield c


def report_data(school_id, **over):
    data = {
        "school": school_id,
        "date": SCHOOL_DAY.isoformat(),
        "pe_minutes": 45,
        "stage1_minutes": 15,
        "end_time": "17:30",
        "enrolled": 300,
        "participants": 280,
        "new_lessons": False,
        "compulsory": False,
        "extended_care": True,
    }
    data.update(over)
    return data


AS_CASES = [
    ("minutes-not-a-number", {"pe_minutes": "四十五"}, "pe_minutes", ("整数", "integer")),
    ("minutes-negative", {"pe_minutes": -1}, "pe_minutes", ("负数",)),
    ("minutes-over-max", {"stage1_minutes": 721}, "stage1_minutes", ("不能超过 720",)),
    ("minutes-huge", {"pe_minutes": HUGE}, "pe_minutes", ("不能超过 720", "过大")),
    ("people-huge", {"enrolled": HUGE}, "enrolled", ("人数过大", "过大")),
    ("participants-over-enrolled", {"participants": 301}, "participants", ("不能多于报名人数",)),
    ("end-time-malformed", {"end_time": "25:61"}, "end_time", ("时间", "Time")),
    ("date-holiday", {"date": NATIONAL_DAY.isoformat()}, "date", ("不是上学日",)),
    ("date-weekend", {"date": WEEKEND.isoformat()}, "date", ("不是上学日",)),
    ("date-malformed", {"date": "2026-11-31"}, "date", ("日期", "Date")),
    ("date-future", {"date": "2027-03-01"}, "date", ("未来",)),
]


@pytest.mark.parametrize(("case", "over", "field", "messages"), AS_CASES, ids=[c[0] for c in AS_CASES])
def test_afterschool_report_form(asr, case, over, field, messages):
    data = {k: v for k, v in report_data(asr.school.pk, **over).items() if k != "school" and v is not False}
    data = {k: ("on" if v is True else v) for k, v in data.items()}
    resp = asr.browser.post("/afterschool/report/", data)
    assert resp.status_code == 200
    errors = " ".join(str(e) for e in resp.context["form"].errors.get(field, []))
    assert any(m in errors for m in messages), dict(resp.context["form"].errors)
    assert not DailyReport.objects.exists() and not SweepRequest.objects.exists()


AS_API_CASES = [
    *AS_CASES,
    ("school-unknown", {"school": 999999}, "school", ("不在您的管辖范围",)),
    ("school-huge", {"school": HUGE}, "school", ("不在您的管辖范围",)),
    ("school-other", {"school": "other"}, "school", ("不在您的管辖范围",)),
    ("school-not-a-number", {"school": "东城区测试小学A"}, "school", ("整数", "integer")),
    ("flag-not-bool", {"compulsory": "maybe"}, "compulsory", ("布尔", "boolean")),
    ("flag-missing", {"compulsory": None}, "compulsory", ("不能为空", "null", "必填")),
]


@pytest.mark.parametrize(("case", "over", "field", "messages"), AS_API_CASES, ids=[c[0] for c in AS_API_CASES])
def test_afterschool_report_api_list(asr, case, over, field, messages):
    if over.get("school") == "other":
        over = {**over, "school": asr.other.pk}
    good = report_data(asr.school.pk, date="2026-11-09")
    resp = asr.api.post("/api/v1/afterschool/reports/", [good, report_data(asr.school.pk, **over)], format="json")
    assert resp.status_code == 400, resp.content[:500]
    body = resp.json()
    assert "未保存任何数据" in body["detail"]
    errors = " ".join(str(e) for e in body["fields"]["row 2"][field])
    assert any(m in errors for m in messages), body["fields"]
    assert not DailyReport.objects.exists() and not SweepRequest.objects.exists()


def test_afterschool_report_in_the_winter_vacation_is_refused(asr):
    resp = asr.api.post("/api/v1/afterschool/reports/", report_data(asr.school.pk, date="2026-01-26"), format="json")
    assert resp.status_code == 400 and "不是上学日（寒暑假" in resp.json()["fields"]["date"][0]
    assert not DailyReport.objects.exists()


def test_afterschool_api_duplicated_rows(asr):
    resp = asr.api.post("/api/v1/afterschool/reports/", [report_data(asr.school.pk)] * 2, format="json")
    assert resp.status_code == 400
    assert "与第 1 行是同一学校同一天" in resp.json()["fields"]["row 2"]["date"][0]
    assert not DailyReport.objects.exists()


@pytest.mark.parametrize("body", [b'"report"', b"[1, 2]", b"[]", b"{bad json", b"null"])
def test_afterschool_api_malformed_bodies(asr, body):
    resp = asr.api.generic("POST", "/api/v1/afterschool/reports/", body, content_type="application/json")
    assert resp.status_code == 400, resp.content[:500]
    assert resp.json()["detail"]
    assert not DailyReport.objects.exists()


# -- the institution registry import ---------------------------------------------------------------------------


REG_HEADER = [c.label for c in REGISTRY_COLUMNS]


def reg_row(code, **over):
    row = {
        "credit_code": code,
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
    }
    row.update(over)
    return [row[c.key] for c in REGISTRY_COLUMNS]


REG_ROW_CASES = [
    ("bool-not-yes-no", {"nonprofit": "也许"}, "nonprofit", "应为“是”或“否”"),
    ("unknown-category", {"category": "补习类"}, "category", "无效的取值"),
    ("unknown-district", {"district": "999999"}, "district", "未知的区代码"),
    ("district-as-number", {"district": 110102}, "district", "只能登记本区机构"),
    ("date-malformed", {"approved_on": "2022-13-01"}, "approved_on", "YYYY-MM-DD"),
    ("date-year-out-of-range", {"approved_on": "0202-05-01"}, "approved_on", "年份超出范围"),
    ("credit-code-bad-check", {"credit_code": "bad"}, "credit_code", "信用代码"),
    ("name-too-long", {"name": "机" * 300}, "name", "不超过 120"),
    ("name-missing", {"name": ""}, "name", "不能为空"),
    ("duplicated-rows", "dup", "credit_code", "重复"),
]


def reg_rows(case, over):
    first = reg_row(f.credit_code(601))
    if over == "dup":
        return [first, reg_row(f.credit_code(601), name="同一机构")]
    return [first, reg_row(over.pop("credit_code", f.credit_code(602)), **over)]


@pytest.mark.parametrize("fmt", ["xlsx", "csv-gbk"])
@pytest.mark.parametrize(("case", "over", "field", "message"), REG_ROW_CASES, ids=[c[0] for c in REG_ROW_CASES])
def test_registry_import_bad_rows_page_and_api(district_user, fmt, case, over, field, message):
    rows = reg_rows(case, dict(over) if isinstance(over, dict) else over)
    data = xlsx_bytes(REG_HEADER, rows) if fmt == "xlsx" else csv_bytes(REG_HEADER, rows, "gbk")
    browser = Client(raise_request_exception=False)
    browser.force_login(district_user)
    resp = browser.post("/institutions/import/", {"file": SimpleUploadedFile(f"机构.{fmt[:4]}", data)})
    assert resp.status_code == 400
    errors = resp.context["report"].errors
    assert any(e["row"] == 3 and e["field"] == field and message in e["message"] for e in errors), errors
    label = next(c.label for c in REGISTRY_COLUMNS if c.key == field)
    assert (
        f'<td class="num">3</td><td data-field="{field}">{label}</td>' in resp.content.decode()
    )  # the column as the sheet names it

    api = APIClient(raise_request_exception=False)
    api.force_authenticate(district_user)
    resp = api.post(
        "/api/v1/institutions/import/", {"file": SimpleUploadedFile(f"机构.{fmt[:4]}", data)}, format="multipart"
    )
    assert resp.status_code == 400
    assert any(m.startswith(f"{field}: ") and message in m for m in resp.json()["fields"]["row 3"])
    assert not Institution.objects.exists() and not ListStatusChange.objects.exists()


def file_cases(header, sample_row):
    return [
        ("oversize", lambda: oversize(header), "5 MB"),
        ("png-named-xlsx", png_bytes, "文件类型"),
        ("zip-not-xlsx", zip_not_xlsx, "不是 Excel"),
        ("truncated-xlsx", lambda: truncated(xlsx_bytes(header, [sample_row] * 50)), "已损坏"),
        ("csv-cell-too-long", lambda: csv_bytes(header, [["题" * 200_000] + list(sample_row[1:])]), "格式有误"),
        ("dense-zip-bomb", lambda: dense_bomb(header), "过大"),
        ("sparse-sheet-bomb", lambda: sparse_bomb(header), "过多"),
        (
            "merged-title-above-header",
            lambda: xlsx_bytes(header, [sample_row], title_row="机构名册（2026年）"),
            "表头缺少列",
        ),
        ("unknown-encoding", lambda: ",".join(header).encode() + b"\n\x80\xff\x80\n", "编码"),
        ("old-xls", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, ".xls"),
        ("header-only-blank", lambda: b"\n\n", "空"),
    ]


REG_FILE_CASES = file_cases(REG_HEADER, reg_row(f.credit_code(603)))


@pytest.mark.parametrize(("case", "make", "message"), REG_FILE_CASES, ids=[c[0] for c in REG_FILE_CASES])
def test_registry_import_bad_files_page_and_api(district_user, case, make, message):
    data = make()
    browser = Client(raise_request_exception=False)
    browser.force_login(district_user)
    resp = browser.post("/institutions/import/", {"file": SimpleUploadedFile("机构.xlsx", data)})
    assert resp.status_code in (200, 400)
    errors = " ".join(resp.context["form"].errors.get("file", []))
    assert message in errors, errors

    api = APIClient(raise_request_exception=False)
    api.force_authenticate(district_user)
    resp = api.post("/api/v1/institutions/import/", {"file": SimpleUploadedFile("机构.xlsx", data)}, format="multipart")
    assert resp.status_code in (400, 413), resp.content[:500]
    assert message in resp.json()["detail"] + str(resp.json()["fields"])
    assert not Institution.objects.exists()


@pytest.mark.parametrize(
    ("encoding", "delimiter"), [("gbk", ","), ("gb18030", ","), ("utf-8", ","), ("utf-8-sig", ","), ("utf-16", "\t")]
)
def test_registry_import_accepts_chinese_excel_encodings(district_user, encoding, delimiter):
    from institutions.imports import institution_import

    data = csv_bytes(REG_HEADER, [reg_row(f.credit_code(604), name="海淀区青苗艺术培训学校")], encoding, delimiter)
    report = institution_import(user=district_user, file=io.BytesIO(data))
    assert report.ok, report.errors
    assert Institution.objects.get().name == "海淀区青苗艺术培训学校"


# -- the schedule (session) import -----------------------------------------------------------------------------


SESSION_HEADER = [c.label for c in SESSION_COLUMNS]


@pytest.fixture
def sessions_ctx(institution_user, institution, district2):
    class Ctx:
        pass

    c = Ctx()
    c.course = CourseFactory(institution=institution, mode="offline")
    c.site = SiteFactory(institution=institution)
    other = f.InstitutionFactory(district=district2)
    c.other_course = CourseFactory(institution=other, mode="offline")
    c.other_site = SiteFactory(institution=other)
    c.user = institution_user
    return c


def session_row(course, site, starts="2026-12-05 09:00", ends="2026-12-05 10:00", mode="线下"):
    return [course, site, starts, ends, mode]


SESSION_ROW_CASES = [
    ("course-not-a-number", {"course": "数学提高班"}, "course", "应为编号"),
    ("course-fraction", {"course": 1.5}, "course", "应为编号"),
    ("course-unknown", {"course": 999999}, "course", "不存在或不在您的管辖范围"),
    ("course-huge", {"course": HUGE}, "course", "不存在或不在您的管辖范围"),
    ("course-of-another-institution", {"course": "other"}, "course", "不存在或不在您的管辖范围"),
    ("site-huge", {"site": HUGE}, "site", "不存在或不在您的管辖范围"),
    ("site-of-another-institution", {"site": "other"}, "site", "不存在或不在您的管辖范围"),
    ("starts-malformed", {"starts": "明天上午"}, "starts_at", "YYYY-MM-DD HH:MM"),
    ("starts-year-1", {"starts": "0001-01-01 00:00", "ends": "0001-01-01 01:00"}, "starts_at", "年份超出范围"),
    ("ends-before-starts", {"ends": "2026-12-05 08:00"}, "ends_at", "须晚于开始时间"),
    ("unknown-mode", {"mode": "函授"}, "mode", "无效的取值"),
    ("offline-without-site", {"site": ""}, "site", "线下课须填写场所编号"),
    ("duplicated-rows", "dup", "starts_at", "重复"),
]


def session_rows(ctx, over):
    first = session_row(ctx.course.pk, ctx.site.pk, starts="2026-12-04 09:00", ends="2026-12-04 10:00")
    if over == "dup":
        return [first, list(first)]
    over = dict(over)
    course = {"other": ctx.other_course.pk}.get(over.get("course"), over.get("course", ctx.course.pk))
    site = {"other": ctx.other_site.pk}.get(over.get("site"), over.get("site", ctx.site.pk))
    kw = {k: over[k] for k in ("starts", "ends", "mode") if k in over}
    return [first, session_row(course, site, **kw)]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize(("case", "over", "field", "message"), SESSION_ROW_CASES, ids=[c[0] for c in SESSION_ROW_CASES])
def test_session_import_bad_rows_page_and_api(sessions_ctx, fmt, case, over, field, message):
    rows = session_rows(sessions_ctx, over)
    data = xlsx_bytes(SESSION_HEADER, rows) if fmt == "xlsx" else csv_bytes(SESSION_HEADER, rows)
    browser = Client(raise_request_exception=False)
    browser.force_login(sessions_ctx.user)
    resp = browser.post("/institutions/schedule-import/", {"file": SimpleUploadedFile(f"课次.{fmt}", data)})
    assert resp.status_code == 400, resp.status_code
    errors = resp.context["report"].errors
    assert any(e["row"] == 3 and e["field"] == field and message in e["message"] for e in errors), errors
    label = next(c.label for c in SESSION_COLUMNS if c.key == field)
    assert f'<td class="num">3</td><td data-field="{field}">{label}</td>' in resp.content.decode()

    api = APIClient(raise_request_exception=False)
    api.force_authenticate(sessions_ctx.user)
    resp = api.post(
        "/api/v1/institutions/sessions/import/", {"file": SimpleUploadedFile(f"课次.{fmt}", data)}, format="multipart"
    )
    assert resp.status_code == 400, resp.content[:500]
    assert any(m.startswith(f"{field}: ") and message in m for m in resp.json()["fields"]["row 3"])
    assert not Session.objects.exists()


SESSION_FILE_CASES = file_cases(SESSION_HEADER, session_row(1, 1))


@pytest.mark.parametrize(("case", "make", "message"), SESSION_FILE_CASES, ids=[c[0] for c in SESSION_FILE_CASES])
def test_session_import_bad_files_page_and_api(sessions_ctx, case, make, message):
    data = make()
    browser = Client(raise_request_exception=False)
    browser.force_login(sessions_ctx.user)
    resp = browser.post("/institutions/schedule-import/", {"file": SimpleUploadedFile("课次.xlsx", data)})
    assert resp.status_code in (200, 400)
    errors = " ".join(resp.context["form"].errors.get("file", []))
    assert message in errors, errors

    api = APIClient(raise_request_exception=False)
    api.force_authenticate(sessions_ctx.user)
    resp = api.post(
        "/api/v1/institutions/sessions/import/", {"file": SimpleUploadedFile("课次.xlsx", data)}, format="multipart"
    )
    assert resp.status_code in (400, 413), resp.content[:500]
    assert message in resp.json()["detail"] + str(resp.json()["fields"])
    assert not Session.objects.exists()


def test_session_on_a_holiday_is_imported_for_the_rules_to_judge(sessions_ctx):
    from institutions.imports import session_import

    rows = [session_row(sessions_ctx.course.pk, sessions_ctx.site.pk, "2026-10-05 09:00", "2026-10-05 10:00")]
    report = session_import(user=sessions_ctx.user, file=io.BytesIO(csv_bytes(SESSION_HEADER, rows, "gbk")))
    assert report.ok and Session.objects.count() == 1


# -- bank statements (prepaid funds): the upload page and the bank's API -----------------------------------------


def _statement_columns():
    from funds.imports import COLUMNS

    return COLUMNS


STATEMENT_HEADER = [c.label for c in _statement_columns()]


@pytest.fixture
def statement_ctx(district_user, institution):
    from funds.models import Bank, SupervisedAccount
    from tests.funds.factories import FundsPrepaymentFactory

    bank = Bank.objects.create(code="BAD-INPUT", name="测试存管银行")
    account = SupervisedAccount.objects.create(
        institution=institution,
        bank=bank,
        account_no="6222000011112222",
        agreement_no="JG-1",
        agreement_signed_on=dt.date(2026, 8, 1),
        opened_on=dt.date(2026, 9, 1),
    )
    paid = FundsPrepaymentFactory(course=CourseFactory(institution=institution), receipt_no="SJ-0001")
    bank_user = f.UserFactory(username="bank-bad-input")
    from accounts.models import Profile

    Profile.objects.create(user=bank_user, role="bank", bank=bank)

    class Ctx:
        pass

    ctx = Ctx()
    ctx.user, ctx.account, ctx.paid, ctx.bank_user = district_user, account, paid, bank_user
    return ctx


def statement_row(ctx, **over):
    row = {
        "account_no": ctx.account.account_no,
        "statement_date": "2026-11-10",
        "closing_balance": "3000.00",
        "txn_id": "T0001",
        "kind": "存入",
        "value_date": "2026-11-10",
        "amount": "3000.00",
        "reference": ctx.paid.receipt_no,
        "session_id": "",
    }
    row.update(over)
    return [row[c.key] for c in _statement_columns()]


STATEMENT_ROW_CASES = [
    ("negative-amount", {"amount": "-100.00"}, "amount", "金额须大于0"),
    ("zero-amount", {"amount": "0"}, "amount", "金额须大于0"),
    ("huge-amount", {"amount": "100000000000"}, "amount", "金额过大"),
    ("fraction-of-a-cent", {"amount": "10.001"}, "amount", "两位小数"),
    ("amount-not-a-number", {"amount": "三千元"}, "amount", "请填写数字"),
    ("negative-balance", {"closing_balance": "-1"}, "closing_balance", "非负数"),
    (
        "statement-in-the-future",
        {"statement_date": "2099-01-01", "value_date": "2099-01-01"},
        "statement_date",
        "超出范围",
    ),
    (
        "statement-before-the-rules",
        {"statement_date": "2020-01-02", "value_date": "2020-01-02"},
        "statement_date",
        "超出范围",
    ),
    ("value-date-after-statement", {"value_date": "2026-11-11"}, "value_date", "交易日期须在对账日期前"),
    ("value-date-far-before", {"value_date": "2026-09-01"}, "value_date", "交易日期须在对账日期前"),
    ("date-malformed", {"value_date": "2026-13-01"}, "value_date", "YYYY-MM-DD"),
    ("year-out-of-range", {"statement_date": "0202-11-10"}, "statement_date", "年份超出范围"),
    ("unknown-kind", {"kind": "转账"}, "kind", "类型应为"),
    ("unknown-receipt", {"reference": "NOPE-9"}, "reference", "找不到收据编号"),
    ("unknown-account", {"account_no": "999999"}, "account_no", "监管账号不存在"),
    ("release-without-session", {"kind": "划拨", "amount": "100.00"}, "session_id", "课次编号"),
    ("balance-differs-within-a-statement", {"closing_balance": "2999.00"}, "closing_balance", "须一致"),
    ("duplicated-transaction-id", {"txn_id": "T0001", "amount": "10.00"}, "txn_id", "重复"),
]


def statement_rows(ctx, over):
    return [statement_row(ctx), statement_row(ctx, **{"txn_id": "T0002", **over})]


@pytest.mark.parametrize("fmt", ["xlsx", "csv-gbk"])
@pytest.mark.parametrize(
    ("case", "over", "field", "message"), STATEMENT_ROW_CASES, ids=[c[0] for c in STATEMENT_ROW_CASES]
)
def test_statement_import_bad_rows_page(statement_ctx, fmt, case, over, field, message):
    from funds.models import BankStatement, StatementLine

    rows = statement_rows(statement_ctx, dict(over))
    data = xlsx_bytes(STATEMENT_HEADER, rows) if fmt == "xlsx" else csv_bytes(STATEMENT_HEADER, rows, "gbk")
    browser = Client(raise_request_exception=False)
    browser.force_login(statement_ctx.user)
    resp = browser.post("/funds/statements/import/", {"file": SimpleUploadedFile(f"对账单.{fmt[:4]}", data)})
    assert resp.status_code == 400
    errors = resp.context["errors"]
    assert any(e["row"] == 3 and e["field"] == field and message in e["message"] for e in errors), errors
    label = next(c.label for c in _statement_columns() if c.key == field)
    assert f'<td class="num">3</td><td data-field="{field}">{label}</td>' in resp.content.decode()
    assert not BankStatement.objects.exists() and not StatementLine.objects.exists()


API_STATEMENT_CASES = [
    ("negative-amount", {"amount": "-100.00"}, "amount"),
    ("huge-amount", {"amount": "100000000000"}, "amount"),
    ("value-date-after-statement", {"value_date": "2026-11-11"}, "value_date"),
    ("unknown-receipt", {"reference": "NOPE-9"}, "reference"),
    ("duplicated-transaction-id", {"txn_id": "T0001", "amount": "10.00"}, "txn_id"),
    ("date-malformed", {"value_date": "2026-13-01"}, "value_date"),
]


@pytest.mark.parametrize(("case", "over", "field"), API_STATEMENT_CASES, ids=[c[0] for c in API_STATEMENT_CASES])
def test_statement_bank_api_bad_lines(statement_ctx, case, over, field):
    from funds.models import BankStatement

    good = {
        "txn_id": "T0001",
        "kind": "deposit",
        "value_date": "2026-11-10",
        "amount": "3000.00",
        "reference": statement_ctx.paid.receipt_no,
    }
    body = {
        "account_no": statement_ctx.account.account_no,
        "statement_date": "2026-11-10",
        "closing_balance": "3000.00",
        "lines": [good, {**good, "txn_id": "T0002", **over}],
    }
    api = APIClient(raise_request_exception=False)
    api.credentials(HTTP_AUTHORIZATION=f"Token {f.api_token(statement_ctx.bank_user)}")
    resp = api.post("/api/v1/funds/bank/statements/", body, format="json")
    assert resp.status_code == 400, resp.content[:500]
    fields = resp.json()["fields"]
    text = str(fields)
    assert "row 2" in fields or field in text, fields
    assert not BankStatement.objects.exists()


STATEMENT_FILE_CASES = file_cases(
    STATEMENT_HEADER, ["6222000011112222", "2026-11-10", "1", "T1", "存入", "2026-11-10", "1", "R", ""]
)


@pytest.mark.parametrize(("case", "make", "message"), STATEMENT_FILE_CASES, ids=[c[0] for c in STATEMENT_FILE_CASES])
def test_statement_import_bad_files_page(statement_ctx, case, make, message):
    from funds.models import BankStatement

    browser = Client(raise_request_exception=False)
    browser.force_login(statement_ctx.user)
    resp = browser.post("/funds/statements/import/", {"file": SimpleUploadedFile("对账单.xlsx", make())})
    assert resp.status_code in (200, 400)
    errors = " ".join(resp.context["form"].errors.get("file", []))
    assert message in errors, errors
    assert not BankStatement.objects.exists()


@pytest.mark.parametrize(
    ("encoding", "delimiter"), [("gbk", ","), ("gb18030", ","), ("utf-8", ","), ("utf-8-sig", ","), ("utf-16", "\t")]
)
def test_statement_import_accepts_chinese_excel_encodings(statement_ctx, encoding, delimiter):
    from funds.imports import statement_file_import
    from funds.models import StatementLine

    data = csv_bytes(STATEMENT_HEADER, [statement_row(statement_ctx)], encoding, delimiter)
    result = statement_file_import(actor=statement_ctx.user, file=io.BytesIO(data))
    assert result.lines == 1
    assert StatementLine.objects.get().reference == "SJ-0001"
