"""Each statement of ``homework.sql`` against the database: what it writes, reads and deletes."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from homework import sql
from homework.models import HomeworkDay, HomeworkItem

from .conftest import SCHOOL_DAY

pytestmark = pytest.mark.django_db

NEXT_DAY = SCHOOL_DAY + dt.timedelta(days=1)


def row(school_class, day=SCHOOL_DAY, subject="maths", kind="written", content="", filed_by=None, minutes=20):
    return (
        school_class.pk,
        school_class.school_id,
        day,
        subject,
        kind,
        minutes,
        True,
        False,
        True,
        False,
        False,
        False,
        content,
        timezone.now(),
        filed_by,
    )


def test_items_copy_writes_every_value_and_text_that_copy_itself_escapes(g4, school_user):
    content = "第1题\t抄写\n第2题 \\ 背诵\r完"
    assert sql.items_copy([row(g4, content=content, filed_by=school_user.pk), row(g4, subject="chinese")]) == 2
    maths = HomeworkItem.objects.get(subject="maths")
    assert (maths.school_class_id, maths.school_id, maths.date, maths.kind, maths.minutes) == (
        g4.pk,
        g4.school_id,
        SCHOOL_DAY,
        "written",
        20,
    )
    assert (maths.at_home, maths.for_parents, maths.parent_grading) == (True, False, True)
    assert maths.content == content and maths.filed_by_id == school_user.pk
    assert HomeworkItem.objects.get(subject="chinese").filed_by_id is None


def test_items_copy_of_a_duplicate_key_raises_djangos_integrity_error(g4):
    sql.items_copy([row(g4)])
    with pytest.raises(IntegrityError), transaction.atomic():
        sql.items_copy([row(g4)])


def test_days_upsert_keeps_the_first_filing_time_and_moves_the_last(g4, g8, school_user):
    first = timezone.now() - dt.timedelta(hours=2)
    sql.days_upsert({(g4.pk, SCHOOL_DAY): g4.school_id}, now=first, user_id=None, no_homework_day=(g4.pk, SCHOOL_DAY))
    later = timezone.now()
    sql.days_upsert(
        {(g4.pk, SCHOOL_DAY): g4.school_id, (g8.pk, SCHOOL_DAY): g8.school_id},
        now=later,
        user_id=school_user.pk,
        no_homework_day=None,
    )
    day = HomeworkDay.objects.get(school_class=g4)
    assert (day.first_filed_at, day.last_filed_at, day.filed_by_id, day.no_homework) == (
        first,
        later,
        school_user.pk,
        False,
    )
    assert HomeworkDay.objects.get(school_class=g8).first_filed_at == later


def test_days_filed_answers_only_the_filed_days_asked_about(g4, g8):
    sql.days_upsert(
        {(g4.pk, SCHOOL_DAY): g4.school_id, (g8.pk, NEXT_DAY): g8.school_id},
        now=timezone.now(),
        user_id=None,
        no_homework_day=None,
    )
    asked = {(g4.pk, SCHOOL_DAY), (g4.pk, NEXT_DAY), (g8.pk, SCHOOL_DAY)}
    assert sql.days_filed(asked) == {(g4.pk, SCHOOL_DAY)}
    assert sql.days_filed(set()) == set()


def test_items_delete_subjects_deletes_only_those_keys(g4, g8):
    sql.items_copy([row(g4), row(g4, kind="oral"), row(g4, subject="chinese"), row(g8), row(g4, day=NEXT_DAY)])
    assert sql.items_delete_subjects({(g4.pk, SCHOOL_DAY, "maths")}) == 2
    assert sorted(HomeworkItem.objects.values_list("school_class_id", "date", "subject")) == sorted(
        [(g4.pk, SCHOOL_DAY, "chinese"), (g8.pk, SCHOOL_DAY, "maths"), (g4.pk, NEXT_DAY, "maths")]
    )
    assert sql.items_delete_subjects(set()) == 0


def test_items_delete_days_deletes_every_item_of_those_days_only(g4, g8):
    sql.items_copy([row(g4), row(g4, subject="chinese"), row(g8), row(g4, day=NEXT_DAY)])
    assert sql.items_delete_days({(g4.pk, SCHOOL_DAY)}) == 2
    assert sorted(HomeworkItem.objects.values_list("school_class_id", "date")) == sorted(
        [(g8.pk, SCHOOL_DAY), (g4.pk, NEXT_DAY)]
    )
    assert sql.items_delete_days(set()) == 0


def test_statements_name_the_models_tables_and_columns():
    from django.db import connection

    connection.ensure_connection()
    text = sql.ITEMS_COPY.as_string(connection.connection)
    assert f'"{HomeworkItem._meta.db_table}"' in text and '"filed_by_id"' in text
    assert f'"{HomeworkDay._meta.db_table}"' in sql.DAYS_UPSERT.as_string(connection.connection)


def test_the_binary_copy_types_are_the_columns_types():
    """Binary COPY sends each value in the type it names: a column whose type changes must fail here, not in filings."""
    from django.db import connection

    aliases = {
        "int8": "bigint",
        "int4": "integer",
        "int2": "smallint",
        "bool": "boolean",
        "date": "date",
        "timestamptz": "timestamp with time zone",
        "text": ("text", "character varying"),
    }
    columns = [HomeworkItem._meta.get_field(name).column for name in sql.ITEM_COPY_FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s",
            [HomeworkItem._meta.db_table],
        )
        types = dict(cursor.fetchall())
    assert len(sql.ITEM_COPY_TYPES) == len(columns)
    for column, copy_type in zip(columns, sql.ITEM_COPY_TYPES):
        expected = aliases[copy_type]
        assert types[column] in (expected if isinstance(expected, tuple) else (expected,)), (column, copy_type)
