"""``manage.py check_dashboards``: do the district-grain summary tables agree with the finer tables they sum?

Prints each group whose sums differ and exits with status 1 when there is one; prints one line and exits 0 when
every table agrees (``selectors.summary_disagreements``, one query). A disagreement of the homework or after-school
tables is mended by ``refresh_dashboards`` over its dates; the findings' counts are kept by triggers, so one there
is a defect to report.
"""

from django.core.management.base import BaseCommand, CommandError

from dashboards.selectors import summary_disagreements


class Command(BaseCommand):
    help = "Compare the dashboards' district-grain summary tables with the finer tables they sum."

    def handle(self, *args, **options):
        rows = summary_disagreements()
        for table, district_id, day, key, finer, summary in rows:
            self.stdout.write(f"{table} district {district_id} {day or '(undated)'} {key}: {finer} != {summary}")
        if rows:
            raise CommandError(f"{len(rows)} summary groups disagree with the tables they sum")
        self.stdout.write("the summary tables agree with the tables they sum")
