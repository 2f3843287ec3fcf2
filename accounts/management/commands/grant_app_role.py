"""Owner command: give the portal's own database role what it needs, and no more (run after each `migrate`).

The portal runs as a role that owns nothing: it may read and write the portal's tables but only INSERT and SELECT
the audit trail, so neither it nor anyone who takes it over can alter, delete or truncate audit events, disable
their triggers or skip them with session_replication_role. Migrations, this command and `purge_audit` run as the
owner role (the second URL; see the README's production section):

    DATABASE_URL=$DATABASE_OWNER_URL manage.py migrate
    DATABASE_URL=$DATABASE_OWNER_URL manage.py grant_app_role portal_app
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from accounts import sql


class Command(BaseCommand):
    help = "Grant the portal's database role its privileges (INSERT and SELECT only on the audit trail)."

    def add_arguments(self, parser):
        parser.add_argument("role", help="the role the portal runs as (DATABASE_URL's user)")

    def handle(self, *args, role, **options):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql.ROLE_STANDING, [role])
            standing = cursor.fetchone()
            if standing is None:
                raise CommandError(f"role {role!r} does not exist: create it first (CREATE ROLE {role} LOGIN ...)")
            superuser, createrole, bypassrls, owned = standing
            if superuser or createrole or bypassrls:
                raise CommandError(
                    f"role {role!r} is a superuser or may create roles: the portal's role must be neither"
                )
            if owned:
                raise CommandError(f"role {role!r} owns {owned} tables here: the portal's role must own nothing")
            for statement in sql.grant_statements(role):
                cursor.execute(statement)
        self.stdout.write(
            f"granted {role}: read and write on the portal's tables, INSERT and SELECT on the audit trail"
        )
