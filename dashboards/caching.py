"""A short-lived cache of computed dashboards, invalidated whenever the summary tables are rebuilt.

A dashboard is a pure function of the summary tables, the registry tables
(findings, complaints, institutions) and the filters. The key carries a
version that ``stats_refresh`` bumps after it commits, so a refreshed table is
never hidden behind an old figure; staff changes to findings and complaints
(which bump nothing) show within ``DASHBOARD_CACHE_SECONDS`` (a setting read
from the environment; 0, the default, turns the cache off and every request
counts afresh from the summary tables). The cache is the project's ``default`` cache:
Redis when ``REDIS_URL`` is set, so every worker shares one version.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.utils import translation

VERSION_KEY = "dashboards:stats-version"


def cache_seconds() -> int:
    return int(getattr(settings, "DASHBOARD_CACHE_SECONDS", 0))


def stats_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY, 1)
    return version


def stats_version_bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not set yet (or evicted): any new value differs from every key in use
        cache.set(VERSION_KEY, 2, timeout=None)


def cached(kind: str, ident, filters, compute):
    """``compute()``, or its value from the cache for the same dashboard, filters, language and stats version."""
    seconds = cache_seconds()
    if seconds <= 0:
        return compute()
    f = filters.as_dict()
    key = (f"dashboards:v{stats_version()}:{kind}:{ident}:{f['date_from']}:{f['date_to']}:{f['stage'] or ''}:"
           f"{f['grade_band'] or ''}:{translation.get_language() or ''}")
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=seconds)
    return value
