"""Bank statement files: one layout for CSV and XLSX (documented in docs/decisions/prepaid-funds.md and on the
upload page).

One row per transaction; a file may hold several statements (accounts and days): the rows of one account and
statement date make one statement and repeat its closing balance. Opening and decoding the file is the
registry's reader (``institutions.tabular``, on ``shuangjian.spreadsheets``: size and zip-bomb limits, UTF-8,
GBK and UTF-16 CSV); cells are read by ``shuangjian.cells``. Every row is checked before anything is saved; one
bad row saves nothing, and the report names its row (the spreadsheet's own number, the header is row 1) and field.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from institutions import tabular
from institutions.tabular import Column
from shuangjian import cells
from shuangjian.cells import CellError

from .choices import StatementSource
from .services import ImportResult, LineIn, StatementRejected, bureau_district_id, statement_import

#: the layout's headers are the file's own (Chinese, whatever the page's language), as the registry's are
COLUMNS = [
    Column("account_no", "监管账号", "登记的资金监管账号"),
    Column("statement_date", "对账日期", "YYYY-MM-DD，对账单所属日期"),
    Column("closing_balance", "日终余额", "元，两位小数；同一账户同一天的各行相同"),
    Column("txn_id", "银行流水号", "银行交易唯一编号，重复导入时据此跳过"),
    Column("kind", "类型", "存入 / 划拨 / 退费（或 deposit / release / refund）"),
    Column("value_date", "交易日期", "YYYY-MM-DD，不晚于对账日期，不早于其前31天"),
    Column("amount", "金额", "元，大于0，两位小数"),
    Column(
        "reference",
        "参考号",
        "存入、划拨：家长收据编号；退费：退费申请查询码",
    ),
    Column("session_id", "课次编号", "划拨必填：所消课次的编号", required=False),
]

MAX_ROWS = 50_000


def _cell(errors, row, key, parse, value):
    try:
        return parse(value)
    except CellError as exc:
        errors.append({"row": row, "field": key, "message": str(exc)})
        return None


def _text(value) -> str:
    return "" if cells.blank(value) else cells.parse_text(value, max_length=60)


def _amount(value) -> str:
    if cells.blank(value):
        raise CellError(_("必填"))
    if isinstance(value, bool):
        raise CellError(_("请填写数字"))
    if isinstance(value, float):
        return repr(value)
    return str(value).strip()


def read_statement_file(file) -> list[LineIn]:
    """The file's rows as statement lines; raises ``StatementRejected`` naming row and field on any bad cell."""
    rows = tabular.read_rows(file, COLUMNS)
    if len(rows) > MAX_ROWS:
        raise StatementRejected(
            [{"row": rows[MAX_ROWS][0], "field": "file", "message": _("超过 %(n)d 行上限") % {"n": MAX_ROWS}}]
        )
    errors: list[dict] = []
    lines = []
    for number, v in rows:
        lines.append(
            LineIn(
                row=number,
                account_no=_cell(errors, number, "account_no", _text, v.get("account_no")) or "",
                statement_date=_cell(errors, number, "statement_date", cells.parse_date, v.get("statement_date")),
                closing_balance=_cell(errors, number, "closing_balance", _amount, v.get("closing_balance")),
                txn_id=_cell(errors, number, "txn_id", _text, v.get("txn_id")) or "",
                kind=_cell(errors, number, "kind", _text, v.get("kind")) or "",
                value_date=_cell(errors, number, "value_date", cells.parse_date, v.get("value_date")),
                amount=_cell(errors, number, "amount", _amount, v.get("amount")),
                reference=_cell(errors, number, "reference", _text, v.get("reference")) or "",
                session_id=v.get("session_id"),
            )
        )
    if errors:
        raise StatementRejected(errors)
    return lines


def statement_file_import(*, actor, file, request=None) -> ImportResult:
    """Import a statement file for the accounts the actor may see (district or city staff)."""
    bureau_district_id(actor)
    return statement_import(actor=actor, lines=read_statement_file(file), source=StatementSource.FILE, request=request)


def template_xlsx() -> bytes:
    example = [
        [
            "1100000000000001",
            "2026-11-10",
            "2900.00",
            "20261110000001",
            "存入",
            "2026-11-10",
            "3000.00",
            "SJ000001",
            "",
        ],
        [
            "1100000000000001",
            "2026-11-10",
            "2900.00",
            "20261110000002",
            "划拨",
            "2026-11-10",
            "100.00",
            "SJ000001",
            "123",
        ],
    ]
    return tabular.write_xlsx(COLUMNS, example, title=str(_("银行对账单")))
