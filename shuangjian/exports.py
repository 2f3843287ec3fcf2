"""The one writer of every spreadsheet the portal hands out (dashboard and findings workbooks, the registry
export, the import templates, CSV templates).

Formula injection (OWASP "CSV injection"): a cell whose text starts with ``=``, ``+``, ``-`` or ``@``, or with a
tab or carriage return, is taken by Excel as a formula, so a class, school or institution named
``=HYPERLINK("http://evil", "点击")`` would run as a live link or worse in a bureau's workbook. Every text cell
goes through ``cell_value``: such text is written with a leading ``'``, stored as text (never as a formula).
Numbers, dates and booleans are written as they are: ``-5`` is a number, not a formula. The imports read the
``'`` back off (``shuangjian.cells.parse_text``), so an exported sheet imports unchanged.
Control characters an .xlsx file cannot hold are dropped instead of failing the whole export.
"""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

#: what makes Excel (and LibreOffice) read a text cell as a formula
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_value(value):
    """``value`` as it is safe to write into a spreadsheet cell."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def safe_row(values) -> list:
    return [cell_value(v) for v in values]


def sheet_append(sheet, values) -> None:
    """Append a row to an openpyxl sheet, each text cell stored as text."""
    sheet.append(safe_row(values))


def workbook_bytes(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows, *, bom: bool = True) -> bytes:
    """Rows as a CSV file in UTF-8 (with a BOM, so Excel on a Chinese Windows reads it as UTF-8)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows(safe_row(row) for row in rows)
    return (out.getvalue()).encode("utf-8-sig" if bom else "utf-8")
