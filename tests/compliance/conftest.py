import datetime as dt

import pytest

from compliance.models import RuleParameter
from tests import factories as f
from tests.compliance import testrules


@pytest.fixture
def test_rules(db):
    """Register the test-only rules and their parameters (limit 45 from 2026-01-01)."""
    testrules.register()
    RuleParameter.objects.create(key="test_max_headcount", value=45, effective_from=dt.date(2026, 1, 1), source="测试")
    RuleParameter.objects.create(key="test_sleep_seconds", value=0, effective_from=dt.date(2026, 1, 1), source="测试")
    yield testrules
    testrules.unregister()


@pytest.fixture
def big_class(school_a):
    return f.SchoolClassFactory(school=school_a, headcount=50, name="超额班")


@pytest.fixture
def big_class_b(school_b):
    return f.SchoolClassFactory(school=school_b, headcount=52, name="超额班B")
