"""The accounts app's raw SQL: the application role's privileges, the audit purge and the API token lookup.

Statements are written with ``psycopg.sql`` so role and table names are quoted identifiers, never text pasted in.
"""

from psycopg import sql

from accounts.models import AuditEvent

AUDIT_TABLE = sql.Identifier(AuditEvent._meta.db_table)
APPEND_ONLY_TRIGGER = sql.Identifier("accounts_auditevent_append_only")

# Is the role a superuser, and how many relations of this database's public schema does it own?
ROLE_STANDING = sql.SQL(
    """
    SELECT r.rolsuper, r.rolcreaterole, r.rolbypassrls,
           (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relowner = r.oid)
      FROM pg_roles r WHERE r.rolname = %s
    """
)


def grant_statements(role: str) -> list[sql.Composed]:
    """Everything the portal needs on every table, but only INSERT and SELECT on the audit trail."""
    who = sql.Identifier(role)
    return [
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(who),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(who),
        sql.SQL("GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {}").format(who),
        sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {} FROM {}").format(AUDIT_TABLE, who),
        sql.SQL("REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {}").format(who),
    ]


PURGE_BEFORE = [
    # Inside the purge's transaction only: ALTER TABLE holds an exclusive lock until commit, so nothing else
    # writes or deletes while the trigger is off, and the trigger is back on when the transaction ends.
    sql.SQL("ALTER TABLE {} DISABLE TRIGGER {}").format(AUDIT_TABLE, APPEND_ONLY_TRIGGER),
]
PURGE_DELETE = sql.SQL("DELETE FROM {} WHERE at < %s").format(AUDIT_TABLE)
PURGE_AFTER = [sql.SQL("ALTER TABLE {} ENABLE TRIGGER {}").format(AUDIT_TABLE, APPEND_ONLY_TRIGGER)]


def _columns(alias: str, model) -> sql.Composed:
    return sql.SQL(", ").join(
        sql.SQL("{}.{}").format(sql.Identifier(alias), sql.Identifier(f.column)) for f in model._meta.concrete_fields
    )


def tokens_with_scope() -> str:
    """The API tokens under one key (``%s``) with their user, the user's profile and its district, every column of
    each (the models' order: ``accounts.authentication`` builds the instances from them), in one statement."""
    from django.contrib.auth import get_user_model
    from knox.models import get_token_model

    from accounts.models import Profile
    from schools.models import District

    token, user = get_token_model(), get_user_model()
    return (
        sql.SQL(
            "SELECT {}, {}, {}, {} FROM {} t JOIN {} u ON u.{} = t.{} LEFT JOIN {} p ON p.{} = u.{}"
            " LEFT JOIN {} d ON d.{} = p.{} WHERE t.{} = %s"
        )
        .format(
            _columns("t", token),
            _columns("u", user),
            _columns("p", Profile),
            _columns("d", District),
            sql.Identifier(token._meta.db_table),
            sql.Identifier(user._meta.db_table),
            sql.Identifier(user._meta.pk.column),
            sql.Identifier(token._meta.get_field("user").column),
            sql.Identifier(Profile._meta.db_table),
            sql.Identifier(Profile._meta.get_field("user").column),
            sql.Identifier(user._meta.pk.column),
            sql.Identifier(District._meta.db_table),
            sql.Identifier(District._meta.pk.column),
            sql.Identifier(Profile._meta.get_field("district").column),
            sql.Identifier(token._meta.get_field("token_key").column),
        )
        .as_string()
    )
