"""The cache of rendered dashboards: on by default, never stale, one cache read per hit.

A dashboard is a pure function of the summary tables, the registry tables
(findings, complaints, institutions, rule parameters), the filters, the
caller's role, the language and the date. Every write that can change a figure
bumps one shared *version*: ``stats_refresh`` after rebuilding the summary
tables, the receivers in ``dashboards.receivers`` after a finding, complaint,
institution or parameter is saved or deleted, and the refresh that follows each
compliance run. A cached dashboard is stored with the version it was computed
under and served only while that version is current, so a change shows on the
next request, not after a timeout.

The version is read *before* the figures are counted: figures counted from data
that a concurrent write then changes are stored under the old version and never
served. A bump happens at once and again after the commit, so that no reader
can store the figures of the moment between the two under the new version (and
so that a test inside one transaction sees its own writes).

What is cached is the JSON body itself: a hit costs the caller's authentication,
the scope check (which always runs first, so another district's figures are a
404 whatever the cache holds) and one cache round trip (the version and the
entry in one ``get_many``). The key holds the filter parameters as sent (only
valid ones are ever stored, so a hit skips their validation) and today's date,
since "overdue" and the default date range move with it; ``DASHBOARD_CACHE_SECONDS`` only bounds how
long an unused entry is kept (and the drift of "days since the oldest open
finding", which turns at the time of day that finding was first seen).

The cache is the project's ``default`` cache. It must be shared by every
process that writes and serves (Redis when ``REDIS_URL`` is set), which is why
the setting defaults to 0 (off) with the per-process local-memory cache.
"""

from __future__ import annotations

import hashlib
import logging
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation
from rest_framework.renderers import JSONRenderer

VERSION_KEY = "dashboards:stats-version"

logger = logging.getLogger(__name__)


def cache_seconds() -> int:
    return int(getattr(settings, "DASHBOARD_CACHE_SECONDS", 0))


def _new_version() -> str:
    # random, not a counter: a version lost from the cache (evicted, flushed) can never come back and
    # make an entry stored under it current again
    return secrets.token_hex(8)


def stats_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, _new_version(), timeout=None)
        version = cache.get(VERSION_KEY)
    return version


def stats_version_bump() -> None:
    """Make every cached dashboard out of date.

    A cache that cannot be reached must not fail the write that changed the
    figures (a parent's complaint, a filing): nothing is served from it while
    it is down, and an entry written before the outage expires after
    ``DASHBOARD_CACHE_SECONDS``.
    """
    try:
        cache.set(VERSION_KEY, _new_version(), timeout=None)
    except Exception as exc:  # noqa: BLE001 - see above
        _cache_failed(exc)


def _cache_failed(exc) -> None:
    # the project's Redis cache then leaves the server alone for a few seconds (``shuangjian.cache``), so a write
    # that saves several counted rows, or a burst of requests, waits for one timeout, not one each
    logger.warning("dashboard cache unreachable: %s", exc)


def figures_changed() -> None:
    """Data a dashboard counts has changed in this transaction: bump now and again once it commits."""
    stats_version_bump()
    transaction.on_commit(stats_version_bump, robust=True)


def render(data) -> bytes:
    return JSONRenderer().render(data)


def cache_key(kind: str, ident, audience: str, params) -> str:
    # the parameters come from the caller: hashed, so that no value can make a key too long or unsafe
    sent = hashlib.blake2b("\n".join(params).encode(), digest_size=12).hexdigest()
    return f"dashboards:{kind}:{ident}:{audience}:{sent}:{translation.get_language() or ''}:{timezone.localdate()}"


def cached_json(kind: str, ident, audience: str, params, compute) -> bytes:
    """The JSON body of ``compute()``, from the cache while the version it was counted under is current.

    ``audience`` is the caller's role: the figures of one scope are the same for
    every caller of a role who may see it (the caller's scope is checked before).
    ``params`` are the filter parameters as the caller sent them; ``compute``
    validates them (raising before anything is stored).
    """
    seconds = cache_seconds()
    if seconds <= 0:
        return render(compute())
    key = cache_key(kind, ident, audience, params)
    try:
        found = cache.get_many([VERSION_KEY, key])
        version = found.get(VERSION_KEY) or stats_version()
    except Exception as exc:  # noqa: BLE001 - no cache: count from the summary tables
        _cache_failed(exc)
        return render(compute())
    entry = found.get(key)
    if entry is not None and entry[0] == version:
        return entry[1]
    body = render(compute())
    try:
        cache.set(key, (version, body), timeout=seconds)
    except Exception as exc:  # noqa: BLE001 - the figures are still answered
        _cache_failed(exc)
    return body
