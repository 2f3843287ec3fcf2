"""Reading uploaded spreadsheets safely: the one place that opens an .xlsx or decodes a CSV for the imports.

An upload is at most 5 MB, but what it expands to is up to its author: a zip whose sheet inflates to gigabytes,
or a sheet that declares a million rows by sixteen thousand columns so that a naive reader builds every empty
cell. Both are refused here before they cost memory: the workbook's declared uncompressed size is capped (the
zip reader stops at the declared size, so the declaration cannot lie), and rows and columns are read lazily up
to a limit.

CSV: Excel on a Chinese Windows saves "CSV" in GBK, so GBK (as its superset GB 18030) is read, besides UTF-8
with or without a BOM and UTF-16 with a BOM (Excel's "Unicode text", tab-separated). Nothing else is guessed.

Errors are ``SpreadsheetError`` with a message for the user; each import turns it into its own error type.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile

from django.utils.translation import gettext as _

#: the most a workbook may expand to (a 5,000-row homework sheet is about 4 MB of XML)
MAX_XLSX_UNCOMPRESSED = 50 * 1024 * 1024
#: columns read from each row; the templates have at most 17
MAX_COLUMNS = 64


class SpreadsheetError(ValueError):
    """The file as a whole cannot be read; the message says why, in the interface's language; ``code`` names the kind
    of problem."""

    def __init__(self, message: str, *, code: str = "file_type"):
        super().__init__(message)
        self.code = code


def xlsx_table(data: bytes, *, max_rows: int, sheet_name: str | None = None) -> list[list]:
    """The rows of the workbook's sheet (``sheet_name`` if it has one, else the first) as lists of values.

    Blank rows come back as empty lists, so a row's index is still its row number minus one.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = z.namelist()
            expanded = sum(info.file_size for info in z.infolist())
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise SpreadsheetError(_("Excel 文件已损坏或不完整，无法读取：请重新保存为 .xlsx 后上传")) from exc
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise SpreadsheetError(_("不支持的文件类型：这不是 Excel (.xlsx) 文件"))
    if expanded > MAX_XLSX_UNCOMPRESSED:
        raise SpreadsheetError(
            _("Excel 文件解压后过大（%(size)d MB，上限 %(max)d MB）：请删除多余的工作表、图片和格式，或拆分后上传")
            % {"size": expanded // (1024 * 1024), "max": MAX_XLSX_UNCOMPRESSED // (1024 * 1024)},
            code="too_large",
        )
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise SpreadsheetError(_("Excel 文件已损坏或不是 .xlsx 文件，无法读取：请使用下载的模板")) from exc
    try:
        ws = wb[sheet_name] if sheet_name and sheet_name in wb.sheetnames else wb.worksheets[0]
        table: list[list] = []
        for values in ws.iter_rows(max_col=MAX_COLUMNS, values_only=True):
            if len(table) >= max_rows:
                raise SpreadsheetError(
                    _("表格行数过多（超过 %(n)d 行，含空行）：请删除多余的空行或拆分后上传") % {"n": max_rows},
                    code="too_large",
                )
            row = list(values)
            while row and (row[-1] is None or row[-1] == ""):
                row.pop()
            table.append(row)
    except SpreadsheetError:
        raise
    except Exception as exc:
        raise SpreadsheetError(_("Excel 文件已损坏或不是 .xlsx 文件，无法读取：请使用下载的模板")) from exc
    finally:
        wb.close()
    return table


def csv_text(data: bytes) -> str:
    """The text of a CSV file: UTF-16 with a BOM, UTF-8 (BOM or not), or GBK/GB 18030."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise SpreadsheetError(_("无法识别文件编码：请另存为 UTF-8 或 GBK 编码的 CSV"), code="encoding") from exc
    if b"\x00" in data[:4096]:
        raise SpreadsheetError(_("不支持的文件类型：请上传 .xlsx 或 .csv 文件"))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SpreadsheetError(_("无法识别文件编码：请另存为 UTF-8 或 GBK 编码的 CSV"), code="encoding")


def csv_table(data: bytes) -> list[list]:
    """The rows of a CSV file (comma-separated, or tab-separated when its first line says so)."""
    text = csv_text(data)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        return [row for row in reader]
    except csv.Error as exc:
        raise SpreadsheetError(
            _("CSV 文件第 %(n)d 行格式有误（单元格过长或引号不成对）：请用 Excel 重新另存为 CSV")
            % {"n": reader.line_num},
            code="csv",
        ) from exc
