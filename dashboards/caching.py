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

Versions are scoped: a change that belongs to one district (its filings'
refresh, a finding, a complaint, a course of one of its institutions) bumps
that district's version and the city's; a change that concerns every district
(a rule parameter, the calendar, a school or institution record that may have
moved) bumps the shared version. A district's or a school's dashboard is
current while the shared version and its district's are; the city's while the
shared version and the city's are. So during a school day a filing in one
district leaves every other district's cached dashboards hits.

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
from decimal import Decimal

import orjson
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise

VERSION_KEY = "dashboards:stats-version"

logger = logging.getLogger(__name__)


def cache_seconds() -> int:
    return int(getattr(settings, "DASHBOARD_CACHE_SECONDS", 0))


def _new_version() -> str:
    # random, not a counter: a version lost from the cache (evicted, flushed) can never come back and
    # make an entry stored under it current again
    return secrets.token_hex(8)


#: what a scope's versions follow: its complaints (a parent's complaint arrives every few seconds in a working day
#: and changes nothing else), and every other figure
FIGURES, COMPLAINTS = "figures", "complaints"
TOPICS = (FIGURES, COMPLAINTS)


def scope_key(district_id: int | None, topic: str = FIGURES) -> str:
    """The version key of one district's figures, or of the city's (``None``); of its complaints with ``topic``."""
    key = f"{VERSION_KEY}:city" if district_id is None else f"{VERSION_KEY}:district:{district_id}"
    return key if topic == FIGURES else f"{key}:{topic}"


def _versions(keys: list[str], found: dict) -> tuple[str, ...]:
    """The current version of each key, creating the missing ones (``add``: a concurrent creator wins)."""
    missing = [k for k in keys if found.get(k) is None]
    for k in missing:
        cache.add(k, _new_version(), timeout=None)
    if missing:
        found = {**found, **cache.get_many(missing)}
    return tuple(found[k] for k in keys)


def stats_version(district_id: int | None = None) -> tuple[str, ...]:
    """The versions a dashboard of this scope is valid under: the shared one and its scope's."""
    keys = [VERSION_KEY, scope_key(district_id)]
    return _versions(keys, cache.get_many(keys))


def stats_version_bump(district_ids=None, topics=TOPICS) -> None:
    """Make the cached dashboards of these districts and the city's out of date (the parts that count ``topics``);
    all of them when ``None``.

    A cache that cannot be reached must not fail the write that changed the
    figures (a parent's complaint, a filing): nothing is served from it while
    it is down, and an entry written before the outage expires after
    ``DASHBOARD_CACHE_SECONDS``.
    """
    if district_ids is None:
        keys = [VERSION_KEY]
    else:
        scopes = [None, *sorted({int(d) for d in district_ids if d is not None})]
        keys = [scope_key(d, topic) for d in scopes for topic in topics]
    try:
        cache.set_many({k: _new_version() for k in keys}, timeout=None)
    except Exception as exc:  # noqa: BLE001 - see above
        _cache_failed(exc)


def _cache_failed(exc) -> None:
    # the project's Redis cache then leaves the server alone for a few seconds (``shuangjian.cache``), so a write
    # that saves several counted rows, or a burst of requests, waits for one timeout, not one each
    logger.warning("dashboard cache unreachable: %s", exc)


def figures_changed(district_ids=None, topics=TOPICS) -> None:
    """Data a dashboard counts has changed in this transaction, in these districts (every dashboard when
    ``None``; only complaints with ``topics=(COMPLAINTS,)``): bump now and again once it commits."""
    ids = None if district_ids is None else sorted({int(d) for d in district_ids if d is not None})
    stats_version_bump(ids, topics)
    transaction.on_commit(lambda: stats_version_bump(ids, topics), robust=True)


def _json_default(value):
    if isinstance(value, Promise):  # a lazily translated label
        return str(value)
    if isinstance(value, Decimal):
        return float(value)  # as DRF's encoder writes it
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def render(data) -> bytes:
    """The JSON of a dashboard, byte for byte what DRF's ``JSONRenderer`` writes (compact, UTF-8; the dashboards
    hold only text, numbers, lists and maps), with orjson: the city's 60 KB in a tenth of the time."""
    return orjson.dumps(data, default=_json_default)


def cache_key(kind: str, ident, audience: str, params) -> str:
    # the parameters come from the caller: hashed, so that no value can make a key too long or unsafe
    sent = hashlib.blake2b("\n".join(params).encode(), digest_size=12).hexdigest()
    return f"dashboards:{kind}:{ident}:{audience}:{sent}:{translation.get_language() or ''}:{timezone.localdate()}"


#: ``Cache-Status`` (RFC 9211) of a dashboard answer: served from the cache, counted and stored, or counted with
#: no cache (off, or unreachable)
HIT, MISS, BYPASS = (
    "shuangjian-dashboards; hit",
    "shuangjian-dashboards; fwd=miss; stored",
    "shuangjian-dashboards; fwd=bypass",
)


def cached_json(
    kind: str, ident, audience: str, params, compute, *, district_id: int | None = None, parts=None
) -> tuple[bytes, str]:
    """The JSON body of ``compute()``, from the cache while the versions it was counted under are current.

    ``audience`` is the caller's role: the figures of one scope are the same for
    every caller of a role who may see it (the caller's scope is checked before).
    ``params`` are the filter parameters as the caller sent them; ``compute``
    validates them (raising before anything is stored). ``district_id`` is the
    district whose figures these are (a district's or a school's dashboard), or
    ``None`` for the city's: an entry stays current while the shared version
    and that scope's version do. Returns the body and its ``Cache-Status``.

    ``parts``: a dashboard with a complaints section (district and city) is kept as two parts as well, its
    complaints and the rest, each under its own versions; ``compute(topics)`` then counts the parts of those
    topics only (a dict by topic) and ``parts(counted)`` puts the parts back together. When one part has
    changed (a complaint) only that part is counted again. Without ``parts`` the entry follows the scope's
    figures alone (a school's dashboard has no complaints) and ``compute(None)`` counts it.
    """

    def everything():
        return compute(None) if parts is None else parts(compute(list(TOPICS)))

    seconds = cache_seconds()
    if seconds <= 0:
        return render(everything()), BYPASS
    key = cache_key(kind, ident, audience, params)
    topics = TOPICS if parts is not None else (FIGURES,)
    versions = [VERSION_KEY, *(scope_key(district_id, topic) for topic in topics)]
    part_keys = [f"{key}:{topic}" for topic in topics] if parts is not None else []
    try:
        found = cache.get_many([*versions, key])
        version = _versions(versions, found)
        entry = found.get(key)
        if entry is not None and tuple(entry[0]) == version:
            return entry[1], HIT
        stored = cache.get_many(part_keys) if part_keys else {}
    except Exception as exc:  # noqa: BLE001 - no cache: count from the summary tables
        _cache_failed(exc)
        return render(everything()), BYPASS
    if parts is None:
        body = render(compute(None))
        fresh = {}
    else:
        # each part is current under the shared version and its topic's
        part_versions = {t: (version[0], version[1 + i]) for i, t in enumerate(topics)}
        kept = {
            t: e[1]
            for t, k in zip(topics, part_keys, strict=True)
            if (e := stored.get(k)) is not None and tuple(e[0]) == part_versions[t]
        }
        counted = compute([t for t in topics if t not in kept])
        fresh = {f"{key}:{t}": (part_versions[t], part) for t, part in counted.items()}
        body = render(parts({**kept, **counted}))
    try:
        cache.set_many({key: (version, body), **fresh}, timeout=seconds)
    except Exception as exc:  # noqa: BLE001 - the figures are still answered
        _cache_failed(exc)
        return body, BYPASS
    return body, MISS
