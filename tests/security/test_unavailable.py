"""PostgreSQL unavailable: requests fail cleanly with 503 and recover by themselves."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.db import OperationalError
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_view_losing_the_database_answers_503(city_user):
    client = Client(raise_request_exception=False)
    client.force_login(city_user)
    with mock.patch("accounts.views.landing_context", side_effect=OperationalError("server closed the connection")):
        resp = client.get("/")
    assert resp.status_code == 503
    assert resp["Retry-After"] == "5"
    assert "服务暂时不可用" in resp.content.decode()
    assert "Content-Security-Policy" in resp


def test_a_middleware_losing_the_database_answers_503(client):
    client.raise_request_exception = False
    client.cookies[settings.SESSION_COOKIE_NAME] = "x" * 32  # loading it needs the database
    with mock.patch(
        "django.contrib.sessions.backends.db.SessionStore._get_session_from_db",
        side_effect=OperationalError("could not connect to server"),
    ):
        resp = client.get("/audit/")
    assert resp.status_code == 503
    assert "服务暂时不可用" in resp.content.decode()


def test_an_api_call_losing_the_database_answers_503_in_the_api_shape(as_user, city_user):
    with mock.patch("accounts.api.views.AuditEventViewSet.get_queryset", side_effect=OperationalError("gone")):
        resp = as_user(city_user).get("/api/v1/audit/")
    assert resp.status_code == 503
    assert resp.json()["code"] == "unavailable"
    assert resp["Retry-After"] == "5"


def test_other_errors_stay_a_500(city_user):
    client = Client(raise_request_exception=False)
    client.force_login(city_user)
    with mock.patch("accounts.views.landing_context", side_effect=RuntimeError("bug")):
        resp = client.get("/")
    assert resp.status_code == 500
    assert "服务器出错" in resp.content.decode()


# --- a real PostgreSQL, stopped and started under a running server -------------

PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), None)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_postgres(args, **kwargs):
    """initdb/pg_ctl refuse to run as root: run them as the postgres account then."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run(prefix + args, check=True, capture_output=True, timeout=60, **kwargs)


def get(url, cookie=None):
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, resp.read().decode(), dict(resp.headers)
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(), dict(err.headers)


@pytest.fixture
def throwaway_postgres():
    if PG_BIN is None or not (PG_BIN / "initdb").exists():
        pytest.skip("PostgreSQL server binaries not installed")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser")
    tmp = Path(tempfile.mkdtemp(prefix="sj-pg-"))
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres")
    data, port = tmp / "data", free_port()
    as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"])
    options = f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c fsync=off"

    def start():
        as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(tmp / "log"), "-w", "start"])

    def stop():
        as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"])

    start()
    try:
        yield {"url": f"postgres://postgres@127.0.0.1:{port}/postgres", "start": start, "stop": stop}
    finally:
        subprocess.run(
            (["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else [])
            + [str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(tmp, ignore_errors=True)


SESSION_SCRIPT = """
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
user = get_user_model().objects.create_superuser("dba", "", "not-used-Pw-0123456789")
s = SessionStore()
s["_auth_user_id"] = str(user.pk)
s["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
s["_auth_user_hash"] = user.get_session_auth_hash()
s.create()
print(s.session_key)
"""


@pytest.mark.services
def test_postgresql_restart_gives_503_then_recovers(throwaway_postgres):
    base = Path(settings.BASE_DIR)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST", "DATABASE_URL"))}
    env.update(DATABASE_URL=throwaway_postgres["url"], DJANGO_DEBUG="false", CELERY_TASK_ALWAYS_EAGER="true")
    env.pop("CELERY_BROKER_URL", None)
    run = {"cwd": base, "env": env, "capture_output": True, "text": True, "timeout": 120}
    migrated = subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], **run)
    assert migrated.returncode == 0, migrated.stderr
    made = subprocess.run([sys.executable, "manage.py", "shell", "-v", "0", "-c", SESSION_SCRIPT], **run)
    assert made.returncode == 0, made.stderr
    cookie = f"{settings.SESSION_COOKIE_NAME}={made.stdout.strip().splitlines()[-1]}"

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "shuangjian.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1", "-t", "30"],
        cwd=base,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/audit/"
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        status, body, _headers = get(url, cookie)
        assert status == 200 and "审计日志" in body

        throwaway_postgres["stop"]()
        status, body, headers = get(url, cookie)
        assert status == 503, body[:500]
        assert "服务暂时不可用" in body and headers.get("Retry-After") == "5"
        status, body, _ = get(f"http://127.0.0.1:{port}/api/v1/audit/", cookie)
        assert status == 503 and '"code": "unavailable"' in body.replace('":"', '": "')

        throwaway_postgres["start"]()
        status, body, _ = get(url, cookie)
        assert status == 200 and "审计日志" in body  # no restart of the app server needed
    finally:
        server.terminate()
        server.wait(timeout=10)
