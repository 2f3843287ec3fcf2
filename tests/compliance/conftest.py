import datetime as dt

import pytest

from compliance.models import RuleParameter
from tests import factories as f
from tests.compliance import testrules
from tests.worker import celery_broker  # noqa: F401 - the fixture, for the real-worker tests


@pytest.fixture
def test_rules(db):
    """Register the test-only rules and their parameters (limit 45 from 2026-01-01)."""
    testrules.register()
    RuleParameter.objects.create(key="test_max_headcount", value=45, effective_from=dt.date(2026, 1, 1), source="测试")
    RuleParameter.objects.create(key="test_sleep_seconds", value=0, effective_from=dt.date(2026, 1, 1), source="测试")
    yield testrules
    testrules.unregister()


@pytest.fixture
def broker(celery_broker, test_rules):  # noqa: F811 - the fixture imported above
    """Send this process's tasks to the real broker; ``broker(**kw)`` starts a worker that knows the test rules."""

    def start(**kw):
        return celery_broker(app="tests.compliance.worker_app", **kw)

    return start


@pytest.fixture
def big_class(school_a):
    return f.SchoolClassFactory(school=school_a, headcount=50, name="超额班")


@pytest.fixture
def big_class_b(school_b):
    return f.SchoolClassFactory(school=school_b, headcount=52, name="超额班B")


@pytest.fixture
def migration_data(transactional_db):
    """The rows the data migrations load (districts, city terms and vacations, default parameters).

    A transactional test before this one may have flushed them; loading them
    again is idempotent.
    """
    import importlib

    from django.apps import apps

    for module in ("schools.migrations.0002_districts_and_calendar", "compliance.migrations.0002_default_parameters"):
        importlib.import_module(module).load(apps, None)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Run this app's real-service tests last: each leaves the database flushed behind it, and other apps'
    transactional tests that rely on the migrations' rows must not come after them."""
    ours = [i for i in items if i.get_closest_marker("services") and "tests/compliance/" in i.nodeid]
    if ours:
        items[:] = [i for i in items if i not in ours] + ours
