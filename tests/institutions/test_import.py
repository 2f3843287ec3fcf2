import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook, load_workbook

from institutions.imports import REGISTRY_COLUMNS, SESSION_COLUMNS, institution_import, session_import
from institutions.models import Institution, ListStatusChange, Session
from institutions.selectors import registry_export_xlsx
from shuangjian.errors import ServiceError
from tests import factories as f

from .factories import CourseFactory, SiteFactory

pytestmark = pytest.mark.django_db
BJ = ZoneInfo("Asia/Shanghai")


def csv_file(header, rows, encoding="utf-8"):
    lines = [",".join(header)] + [",".join(str(c) for c in row) for row in rows]
    return io.BytesIO(("\n".join(lines) + "\n").encode(encoding))


def xlsx_file(header, rows):
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


REG_HEADER = [c.label for c in REGISTRY_COLUMNS]


def reg_row(code, name="北京某某培训学校", district="110101", **over):
    row = {
        "credit_code": code,
        "name": name,
        "district": district,
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


def test_registry_import_creates_institutions_from_gbk_csv(district_user):
    file = csv_file(REG_HEADER, [reg_row(f.credit_code(501)), reg_row(f.credit_code(502), name="第二家")], "gbk")
    report = institution_import(user=district_user, file=file)
    assert report.ok and report.created == 2
    inst = Institution.objects.get(credit_code=f.credit_code(501))
    assert (inst.category, inst.domain, inst.audience, inst.licence_status) == (
        "non_subject",
        "arts",
        ["compulsory"],
        "valid",
    )


def test_registry_import_errors_name_row_and_field_and_save_nothing(district_user):
    bad_code = f.credit_code(503)[:17] + ("0" if f.credit_code(503)[17] != "0" else "1")
    rows = [
        reg_row(f.credit_code(504)),  # row 2: fine
        reg_row(bad_code),  # row 3: check character
        reg_row(f.credit_code(505), category="补习类"),  # row 4: unknown category
        reg_row(f.credit_code(504)),  # row 5: duplicate of row 2
        reg_row(f.credit_code(506), district="110102"),  # row 6: another district
        reg_row(f.credit_code(507), approved_on="2022-13-01"),  # row 7: bad date
    ]
    report = institution_import(user=district_user, file=csv_file(REG_HEADER, rows))
    found = {(e["row"], e["field"]) for e in report.errors}
    assert found == {(3, "credit_code"), (4, "category"), (5, "credit_code"), (6, "district"), (7, "approved_on")}
    assert "校验位" in next(e["message"] for e in report.errors if e["row"] == 3)
    assert not Institution.objects.exists()


def test_registry_import_refuses_another_districts_institution(district_user, district2):
    other = f.InstitutionFactory(district=district2)
    report = institution_import(user=district_user, file=csv_file(REG_HEADER, [reg_row(other.credit_code)]))
    assert report.errors == [{"row": 2, "field": "credit_code", "message": "该信用代码已由其他区登记"}]


def test_export_re_imports_unchanged_and_deleted_rows_come_back(city_user, district1, district2):
    a = f.InstitutionFactory(district=district1, audience=["preschool", "compulsory"], approved_on=dt.date(2021, 3, 2))
    b = f.InstitutionFactory(district=district2, category="non_subject", domain="sports", mode="both", listed=True)
    data = registry_export_xlsx(user=city_user)
    sheet = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet[1]] == REG_HEADER
    before = {i.credit_code: _snapshot(i) for i in Institution.objects.all()}

    report = institution_import(user=city_user, file=io.BytesIO(data))
    assert report.ok and (report.created, report.updated) == (0, 2)
    assert {i.credit_code: _snapshot(i) for i in Institution.objects.all()} == before

    Institution.objects.filter(pk=b.pk).delete()
    report = institution_import(user=city_user, file=io.BytesIO(data))
    assert report.ok and report.created == 1
    assert {i.credit_code: _snapshot(i) for i in Institution.objects.all()} == before
    assert a.credit_code in before


def _snapshot(inst):
    return (
        inst.name,
        inst.district_id,
        inst.category,
        inst.domain,
        inst.audience,
        inst.mode,
        inst.nonprofit,
        inst.licence_no,
        inst.licence_status,
        inst.approved_on,
        inst.listed,
        inst.list_status,
    )


def test_imported_black_list_status_is_recorded_in_history(city_user):
    institution_import(
        user=city_user,
        file=csv_file(REG_HEADER, [reg_row(f.credit_code(508), list_status="黑名单")]),
        file_name="x.csv",
    )
    change = ListStatusChange.objects.get()
    assert (change.to_status, change.actor) == ("black", city_user)
    assert "x.csv" in change.reason


def test_file_type_is_checked_by_content(city_user):
    with pytest.raises(ServiceError) as exc:
        institution_import(user=city_user, file=io.BytesIO(b"\x89PNG\r\n\x1a\n\x00\x00\x00binary"))
    assert exc.value.code == "file_type"
    with pytest.raises(ServiceError) as exc:
        institution_import(user=city_user, file=io.BytesIO(b"PK\x03\x04 not really a workbook"))
    assert exc.value.code == "file_type"


def test_file_over_5_mb_is_refused(city_user):
    with pytest.raises(ServiceError) as exc:
        institution_import(user=city_user, file=io.BytesIO(b"a," * (3 * 1024 * 1024)))
    assert exc.value.code == "too_large"


def test_missing_columns_name_them(city_user):
    with pytest.raises(ServiceError) as exc:
        institution_import(user=city_user, file=csv_file(["统一社会信用代码", "机构名称"], [["x", "y"]]))
    assert "所在区代码" in exc.value.message


# --- schedules ------------------------------------------------------------------------------------------

SES_HEADER = [c.label for c in SESSION_COLUMNS]


def test_session_import_from_xlsx_with_local_times(institution_user, institution):
    course = CourseFactory(institution=institution)
    site = SiteFactory(institution=institution)
    online = CourseFactory(institution=institution, mode="online", lesson_minutes=30)
    file = xlsx_file(
        SES_HEADER,
        [
            [course.pk, site.pk, dt.datetime(2026, 11, 14, 9, 0), dt.datetime(2026, 11, 14, 9, 45), "线下"],
            [online.pk, None, "2026-11-14 19:00", "2026-11-14 19:30", ""],
        ],
    )
    report = session_import(user=institution_user, file=file)
    assert report.ok and report.created == 2
    first = Session.objects.get(course=course)
    assert first.starts_at == dt.datetime(2026, 11, 14, 9, 0, tzinfo=BJ)
    assert Session.objects.get(course=online).mode == "online"


def test_session_import_errors_and_nothing_saved(institution_user, institution, district1):
    course = CourseFactory(institution=institution)
    site = SiteFactory(institution=institution)
    foreign_course = CourseFactory(institution=f.InstitutionFactory(district=district1))
    foreign_site = SiteFactory(institution=foreign_course.institution)
    rows = [
        [course.pk, site.pk, "2026-11-14 09:00", "2026-11-14 09:45", "线下"],  # 2 fine
        [foreign_course.pk, site.pk, "2026-11-14 10:00", "2026-11-14 10:45", "线下"],  # 3 course not theirs
        [course.pk, foreign_site.pk, "2026-11-14 11:00", "2026-11-14 11:45", "线下"],  # 4 site not theirs
        [course.pk, site.pk, "2026-11-14 12:00", "2026-11-14 11:00", "线下"],  # 5 ends before start
        [course.pk, site.pk, "14/11/2026 9am", "2026-11-14 11:00", "线下"],  # 6 bad datetime
        [course.pk, site.pk, "2026-11-14 09:00", "2026-11-14 09:45", "线下"],  # 7 duplicate of row 2
        [course.pk, "", "2026-11-15 09:00", "2026-11-15 09:45", "线下"],  # 8 offline without a site
    ]
    report = session_import(user=institution_user, file=csv_file(SES_HEADER, rows))
    found = {(e["row"], e["field"]) for e in report.errors}
    assert found == {(3, "course"), (4, "site"), (5, "ends_at"), (6, "starts_at"), (7, "starts_at"), (8, "site")}
    assert Session.objects.count() == 0


def test_session_import_records_class_groups(institution_user, institution):
    online = CourseFactory(institution=institution, mode="online", lesson_minutes=30)
    rows = [
        [online.pk, "", "2026-11-16 19:00", "2026-11-16 19:30", "", "A班"],
        [online.pk, "", "2026-11-16 19:00", "2026-11-16 19:30", "", "B班"],  # two classes at the same time
        [online.pk, "", "2026-11-16 20:00", "2026-11-16 20:30", "", ""],
    ]
    report = session_import(user=institution_user, file=csv_file(SES_HEADER, rows))
    assert report.ok and report.created == 3
    assert sorted(Session.objects.values_list("class_group", flat=True)) == ["", "A班", "B班"]
    again = [[online.pk, "", "2026-11-16 19:00", "2026-11-16 19:30", "", "A班"]]
    report = session_import(user=institution_user, file=csv_file(SES_HEADER, again))
    assert [(e["row"], e["field"]) for e in report.errors] == [(2, "starts_at")]


def test_session_import_reads_a_file_made_from_the_old_template(institution_user, institution):
    online = CourseFactory(institution=institution, mode="online", lesson_minutes=30)
    header = [c.label for c in SESSION_COLUMNS if c.key != "class_group"]
    report = session_import(
        user=institution_user, file=csv_file(header, [[online.pk, "", "2026-11-16 19:00", "2026-11-16 19:30", ""]])
    )
    assert report.ok and Session.objects.get().class_group == ""


def test_school_staff_cannot_import_schedules(school_user):
    with pytest.raises(ServiceError):
        session_import(user=school_user, file=csv_file(SES_HEADER, []))


def test_api_schedule_import_names_rows_and_saves_nothing(as_user, institution_user, institution):
    course = CourseFactory(institution=institution)
    site = SiteFactory(institution=institution)
    good = [course.pk, site.pk, "2026-11-16 18:00", "2026-11-16 19:00", "线下"]
    bad = [course.pk, site.pk, "2026-11-17 18:00", "2026-11-17 17:00", "线下"]
    client = as_user(institution_user)
    upload = csv_file(SES_HEADER, [good, bad])
    upload.name = "s.csv"
    resp = client.post("/api/v1/institutions/sessions/import/", {"file": upload}, format="multipart")
    assert resp.status_code == 400
    assert resp.json()["fields"] == {"row 3": ["ends_at: 结束时间须晚于开始时间"]}
    assert Session.objects.count() == 0
    upload = csv_file(SES_HEADER, [good])
    upload.name = "s.csv"
    resp = client.post("/api/v1/institutions/sessions/import/", {"file": upload}, format="multipart")
    assert resp.status_code == 201 and resp.json() == {"created": 1, "updated": 0}


def test_api_registry_import_is_for_bureau_staff(as_user, institution_user, district_user):
    upload = csv_file(REG_HEADER, [reg_row(f.credit_code(601))])
    upload.name = "r.csv"
    assert (
        as_user(institution_user).post("/api/v1/institutions/import/", {"file": upload}, format="multipart").status_code
        == 403
    )
    upload.seek(0)
    resp = as_user(district_user).post("/api/v1/institutions/import/", {"file": upload}, format="multipart")
    assert resp.status_code == 201 and resp.json()["created"] == 1
