"""Spreadsheet upload of a school's homework: the template, reading xlsx or CSV (UTF-8 or GBK), row labels."""

from __future__ import annotations

import datetime as dt

from django.utils import translation
from django.utils.translation import gettext as _

from schools.choices import Subject
from shuangjian import exports, spreadsheets

from .choices import MAX_BATCH, MAX_ITEM_MINUTES, HomeworkKind

MAX_BYTES = 5 * 1024 * 1024
#: rows read from a sheet, blank ones included, before giving up (MAX_BATCH rows of items plus room for blanks)
MAX_SCAN_ROWS = 50_000

#: column header → API field; the API's own field names are accepted too
COLUMNS = [
    ("班级ID", "school_class"),
    ("班级名称（仅供参考）", None),
    ("年级（用于核对班级）", "grade"),
    ("日期", "date"),
    ("学科", "subject"),
    ("类型", "kind"),
    ("预计完成时间（分钟）", "minutes"),
    ("在家完成", "at_home"),
    ("布置给家长", "for_parents"),
    ("要求家长检查或批改", "parent_grading"),
    ("要求学生自批自改", "self_grading"),
    ("机械重复或惩罚性", "punitive"),
    ("超出课程标准", "beyond_standard"),
    ("作业内容", "content"),
]
HEADER_TO_FIELD = {h: f for h, f in COLUMNS if f}
HEADER_TO_FIELD.update({f: f for _, f in COLUMNS if f})
HEADER_TO_FIELD.update({"班级": "school_class_name", "班级名称": "school_class_name", "年级": "grade"})


class UploadError(ValueError):
    """The file as a whole cannot be read (its type, size, encoding or header)."""


def read_rows(data: bytes) -> tuple[list[dict], list[str]]:
    """Rows as dicts of raw values and their labels (``row N``, N the spreadsheet row number)."""
    if len(data) > MAX_BYTES:
        raise UploadError(_("文件超过 5 MB，请拆分后分批上传"))
    if not data.strip():
        raise UploadError(_("文件是空的"))
    try:
        if data[:4] == b"PK\x03\x04":
            table = spreadsheets.xlsx_table(data, max_rows=MAX_SCAN_ROWS, sheet_name="作业")
        else:
            table = spreadsheets.csv_table(data)
    except spreadsheets.SpreadsheetError as exc:
        raise UploadError(str(exc)) from exc
    if not table:
        raise UploadError(_("文件是空的"))
    header = [str(h).strip() if h is not None else "" for h in table[0]]
    fields = [HEADER_TO_FIELD.get(h) for h in header]
    if "school_class" not in fields or "date" not in fields:
        raise UploadError(_("表头不对：第 1 行应为模板的列名（至少包含“班级ID”和“日期”），请使用下载的模板"))
    rows, labels = [], []
    for number, values in enumerate(table[1:], start=2):
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        row = {}
        for field, value in zip(fields, values):
            if field and field != "school_class_name":
                row[field] = value.strip() if isinstance(value, str) else value
        if not any(row.get(f) not in (None, "") for f in ITEM_FIELDS):
            continue  # a class the template lists, left empty: nothing to file
        rows.append(row)
        labels.append(f"row {number}")
    if len(rows) > MAX_BATCH:
        raise UploadError(
            _("一个文件最多 %(max)d 行作业，本文件 %(n)d 行：请拆分后上传") % {"max": MAX_BATCH, "n": len(rows)}
        )
    return rows, labels


def _labels():
    with translation.override("zh-hans"):
        return [str(label) for _, label in Subject.choices], [str(label) for _, label in HomeworkKind.choices]


#: the columns a clerk fills in; a row whose every one of them is blank is a listed class left empty, not an item
ITEM_FIELDS = frozenset(f for _, f in COLUMNS if f) - {"school_class", "grade", "date"}
#: the columns of yes/no answers (drop-down 是/否)
FLAG_FIELDS = ("at_home", "for_parents", "parent_grading", "self_grading", "punitive", "beyond_standard")
#: rows of the "作业" sheet given drop-down lists beyond the listed classes (a class with several subjects)
TEMPLATE_SPARE_ROWS = 1000
LISTS_SHEET = "选项"


def _class_row(c, day: dt.date) -> list:
    """A listed class: who and which day, every homework cell empty (the clerk fills them or leaves the row)."""
    return [c.pk, c.name, c.grade, day.isoformat()] + [None] * (len(COLUMNS) - 4)


def template_xlsx(classes, *, day: dt.date) -> bytes:
    """The upload template: the header and one row per class with its homework cells empty, drop-down lists for
    subject, type and the yes/no columns, and the lists of classes and of the accepted values.

    No example homework: a template uploaded as downloaded saves nothing (empty rows are skipped), instead of
    publishing 20 minutes of written Chinese for every class.
    """
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "作业"
    exports.sheet_append(ws, [h for h, _ in COLUMNS])
    for c in classes:
        exports.sheet_append(ws, _class_row(c, day))
    last = 1 + len(classes) + TEMPLATE_SPARE_ROWS
    ws.freeze_panes = "A2"
    for index, (header, _field) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = max(10, len(header) * 2 + 2)

    subjects, kinds = _labels()
    lists = wb.create_sheet(LISTS_SHEET)
    exports.sheet_append(lists, ["学科", "类型", "是/否"])
    for i in range(max(len(subjects), len(kinds), 2)):
        exports.sheet_append(
            lists,
            [
                subjects[i] if i < len(subjects) else None,
                kinds[i] if i < len(kinds) else None,
                ("是", "否")[i] if i < 2 else None,
            ],
        )
    column = {f: get_column_letter(i) for i, (_, f) in enumerate(COLUMNS, start=1) if f}

    def drop_down(source: str, fields, title: str, prompt: str) -> None:
        dv = DataValidation(type="list", formula1=source, allow_blank=True, showDropDown=False)
        dv.error, dv.errorTitle, dv.prompt, dv.promptTitle = prompt, title, prompt, title
        dv.showErrorMessage = dv.showInputMessage = True
        for f in fields:
            dv.add(f"{column[f]}2:{column[f]}{last}")
        ws.add_data_validation(dv)

    drop_down(f"={LISTS_SHEET}!$A$2:$A${1 + len(subjects)}", ["subject"], "学科", "请从列表中选择学科")
    drop_down(f"={LISTS_SHEET}!$B$2:$B${1 + len(kinds)}", ["kind"], "类型", "书面、口头、实践或阅读")
    drop_down(f"={LISTS_SHEET}!$C$2:$C$3", FLAG_FIELDS, "是/否", "填“是”或“否”；空着：在家完成按“是”，其余按“否”")
    minutes = DataValidation(type="whole", operator="between", formula1="0", formula2=str(MAX_ITEM_MINUTES))
    minutes.error, minutes.errorTitle = f"0 到 {MAX_ITEM_MINUTES} 之间的整数（分钟）", "预计完成时间"
    minutes.showErrorMessage = True
    minutes.add(f"{column['minutes']}2:{column['minutes']}{last}")
    ws.add_data_validation(minutes)

    ref = wb.create_sheet("班级")
    exports.sheet_append(ref, ["班级ID", "年级", "班级名称"])
    for c in classes:
        exports.sheet_append(ref, [c.pk, c.grade, c.name])
    notes = wb.create_sheet("说明")
    for line in (
        "每行填写一个班级一个学科的作业：选择学科和类型，填写预计完成时间（分钟）。",
        "同一班级有几个学科，就复制该班级的行（班级ID、日期）再填写。",
        "没有填写学科、类型、时间等作业内容的班级行会被跳过，不会保存为作业。",
        "班级当天没有作业，请在“逐班填报”页面勾选“今日无作业”。",
        "同一班级、日期、学科再次上传会替换原有作业；日期须为上学日，且不能是未来日期。",
    ):
        exports.sheet_append(notes, [line])
    return exports.workbook_bytes(wb)


def template_csv(classes, *, day: dt.date) -> bytes:
    return exports.csv_bytes([[h for h, _ in COLUMNS], *(_class_row(c, day) for c in classes)])
