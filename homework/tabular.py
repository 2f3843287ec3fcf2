"""Spreadsheet upload of a school's homework: the template, reading xlsx or CSV (UTF-8 or GBK), row labels."""

from __future__ import annotations

import datetime as dt

from django.utils import translation

from schools.choices import Subject
from shuangjian import exports, spreadsheets

from .choices import MAX_BATCH, HomeworkKind

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
        raise UploadError("文件超过 5 MB，请拆分后分批上传")
    if not data.strip():
        raise UploadError("文件是空的")
    try:
        if data[:4] == b"PK\x03\x04":
            table = spreadsheets.xlsx_table(data, max_rows=MAX_SCAN_ROWS, sheet_name="作业")
        else:
            table = spreadsheets.csv_table(data)
    except spreadsheets.SpreadsheetError as exc:
        raise UploadError(str(exc)) from exc
    if not table:
        raise UploadError("文件是空的")
    header = [str(h).strip() if h is not None else "" for h in table[0]]
    fields = [HEADER_TO_FIELD.get(h) for h in header]
    if "school_class" not in fields or "date" not in fields:
        raise UploadError("表头不对：第 1 行应为模板的列名（至少包含“班级ID”和“日期”），请使用下载的模板")
    rows, labels = [], []
    for number, values in enumerate(table[1:], start=2):
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        row = {}
        for field, value in zip(fields, values):
            if field and field != "school_class_name":
                row[field] = value.strip() if isinstance(value, str) else value
        rows.append(row)
        labels.append(f"row {number}")
    if len(rows) > MAX_BATCH:
        raise UploadError(f"一个文件最多 {MAX_BATCH} 行作业，本文件 {len(rows)} 行：请拆分后上传")
    return rows, labels


def _labels():
    with translation.override("zh-hans"):
        return [str(label) for _, label in Subject.choices], [str(label) for _, label in HomeworkKind.choices]


def template_xlsx(classes, *, day: dt.date) -> bytes:
    """The upload template: the header, one example row per class, and the lists of classes, subjects and kinds."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "作业"
    exports.sheet_append(ws, [h for h, _ in COLUMNS])
    for c in classes:
        exports.sheet_append(ws, _example_row(c, day))
    ref = wb.create_sheet("班级")
    exports.sheet_append(ref, ["班级ID", "年级", "班级名称"])
    for c in classes:
        exports.sheet_append(ref, [c.pk, c.grade, c.name])
    subjects, kinds = _labels()
    notes = wb.create_sheet("说明")
    exports.sheet_append(notes, ["学科（填写名称）", "类型", "是/否列"])
    for i in range(max(len(subjects), len(kinds))):
        exports.sheet_append(
            notes,
            [subjects[i] if i < len(subjects) else "", kinds[i] if i < len(kinds) else "", "是 / 否" if i == 0 else ""],
        )
    notes.append([])
    exports.sheet_append(notes, ["同一班级、日期、学科再次上传会替换原有作业；日期须为上学日，且不能是未来日期。"])
    return exports.workbook_bytes(wb)


def _example_row(c, day: dt.date) -> list:
    return [c.pk, c.name, c.grade, day.isoformat(), "语文", "书面", 20, "是", "否", "否", "否", "否", "否", ""]


def template_csv(classes, *, day: dt.date) -> bytes:
    return exports.csv_bytes([[h for h, _ in COLUMNS], *(_example_row(c, day) for c in classes)])
