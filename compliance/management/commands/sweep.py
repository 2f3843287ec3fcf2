"""``manage.py sweep --from DATE --to DATE [--district CODE] [--rule ID] [--sync]`` with a progress bar."""

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from compliance import services
from compliance.choices import RunState, RunTrigger
from compliance.models import ComplianceRun
from shuangjian.errors import ServiceError


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {value}") from exc


class Command(BaseCommand):
    help = "Run a compliance sweep over a date range (in-process with --sync, else through the workers)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", required=True, type=_date)
        parser.add_argument("--to", dest="date_to", required=True, type=_date)
        parser.add_argument("--district", action="append", default=[], help="a district code; repeat for several")
        parser.add_argument("--rule", action="append", default=[], help="a rule ID; repeat for several")
        parser.add_argument("--sync", action="store_true", help="run every part in this process")
        parser.add_argument("--timeout", type=float, default=3600, help="seconds to follow an enqueued run")

    def handle(self, *args, date_from, date_to, district, rule, sync, timeout, **options):
        try:
            run = services.run_create(
                date_from=date_from,
                date_to=date_to,
                district_codes=district or None,
                rule_ids=rule or None,
                trigger=RunTrigger.CLI,
            )
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        started = time.monotonic()
        bar = tqdm(total=run.parts_total, desc=f"run {run.pk}", unit="part", file=self.stderr._out)
        if sync:
            run = services.run_execute_sync(run=run, progress=bar.update)
        else:
            services.run_enqueue(run=run)
            run = self._follow(run, bar, timeout)
        bar.n = run.parts_done
        bar.refresh()
        bar.close()
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"run {run.pk}: {run.get_state_display()} ({run.state}) in {elapsed:.2f}s — "
            f"new {run.new_count}, still open {run.still_open_count}, cleared {run.cleared_count}"
        )
        for e in run.errors:
            self.stderr.write(f"  {e['rule']} {e['district']}: {e['error']}")
        if run.state == RunState.FAILED:
            raise CommandError(f"run {run.pk} finished with errors")

    def _follow(self, run, bar, timeout):
        deadline = time.monotonic() + timeout
        while True:
            run = ComplianceRun.objects.get(pk=run.pk)
            bar.n = run.parts_done
            bar.refresh()
            if run.state in (RunState.DONE, RunState.FAILED):
                return run
            if time.monotonic() > deadline:
                raise CommandError(f"run {run.pk} is still {run.state} after {timeout:.0f}s; it goes on in the workers")
            time.sleep(0.5)
