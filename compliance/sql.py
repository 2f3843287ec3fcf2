"""The compliance engine's raw SQL: reconciling a rule's findings, recording finished parts, locking parts.

Written one way, as ``accounts/sql.py`` is: each statement is a ``psycopg.sql`` composition rendered once to
text, table names are identifiers taken from the models' ``_meta``, columns are written plainly as the database
names them (``district_id`` for a foreign key), and every value is a named parameter (``%(name)s``); a Python list
is passed as such and psycopg adapts it to a PostgreSQL array (``%(ids)s::bigint[]``; the findings upsert's
columns as binary arrays, ``%(ids)b``, through ``server_bound_cursor``). Nothing is pasted into the text but
identifiers. ``tests/compliance/test_sql.py`` runs each statement on PostgreSQL.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator

import psycopg
from django.db import connection
from psycopg import sql

from .models import ComplianceRun, ComplianceRunPart, Finding, FindingEvent

TABLES = {
    "finding": sql.Identifier(Finding._meta.db_table),
    "event": sql.Identifier(FindingEvent._meta.db_table),
    "run": sql.Identifier(ComplianceRun._meta.db_table),
    "part": sql.Identifier(ComplianceRunPart._meta.db_table),
}


@contextlib.contextmanager
def server_bound_cursor() -> Iterator[psycopg.Cursor]:
    """A cursor on Django's connection (the same transaction) that binds parameters on the server.

    Django's cursors bind on the client: psycopg then writes each list into the statement's text as an array
    literal, escaping every element with a regular expression in Python (for one city day's 8,738 homework
    findings: 2.7 s of Python per sweep). Bound on the server, the upsert's lists travel as binary arrays
    (``%(name)b``): 0.26 s. Errors are Django's, as from its own cursors (a lost connection is an
    ``OperationalError`` a task retries).
    """
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cur:
        yield cur


def _render(text: str, **extra: sql.Composable) -> str:
    return sql.SQL(text).format(**TABLES, **extra).as_string()


#: Upsert one execution's violations (column arrays of equal length) and write the history of the new and the
#: reopened ones; one row per district: (district_id, new or reopened, still open).
#: A new finding is inserted; an existing one gets the sighting (its evidence rewritten only where the digest
#: changed) and, if it was cleared, is reopened. A row whose ``first_seen`` is this execution's ``now`` was
#: inserted; one whose ``status_changed_at`` is, without that, was reopened.
FINDINGS_UPSERT = _render(
    """
    WITH upserted AS (
        INSERT INTO {finding} AS f (rule_id, kind, status, first_seen, last_seen, status_changed_at, sweep_token,
            fingerprint, district_id, school_id, school_class_id, teacher_id, institution_id, period_start,
            period_end, evidence, summary, evidence_digest)
        SELECT %(rule)s, %(auto)s, %(open)s, %(now)s, %(now)s, %(now)s, %(token)s, v.*
        FROM unnest(%(fingerprint)b::varchar[], %(district)b::bigint[], %(school)b::bigint[], %(class)b::bigint[],
                    %(teacher)b::bigint[], %(institution)b::bigint[], %(start)b::date[], %(end)b::date[],
                    %(evidence)b::jsonb[], %(summary)b::varchar[], %(digest)b::varchar[]) AS v
        ON CONFLICT (fingerprint) DO UPDATE SET
            last_seen = EXCLUDED.last_seen, sweep_token = EXCLUDED.sweep_token,
            evidence = CASE WHEN f.evidence_digest = EXCLUDED.evidence_digest THEN f.evidence
                            ELSE EXCLUDED.evidence END,
            summary = EXCLUDED.summary, evidence_digest = EXCLUDED.evidence_digest,
            status = CASE WHEN f.status = %(cleared)s THEN %(open)s ELSE f.status END,
            data_corrected_at = NULL,
            status_changed_at = CASE WHEN f.status = %(cleared)s THEN %(now)s ELSE f.status_changed_at END
        RETURNING f.id, f.district_id, f.status,
            f.first_seen = %(now)s AS inserted,
            f.first_seen <> %(now)s AND f.status_changed_at = %(now)s AS reopened
    ),
    events AS (
        INSERT INTO {event} (finding_id, from_status, to_status, actor_label, at, reason)
        SELECT id, CASE WHEN inserted THEN '' ELSE %(cleared)s END, %(open)s, %(label)s, %(now)s,
            CASE WHEN inserted THEN %(found)s ELSE %(found_again)s END
        FROM upserted WHERE inserted OR reopened
    )
    SELECT district_id, count(*) FILTER (WHERE inserted OR reopened),
        count(*) FILTER (WHERE NOT inserted AND NOT reopened AND status = ANY(%(active)s::varchar[]))
    FROM upserted GROUP BY district_id
    """
)


@functools.cache
def findings_clear_stale(*, dated: bool, some_schools: bool) -> str:
    """Clear the open automatic findings of a rule in an execution's scope that it did not confirm (its token
    is not theirs), with their history; one row per district: (district_id, cleared). A finding the bureau is
    handling (under a notice) is not cleared by the data alone: it is marked ``data_corrected_at`` (once, with an
    event) for the reviewer to accept or return.

    The scope: the districts, for a dated rule the date range (``%(date_from)s``, ``%(date_to)s``), for a sweep
    of some schools those schools (``%(schools)s``). Staff-recorded cases under an auto rule's ID are not the
    sweep's to clear.
    """
    scope = [sql.SQL("AND period_start BETWEEN %(date_from)s AND %(date_to)s")] if dated else []
    if some_schools:
        scope.append(sql.SQL("AND school_id = ANY(%(schools)s::bigint[])"))
    return _render(
        """
        WITH stale AS MATERIALIZED (
            SELECT id, status, district_id FROM {finding}
            WHERE rule_id = %(rule)s AND kind = %(auto)s AND status = ANY(%(active)s::varchar[])
                AND sweep_token <> %(token)s AND district_id = ANY(%(districts)s::bigint[]) {scope}
        ),
        cleared AS (
            UPDATE {finding} AS f SET status = %(cleared)s, status_changed_at = %(now)s
            FROM stale WHERE f.id = stale.id AND stale.status = %(open)s
        ),
        corrected AS (
            UPDATE {finding} AS f SET data_corrected_at = %(now)s
            FROM stale WHERE f.id = stale.id AND stale.status <> %(open)s AND f.data_corrected_at IS NULL
            RETURNING f.id, stale.status
        ),
        events AS (
            INSERT INTO {event} (finding_id, from_status, to_status, actor_label, at, reason)
            SELECT id, status, %(cleared)s, %(label)s, %(now)s, %(reason)s FROM stale WHERE status = %(open)s
            UNION ALL
            SELECT id, status, status, %(label)s, %(now)s, %(corrected_reason)s FROM corrected
        )
        SELECT district_id, count(*) FILTER (WHERE status = %(open)s) FROM stale GROUP BY district_id
        """,
        scope=sql.SQL(" ").join(scope),
    )


#: Mark parts done with their counts (arrays in the parts' order) and add the sums to their run's progress;
#: returns the run's (parts_done, parts_total).
PARTS_DONE = _render(
    """
    WITH parts AS (
        UPDATE {part} AS p SET state = %(done)s, error = '', finished_at = %(now)s, attempts = p.attempts + 1,
            new_count = v.n, still_open_count = v.s, cleared_count = v.c
        FROM unnest(%(ids)s::bigint[], %(new)s::int[], %(still_open)s::int[], %(cleared)s::int[]) AS v(id, n, s, c)
        WHERE p.id = v.id
    )
    UPDATE {run} SET state = %(running)s, parts_done = parts_done + %(add_done)s,
        new_count = new_count + %(add_new)s, still_open_count = still_open_count + %(add_still_open)s,
        cleared_count = cleared_count + %(add_cleared)s
    WHERE id = %(run)s RETURNING parts_done, parts_total
    """
)

#: Inside a part's transaction: wait for the advisory locks ``%(keys)s`` (taken in one order), commit without
#: waiting for the disk flush, and plan without JIT compilation.
PARTS_LOCK_AND_RELAX = _render(
    """
    SELECT set_config('synchronous_commit', 'off', true), set_config('jit', 'off', true),
        (SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT unnest(%(keys)s::bigint[]) AS k ORDER BY 1) AS keys)
    """
)
