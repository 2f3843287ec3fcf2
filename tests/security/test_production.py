"""Production settings: `check --deploy` passes; a missing secret stops the start."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE = Path(settings.BASE_DIR)


def production_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "FIELD_ENCRYPTION", "DATABASE_URL"))}
    env.update(
        DJANGO_PRODUCTION="true",
        DJANGO_SECRET_KEY="p7$Kq2!vW9zR#mX4tL8nB6cY1hJ3fD5sG0aE-uQ_oI*rT&wZ-Vb3Nm8Xc",
        FIELD_ENCRYPTION_KEYS="cHJvZC1maWVsZC1rZXktZm9yLXRlc3RzLTAxMjM0NTY=",
        DJANGO_ALLOWED_HOSTS="shuangjian.example.gov.cn",
    )
    env.update(extra)
    return env


def manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_passes_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_are_strict():
    code = (
        "from django.conf import settings as s;"
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY,"
        " s.SESSION_COOKIE_SAMESITE, s.SECURE_HSTS_SECONDS >= 31536000, s.SECURE_SSL_REDIRECT)"
    )
    result = manage("shell", "--verbosity", "0", "-c", code, env=production_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True", "True", "Lax", "True", "True"]


def test_production_refuses_to_start_without_the_secret_key():
    env = production_env()
    del env["DJANGO_SECRET_KEY"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_the_field_encryption_key():
    env = production_env()
    del env["FIELD_ENCRYPTION_KEYS"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS" in result.stderr
