"""Parents submitting complaints through the public form while schools file homework through the bulk API.

    .venv/bin/python bench/load_complaints.py [--users 200] [--seconds 60] [--schools 6] [--workers 3]
        [--think 5,15] [--port 8766] [--database-url postgres://postgres@127.0.0.1:5432/sj_bench_complaints]
        [--redis-url redis://127.0.0.1:6379/15]

A short smoke run: ``--users 5 --seconds 5``.

1. A fresh PostgreSQL database (dropped and created again), migrated, with
   ``seed_demo --scale small --seed 1 --only schools institutions`` (3 districts, 6 schools, their classes, the
   districts' institutions; no complaints), and one school user with an API token per school. The homework of
   the past year stays open for filing (``hw_filing_grace_days`` 400 from the year's first school day): the
   school systems file one earlier day after another, which the closing of past days would otherwise refuse
   (409) before any work.
2. gunicorn (``--workers`` sync workers, persistent database connections, warmed up with a few requests) on
   127.0.0.1 with
   ``bench.settings_complaints``: ``TRUSTED_PROXY_COUNT = 1`` so that each simulated parent, although all
   connect from 127.0.0.1, is one client address for the per-address complaint limit (each sends its own
   ``X-Forwarded-For``); Celery with an in-memory broker and no worker (a filing asks for its sweep, nothing
   runs it). The throttle counts live in Redis when ``--redis-url`` (or ``REDIS_URL``) is given, as in
   production, else in each worker's memory.
3. Locust (one process, gevent) for ``--seconds``:
   - ``--users`` parents. Each arrives at a random moment in the first LOW seconds of ``--think``, GETs
     ``/complaints/new/`` (the CSRF cookie and token, and the form's one-time ``submission_token``), takes
     ``--think`` seconds (uniform) to fill it in, POSTs it like a browser (an institution by name, a school with
     the grade chosen from 1–9, or another target with its district; a date in the last month; half leave a
     phone number); the answer is a redirect to the confirmation page (post/redirect/get), which the parent
     follows and reads the tracking code from, then leaves; a new parent (new cookies, new address) takes the
     place 1–5 s later. No parent starts after the time is up; those in the middle of a form finish it.
   - ``--schools`` school systems, each filing a whole school day of its classes' homework (two to four items
     a class, a few dozen a request) to ``/api/v1/homework/`` with its token, one earlier school day after
     another, 1–3 s apart.
4. Prints requests per second, the error rate, p50/p95/p99 latency per kind of request, the complaints in the
   database against those the clients saw accepted (a redirect to a complaint's confirmation page), and the
   target:
   **zero complaints lost, zero 5xx answers, p95 under 300 ms for the form and for the submission**, with
   PASS or FAIL. Exit status 0 on PASS, 1 on FAIL.

The script starts and stops its own server; the database is left behind for inspection. A run takes the
``--seconds`` plus about half a minute to build the database and start the server, and the parents' last forms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from itertools import count
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import default_url, log, recreate_database  # noqa: E402 - after the path

TARGET_P95_MS = 300.0
SETTINGS = "bench.settings_complaints"
FORM = "/complaints/new/"
SUBMITTED = "/complaints/submitted/"
HOMEWORK = "/api/v1/homework/"


def django_setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    import django

    django.setup()


def prepare(args) -> dict:
    """Build the database from nothing (dropped, created, migrated, then ``build``) and return what the load
    generator needs: tokens, classes, targets, dates."""
    from django.core.management import call_command

    recreate_database(args.database_url)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    log(f"fresh database migrated in {time.perf_counter() - started:.0f}s")
    return build(args.schools)


def build(school_count: int) -> dict:
    """The load test's data in the (migrated, empty) database Django is connected to: ``seed_demo --scale small
    --only schools institutions`` and a school user with an API token for each of the first ``school_count``
    schools; returns the load generator's plan (without the run's own settings)."""
    from django.core.management import call_command

    from compliance.models import RuleParameter
    from institutions.models import Institution
    from schools.calendar import SchoolCalendar
    from schools.models import District, School, SchoolClass
    from tests.factories import api_token, user_with_role

    started = time.perf_counter()
    call_command("seed_demo", scale="small", seed=1, only=["schools", "institutions"], verbosity=0)
    log(f"seeded in {time.perf_counter() - started:.0f}s")
    schools = list(School.objects.select_related("district").order_by("id")[:school_count])
    today = dt.date.today()
    days = SchoolCalendar(None).school_days(today - dt.timedelta(days=365), today - dt.timedelta(days=1))
    # the school systems back-fill earlier days: keep them open (a closed day is refused before any work)
    RuleParameter.objects.update_or_create(
        key="hw_filing_grace_days",
        effective_from=days[0],
        defaults={"value": 400, "source": "bench/load_complaints.py: the past year stays open for filing"},
    )
    plan = {
        "schools": [],
        "institutions": [],
        "complaint_schools": [],
        "districts": [],
        "days": [d.isoformat() for d in reversed(days)],
        "today": today.isoformat(),
    }
    for school in schools:
        user = user_with_role("school", username=f"bench-school-{school.pk}", school=school, district=school.district)
        classes = list(SchoolClass.objects.filter(school=school).values_list("id", "grade"))
        plan["schools"].append({"id": school.pk, "token": api_token(user), "classes": classes})
    plan["institutions"] = [{"id": i.pk, "name": i.name} for i in Institution.objects.order_by("id")[:200]]
    plan["complaint_schools"] = [{"id": s.pk, "name": s.name} for s in School.objects.order_by("id")]
    plan["districts"] = list(
        District.objects.filter(code__in=["110101", "110102", "110108"]).values_list("id", flat=True)
    )
    counts = (School.objects.count(), SchoolClass.objects.count(), Institution.objects.count())
    log(
        f"{counts[0]} schools, {counts[1]} classes, {counts[2]} institutions; "
        f"{len(plan['schools'])} schools file homework"
    )
    return plan


# -- the server ----------------------------------------------------------------------------------------------


class Server:
    """gunicorn on 127.0.0.1 with the load test's settings, for the length of a ``with`` block."""

    def __init__(self, args):
        self.args = args

    def __enter__(self):
        import http.client  # not at the top: it imports ssl, which the load generator's gevent patches first

        env = {
            **os.environ,
            "DATABASE_URL": self.args.database_url,
            "DJANGO_SETTINGS_MODULE": SETTINGS,
            "DATABASE_CONN_MAX_AGE": "600",
            "DJANGO_DEBUG": "false",
            "REDIS_URL": self.args.redis_url,
            "PYTHONWARNINGS": "ignore:No directory at",
        }
        self.process = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/gunicorn"),
                "shuangjian.wsgi:application",
                "--chdir",
                str(ROOT),
                "--workers",
                str(self.args.workers),
                "--bind",
                f"127.0.0.1:{self.args.port}",
                "--backlog",
                "2048",
                "--timeout",
                "120",
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=ROOT,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise SystemExit("gunicorn exited at start")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.args.port, timeout=2)
                conn.request("GET", "/bench/ping/")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.3)
        else:
            raise SystemExit("the server did not start")
        # each worker loads the URLs, views and templates on its first requests: not part of the figures
        for _ in range(4 * self.args.workers):
            conn = http.client.HTTPConnection("127.0.0.1", self.args.port, timeout=60)
            conn.request("GET", FORM)
            conn.getresponse().read()
            conn.close()
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


# -- the load generator (a separate process: locust patches the standard library with gevent) ---------------


def client_main(plan_path: str, out_path: str) -> None:
    import gevent  # locust patches the standard library with gevent when imported: only in this process
    from locust import HttpUser, between, events, task
    from locust.env import Environment
    from locust.exception import StopUser

    plan = json.loads(Path(plan_path).read_text())
    seconds, think = plan["seconds"], plan["think"]
    today = dt.date.fromisoformat(plan["today"])
    records: list[tuple] = []  # (name, status, milliseconds, ok)
    accepted: list[str] = []
    in_flight = {"parents": 0}
    addresses = count(1)
    state = {"deadline": None}
    token_re = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    submission_re = re.compile(r'name="submission_token" value="([^"]+)"')
    confirmation_re = re.compile(re.escape(SUBMITTED) + r"([A-Z0-9]+)/$")
    code_re = re.compile(r'id="tracking-code"[^>]*>([A-Z0-9]+)<')

    @events.request.add_listener
    def on_request(request_type, name, response_time, response_length, response=None, exception=None, **kw):
        status = getattr(response, "status_code", 0) if response is not None else 0
        records.append((name, status or 0, response_time, exception is None))

    def running() -> bool:
        return state["deadline"] is not None and time.monotonic() < state["deadline"]

    class Parent(HttpUser):
        """One place at the public form: a parent after another, each from a new address with new cookies."""

        wait_time = between(1, 5)
        weight = 1

        def on_start(self):
            gevent.sleep(random.uniform(0, think[0]))  # parents arrive at random, not all in one millisecond

        @task
        def complain(self):
            if not running():
                raise StopUser()
            in_flight["parents"] += 1
            try:
                self._complain()
            finally:
                in_flight["parents"] -= 1

        def _complain(self):
            n = next(addresses)
            address = f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"
            self.client.cookies.clear()
            headers = {"X-Forwarded-For": address}
            with self.client.get(FORM, headers=headers, name="GET form", catch_response=True) as r:
                csrf = token_re.search(r.text or "")
                submission = submission_re.search(r.text or "")
                if r.status_code != 200 or not csrf or not submission:
                    r.failure(f"form: HTTP {r.status_code}, tokens {bool(csrf)}/{bool(submission)}")
                    return
            gevent.sleep(random.uniform(*think))
            # a browser posts with the form page as its referrer and follows the redirect itself (measured apart)
            with self.client.post(
                FORM,
                data=self._answers(csrf.group(1), submission.group(1)),
                headers={**headers, "Referer": f"{plan['host']}{FORM}"},
                name="POST complaint",
                allow_redirects=False,
                catch_response=True,
            ) as r:
                location = urlsplit(r.headers.get("Location", "")).path
                code = confirmation_re.fullmatch(location) if location.startswith(SUBMITTED) else None
                if r.status_code not in (302, 303) or not code:
                    r.failure(f"submission: HTTP {r.status_code} {location or (r.text or '')[:200]}")
                    return
                accepted.append(code.group(1))
            with self.client.get(location, headers=headers, name="GET confirmation", catch_response=True) as r:
                shown = code_re.search(r.text or "")
                if r.status_code != 200 or not shown or shown.group(1) != code.group(1):
                    r.failure(f"confirmation: HTTP {r.status_code}")

        def _answers(self, csrf: str, submission: str) -> dict:
            data = {
                "csrfmiddlewaretoken": csrf,
                "submission_token": submission,
                "description": "孩子反映该机构周末仍在上学科类课程，请核查。",
                "occurred_on": (today - dt.timedelta(days=random.randint(1, 30))).isoformat(),
            }
            kind = random.random()
            if kind < 0.6:
                inst = random.choice(plan["institutions"])
                data.update(
                    target_kind="institution",
                    institution=inst["id"],
                    institution_name=inst["name"],
                    category=random.choice(
                        ["unlicensed", "advertising", "holiday_or_late_training", "prepayment_refund"]
                    ),
                )
            elif kind < 0.9:
                school = random.choice(plan["complaint_schools"])
                data.update(
                    target_kind="school",
                    school=school["id"],
                    school_name=school["name"],
                    category="excessive_homework",
                    grade=random.randint(1, 9),
                )
            else:
                data.update(
                    target_kind="other",
                    target_text="小区内无证补习班",
                    category="other",
                    district=random.choice(plan["districts"]),
                )
            if random.random() < 0.5:
                data["contact_phone"] = f"139{random.randint(0, 99_999_999):08d}"
            return data

    schools = iter(plan["schools"])

    class SchoolSystem(HttpUser):
        """A school's system filing a whole school day for its classes, one earlier day after another."""

        wait_time = between(1, 3)
        fixed_count = len(plan["schools"])

        def on_start(self):
            self.school = next(schools)
            self.days = iter(plan["days"])
            self.rng = random.Random(self.school["id"])

        @task
        def file_day(self):
            if not running():
                raise StopUser()
            day = next(self.days)
            items = []
            for class_id, grade in self.school["classes"]:
                for subject in ["chinese", "maths"] if grade <= 2 else ["chinese", "maths", "english", "science"]:
                    items.append(
                        {
                            "school_class": class_id,
                            "date": day,
                            "subject": subject,
                            "kind": "written" if grade > 2 else "oral",
                            "minutes": self.rng.randint(5, 20),
                            "at_home": grade > 2,
                        }
                    )
            with self.client.post(
                HOMEWORK,
                json=items,
                name="POST homework (bulk)",
                catch_response=True,
                headers={"Authorization": f"Token {self.school['token']}"},
            ) as r:
                if r.status_code not in (200, 201):
                    r.failure(f"homework: HTTP {r.status_code} {(r.text or '')[:200]}")

    env = Environment(user_classes=[Parent, SchoolSystem], host=plan["host"], events=events, catch_exceptions=True)
    runner = env.create_local_runner()
    state["deadline"] = time.monotonic() + seconds
    started = time.time()
    runner.start(plan["users"] + len(plan["schools"]), spawn_rate=100)
    gevent.sleep(seconds)
    # parents in the middle of a form finish it (a submission cut off would be neither seen nor lost)
    grace_until = time.monotonic() + think[1] + 30
    while in_flight["parents"] and time.monotonic() < grace_until:
        gevent.sleep(0.2)
    unfinished = in_flight["parents"]
    elapsed = time.time() - started
    runner.quit()
    Path(out_path).write_text(
        json.dumps(
            {"records": records, "accepted": accepted, "unfinished": unfinished, "elapsed": elapsed, "started": started}
        )
    )


# -- figures -------------------------------------------------------------------------------------------------


def summary(records: list, seconds: float) -> dict:
    times = sorted(r[2] for r in records)
    if len(times) > 1:
        q = statistics.quantiles(times, n=100, method="inclusive")
        p50, p95, p99 = q[49], q[94], q[98]
    else:
        p50 = p95 = p99 = times[0] if times else 0.0
    errors = sum(1 for r in records if not r[3])
    return {
        "requests": len(records),
        "rps": len(records) / seconds if seconds else 0.0,
        "errors": errors,
        "error_rate": errors / len(records) if records else 0.0,
        "5xx": sum(1 for r in records if r[1] >= 500),
        "p50": p50,
        "p95": p95,
        "p99": p99,
    }


def report(args, result: dict, in_database: set[str]) -> bool:
    seconds = result["elapsed"]
    records = result["records"]
    rows = [
        ("parents: GET form", [r for r in records if r[0] == "GET form"]),
        ("parents: POST complaint", [r for r in records if r[0] == "POST complaint"]),
        ("parents: GET confirmation", [r for r in records if r[0] == "GET confirmation"]),
        ("parents: both", [r for r in records if r[0] in ("GET form", "POST complaint")]),
        ("schools: POST homework (bulk)", [r for r in records if r[0] == "POST homework (bulk)"]),
        ("all requests", records),
    ]
    print()
    print(
        f"{args.users} parents and {args.schools} school systems for {args.seconds:g} s "
        f"({seconds:.1f} s with the parents finishing their forms); gunicorn {args.workers} sync workers; "
        f"{os.cpu_count()} CPUs shared by the server, PostgreSQL and the load generator; "
        f"load average now {os.getloadavg()[0]:.1f}"
    )
    print(
        f"{'requests':32} {'count':>7} {'req/s':>7} {'errors':>7} {'err %':>6} {'5xx':>5} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
    )
    figures = {}
    for name, subset in rows:
        s = figures[name] = summary(subset, seconds)
        print(
            f"{name:32} {s['requests']:7d} {s['rps']:7.1f} {s['errors']:7d} {100 * s['error_rate']:6.2f} "
            f"{s['5xx']:5d} {s['p50']:8.1f} {s['p95']:8.1f} {s['p99']:8.1f}"
        )
    accepted = set(result["accepted"])
    lost = accepted - in_database
    unseen = in_database - accepted
    print()
    print(
        f"complaints accepted as the clients saw them (a redirect to the confirmation): {len(accepted)} "
        f"({len(accepted) / seconds:.1f}/s)"
    )
    print(
        f"complaints in the database: {len(in_database)}; lost (accepted, not stored): {len(lost)}; "
        f"stored but not seen accepted by a client: {len(unseen)}; parents still in a form at the end: "
        f"{result['unfinished']}"
    )
    form_p95 = figures["parents: GET form"]["p95"]
    post_p95 = figures["parents: POST complaint"]["p95"]
    checks = [
        ("zero complaints lost", not lost and not result["unfinished"], f"{len(lost)} lost"),
        ("zero 5xx answers", figures["all requests"]["5xx"] == 0, f"{figures['all requests']['5xx']} 5xx"),
        (
            f"p95 < {TARGET_P95_MS:.0f} ms (form and submission)",
            max(form_p95, post_p95) < TARGET_P95_MS,
            f"form {form_p95:.0f} ms, submission {post_p95:.0f} ms",
        ),
        ("at least one complaint accepted", bool(accepted), f"{len(accepted)} accepted"),
    ]
    print()
    for name, ok, figure in checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {name}: {figure}")
    passed = all(ok for _, ok, _ in checks)
    print(f"target (zero lost, zero 5xx, p95 < {TARGET_P95_MS:.0f} ms): {'PASS' if passed else 'FAIL'}")
    return passed


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200, help="concurrent simulated parents")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--schools", type=int, default=6, help="school systems filing homework meanwhile")
    parser.add_argument("--think", default="5,15", help="seconds a parent takes to fill in the form: LOW,HIGH")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_COMPLAINTS_DATABASE_URL") or default_url("sj_bench_complaints"),
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("REDIS_URL", ""),
        help="the server's cache (throttle counts); empty: each worker's memory",
    )
    parser.add_argument("--client", nargs=2, metavar=("PLAN", "OUT"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def measure(args, plan: dict) -> bool:
    """The load against the server (started and stopped here) with the data of ``plan``; prints the figures
    and the target; True when it is met."""
    from django.db import connections

    connections.close_all()
    plan = {
        **plan,
        "seconds": args.seconds,
        "think": [float(x) for x in args.think.split(",")],
        "users": args.users,
        "host": f"http://127.0.0.1:{args.port}",
    }
    with tempfile.TemporaryDirectory() as tmp:
        plan_path, out_path = Path(tmp) / "plan.json", Path(tmp) / "out.json"
        plan_path.write_text(json.dumps(plan))
        with Server(args):
            log(
                f"server up (cache: {args.redis_url or 'per-worker memory'}); {args.users} parents, "
                f"{len(plan['schools'])} school systems, {args.seconds:g} s"
            )
            subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "--client", str(plan_path), str(out_path)],
                check=True,
                cwd=ROOT,
            )
        result = json.loads(out_path.read_text())

    from complaints.models import Complaint

    in_database = set(Complaint.objects.values_list("tracking_code", flat=True))
    connections.close_all()
    return report(args, result, in_database)


def main(argv=None):
    args = parse_args(argv)
    if args.client:
        client_main(*args.client)
        return
    django_setup(args.database_url)
    plan = prepare(args)
    sys.exit(0 if measure(args, plan) else 1)


if __name__ == "__main__":
    main()
