"""Drop the table of the former DRF API tokens (replaced by knox's hashed, expiring tokens).

It held every token in clear text; knox never reads it, so leaving it would leave usable-looking keys on disk and in
every backup. A database made after the change never had it.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_audit_truncate_trigger")]

    operations = [migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token CASCADE", migrations.RunSQL.noop)]
