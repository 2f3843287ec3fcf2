"""DBA command: delete audit events older than the retention period (at least 183 days).

The application cannot delete audit events (model, queryset and, on PostgreSQL,
a trigger refuse). This command is the one documented way: on PostgreSQL it
runs, in one transaction, ``SET LOCAL session_replication_role = replica``
(which skips ordinary triggers and which only a superuser may set, so the
application's own database role cannot) and a plain DELETE. Run it as the
database owner/superuser, e.g. ``DATABASE_URL=postgres://dba@... manage.py
purge_audit --older-than-days 183``. The purge itself is recorded as an audit event.
"""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditAction, AuditEvent

MINIMUM_DAYS = 183


class Command(BaseCommand):
    help = "Delete audit events older than N days (N >= 183, the six-month floor for network logs)."

    def add_arguments(self, parser):
        parser.add_argument("--older-than-days", type=int, required=True)
        parser.add_argument("--dry-run", action="store_true", help="count only, delete nothing")

    def handle(self, *args, older_than_days, dry_run, **options):
        floor = max(MINIMUM_DAYS, settings.AUDIT_RETENTION_DAYS)
        if older_than_days < floor:
            raise CommandError(
                f"refused: audit events are kept at least {floor} days; --older-than-days {older_than_days} is less"
            )
        cutoff = timezone.now() - timedelta(days=older_than_days)
        table = AuditEvent._meta.db_table
        with transaction.atomic():
            count = AuditEvent.objects.filter(at__lt=cutoff).count()
            if dry_run:
                self.stdout.write(f"{count} audit events older than {cutoff:%Y-%m-%d %H:%M} would be deleted")
                return
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute("SET LOCAL session_replication_role = replica")
                cursor.execute(f"DELETE FROM {table} WHERE at < %s", [cutoff])  # noqa: S608 - table name is ours
                deleted = cursor.rowcount
                if connection.vendor == "postgresql":
                    cursor.execute("SET LOCAL session_replication_role = origin")
            audit_record(
                actor=None,
                actor_label="purge_audit",
                action=AuditAction.DELETE,
                object_type=AuditEvent._meta.label_lower,
                object_repr=f"events before {cutoff:%Y-%m-%d}",
                detail={"older_than_days": older_than_days, "cutoff": cutoff, "deleted": deleted},
            )
        self.stdout.write(f"deleted {deleted} audit events older than {cutoff:%Y-%m-%d %H:%M}")
