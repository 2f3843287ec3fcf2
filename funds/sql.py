"""Raw SQL of the funds app: COPY of statement rows (the floor the statement import is measured against)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from psycopg import sql

from .models import BankStatement, StatementLine

STATEMENT_COPY_FIELDS = ("account_id", "statement_date", "closing_balance", "source", "imported_at")
LINE_COPY_FIELDS = (
    "statement_id",
    "account_id",
    "txn_id",
    "kind",
    "value_date",
    "amount",
    "reference",
    "prepayment_id",
    "session_id",
    "refund_id",
)


def _copy(model, fields: tuple[str, ...], rows: Iterable[tuple]) -> int:
    statement = sql.SQL("COPY {table} ({columns}) FROM STDIN").format(
        table=sql.Identifier(model._meta.db_table), columns=sql.SQL(", ").join(map(sql.Identifier, fields))
    )
    count = 0
    with connection.cursor() as cursor, connection.wrap_database_errors, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def statements_copy(rows: Iterable[tuple]) -> int:
    """COPY statements (values in the order of ``STATEMENT_COPY_FIELDS``); the rows must be valid already."""
    return _copy(BankStatement, STATEMENT_COPY_FIELDS, rows)


def lines_copy(rows: Iterable[tuple]) -> int:
    """COPY statement lines (values in the order of ``LINE_COPY_FIELDS``); the rows must be valid already."""
    return _copy(StatementLine, LINE_COPY_FIELDS, rows)
