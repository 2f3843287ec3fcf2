"""``manage.py seed_demo --scale small|district|city --seed N``: the one generator of demo, test and bench data.

Each app contributes its part in its own ``seed.py`` (``seed(*, rng, scale, violation_rate, date_from, date_to,
log)``), called in dependency order with a random generator derived from the seed and the app's name, so the
data is the same for the same arguments, and a change in one app's generator does not shift another's.
"""

import contextlib
import datetime as dt
import importlib
import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction

from schools.models import School

SEED_ORDER = ["schools", "institutions", "homework", "afterschool", "complaints", "funds"]


@contextlib.contextmanager
def _one_line_on_conflict(label: str):
    """A part whose rows already exist stops the command with one line, not a traceback (nothing of it is kept)."""
    try:
        yield
    except IntegrityError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CommandError(f"{label}: its demo data is already in the database ({first}); nothing was added") from None


class Command(BaseCommand):
    help = "Seed deterministic demo data (schools, classes, institutions, homework, reports, complaints)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=["small", "district", "city"], default="small")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--violations", type=float, default=0.05, help="share of rows that break each rule")
        parser.add_argument("--date-from", type=dt.date.fromisoformat, default=dt.date(2026, 11, 9))
        parser.add_argument("--date-to", type=dt.date.fromisoformat, default=dt.date(2026, 11, 20))
        parser.add_argument("--only", nargs="*", choices=SEED_ORDER, help="seed only these parts")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when schools already exist")

    def handle(self, *args, scale, seed, violations, date_from, date_to, only, if_empty, **options):
        if School.objects.exists():
            if if_empty:
                self.stdout.write("demo data already present: nothing to do")
                return
            if not only:
                raise CommandError(
                    "the database already has data (schools exist): seed an empty database, "
                    "or pass --if-empty to leave it as it is"
                )
        if not 0 <= violations <= 1:
            raise CommandError("--violations must be between 0 and 1")
        if date_to < date_from:
            raise CommandError("--date-to is before --date-from")
        for label in only or SEED_ORDER:
            try:
                module = importlib.import_module(f"{label}.seed")
            except ModuleNotFoundError as exc:
                if exc.name == f"{label}.seed":
                    continue
                raise
            started = time.perf_counter()
            with transaction.atomic(), _one_line_on_conflict(label):
                module.seed(
                    rng=random.Random(f"{seed}:{label}"),
                    scale=scale,
                    violation_rate=violations,
                    date_from=date_from,
                    date_to=date_to,
                    log=lambda msg: self.stdout.write(f"  {msg}"),
                )
            self.stdout.write(f"{label}: done in {time.perf_counter() - started:.1f}s")
