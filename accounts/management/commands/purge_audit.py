"""DBA command: delete audit events older than the retention period (at least 183 days).

The application cannot delete audit events: the model and queryset refuse, a
trigger refuses UPDATE, DELETE and TRUNCATE, and the portal's database role
holds only INSERT and SELECT on the table (manage.py grant_app_role). This
command is the one documented way. It runs as the table's owner (the second
URL: ``DATABASE_URL=$DATABASE_OWNER_URL manage.py purge_audit --older-than-days
183``): in one transaction it disables the row trigger (only the owner may),
deletes, and enables it again; the ALTER TABLE lock keeps every other session
out meanwhile. The purge itself is recorded as an audit event.
"""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts import sql
from accounts.audit import audit_record
from accounts.models import AuditAction, AuditEvent, DeniedRequestTally

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
        with transaction.atomic():
            count = AuditEvent.objects.filter(at__lt=cutoff).count()
            if dry_run:
                self.stdout.write(f"{count} audit events older than {cutoff:%Y-%m-%d %H:%M} would be deleted")
                return
            with connection.cursor() as cursor:
                for statement in sql.PURGE_BEFORE:
                    cursor.execute(statement)
                cursor.execute(sql.PURGE_DELETE, [cutoff])
                deleted = cursor.rowcount
                for statement in sql.PURGE_AFTER:
                    cursor.execute(statement)
            # the refusal counts behind the purged access_denied events go with them
            tallies, _ = DeniedRequestTally.objects.filter(minute__lt=cutoff).delete()
            audit_record(
                actor=None,
                actor_label="purge_audit",
                action=AuditAction.DELETE,
                object_type=AuditEvent._meta.label_lower,
                object_repr=f"events before {cutoff:%Y-%m-%d}",
                detail={"older_than_days": older_than_days, "cutoff": cutoff, "deleted": deleted, "tallies": tallies},
            )
        self.stdout.write(f"deleted {deleted} audit events older than {cutoff:%Y-%m-%d %H:%M}")
