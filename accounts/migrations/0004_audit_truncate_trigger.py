"""The audit table refuses TRUNCATE as well as UPDATE and DELETE, whoever runs it (the owner and superusers too).

A row trigger does not fire on TRUNCATE; a statement trigger does. The purge (manage.py purge_audit, run as the
table's owner) disables the row trigger inside its own transaction and never truncates.
"""

from django.db import migrations

FORWARD = """
DROP TRIGGER IF EXISTS accounts_auditevent_no_truncate ON accounts_auditevent;
CREATE TRIGGER accounts_auditevent_no_truncate
    BEFORE TRUNCATE ON accounts_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_auditevent_append_only();
"""
BACKWARD = "DROP TRIGGER IF EXISTS accounts_auditevent_no_truncate ON accounts_auditevent;"


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_password_reset_flag_denied_tally_token_revocation")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
