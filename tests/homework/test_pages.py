"""The filing pages: the day form, the spreadsheet upload, publication and the parents' share link."""

import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from homework.models import HomeworkDay, HomeworkItem
from homework.selectors import share_token
from tests import clock

from .conftest import REST_SATURDAY, SCHOOL_DAY, item


@pytest.fixture(autouse=True)
def _day_open():
    """The filings here are made on the school day itself, while it is open (``periods.closing``)."""
    with clock.on_day(SCHOOL_DAY):
        yield


pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(school_user):
    c = Client()
    c.force_login(school_user)
    return c


def day_post(school_class, rows, day=SCHOOL_DAY, no_homework=False):
    data = {
        "school_class": school_class.pk,
        "date": day.isoformat(),
        "items-TOTAL_FORMS": len(rows),
        "items-INITIAL_FORMS": 0,
        "items-MIN_NUM_FORMS": 0,
        "items-MAX_NUM_FORMS": 40,
    }
    if no_homework:
        data["no_homework"] = "on"
    for n, row in enumerate(rows):
        for key, value in row.items():
            if value is True:
                data[f"items-{n}-{key}"] = "on"
            elif value is not False:
                data[f"items-{n}-{key}"] = value
    return data


def row(subject="maths", kind="written", minutes="20", **flags):
    return {"subject": subject, "kind": kind, "minutes": minutes, "at_home": True, **flags}


# -- the day form ----------------------------------------------------------------------


def test_form_shows_the_users_classes_with_their_limits(browser, g1, g4, g8, other_class):
    html = browser.get(reverse("homework:file")).content.decode()
    assert 'data-band="G36" data-limit="60"' in html and 'data-band="G79" data-limit="90"' in html
    assert 'data-band="G12" data-limit="0" data-rule="HW-5-G12"' in html
    assert 'data-limit="60" data-rule="HW-5-G36"' in html
    assert other_class.name not in html
    assert "js/homework-form.js" in html and "<script>" not in html


def test_form_files_a_whole_day_and_refiling_replaces_it(browser, g4):
    resp = browser.post(
        reverse("homework:file"), day_post(g4, [row("maths"), row("chinese", "oral", "10"), row("", "written", "")])
    )
    assert resp.status_code == 302
    assert resp["Location"] == reverse("homework:publication", args=[g4.pk, SCHOOL_DAY.isoformat()])
    assert sorted(HomeworkItem.objects.values_list("subject", flat=True)) == ["chinese", "maths"]
    browser.post(reverse("homework:file"), day_post(g4, [row("english", minutes="15")]))
    assert list(HomeworkItem.objects.values_list("subject", "minutes")) == [("english", 15)]
    assert HomeworkDay.objects.count() == 1


def test_filing_over_the_grade_limit_is_saved_with_a_warning_naming_the_rule(browser, g4):
    resp = browser.post(
        reverse("homework:file"),
        day_post(g4, [row("maths", minutes="40"), row("chinese", minutes="30"), row("english", "oral", "20")]),
        follow=True,
    )
    warnings = [str(m) for m in resp.context["messages"] if m.level_tag == "warning"]
    assert len(warnings) == 1
    assert "书面作业合计 70 分钟，超过本年级上限 60 分钟（HW-5-G36）" in warnings[0]
    assert HomeworkItem.objects.count() == 3  # filed anyway: a warning, never a block
    resp = browser.post(
        reverse("homework:file"), day_post(g4, [row("maths", minutes="40"), row("chinese", minutes="20")]), follow=True
    )
    assert [m for m in resp.context["messages"] if m.level_tag == "warning"] == []


def test_grades_1_2_are_warned_about_written_homework_at_home_only(browser, g1):
    at_school = {**row("maths", minutes="15"), "at_home": False}
    resp = browser.post(reverse("homework:file"), day_post(g1, [at_school]), follow=True)
    assert [m for m in resp.context["messages"] if m.level_tag == "warning"] == []
    resp = browser.post(reverse("homework:file"), day_post(g1, [row("maths", minutes="10")]), follow=True)
    (warning,) = [str(m) for m in resp.context["messages"] if m.level_tag == "warning"]
    assert "HW-5-G12" in warning and "10 分钟" in warning


def test_form_prefills_the_filed_day(browser, g4, file_items):
    file_items(item(g4, subject="physics", minutes=33))
    html = browser.get(reverse("homework:file"), {"school_class": g4.pk, "date": SCHOOL_DAY.isoformat()}).content
    assert b'value="33"' in html and b'<option value="physics" selected>' in html
    assert b'type="date" name="date" value="2026-11-10"' in html  # ISO, whatever the language


def test_form_error_names_the_row_keeps_the_input_and_saves_nothing(browser, g4):
    resp = browser.post(reverse("homework:file"), day_post(g4, [row("maths"), row("chinese", minutes="400")]))
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "第 2 行" in html and "0 到 300" in html
    assert 'value="400"' in html
    assert HomeworkItem.objects.count() == 0 and HomeworkDay.objects.count() == 0


def test_form_refuses_a_rest_day(browser, g4):
    resp = browser.post(reverse("homework:file"), day_post(g4, [row()], day=REST_SATURDAY))
    assert "休息日" in resp.content.decode()
    assert HomeworkItem.objects.count() == 0


def test_form_refuses_another_schools_class_and_an_unknown_one(browser, other_class):
    resp = browser.post(reverse("homework:file"), day_post(other_class, [row()]))
    assert resp.status_code == 200 and "班级不存在或不在您的管辖范围" in resp.content.decode()
    other_class.pk = 999999
    resp = browser.post(reverse("homework:file"), day_post(other_class, [row()]))
    assert "班级不存在或不在您的管辖范围" in resp.content.decode()
    assert HomeworkItem.objects.count() == 0


def test_form_no_homework_today(browser, g4, file_items):
    file_items(item(g4))
    browser.post(reverse("homework:file"), day_post(g4, [row()], no_homework=True))
    assert HomeworkItem.objects.count() == 0
    assert HomeworkDay.objects.get().no_homework


@pytest.mark.parametrize("who", ["institution_user", "district_user"])
def test_only_school_staff_open_the_filing_pages(request, who):
    c = Client()
    c.force_login(request.getfixturevalue(who))
    for name in ("homework:file", "homework:upload", "homework:template"):
        assert c.get(reverse(name)).status_code == 403


def test_district_staff_can_read_a_publication_page(district_user, g4, file_items):
    file_items(item(g4))
    c = Client()
    c.force_login(district_user)
    assert c.get(reverse("homework:publication", args=[g4.pk, SCHOOL_DAY.isoformat()])).status_code == 200


# -- the upload -------------------------------------------------------------------------------

HEADER = "班级ID,班级名称（仅供参考）,年级（用于核对班级）,日期,学科,类型,预计完成时间（分钟）,在家完成,布置给家长,要求家长检查或批改,要求学生自批自改,机械重复或惩罚性,超出课程标准,作业内容\n"


def csv_file(lines, encoding="utf-8"):
    return SimpleUploadedFile("hw.csv", (HEADER + "".join(lines)).encode(encoding), content_type="text/csv")


def up(browser, f, save_good=False):
    data = {"file": f}
    if save_good:
        data["save_good_rows"] = "on"
    return browser.post(reverse("homework:upload"), data)


def test_upload_csv_saves_every_row(browser, g4, g8):
    resp = up(
        browser,
        csv_file(
            [
                f"{g4.pk},,,2026-11-10,数学,书面,20,是,否,否,否,否,否,练习册第3页\n",
                f"{g8.pk},,,2026-11-10,physics,written,30,否,,,,,,\n",
            ]
        ),
    )
    assert resp.status_code == 200
    assert HomeworkItem.objects.count() == 2
    assert HomeworkItem.objects.get(school_class=g8).at_home is False
    assert HomeworkItem.objects.get(school_class=g4).content == "练习册第3页"


def test_upload_gbk_csv_is_read(browser, g4):
    up(browser, csv_file([f"{g4.pk},,,2026-11-10,语文,阅读,20,是,否,否,否,否,否,读课文\n"], encoding="gbk"))
    assert HomeworkItem.objects.get().kind == "reading"


def test_upload_report_names_each_bad_row_and_saves_nothing(browser, g4, other_class):
    resp = up(
        browser,
        csv_file(
            [
                f"{g4.pk},,,2026-11-10,数学,书面,20,是,否,否,否,否,否,\n",
                f"{g4.pk},,,2026-11-10,语文,书面,-5,是,否,否,否,否,否,\n",
                f"{other_class.pk},,,2026-11-10,数学,书面,20,是,否,否,否,否,否,\n",
                "999999,,,2026-11-10,数学,书面,20,是,否,否,否,否,否,\n",
                f"{g4.pk},,,2026-11-14,英语,书面,20,是,否,否,否,否,否,\n",
            ]
        ),
    )
    report = resp.context["report"]
    assert [(r["row"], r["field"]) for r in report] == [(3, "预计完成时间"), (4, "班级ID"), (5, "班级ID"), (6, "日期")]
    assert report[1]["message"] == "班级不存在或不在您的管辖范围"
    assert HomeworkItem.objects.count() == 0


def test_upload_can_save_the_good_rows_explicitly(browser, g4):
    resp = up(
        browser,
        csv_file(
            [
                f"{g4.pk},,,2026-11-10,数学,书面,20,是,否,否,否,否,否,\n",
                f"{g4.pk},,,2026-11-10,语文,书面,abc,是,否,否,否,否,否,\n",
            ]
        ),
        save_good=True,
    )
    assert [r["row"] for r in resp.context["report"]] == [3]
    assert list(HomeworkItem.objects.values_list("subject", flat=True)) == ["maths"]


def _template(browser):
    from openpyxl import load_workbook

    resp = browser.get(reverse("homework:template"))
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(resp.content))


def test_template_lists_the_classes_with_no_homework_filled_in(browser, g4, g8):
    ws = _template(browser)["作业"]
    assert ws["A1"].value == "班级ID" and {ws["A2"].value, ws["A3"].value} == {g4.pk, g8.pk}
    assert {ws["C2"].value, ws["C3"].value} == {4, 8}
    header = [c.value for c in ws[1]]
    item_columns = [
        header.index(h) for h in header if h not in ("班级ID", "班级名称（仅供参考）", "年级（用于核对班级）", "日期")
    ]
    for r in ws.iter_rows(min_row=2, values_only=True):
        assert all(r[i] in (None, "") for i in item_columns if i < len(r)), r  # no placeholder homework
    csv_text = browser.get(reverse("homework:template") + "?format=csv").content.decode("utf-8-sig")
    assert "语文" not in csv_text and "书面" not in csv_text.split("\n", 1)[1]


def test_template_has_drop_down_lists_for_subject_type_and_yes_no(browser, g4):
    wb = _template(browser)
    ws = wb["作业"]
    header = {c.value: c.column_letter for c in ws[1]}
    lists = wb["选项"]

    def options(column):
        for dv in ws.data_validations.dataValidation:
            if dv.type == "list" and any(str(r).startswith(f"{column}2:") for r in dv.sqref.ranges):
                sheet, cells = dv.formula1.lstrip("=").split("!")
                first, last = cells.replace("$", "").split(":")
                return [c.value for row in wb[sheet][f"{first}:{last}"] for c in row]
        return None

    assert "数学" in options(header["学科"]) and "道德与法治" in options(header["学科"])
    assert options(header["类型"]) == ["书面", "口头", "实践", "阅读"]
    for flag in (
        "在家完成",
        "布置给家长",
        "要求家长检查或批改",
        "要求学生自批自改",
        "机械重复或惩罚性",
        "超出课程标准",
    ):
        assert options(header[flag]) == ["是", "否"], flag
    assert lists["A1"].value == "学科"
    minutes = [dv for dv in ws.data_validations.dataValidation if dv.type == "whole"]
    assert minutes and minutes[0].formula2 == "300"


def test_template_uploaded_as_downloaded_saves_nothing_and_filled_rows_are_saved(browser, g4, g8):
    wb = _template(browser)
    ws = wb["作业"]
    for r in (2, 3):
        ws.cell(row=r, column=4, value="2026-11-10")
    buf = io.BytesIO()
    wb.save(buf)
    resp = up(browser, SimpleUploadedFile("hw.xlsx", buf.getvalue()))
    assert "文件中没有作业行" in resp.content.decode()
    assert HomeworkItem.objects.count() == 0
    row = 2 if ws["A2"].value == g4.pk else 3
    for column, value in ((5, "数学"), (6, "书面"), (7, 20)):
        ws.cell(row=row, column=column, value=value)
    buf = io.BytesIO()
    wb.save(buf)
    up(browser, SimpleUploadedFile("hw.xlsx", buf.getvalue()))
    assert list(HomeworkItem.objects.values_list("school_class", "subject", "minutes")) == [(g4.pk, "maths", 20)]


def test_upload_checks_the_file_type_by_content(browser, g4):
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "not a spreadsheet")
    resp = up(browser, SimpleUploadedFile("hw.xlsx", buf.getvalue()))
    assert "不是 Excel" in resp.content.decode()
    resp = up(browser, SimpleUploadedFile("hw.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00"))
    assert "不支持的文件类型" in resp.content.decode()
    resp = up(browser, SimpleUploadedFile("hw.csv", b"a,b\n1,2\n"))
    assert "表头不对" in resp.content.decode()


def test_upload_refuses_more_than_5_mb(browser):
    resp = up(browser, SimpleUploadedFile("hw.csv", HEADER.encode() + b"x" * (5 * 1024 * 1024)))
    assert "5 MB" in resp.content.decode()


# -- publication --------------------------------------------------------------------------------


def test_publication_for_the_classes_staff_only(browser, g4, other_class, file_items, school_b_user):
    file_items(item(g4, subject="maths", content="口算20题"))
    resp = browser.get(reverse("homework:publication", args=[g4.pk, SCHOOL_DAY.isoformat()]))
    assert resp.status_code == 200 and "口算20题" in resp.content.decode()
    assert (
        browser.get(reverse("homework:publication", args=[other_class.pk, SCHOOL_DAY.isoformat()])).status_code == 404
    )


def test_share_link_shows_the_day_without_login_and_nothing_else(client, g4, g8, file_items):
    file_items(item(g4, subject="maths", content="口算20题"), item(g8, subject="physics", content="八年级物理"))
    url = reverse("homework:public-day", args=[share_token(g4), SCHOOL_DAY.isoformat()])
    html = client.get(url).content.decode()
    assert "口算20题" in html and "八年级物理" not in html and "家长查看链接" not in html
    latest = client.get(reverse("homework:public", args=[share_token(g4)])).content.decode()
    assert "口算20题" in latest


def test_a_forged_share_token_is_404(client, g4):
    token = share_token(g4)
    assert client.get(reverse("homework:public", args=[token[:-2] + "xx"])).status_code == 404
    assert client.get(reverse("homework:public", args=["abc"])).status_code == 404


def test_uploading_the_same_class_day_subject_again_replaces(browser, g4):
    up(
        browser,
        csv_file(
            [
                f"{g4.pk},,,2026-11-10,数学,书面,20,是,否,否,否,否,否,\n",
                f"{g4.pk},,,2026-11-10,数学,口头,5,是,否,否,否,否,否,\n",
            ]
        ),
    )
    up(browser, csv_file([f"{g4.pk},,,2026-11-10,数学,书面,25,是,否,否,否,否,否,\n"]))
    assert list(HomeworkItem.objects.values_list("subject", "kind", "minutes")) == [("maths", "written", 25)]


def test_upload_grade_column_catches_a_mistyped_class_id(browser, g4, g8):
    resp = up(
        browser,
        csv_file(
            [
                f"{g4.pk},,4,2026-11-10,数学,书面,20,是,否,否,否,否,否,\n",
                f"{g8.pk},,4,2026-11-10,数学,书面,20,是,否,否,否,否,否,\n",
                f"{g4.pk},,12,2026-11-10,语文,书面,20,是,否,否,否,否,否,\n",
            ]
        ),
    )
    report = resp.context["report"]
    assert [(r["row"], r["field"]) for r in report] == [(3, "年级"), (4, "年级")]
    assert "8 年级" in report[0]["message"] and "1 到 9" in report[1]["message"]
    assert HomeworkItem.objects.count() == 0


# -- upload errors speak the interface's language ------------------------------------------------------------


def _duplicate_upload(browser, g4):
    line = f"{g4.pk},,,2026-11-10,数学,书面,20,是,否,否,否,否,否,\n"
    return up(browser, csv_file([f"{g4.pk},,,2026-11-10,语文,书面,20,是,否,否,否,否,否,\n", line, line]))


def test_a_duplicate_row_is_named_in_chinese_with_no_english(browser, g4):
    resp = _duplicate_upload(browser, g4)
    messages = [r["message"] for r in resp.context["report"]]
    assert messages and all("第 3 行 与 第 4 行 重复填报" in m for m in messages)
    html = resp.content.decode()
    assert "row 3" not in html and "row 4" not in html
    assert HomeworkItem.objects.count() == 0


def test_upload_errors_are_in_english_on_the_english_interface(browser, g4):
    browser.cookies["django_language"] = "en"
    resp = _duplicate_upload(browser, g4)
    messages = [r["message"] for r in resp.context["report"]]
    assert messages and all(m.startswith("row 3 and row 4 are the same item filed twice") for m in messages)
    for content in (b"\x89PNG\r\n\x1a\n\x00\x00\x00", b"a,b\n1,2\n", b""):
        resp = up(browser, SimpleUploadedFile("hw.csv", content))
        errors = resp.context["form"].errors["file"]
        # the template's Chinese column names are quoted as they are in the file; nothing else is Chinese
        unquoted = [re.sub("“[^”]*”", "", e) for e in errors]
        assert errors and not any(any("\u4e00" <= ch <= "\u9fff" for ch in e) for e in unquoted), errors


def test_a_bad_day_form_speaks_one_language(browser, g4):
    resp = browser.post(reverse("homework:file"), day_post(g4, [row(minutes="500")]))
    html = resp.content.decode()
    assert "作业时长应为 0 到 300 之间的整数" in html
    assert "rows have errors" not in html and "nothing was saved" not in html


# -- the day form built for daily use: save and next, copy the last school day, switching class in the page -----


def test_save_and_next_opens_the_next_class_of_the_same_day(browser, g1, g4, g8):
    data = day_post(g4, [row(minutes="20")])
    data["then"] = "next"
    resp = browser.post(reverse("homework:file"), data)
    assert resp.status_code == 302
    assert resp["Location"] == f"{reverse('homework:file')}?school_class={g8.pk}&date={SCHOOL_DAY.isoformat()}"
    assert HomeworkItem.objects.get().school_class == g4
    page = browser.get(resp["Location"])
    html = page.content.decode()
    assert "的作业已公示（1 项）" in html  # the saved class's message on the next class's form
    assert (
        f'<option value="{g8.pk}" data-band="G79"' in html
        and f'value="{g8.pk}" data-band="G79" data-limit="90" data-rule="HW-5-G79" selected' in html
    )
    assert 'value="2026-11-10"' in html
    # the last class of the list: back to the landing grid
    data = day_post(g8, [row(subject="physics", minutes="30")])
    data["then"] = "next"
    resp = browser.post(reverse("homework:file"), data)
    assert resp["Location"] == reverse("home")


def test_plain_submit_still_opens_the_publication(browser, g4):
    data = day_post(g4, [row()])
    data["then"] = "publication"
    resp = browser.post(reverse("homework:file"), data)
    assert resp["Location"] == reverse("homework:publication", args=[g4.pk, SCHOOL_DAY.isoformat()])


def test_copy_last_school_day_fills_the_form_without_saving(browser, file_items, g4):
    monday = SCHOOL_DAY - dt.timedelta(days=1)
    file_items(item(g4, day=monday, subject="chinese", kind="reading", minutes=15, content="读课文"))
    file_items(item(g4, day=monday, subject="maths", minutes=25))
    url = f"{reverse('homework:file')}?school_class={g4.pk}&date={SCHOOL_DAY.isoformat()}"
    html = browser.get(url).content.decode()
    assert "复制上一个上课日（11-09）" in html and "copy=1" in html
    resp = browser.get(url + "&copy=1")
    initial = resp.context["formset"].initial
    assert [(r["subject"], r["kind"], r["minutes"]) for r in initial[:2]] == [
        ("chinese", "reading", 15),
        ("maths", "written", 25),
    ]
    assert initial[0]["content"] == "读课文"
    assert "修改后提交才会保存" in resp.content.decode()
    assert not HomeworkItem.objects.filter(date=SCHOOL_DAY).exists()  # nothing saved until submitted


def test_the_page_carries_every_classs_day_so_switching_class_loads_nothing(browser, file_items, g4, g8):
    import json

    file_items(item(g8, subject="physics", minutes=30))
    resp = browser.get(f"{reverse('homework:file')}?school_class={g4.pk}&date={SCHOOL_DAY.isoformat()}")
    data = json.loads(
        resp.content.decode().split('id="homework-day-data" type="application/json">')[1].split("</script>")[0]
    )
    assert data["filings"][str(g8.pk)]["items"][0]["subject"] == "physics"
    assert str(g4.pk) not in data["filings"]
    assert data["previousDay"] == "2026-11-09" and data["order"] == [g4.pk, g8.pk]
    html = resp.content.decode()
    assert 'id="homework-day-data"' in html
    assert f'<option value="{g8.pk}" data-band="G79" data-limit="90" data-rule="HW-5-G79">' in html  # filed: ✓


def test_flag_columns_are_explained_and_every_cell_is_named(browser, g4):
    html = browser.get(reverse("homework:file")).content.decode()
    assert "六个勾选列的含义" in html
    for text in ("严禁给家长布置作业", "不得要求学生自批自改", "难度超出国家课程标准"):
        assert text in html
    assert 'aria-labelledby="col-kind items-0-head"' in html and 'id="items-0-head"' in html
    assert 'title="要求家长检查或批改作业：严禁"' in html


def test_day_form_queries_do_not_grow_with_the_classes(
    browser, school_a, file_items, g4, django_assert_max_num_queries
):
    from tests import factories as f

    for c in f.SchoolClassFactory.create_batch(30, school=school_a, grade=5):
        file_items(item(c, subject="maths", minutes=10))
    with django_assert_max_num_queries(25):
        assert browser.get(reverse("homework:file")).status_code == 200
