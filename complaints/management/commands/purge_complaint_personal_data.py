"""``manage.py purge_complaint_personal_data``: erase contact details of complaints closed past the retention period."""

from django.core.management.base import BaseCommand

from complaints.services import complaints_purge_personal_data


class Command(BaseCommand):
    help = "Erase name, phone and e-mail of complaints closed more than COMPLAINT_RETENTION_DAYS ago."

    def handle(self, *args, **options):
        count = complaints_purge_personal_data()
        self.stdout.write(f"erased the personal data of {count} complaints")
