"""A real Celery worker for tests: a ``celery worker`` subprocess on the test database and a private queue.

Import the ``celery_broker`` fixture into the conftest of a folder whose tests need it. The fixture sends this
process's tasks (including those a live server's requests send) to the real broker on a queue of the test's own,
and returns ``start(app=..., concurrency=..., visibility_timeout=...)``, which starts a worker on that queue and
waits until it is ready. Workers are stopped and the queue purged when the test ends.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

BASE = Path(__file__).resolve().parents[1]
#: the project's Celery app, with the queue and the visibility timeout taken from the environment
DEFAULT_APP = "tests.worker_app"


def database_url(db: dict) -> str:
    """A DATABASE_URL for a connection's settings: a TCP server, or a Unix socket directory (the embedded server)."""
    from urllib.parse import quote

    host = db["HOST"] or "127.0.0.1"
    where = quote(host, safe="") if host.startswith("/") else f"{host}:{db['PORT'] or 5432}"
    return f"postgres://{quote(db['USER'] or '', safe='')}:{quote(db['PASSWORD'] or '', safe='')}@{where}/{db['NAME']}"


class Worker:
    """A ``celery worker`` subprocess on the test database and a private queue."""

    def __init__(self, queue: str, *, app: str = DEFAULT_APP, concurrency: int = 2, visibility_timeout: int = 3600):
        from django.conf import settings
        from django.db import connection

        self.queue = queue
        self.log = tempfile.NamedTemporaryFile(prefix="celery-worker-", suffix=".log", delete=False)
        env = {
            **os.environ,
            "DATABASE_URL": database_url(connection.settings_dict),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            # the same cache keys as this test process (parallel test workers each have their own prefix)
            "CACHE_KEY_PREFIX": settings.CACHES["default"].get("KEY_PREFIX", ""),
            "TEST_CELERY_QUEUE": queue,
            "TEST_VISIBILITY_TIMEOUT": str(visibility_timeout),
        }
        env.pop("TEST_DATABASE_NAME", None)
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                app,
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
                f"{queue}-{uuid.uuid4().hex[:6]}@%h",
            ],
            cwd=BASE,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_for("ready.", 60)

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def _wait_for(self, text: str, timeout: float):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output():
                return
            if self.proc.poll() is not None:
                raise AssertionError(f"the worker exited:\n{self.output()[-4000:]}")
            time.sleep(0.2)
        raise AssertionError(f"the worker did not get ready:\n{self.output()[-4000:]}")

    def kill(self):
        """SIGKILL the whole worker: the main process and its pool children, no goodbye."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        Path(self.log.name).unlink(missing_ok=True)


@pytest.fixture
def celery_broker(settings):
    """Send this process's tasks to the real broker, on a queue of this test only; returns ``start(**kw)``."""
    from shuangjian.celery import app

    queue = f"sjtest-{uuid.uuid4().hex[:10]}"
    saved = {k: app.conf[k] for k in ("task_always_eager", "broker_url", "task_default_queue")}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    app.conf.broker_url = settings.CELERY_BROKER_URL
    app.conf.task_default_queue = queue
    workers: list[Worker] = []

    def start(**kw) -> Worker:
        w = Worker(queue, **kw)
        workers.append(w)
        return w

    yield start
    for w in workers:
        w.stop()
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)
    for k, v in saved.items():
        app.conf[k] = v


def wait_for_run(run_id: int, timeout: float = 90):
    """The compliance run once it is done or failed (polling the database); fails the test after ``timeout``."""
    from compliance.choices import RunState
    from compliance.models import ComplianceRun, ComplianceRunPart

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = ComplianceRun.objects.get(pk=run_id)
        if run.state in (RunState.DONE, RunState.FAILED):
            return run
        time.sleep(0.3)
    parts = list(ComplianceRunPart.objects.filter(run_id=run_id).values_list("rule_id", "district_id", "state"))
    raise AssertionError(f"run {run_id} did not finish: {run.state} {parts}")
