"""The project's Redis cache: clearing it removes its own keys, not those of others sharing the Redis database;
a server that failed is left alone for a few seconds."""

import socket
import time

import pytest
from django.conf import settings
from redis.exceptions import RedisError

from shuangjian.cache import CacheUnavailable, RedisCache, reset_unreachable

needs_redis = pytest.mark.skipif(not getattr(settings, "REDIS_URL", ""), reason="needs Redis (REDIS_URL)")


def cache(prefix: str) -> RedisCache:
    return RedisCache(settings.REDIS_URL, {"KEY_PREFIX": prefix, "OPTIONS": settings.REDIS_CACHE_OPTIONS})


@needs_redis
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


def test_a_server_that_failed_is_not_asked_again_for_a_while():
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dead = RedisCache(f"redis://127.0.0.1:{port}/0", {"OPTIONS": {"socket_connect_timeout": 0.5}})
    reset_unreachable()
    try:
        with pytest.raises(RedisError) as first:
            dead.get("k")
        assert not isinstance(first.value, CacheUnavailable)  # it really asked
        started = time.monotonic()
        for call in (lambda: dead.get("k"), lambda: dead.set("k", 1), lambda: dead.get_many(["k"])):
            with pytest.raises(CacheUnavailable):
                call()
        assert time.monotonic() - started < 0.05  # no connection attempted
        reset_unreachable()
        with pytest.raises(RedisError) as again:
            dead.get("k")
        assert not isinstance(again.value, CacheUnavailable)
    finally:
        reset_unreachable()
