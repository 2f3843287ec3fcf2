"""`check --deploy` refuses encryption keys production cannot use: none, malformed, or the published one.

Before this check `check --deploy --fail-level WARNING` passed with FIELD_ENCRYPTION_KEYS empty or `not-a-key`
(then every complaint with contact details answered 500) or with the development key from the repository.
"""

import functools
from concurrent.futures import ThreadPoolExecutor

import pytest
from cryptography.fernet import Fernet
from django.core.checks import Tags, run_checks
from django.test import override_settings

from .test_production import manage, production_env

GOOD = Fernet.generate_key().decode()
OLD = Fernet.generate_key().decode()


@functools.cache
def development_key():
    """The non-production default of FIELD_ENCRYPTION_KEYS, as a settings load without the variable gives it."""
    env = production_env()
    for name in ("DJANGO_PRODUCTION", "FIELD_ENCRYPTION_KEYS"):
        env.pop(name)
    result = manage(
        "shell",
        "--verbosity",
        "0",
        "-c",
        "from django.conf import settings; print(','.join(settings.FIELD_ENCRYPTION_KEYS))",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def key_errors(keys):
    with override_settings(FIELD_ENCRYPTION_KEYS=keys):
        # the security checks only: the schema check of the deployment checks takes seconds and reads no key
        messages = run_checks(include_deployment_checks=True, tags=[Tags.security])
        return sorted(m.id for m in messages if m.id.startswith("complaints."))


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ([], ["complaints.E001"]),
        (None, ["complaints.E001"]),
        (["not-a-key"], ["complaints.E002"]),
        ([GOOD, "not-a-key"], ["complaints.E002"]),
        ([GOOD, GOOD[:-2]], ["complaints.E002"]),
        ([GOOD, OLD], []),
        ([GOOD], []),
    ],
)
def test_the_check_names_what_is_wrong_with_the_keys(keys, expected):
    assert key_errors(keys) == expected


def test_the_development_key_fails_the_check_wherever_it_is_in_the_list():
    dev = development_key()
    assert key_errors([dev]) == ["complaints.E003"]
    assert key_errors([GOOD, dev]) == ["complaints.E003"]


def test_the_check_is_a_deployment_check_only():
    with override_settings(FIELD_ENCRYPTION_KEYS=[]):
        assert not [m for m in run_checks() if m.id.startswith("complaints.")]


def test_check_deploy_fails_with_empty_malformed_or_development_keys():
    dev = development_key()
    cases = (("", "complaints.E001"), ("not-a-key", "complaints.E002"), (dev, "complaints.E003"))

    def check(keys):
        return manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(FIELD_ENCRYPTION_KEYS=keys))

    with ThreadPoolExecutor(len(cases)) as pool:  # three independent processes, side by side
        results = list(pool.map(check, [keys for keys, _ in cases]))
    for (keys, error), result in zip(cases, results):
        assert result.returncode != 0, keys
        assert error in result.stderr
        assert dev not in result.stderr  # a key is named by its position, never printed


def test_check_deploy_passes_with_production_keys():
    env = production_env(FIELD_ENCRYPTION_KEYS=f"{GOOD},{OLD}")
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
