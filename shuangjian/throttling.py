"""Rate limits that survive the loss of the shared cache.

The public endpoints count requests per client address in the ``default``
cache (Redis in production). When Redis is stopped or hung, a parent must still
be able to submit a complaint: the count then goes on in this process's own
memory (a per-process limit is still a limit) instead of the request failing.
The cache's socket timeouts (``REDIS_CACHE_OPTIONS``) bound how long finding
that out takes, and the cache backend then refuses at once for a few seconds
(``shuangjian.cache``), so the requests that follow do not wait again.
"""

from __future__ import annotations

import logging

from django.core.cache.backends.locmem import LocMemCache
from redis.exceptions import RedisError
from rest_framework.throttling import ScopedRateThrottle

logger = logging.getLogger(__name__)

#: errors of an unreachable cache server (Django's Redis backend raises redis-py's own)
CACHE_ERRORS = (RedisError, OSError)

_fallback = LocMemCache("throttle-fallback", {"OPTIONS": {"MAX_ENTRIES": 10000}})


class FailsafeScopedRateThrottle(ScopedRateThrottle):
    """A scoped rate that counts in process memory while the shared cache is unreachable."""

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except CACHE_ERRORS as exc:
            logger.warning("rate-limit cache unavailable, counting in this process: %s", exc)
            self.cache = _fallback
            return super().allow_request(request, view)
