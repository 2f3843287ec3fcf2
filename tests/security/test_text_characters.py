"""Text PostgreSQL refuses (NUL) or cannot encode (a lone surrogate, which JSON can carry) is a row and field error
on every filing path, never a 500, and nothing is saved.

DRF's ``CharField`` and Django's form ``CharField`` already refuse NUL and surrogates; these are the paths that read
raw values instead: the bulk homework API, the spreadsheet uploads and the registry import."""

import datetime as dt
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from homework.models import HomeworkDay, HomeworkItem
from homework.tabular import COLUMNS as HW_COLUMNS
from institutions.imports import REGISTRY_COLUMNS, institution_import
from institutions.models import Institution
from shuangjian import cells
from shuangjian.validators import no_control_characters
from tests import clock
from tests import factories as f

pytestmark = pytest.mark.django_db

SCHOOL_DAY = dt.date(2026, 11, 10)
MESSAGE = "控制字符"


@pytest.fixture(autouse=True)
def _day_open():
    """The filings here are made while SCHOOL_DAY is open (``periods.closing``)."""
    with clock.on_day(SCHOOL_DAY):
        yield


def api_item(class_id, **over):
    return {
        "school_class": class_id,
        "date": SCHOOL_DAY.isoformat(),
        "subject": "maths",
        "kind": "written",
        "minutes": 20,
        **over,
    }


@pytest.fixture
def g4(school_a):
    return f.SchoolClassFactory(school=school_a, grade=4, name="四年级1班")


@pytest.fixture
def api(school_user):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(school_user)
    return client


@pytest.mark.parametrize("content", ["第1题\x00背诵", "抄写\ud800", "换\x0c页"])
def test_bulk_api_refuses_bad_characters_naming_the_row_and_field(api, g4, content):
    rows = [api_item(g4.pk), api_item(g4.pk, subject="chinese", content=content)]
    # as a client sends it: JSON escapes ("\u0000", "\ud800"), which the test client's encoder cannot write itself
    resp = api.post("/api/v1/homework/", json.dumps(rows), content_type="application/json")
    assert resp.status_code == 400, resp.content[:300]
    fields = resp.json()["fields"]
    assert list(fields) == ["row 2"] and list(fields["row 2"]) == ["content"]
    assert MESSAGE in fields["row 2"]["content"][0]
    assert HomeworkItem.objects.count() == 0 and HomeworkDay.objects.count() == 0


def test_bulk_api_refuses_nul_in_a_choice_field_as_that_fields_error(api, g4):
    resp = api.post("/api/v1/homework/", [api_item(g4.pk, subject="maths\x00")], format="json")
    assert resp.status_code == 400 and list(resp.json()["fields"]["row 1"]) == ["subject"]


def test_homework_csv_upload_names_the_row_and_field(school_user, g4):
    header = ",".join(h for h, _ in HW_COLUMNS)
    row = f"{g4.pk},,4,{SCHOOL_DAY.isoformat()},数学,书面,20,是,否,否,否,否,否,第1题\x01背诵"
    browser = Client(raise_request_exception=False)
    browser.force_login(school_user)
    upload = SimpleUploadedFile("作业.csv", f"{header}\r\n{row}\r\n".encode())
    resp = browser.post("/homework/upload/", {"file": upload})
    assert resp.status_code == 200
    report = resp.context["report"]
    assert [(r["row"], r["field"]) for r in report] == [(2, "作业内容")] and MESSAGE in report[0]["message"]
    assert HomeworkItem.objects.count() == 0


def registry_csv(encoding="utf-8", **over) -> io.BytesIO:
    row = {
        "credit_code": f.credit_code(7),
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
    lines = [",".join(c.label for c in REGISTRY_COLUMNS), ",".join(row[c.key] for c in REGISTRY_COLUMNS)]
    return io.BytesIO(("\n".join(lines) + "\n").encode(encoding))


@pytest.mark.parametrize("field", ["name", "licence_no", "credit_code"])
def test_registry_import_names_the_row_and_field_of_a_nul(district_user, field):
    value = {"name": "北京\x00培训学校", "licence_no": "教民\x00110101", "credit_code": f.credit_code(7) + "\x00"}
    # Excel's "Unicode text" (UTF-16) is the one CSV form a NUL can arrive in (the UTF-8 and GBK readers refuse it)
    report = institution_import(user=district_user, file=registry_csv("utf-16", **{field: value[field]}))
    assert [(e["row"], e["field"]) for e in report.errors] == [(2, field)]
    assert MESSAGE in report.errors[0]["message"]
    assert Institution.objects.count() == 0


@pytest.mark.parametrize("text", ["\x00", "a\x01b", "\ud800", "a\x1fb"])
def test_the_parsers_and_the_validator_refuse_the_same_characters(text):
    from django.core.exceptions import ValidationError

    with pytest.raises(cells.CellError):
        cells.parse_text(text)
    with pytest.raises(ValidationError):
        no_control_characters(text)


@pytest.mark.parametrize("text", ["第1题\t抄写", "一行\n二行\r\n", "普通文本"])
def test_tabs_and_line_breaks_are_ordinary_text(text):
    assert cells.parse_text(text) == text.strip()
    no_control_characters(text)


def test_homework_day_form_shows_the_error_at_the_content_and_saves_nothing(school_user, g4):
    browser = Client()
    browser.force_login(school_user)
    data = {
        "school_class": g4.pk,
        "date": SCHOOL_DAY.isoformat(),
        "items-TOTAL_FORMS": 1,
        "items-INITIAL_FORMS": 0,
        "items-MIN_NUM_FORMS": 0,
        "items-MAX_NUM_FORMS": 40,
        "items-0-subject": "maths",
        "items-0-kind": "written",
        "items-0-minutes": "20",
        "items-0-at_home": "on",
        "items-0-content": "第1题\x01背诵",
    }
    resp = browser.post("/homework/file/", data)
    assert resp.status_code == 200
    assert MESSAGE in str(resp.context["formset"].forms[0].errors["content"])
    assert HomeworkItem.objects.count() == 0
