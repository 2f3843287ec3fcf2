"""The homework app's raw SQL: the bulk write path of a filing (COPY of items, the class-day upsert, replacing).

PostgreSQL only. Every statement is written one way: with ``psycopg.sql``, its table and column names taken from
the models' ``_meta`` as quoted identifiers, and its values passed as parameters (arrays for a set of keys, joined
with ``unnest``), so one statement handles a whole batch however many class-days it names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection
from psycopg import sql

from .models import HomeworkDay, HomeworkItem


def _table(model) -> sql.Identifier:
    return sql.Identifier(model._meta.db_table)


def _column(model, name: str) -> sql.Identifier:
    return sql.Identifier(model._meta.get_field(name).column)


def _columns(model, names) -> sql.Composed:
    return sql.SQL(", ").join(_column(model, n) for n in names)


ITEM, DAY = _table(HomeworkItem), _table(HomeworkDay)

#: the item fields ``items_copy`` writes, in the order of each row it is given
ITEM_COPY_FIELDS = (
    "school_class",
    "school",
    "date",
    "subject",
    "kind",
    "minutes",
    "at_home",
    "for_parents",
    "parent_grading",
    "self_grading",
    "punitive",
    "beyond_standard",
    "content",
    "filed_at",
    "filed_by",
)

ITEMS_COPY = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(ITEM, _columns(HomeworkItem, ITEM_COPY_FIELDS))
#: the PostgreSQL types of ``ITEM_COPY_FIELDS`` for binary COPY (each value is sent in its binary form, no text to
#: format and parse; a test checks them against the table, so a changed column fails there, not in a filing)
ITEM_COPY_TYPES = (
    "int8",
    "int8",
    "date",
    "text",
    "text",
    "int2",
    "bool",
    "bool",
    "bool",
    "bool",
    "bool",
    "bool",
    "text",
    "timestamptz",
    "int4",
)

DAYS_UPSERT = sql.SQL(
    "INSERT INTO {day} ({class_}, {date}, {school}, {no_homework}, {first}, {last}, {by}) "
    "SELECT k.c, k.d, k.s, k.n, %s, %s, %s FROM unnest(%s::int[], %s::date[], %s::int[], %s::bool[]) AS k(c, d, s, n) "
    "ON CONFLICT ({class_}, {date}) DO UPDATE SET {last} = EXCLUDED.{last}, {by} = EXCLUDED.{by}, "
    "{no_homework} = EXCLUDED.{no_homework}"
).format(
    day=DAY,
    class_=_column(HomeworkDay, "school_class"),
    date=_column(HomeworkDay, "date"),
    school=_column(HomeworkDay, "school"),
    no_homework=_column(HomeworkDay, "no_homework"),
    first=_column(HomeworkDay, "first_filed_at"),
    last=_column(HomeworkDay, "last_filed_at"),
    by=_column(HomeworkDay, "filed_by"),
)

DAYS_FILED = sql.SQL(
    "SELECT h.{class_}, h.{date} FROM {day} h JOIN unnest(%s::int[], %s::date[]) AS k(c, d) "
    "ON h.{class_} = k.c AND h.{date} = k.d"
).format(day=DAY, class_=_column(HomeworkDay, "school_class"), date=_column(HomeworkDay, "date"))

ITEMS_DELETE_SUBJECTS = sql.SQL(
    "DELETE FROM {item} h USING unnest(%s::int[], %s::date[], %s::text[]) AS k(c, d, s) "
    "WHERE h.{class_} = k.c AND h.{date} = k.d AND h.{subject} = k.s"
).format(
    item=ITEM,
    class_=_column(HomeworkItem, "school_class"),
    date=_column(HomeworkItem, "date"),
    subject=_column(HomeworkItem, "subject"),
)

ITEMS_DELETE_DAYS = sql.SQL(
    "DELETE FROM {item} h USING unnest(%s::int[], %s::date[]) AS k(c, d) WHERE h.{class_} = k.c AND h.{date} = k.d"
).format(item=ITEM, class_=_column(HomeworkItem, "school_class"), date=_column(HomeworkItem, "date"))


def items_copy(rows: Iterable[tuple]) -> int:
    """COPY rows (values in the order of ``ITEM_COPY_FIELDS``) into the item table; return how many.

    An order of magnitude faster than INSERT for a batch of 5,000. The rows must be valid already: COPY stops at the
    first value PostgreSQL refuses and the caller's transaction is then broken. COPY runs on the driver's own
    cursor, so its errors are wrapped here into Django's (``IntegrityError``, ``DataError``) as every query's are.
    """
    count = 0
    with connection.cursor() as cursor, connection.wrap_database_errors, cursor.cursor.copy(ITEMS_COPY) as copy:
        copy.set_types(ITEM_COPY_TYPES)
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def days_upsert(
    days: dict[tuple[int, dt.date], int],
    *,
    now: dt.datetime,
    user_id: int | None,
    no_homework_day: tuple[int, dt.date] | None,
) -> None:
    """Record each class-day of ``{(class id, date): school id}`` as filed.

    The first filing sets ``first_filed_at``; a later one moves only ``last_filed_at`` (and who, and the
    "no homework" mark, which only ``no_homework_day`` carries).
    """
    keys = list(days)
    with connection.cursor() as cursor:
        cursor.execute(
            DAYS_UPSERT,
            [
                now,
                now,
                user_id,
                [k[0] for k in keys],
                [k[1] for k in keys],
                list(days.values()),
                [k == no_homework_day for k in keys],
            ],
        )


def days_filed(days: set[tuple[int, dt.date]]) -> set[tuple[int, dt.date]]:
    """The class-days among ``days`` that have a filing record (one query)."""
    if not days:
        return set()
    classes, dates = zip(*days)
    with connection.cursor() as cursor:
        cursor.execute(DAYS_FILED, [list(classes), list(dates)])
        return set(cursor.fetchall())


def items_delete_subjects(keys: set[tuple[int, dt.date, str]]) -> int:
    """Delete the items of these (class, date, subject) keys; return how many."""
    if not keys:
        return 0
    classes, dates, subjects = zip(*keys)
    with connection.cursor() as cursor:
        cursor.execute(ITEMS_DELETE_SUBJECTS, [list(classes), list(dates), list(subjects)])
        return cursor.rowcount


def items_delete_days(days: set[tuple[int, dt.date]]) -> int:
    """Delete every item of these (class, date) days; return how many."""
    if not days:
        return 0
    classes, dates = zip(*days)
    with connection.cursor() as cursor:
        cursor.execute(ITEMS_DELETE_DAYS, [list(classes), list(dates)])
        return cursor.rowcount
