"""Fuzz the API against its own OpenAPI schema (schemathesis), as each staff role with its API token.

The schema is generated in-process by drf-spectacular, the same document ``/api/schema/`` serves. Every
operation gets a few generated requests (valid and invalid data, a fixed seed, no deadline), each sent by
every staff role; path
arguments are replaced by an object of the role's own side of the world (``tests/security/world.py``), so
detail operations reach real rows instead of answering 404 to random ids. Each request runs in a savepoint
that is rolled back. Checks: no 5xx, the status code is one the schema documents, the content type and the
body match the documented response.

Bounded to stay well under two minutes on a two-core machine: ``MAX_EXAMPLES`` per operation, the
examples and fuzzing phases only (not schemathesis' coverage phase, which sends dozens of requests per
operation), no shrinking database.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from compliance.models import RuleParameter

from .world import STAFF_ROLES, World

#: generated requests per operation (each sent by every role); FUZZ_MAX_EXAMPLES=50 digs deeper, slowly
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "4"))
SEED = int(os.environ.get("FUZZ_SEED", "20261110"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _openapi() -> dict:
    """The schema as ``/api/schema/`` serves it (rendered to JSON and read back, so lazy strings are plain)."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


def _load():
    config = schemathesis.Config(seed=SEED)
    project = config.projects.default
    project.phases.update(phases=["examples", "fuzzing"])
    project.generation.update(max_examples=MAX_EXAMPLES, deterministic=True, database="none")
    loaded = schemathesis.openapi.from_dict(_openapi(), config=config)
    loaded.app = get_wsgi_application()
    return loaded


schema = _load()


@pytest.fixture
def in_process_requests():
    """Requests reach Django's WSGI handler directly: keep it from closing the test's database connection at
    the end of each request (what Django's own test client does)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _side(world: World, role: str):
    return world.b if role in ("school_b", "district2") else world.a


def _path_object(world: World, role: str, path: str, name: str):
    """The value of path argument ``name`` for ``role``: an object of its own side of the world."""
    side = _side(world, role)
    if name == "code":
        return side.district.code
    if name == "credit_code":
        return side.institution.credit_code
    if path.startswith("/api/v1/compliance/rules/"):
        return "HW-5-G36"
    if path.startswith("/api/v1/compliance/parameters/"):
        return RuleParameter.objects.order_by("pk")[0].pk
    if path.startswith("/api/v1/audit/"):
        return world.audit_event.pk
    if path.startswith("/api/v1/dashboards/schools/"):
        return side.school.pk
    view = resolve(path.replace("{" + name + "}", "1")).func
    model = view.cls.queryset.model if getattr(view.cls, "queryset", None) is not None else None
    if view.cls.__name__ == "ComplaintViewSet":
        return side["complaint"].pk
    for candidate in (side.school, side.institution, side.district, *side.objects.values()):
        if type(candidate) is model:
            return candidate.pk
    raise AssertionError(f"no object of {model} in the world for {path}")


@pytest.mark.django_db
@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), print_blob=False)
def test_api_answers_as_its_schema_says(case, world, in_process_requests):
    """Each generated request is sent by every staff role, each with its own token and its own side's objects."""
    for role in STAFF_ROLES:
        for name in list(case.path_parameters or {}):
            case.path_parameters[name] = _path_object(world, role, case.operation.path, name)
        cache.clear()  # throttle counters start afresh: the throttle's 429 is not what this test looks for
        with transaction.atomic():
            response = case.call(headers={"Authorization": f"Token {world.tokens[role]}"})
            transaction.set_rollback(True)
        try:
            case.validate_response(response, checks=CHECKS)
        except Exception as exc:
            exc.add_note(f"sent as {role}")
            raise


def test_schema_generates_valid_and_without_a_warning():
    """What CI runs: a schema warning (an unresolvable field, two choice sets under one enum name ...) fails."""
    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn", "--file", os.devnull],
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stderr, result.stderr
