"""The audit trail is append-only against the portal's own database role, not only against the ORM.

Production runs the portal as a role that owns nothing (DATABASE_URL) and migrations, `grant_app_role` and
`purge_audit` as the owner (the second URL). This test builds that on a database of its own: an owner role
migrates it, grants the app role, and the app role then tries every way round the trigger that worked when the
portal ran as a superuser (TRUNCATE, DISABLE TRIGGER + DELETE, session_replication_role = replica).
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests.worker import database_url

ROOT = Path(__file__).resolve().parents[2]


def _url(**changes) -> str:
    return database_url({**connection.settings_dict, "PASSWORD": "", **changes})


def _manage(url: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "TEST_DATABASE"))}
    env.update(DATABASE_URL=url, CELERY_TASK_ALWAYS_EAGER="true", CELERY_BROKER_URL="", REDIS_URL="")
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=check,
        timeout=300,
    )


@pytest.fixture(scope="module")
def roles():
    tag = uuid.uuid4().hex[:8]
    owner, app, name = f"sj_owner_{tag}", f"sj_app_{tag}", f"sj_roles_{tag}"
    admin = _url(NAME="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {owner} LOGIN")
        conn.execute(f"CREATE ROLE {app} LOGIN")
        conn.execute(f"CREATE DATABASE {name} OWNER {owner}")
    owner_url, app_url = _url(USER=owner, NAME=name), _url(USER=app, NAME=name)
    try:
        _manage(owner_url, "migrate", "--noinput", "-v0")
        granted = _manage(owner_url, "grant_app_role", app)
        assert f"granted {app}" in granted.stdout
        yield owner_url, app_url
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"DROP ROLE IF EXISTS {app}")
            conn.execute(f"DROP ROLE IF EXISTS {owner}")


def _audit_count(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM accounts_auditevent").fetchone()[0]


def test_the_app_role_writes_audit_events_but_cannot_remove_them_any_way(roles):
    owner_url, app_url = roles
    # the portal works as the app role: it records an event through its own code
    _manage(
        app_url,
        "shell",
        "-c",
        "from accounts.audit import audit_record; audit_record(actor=None, actor_label='t', action='login')",
    )
    before = _audit_count(app_url)
    assert before >= 1
    attacks = [
        ["TRUNCATE accounts_auditevent"],
        [
            "ALTER TABLE accounts_auditevent DISABLE TRIGGER accounts_auditevent_append_only",
            "DELETE FROM accounts_auditevent",
        ],
        ["SET session_replication_role = replica", "DELETE FROM accounts_auditevent"],
        ["UPDATE accounts_auditevent SET outcome = 'failed'"],
        ["DELETE FROM accounts_auditevent"],
    ]
    for statements in attacks:
        with psycopg.connect(app_url) as conn:
            *setup, attack = statements
            refused = None
            try:
                for statement in setup:
                    conn.execute(statement)
            except psycopg.Error as exc:  # the setup itself refused (DISABLE TRIGGER, the replication role)
                refused = exc
            if refused is None:
                with pytest.raises(psycopg.Error):
                    conn.execute(attack)
            conn.rollback()
    assert _audit_count(app_url) == before


def test_even_the_owner_cannot_truncate_the_audit_trail(roles):
    owner_url, _ = roles
    before = _audit_count(owner_url)
    with psycopg.connect(owner_url) as conn, pytest.raises(psycopg.Error, match="append-only"):
        conn.execute("TRUNCATE accounts_auditevent")
    assert _audit_count(owner_url) == before


def test_grant_refuses_a_role_that_owns_the_tables(roles):
    owner_url, _ = roles
    owner = psycopg.conninfo.conninfo_to_dict(owner_url)["user"]
    refused = _manage(owner_url, "grant_app_role", owner, check=False)
    assert refused.returncode != 0 and "must own nothing" in refused.stderr


def test_only_the_owner_purges_old_audit_events(roles):
    owner_url, app_url = roles
    with psycopg.connect(owner_url) as conn:
        conn.execute(
            "INSERT INTO accounts_auditevent (at, actor_label, action, object_type, object_id, object_repr, outcome,"
            " detail, path) VALUES (now() - interval '400 days', 'old', 'login', '', '', '', 'ok', '{}', '')"
        )
    as_app = _manage(app_url, "purge_audit", "--older-than-days", "183", check=False)
    assert as_app.returncode != 0
    with psycopg.connect(app_url) as conn:
        assert conn.execute("SELECT count(*) FROM accounts_auditevent WHERE actor_label = 'old'").fetchone()[0] == 1
    as_owner = _manage(owner_url, "purge_audit", "--older-than-days", "183")
    assert "deleted 1 audit events" in as_owner.stdout
    with psycopg.connect(owner_url) as conn:
        assert conn.execute("SELECT count(*) FROM accounts_auditevent WHERE actor_label = 'old'").fetchone()[0] == 0
        # the trigger is on again after the purge
        with pytest.raises(psycopg.Error, match="append-only"):
            conn.execute("DELETE FROM accounts_auditevent")
