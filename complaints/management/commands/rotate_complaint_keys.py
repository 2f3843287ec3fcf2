"""``manage.py rotate_complaint_keys``: re-encrypt complainants' contact details with the first configured key.

Put the new key first in ``FIELD_ENCRYPTION_KEYS`` (keep the old ones after it),
run this, then remove the old keys.
"""

from django.core.management.base import BaseCommand

from complaints.services import complaint_keys_rotate


class Command(BaseCommand):
    help = "Re-encrypt complaint contact fields with the first key of FIELD_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        count = complaint_keys_rotate()
        self.stdout.write(f"re-encrypted {count} complaints")
