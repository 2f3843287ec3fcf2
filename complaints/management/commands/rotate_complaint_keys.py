"""``manage.py rotate_complaint_keys``: re-encrypt complainants' contact details with the first configured key.

Put the new key first in ``FIELD_ENCRYPTION_KEYS`` (keep the old ones after it),
run this, then remove the old keys. A stored value that none of the keys reads
stops it with an error naming the complaint and the field; nothing is changed.
"""

from django.core.management.base import BaseCommand, CommandError

from complaints.crypto import UnreadableValueError
from complaints.services import complaint_keys_rotate


class Command(BaseCommand):
    help = "Re-encrypt complaint contact fields with the first key of FIELD_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        try:
            count = complaint_keys_rotate()
        except UnreadableValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"re-encrypted {count} complaints")
