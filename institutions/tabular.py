"""Reading and writing the registry's spreadsheets: xlsx or CSV (UTF-8 with or without BOM, GBK, or UTF-16).

The file type is decided by the content, not the name: an xlsx file is a zip archive; anything else must
decode as text. Opening and decoding (with the limits against zip bombs) is ``shuangjian.spreadsheets``. Rows come back as ``(row_number, {column_key: value})`` where ``row_number`` is the
spreadsheet's own row number (the header is row 1), so an error can name the row the user sees.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from openpyxl import Workbook

from shuangjian import exports, spreadsheets
from shuangjian.errors import ServiceError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
#: rows read from a sheet, blank ones included, before giving up (a whole city's registry fits)
MAX_SCAN_ROWS = 100_000
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # the Chinese header the templates and exports use
    hint: str = ""
    #: a file without an optional column is read as if its cells were blank (files made from an older template)
    required: bool = True


def read_rows(file, columns: list[Column]) -> list[tuple[int, dict]]:
    """Parse an uploaded file into rows keyed by column key; headers may be the label or the key."""
    data = file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ServiceError(_("文件超过 5 MB 上限"), code="too_large", fields={"file": [_("文件超过 5 MB 上限")]})
    if not data.strip():
        raise ServiceError(_("文件是空的"), code="empty", fields={"file": [_("文件是空的")]})
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ServiceError(
            _("不支持旧版 .xls 文件，请另存为 .xlsx 或 CSV"), code="file_type", fields={"file": [_("文件类型不支持")]}
        )
    try:
        if data[:4] == b"PK\x03\x04":
            table = spreadsheets.xlsx_table(data, max_rows=MAX_SCAN_ROWS)
        else:
            table = spreadsheets.csv_table(data)
    except spreadsheets.SpreadsheetError as exc:
        raise ServiceError(str(exc), code=exc.code, fields={"file": [str(exc)]}) from exc
    if not table:
        raise ServiceError(_("文件是空的"), code="empty", fields={"file": [_("文件是空的")]})
    header = [str(h or "").strip() for h in table[0]]
    by_name = {}
    for col in columns:
        by_name[col.label] = col.key
        by_name[col.key] = col.key
    index = {}
    for i, name in enumerate(header):
        if name in by_name:
            index[by_name[name]] = i
    missing = [col.label for col in columns if col.required and col.key not in index]
    if missing:
        raise ServiceError(
            _("表头缺少列：%(cols)s（请使用下载的模板）") % {"cols": "、".join(missing)},
            code="header",
            fields={"row 1": [_("缺少列：%(cols)s") % {"cols": "、".join(missing)}]},
        )
    rows = []
    for number, raw in enumerate(table[1:], start=2):
        values = {key: _clean(raw[i] if i < len(raw) else None) for key, i in index.items()}
        if all(v in (None, "") for v in values.values()):
            continue  # blank lines are not rows
        rows.append((number, values))
    return rows


def _clean(value):
    if isinstance(value, str):
        value = value.strip()
        return value
    return value


def write_xlsx(columns: list[Column], rows: list[list], *, title: str) -> bytes:
    """One sheet with the Chinese headers in row 1, then ``rows``; plus a sheet that explains each column."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    exports.sheet_append(sheet, [c.label for c in columns])
    for row in rows:
        exports.sheet_append(sheet, row)
    for i, col in enumerate(columns, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=i).column_letter].width = max(12, len(col.label) * 2 + 4)
    notes = workbook.create_sheet(_("填写说明"))
    exports.sheet_append(notes, [_("列"), _("字段"), _("说明")])
    for col in columns:
        exports.sheet_append(notes, [col.label, col.key, col.hint])
    return exports.workbook_bytes(workbook)


def write_csv(columns: list[Column], rows: list[list]) -> bytes:
    return exports.csv_bytes([[c.label for c in columns], *rows])
