"""The project's Redis cache: clearing it removes its own keys, not those of others sharing the Redis database."""

import pytest
from django.conf import settings

from shuangjian.cache import RedisCache

pytestmark = pytest.mark.skipif(
    not getattr(settings, "REDIS_URL", ""), reason="needs Redis (REDIS_URL)"
)


def cache(prefix: str) -> RedisCache:
    return RedisCache(settings.REDIS_URL, {"KEY_PREFIX": prefix, "OPTIONS": settings.REDIS_CACHE_OPTIONS})


def test_clearing_a_prefixed_cache_leaves_the_other_prefixes_keys():
    ours, theirs = cache("test-clear-ours"), cache("test-clear-theirs")
    try:
        ours.set_many({f"k{n}": n for n in range(2500)})  # more than one batch of deletes
        theirs.set("rate:192.0.2.1", 7)
        assert ours.clear() is True
        assert ours.get_many([f"k{n}" for n in range(2500)]) == {}
        assert theirs.get("rate:192.0.2.1") == 7
    finally:
        ours.clear()
        theirs.clear()
