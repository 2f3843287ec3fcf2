"""The audit table refuses TRUNCATE to every role but a superuser (the owner included).

A row trigger does not fire on TRUNCATE; a statement trigger does. A superuser is let through because nothing can
stop one (it may disable any trigger or set session_replication_role) and because Django's test flush truncates
every table as one; the portal never runs as a superuser in production (grant_app_role, the README's production
section), and its own role holds no TRUNCATE privilege on the table anyway. The purge (manage.py purge_audit, run
as the owner) deletes, never truncates.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION accounts_auditevent_no_truncate() RETURNS trigger AS $$
BEGIN
    IF current_setting('is_superuser') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'accounts_auditevent is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS accounts_auditevent_no_truncate ON accounts_auditevent;
CREATE TRIGGER accounts_auditevent_no_truncate
    BEFORE TRUNCATE ON accounts_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_auditevent_no_truncate();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS accounts_auditevent_no_truncate ON accounts_auditevent;
DROP FUNCTION IF EXISTS accounts_auditevent_no_truncate();
"""


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_password_reset_flag_denied_tally_token_revocation")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
