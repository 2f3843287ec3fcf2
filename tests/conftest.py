"""Shared fixtures: two districts, two schools, an institution, and a user of every role."""

import pytest
from rest_framework.test import APIClient

from tests import factories as f


@pytest.fixture
def district1(db):
    return f.district("110101")


@pytest.fixture
def district2(db):
    return f.district("110102")


@pytest.fixture
def school_a(district1):
    return f.SchoolFactory(district=district1, name="东城区测试小学A")


@pytest.fixture
def school_b(district2):
    return f.SchoolFactory(district=district2, name="西城区测试小学B")


@pytest.fixture
def institution(district1):
    return f.InstitutionFactory(district=district1)


@pytest.fixture
def city_user(db):
    return f.user_with_role("city", username="city")


@pytest.fixture
def district_user(district1):
    return f.user_with_role("district", username="district1", district=district1)


@pytest.fixture
def district2_user(district2):
    return f.user_with_role("district", username="district2", district=district2)


@pytest.fixture
def school_user(school_a):
    return f.user_with_role("school", username="school-a", school=school_a, district=school_a.district)


@pytest.fixture
def school_b_user(school_b):
    return f.user_with_role("school", username="school-b", school=school_b, district=school_b.district)


@pytest.fixture
def institution_user(institution):
    return f.user_with_role("institution", username="inst", institution=institution)


@pytest.fixture
def api():
    """An API client; call ``api.force_authenticate(user)`` to act as someone."""
    return APIClient()


def client_for(user):
    c = APIClient()
    c.force_authenticate(user)
    return c


@pytest.fixture
def as_user():
    return client_for


def pytest_runtest_setup(item):
    """Tests marked ``services`` need a broker (Redis); without one they are skipped, saying why.

    A hook rather than a fixture: the skip comes before any database fixture, so
    a skipped transactional test does not empty the database for the next ones.
    """
    if item.get_closest_marker("services") is None:
        return
    from django.conf import settings

    if not settings.CELERY_BROKER_URL:
        pytest.skip("needs Redis: CELERY_BROKER_URL is not set")


def _database_fixture(request):
    """The database fixture a test already asks for (by marker or fixture), or None for a test without one."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if {"transactional_db", "live_server"} & names or (marker and marker.kwargs.get("transaction")):
        return "transactional_db"
    if marker or "db" in names:
        return "db"
    return None


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Reload the reference rows the data migrations load (districts, calendar, default parameters).

    A transactional test (browser journeys, real workers) flushes every table when it ends, taking those rows
    with it; the tests after it must still find them.
    """
    db_fixture = _database_fixture(request)
    if db_fixture is None:
        return
    request.getfixturevalue(db_fixture)
    import importlib

    from django.apps import apps

    from schools.models import District

    if District.objects.exists():
        return
    importlib.import_module("schools.migrations.0002_districts_and_calendar").load(apps, None)
    importlib.import_module("compliance.migrations.0002_default_parameters").load(apps, None)


@pytest.fixture(autouse=True)
def _cache_servers_asked_afresh():
    """A test that stopped a cache server must not leave the next test in this process thinking it is down."""
    from shuangjian.cache import reset_unreachable

    reset_unreachable()
    yield
    reset_unreachable()


def pytest_configure(config):
    """Test-wide settings.

    Passwords are hashed with a fast hasher: the production hasher's 1,000,000 PBKDF2 rounds cost each login and
    each user a test creates about 0.3 s (tests/homework: 59 s with it, 8 s without). The hasher under test is
    Django's, not ours; `tests/accounts/test_password_hashing.py` checks production settings keep the strong one.

    Parallel workers each have their own test database but share Redis: give each its own cache keys, or one
    worker could read figures another cached (dashboards are cached by default with Redis)."""
    import os

    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        for alias in settings.CACHES.values():
            alias["KEY_PREFIX"] = f"test-{worker}"
