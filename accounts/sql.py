"""The accounts app's raw SQL: the application role's privileges and the audit purge.

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
