"""Redis stopped or hung under the portal: filings and complaints still go through, and no work is lost or doubled.

Each test starts its own Redis (``redis-server`` on a free port, no persistence) or its own "hung" server (a
socket that accepts connections and never answers), and points the broker, the cache and the Celery app of
this process at it; eager mode is off, so every task goes through the broker as in production.

What a filing leaves for later is recorded in its own transaction: the filing sweep's ``SweepRequest`` rows
(``compliance.services.sweep_request``); a compliance run is its own record (its parts). A complaint
submission sends no task at all. See docs/decisions/outbox.md.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.db import connection, transaction
from django.test import Client
from rest_framework.test import APIClient

from complaints.models import Complaint
from compliance import services as compliance_services
from compliance import tasks as compliance_tasks
from compliance.choices import RunState
from compliance.models import ComplianceRun, Finding, FindingEvent, SweepRequest
from homework.models import HomeworkItem
from homework.services import homework_file
from shuangjian.celery import app
from tests import clock
from tests import factories as f
from tests.worker import database_url

REDIS_SERVER = shutil.which("redis-server")
BASE = Path(__file__).resolve().parents[2]
SCHOOL_DAY = dt.date(2026, 11, 10)  # a Tuesday in the autumn term
NEXT_DAY = dt.date(2026, 11, 11)
#: when this process files: both days still open (SCHOOL_DAY's homework closes at 20:00 on NEXT_DAY)
FILED_AT = clock.local(NEXT_DAY, 9)
#: a request that has to enqueue work answers within this many seconds, whatever the broker does
DEADLINE = 5.0

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A throwaway ``redis-server`` on a free port, without persistence; stop() and start() it at will."""

    def __init__(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="sj-redis-")
        self.proc: subprocess.Popen | None = None

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self, db: int = 0) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, db=db, socket_timeout=2, socket_connect_timeout=2)

    def start(self):
        self.proc = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.dir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while True:
            try:
                if self.client().ping():
                    return
            except redis.RedisError:
                pass
            assert self.proc.poll() is None, "redis-server exited at start"
            assert time.monotonic() < deadline, "redis-server did not answer"
            time.sleep(0.05)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None
        with pytest.raises(redis.ConnectionError):
            self.client().ping()

    def close(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def redis_server():
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.close()


class HungServer:
    """Accepts every connection and never answers: a Redis that hangs (a full disk, a stopped VM, a bad NAT)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def _accept(self):
        while not self._closed:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)  # kept open, never read, never answered

    def close(self):
        self._closed = True
        self.sock.close()
        for conn in self.accepted:
            conn.close()


@pytest.fixture
def hung_server():
    server = HungServer()
    try:
        yield server
    finally:
        server.close()


def _reset_celery_pools():
    """Forget this process's broker connections, so the next publish connects to the broker now configured."""
    from kombu import pools

    # the app's pool lives in kombu's process-wide registry: closing it there without clearing the registry would
    # leave a closed pool behind for the next test's broker URL ("Acquire on closed pool")
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def point_at(settings):
    """``point_at(server)``: the broker (db 0), the cache (db 1) and this process's Celery app use ``server``."""
    keys = ("task_always_eager", "broker_url", "broker_read_url", "broker_write_url", "task_default_queue")
    saved = {k: app.conf[k] for k in keys}
    queue = f"sjfault-{uuid.uuid4().hex[:10]}"
    settings.SWEEP_DEBOUNCE_SECONDS = 1

    def point(server):
        settings.CELERY_BROKER_URL = server.url(0)
        settings.REDIS_URL = server.url(1)
        settings.CACHES = {
            "default": {
                "BACKEND": "shuangjian.cache.RedisCache",  # as in production
                "LOCATION": server.url(1),
                "OPTIONS": settings.REDIS_CACHE_OPTIONS,
            }
        }
        settings.CELERY_TASK_ALWAYS_EAGER = False
        app.conf.task_always_eager = False
        # publishing uses broker_write_url, which the app derived from the settings at start
        app.conf.broker_url = app.conf.broker_read_url = app.conf.broker_write_url = server.url(0)
        app.conf.task_default_queue = queue
        _reset_celery_pools()
        return queue

    yield point
    for k, v in saved.items():
        app.conf[k] = v
    _reset_celery_pools()


class Worker:
    """A real ``celery worker`` subprocess on the test database, the test's Redis and the test's queue."""

    def __init__(self, *, broker_url: str, cache_url: str, queue: str, concurrency: int = 2):
        self.log = tempfile.NamedTemporaryFile(prefix="celery-fault-worker-", suffix=".log", delete=False)
        env = {
            **os.environ,
            "DATABASE_URL": database_url(connection.settings_dict),
            "CELERY_BROKER_URL": broker_url,
            "REDIS_URL": cache_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "SWEEP_DEBOUNCE_SECONDS": "1",
            "TEST_CELERY_QUEUE": queue,
        }
        env.pop("TEST_DATABASE_NAME", None)
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "tests.security.fault_worker_app",
                "worker",
                "-Q",
                queue,
                "-c",
                str(concurrency),
                "--pool",
                "prefork",
                "-l",
                "info",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"{queue}@%h",
            ],
            cwd=BASE,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while "ready." not in self.output():
            if self.proc.poll() is not None:
                raise AssertionError(f"the worker exited:\n{self.output()[-4000:]}")
            assert time.monotonic() < deadline, f"the worker did not get ready:\n{self.output()[-4000:]}"
            time.sleep(0.2)

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait(10)
        Path(self.log.name).unlink(missing_ok=True)


@pytest.fixture
def start_worker():
    workers: list[Worker] = []

    def start(**kw) -> Worker:
        w = Worker(**kw)
        workers.append(w)
        return w

    yield start
    for w in workers:
        w.stop()


# -- helpers -----------------------------------------------------------------------------------------------


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def day_post(school_class, day, rows):
    data = {
        "school_class": school_class.pk,
        "date": day.isoformat(),
        "items-TOTAL_FORMS": len(rows),
        "items-INITIAL_FORMS": 0,
        "items-MIN_NUM_FORMS": 0,
        "items-MAX_NUM_FORMS": 40,
    }
    for n, (subject, minutes) in enumerate(rows):
        data.update(
            {
                f"items-{n}-subject": subject,
                f"items-{n}-kind": "written",
                f"items-{n}-minutes": str(minutes),
                f"items-{n}-at_home": "on",
            }
        )
    return data


def complaint_post():
    return {
        "target_kind": "other",
        "target_text": "小区里的无名补习班",
        "district": f.district("110101").pk,
        "category": "unlicensed",
        "description": "周末有人在小区里办数学补习班。",
        "occurred_on": (dt.date.today() - dt.timedelta(days=1)).isoformat(),
    }


def wait_until(predicate, timeout: float, what: str, worker: Worker | None = None):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}" + (f"\n{worker.output()[-4000:]}" if worker else ""))
        time.sleep(0.2)


@pytest.fixture
def filing_clock():
    """This process's clock at ``FILED_AT``, so the days filed are open (``periods.closing``).

    Only this process travels: a worker subprocess keeps the real clock, which is later than ``FILED_AT``. What
    the worker reads does not depend on the filing moment (it sweeps the dates of the runs it is given), the
    debounced task's countdown then lies in its past (it runs at once), and its own timestamps (a finding's
    ``last_seen``) come after the runs this process creates. Dates relative to the real today would not do:
    there is no open school day on a Sunday or in a vacation."""
    with clock.at(FILED_AT):
        yield


@pytest.fixture
def school_setup(school_user):
    school = school_user.profile.school
    g4 = f.SchoolClassFactory(school=school, grade=4, name="四年级1班")
    g8 = f.SchoolClassFactory(school=school, grade=8, name="八年级1班")
    browser = Client(raise_request_exception=False)
    browser.force_login(school_user)
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(school_user)
    return school, g4, g8, browser, api, school_user


# -- Redis stopped ------------------------------------------------------------------------------------------


def test_with_redis_stopped_filings_and_complaints_are_kept_and_swept_exactly_once_when_it_returns(
    filing_clock, redis_server, point_at, school_setup, start_worker
):
    school, g4, g8, browser, api, _user = school_setup
    queue = point_at(redis_server)
    redis_server.stop()

    # a parent submits a complaint on the public form
    public = Client(raise_request_exception=False)
    resp, took = timed(lambda: public.post("/complaints/new/", complaint_post(), follow=True))
    assert resp.status_code == 200, resp.content.decode()[:2000]
    complaint = Complaint.objects.get()
    assert complaint.tracking_code in resp.content.decode() and took < DEADLINE

    # the school files a day on the form (grade 4: 80 minutes of written homework, over the 60-minute limit) ...
    resp, took = timed(lambda: browser.post("/homework/file/", day_post(g4, SCHOOL_DAY, [("maths", 80)])))
    assert resp.status_code == 302, resp.content.decode()[:2000]
    assert took < DEADLINE
    # ... and another through the bulk API (grade 8: 100 minutes, over the 90-minute limit)
    items = [
        {"school_class": g8.pk, "date": NEXT_DAY.isoformat(), "subject": "maths", "kind": "written", "minutes": 60},
        {"school_class": g8.pk, "date": NEXT_DAY.isoformat(), "subject": "physics", "kind": "written", "minutes": 40},
    ]
    resp, took = timed(lambda: api.post("/api/v1/homework/", items, format="json"))
    assert resp.status_code == 201, resp.content.decode()[:2000]
    assert took < DEADLINE

    # the data is committed; the sweep they need is recorded, nothing has run
    assert HomeworkItem.objects.count() == 3
    assert set(SweepRequest.objects.filter(processed_at__isnull=True).values_list("school_id", "date")) == {
        (school.pk, SCHOOL_DAY),
        (school.pk, NEXT_DAY),
    }
    assert not ComplianceRun.objects.exists()

    # Redis comes back; a worker starts; the every-minute beat entry is delivered twice (a beat tick and a
    # redelivery), to a worker running two tasks at once
    redis_server.start()
    worker = start_worker(broker_url=redis_server.url(0), cache_url=redis_server.url(1), queue=queue)
    compliance_tasks.sweep_pending_requests.delay()
    compliance_tasks.sweep_pending_requests.delay()
    wait_until(
        lambda: (
            ComplianceRun.objects.filter(trigger="filing").exists()
            and not ComplianceRun.objects.exclude(state__in=[RunState.DONE, RunState.FAILED]).exists()
        ),
        90,
        "the filing sweep",
        worker,
    )

    run = ComplianceRun.objects.get(trigger="filing")  # one run, not two
    assert run.state == RunState.DONE, run.errors
    assert (run.date_from, run.date_to, run.school_ids, run.district_codes) == (
        SCHOOL_DAY,
        NEXT_DAY,
        [school.pk],
        ["110101"],
    )
    assert set(SweepRequest.objects.values_list("run_id", flat=True)) == {run.pk}
    assert not SweepRequest.objects.filter(processed_at__isnull=True).exists()
    over = {
        (fd.rule_id, fd.school_class_id, fd.period_start) for fd in Finding.objects.filter(rule_id__startswith="HW-5")
    }
    assert over == {("HW-5-G36", g4.pk, SCHOOL_DAY), ("HW-5-G79", g8.pk, NEXT_DAY)}
    # every finding was found once: one "found" event each, and the run counted each once
    assert FindingEvent.objects.count() == Finding.objects.count() == run.new_count

    # the next beat tick finds nothing left to send
    assert compliance_tasks.sweep_pending_requests.apply().get() == 0
    time.sleep(1.5)
    assert ComplianceRun.objects.count() == 1
    assert FindingEvent.objects.count() == Finding.objects.count()
    assert Complaint.objects.count() == 1  # a complaint sends no task: nothing was waiting for the broker
    assert "Traceback" not in worker.output()


def test_a_run_started_while_redis_is_stopped_starts_within_the_next_minute_of_its_return(
    filing_clock, redis_server, point_at, school_setup, city_user, start_worker
):
    _school, g4, _g8, browser, _api, _user = school_setup
    # filed before the outage (grade 4: 80 minutes, over the limit); its filing sweep ran in this process
    resp = browser.post("/homework/file/", day_post(g4, SCHOOL_DAY, [("maths", 80)]))
    assert resp.status_code == 302, resp.content.decode()[:2000]
    queue = point_at(redis_server)
    redis_server.stop()

    staff = APIClient(raise_request_exception=False)
    staff.force_authenticate(city_user)
    body = {
        "date_from": SCHOOL_DAY.isoformat(),
        "date_to": SCHOOL_DAY.isoformat(),
        "district_codes": ["110101"],
        "rule_ids": ["HW-5-G36"],
    }
    resp, took = timed(lambda: staff.post("/api/v1/compliance/runs/", body, format="json"))
    assert resp.status_code == 202 and took < DEADLINE, resp.content.decode()[:2000]
    run = ComplianceRun.objects.get(pk=resp.json()["id"])
    assert run.state == RunState.QUEUED and compliance_services.UNSENT in str(run.errors)
    # the every-minute beat entry while Redis is still down: the run stays queued, its error recorded again
    assert compliance_services.runs_send_unsent() == []
    run.refresh_from_db()
    assert run.state == RunState.QUEUED and compliance_services.UNSENT in str(run.errors)

    redis_server.start()
    worker = start_worker(broker_url=redis_server.url(0), cache_url=redis_server.url(1), queue=queue)
    # the next tick sends it; one more tick before the worker has taken it sends nothing again
    assert compliance_services.runs_send_unsent() == [run.pk]
    assert compliance_services.runs_send_unsent() == []
    wait_until(lambda: ComplianceRun.objects.get(pk=run.pk).state == RunState.DONE, 60, "the run", worker)
    run.refresh_from_db()
    assert (run.errors, run.new_count + run.still_open_count, run.parts_done) == ([], 1, 1)
    finding = Finding.objects.get(rule_id="HW-5-G36")  # the run confirmed it, once
    assert finding.school_class_id == g4.pk and finding.events.count() == 1 and finding.last_seen >= run.created_at
    assert redis_server.client(0).llen(queue) == 0  # nothing left on the queue to run it a second time
    assert "Traceback" not in worker.output()


def test_a_rolled_back_filing_or_run_sends_nothing_and_records_nothing(
    filing_clock, redis_server, point_at, school_setup, city_user
):
    _school, g4, _g8, _browser, _api, user = school_setup
    queue = point_at(redis_server)
    broker = redis_server.client(0)
    compliance_services._debounce_release()

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():  # noqa: PT012 - the block is the transaction that rolls back
        homework_file(
            user=user,
            items=[
                {
                    "school_class": g4.pk,
                    "date": SCHOOL_DAY.isoformat(),
                    "subject": "maths",
                    "kind": "written",
                    "minutes": 80,
                }
            ],
        )
        compliance_services.run_start(
            date_from=SCHOOL_DAY, date_to=SCHOOL_DAY, district_codes=["110101"], started_by=city_user
        )
        raise Abort
    assert broker.llen(queue) == 0
    assert not HomeworkItem.objects.exists() and not SweepRequest.objects.exists()
    assert not ComplianceRun.objects.exists()

    # the same filing committed: recorded, and one debounced sweep task is on the queue
    homework_file(
        user=user,
        items=[
            {
                "school_class": g4.pk,
                "date": SCHOOL_DAY.isoformat(),
                "subject": "maths",
                "kind": "written",
                "minutes": 80,
            }
        ],
    )
    assert SweepRequest.objects.filter(processed_at__isnull=True).count() == 1
    assert broker.llen(queue) == 1
    broker.delete(queue)


# -- Redis hung ---------------------------------------------------------------------------------------------


def test_with_redis_hung_requests_that_enqueue_answer_within_5_seconds_with_the_data_committed(
    filing_clock, hung_server, point_at, school_setup, city_user
):
    school, g4, g8, browser, api, _user = school_setup
    point_at(hung_server)

    items = [
        {"school_class": g8.pk, "date": NEXT_DAY.isoformat(), "subject": "maths", "kind": "written", "minutes": 30}
    ]
    resp, took = timed(lambda: api.post("/api/v1/homework/", items, format="json"))
    assert resp.status_code == 201, resp.content.decode()[:2000]
    assert took < DEADLINE, f"the bulk API took {took:.1f} s"

    resp, took = timed(lambda: browser.post("/homework/file/", day_post(g4, SCHOOL_DAY, [("chinese", 20)])))
    assert resp.status_code == 302, resp.content.decode()[:2000]
    assert took < DEADLINE, f"the day form took {took:.1f} s"
    assert HomeworkItem.objects.count() == 2
    assert SweepRequest.objects.filter(processed_at__isnull=True).count() == 2  # kept for the beat entry

    staff = APIClient(raise_request_exception=False)
    staff.force_authenticate(city_user)
    resp, took = timed(
        lambda: staff.post(
            "/api/v1/compliance/runs/",
            {"date_from": SCHOOL_DAY.isoformat(), "date_to": SCHOOL_DAY.isoformat(), "district_codes": ["110101"]},
            format="json",
        )
    )
    assert resp.status_code == 202, resp.content.decode()[:2000]
    assert took < DEADLINE, f"the run POST took {took:.1f} s"
    run = ComplianceRun.objects.get(pk=resp.json()["id"])
    assert run.state == RunState.QUEUED and run.parts.count() > 0  # recorded, to be sent again
    assert compliance_services.UNSENT in str(run.errors)

    public = Client(raise_request_exception=False)
    resp, took = timed(lambda: public.post("/complaints/new/", complaint_post(), follow=True))
    assert resp.status_code == 200 and Complaint.objects.count() == 1, resp.content.decode()[:2000]
    assert took < DEADLINE, f"the complaint form took {took:.1f} s"
    assert len(hung_server.accepted) > 0  # the requests really talked to the hung server


def test_the_cache_and_the_debounce_store_give_up_on_a_hung_redis(hung_server, point_at, settings):
    from django.core.cache import cache

    point_at(hung_server)
    started = time.monotonic()
    with pytest.raises(redis.RedisError):
        cache.add("fault-probe", 1)
    assert time.monotonic() - started < 2 * settings.REDIS_SOCKET_TIMEOUT + 0.5

    # without a separate cache the debounce key lives in the broker's Redis, with the same bound
    settings.REDIS_URL = ""
    started = time.monotonic()
    with pytest.raises(redis.RedisError):
        compliance_services._debounce_claim(1)
    assert time.monotonic() - started < 2 * settings.REDIS_SOCKET_TIMEOUT + 0.5
