"""``manage.py refresh_dashboards [--date-from D] [--date-to D] [--district CODE ...]``: rebuild the summary tables."""

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError

from dashboards.services import stats_refresh
from schools.models import District
from shuangjian.errors import ServiceError


class Command(BaseCommand):
    help = "Rebuild the dashboards' summary tables for a date range (default: the demo span) and some districts."

    def add_arguments(self, parser):
        parser.add_argument("--date-from", type=dt.date.fromisoformat, default=dt.date(2026, 9, 1))
        parser.add_argument(
            "--date-to",
            type=dt.date.fromisoformat,
            default=None,
            help="default today (days after today are never counted)",
        )
        parser.add_argument("--district", nargs="*", help="district codes (default all)")

    def handle(self, *args, date_from, date_to, district, **options):
        ids = None
        if district:
            found = dict(District.objects.filter(code__in=district).values_list("code", "pk"))
            missing = sorted(set(district) - set(found))
            if missing:
                raise CommandError(f"unknown district codes: {', '.join(missing)}")
            ids = list(found.values())
        started = time.perf_counter()
        try:
            counts = stats_refresh(district_ids=ids, date_from=date_from, date_to=date_to or dt.date.max)
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"refreshed {counts.school_days} district school days, {counts.class_days} class-days, "
            f"{counts.school_day_reports} after-school reports in {time.perf_counter() - started:.1f}s"
        )
