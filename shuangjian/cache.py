"""Django's Redis cache, keeping one client per connection pool, leaving an unreachable server alone for a few
seconds, and clearing only its own keys.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every
operation, and a redis-py client builds its table of response callbacks (some
170 entries) in its constructor: about a quarter of a millisecond per cache
call, which is most of what a cached dashboard costs beyond the framework. A
``redis.Redis`` is safe to share between threads (each command takes a
connection from the pool), so one per pool is kept.

When a command fails (the server stopped, or hung past the socket timeout),
this process raises ``CacheUnavailable`` at once for the next
``DOWN_FOR_SECONDS`` instead of asking the server again: a request that uses
the cache several times (rate limits, a write that makes the dashboards out of
date) waits for one timeout, not one each. Callers treat it as any Redis error
(the rate limits count in process memory, the dashboards count without the
cache).

``clear()`` with a ``KEY_PREFIX`` deletes the keys under that prefix only:
Django's flushes the whole Redis database, which others may share (another
deployment, the broker's neighbour databases, parallel test processes).
"""

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

DOWN_FOR_SECONDS = 10.0
#: per server list: until when this process leaves it alone
_down_until: dict[str, float] = {}


class CacheUnavailable(RedisConnectionError):
    """The cache server failed moments ago; it is not asked again yet."""


def reset_unreachable() -> None:
    """Forget past failures (tests that stop and start a server)."""
    _down_until.clear()


def _guarded(operation):
    """``operation`` of the client, refused at once while its server is left alone, and marking it so on a
    failure."""

    @functools.wraps(operation)
    def method(self, *args, **kwargs):
        servers = self._servers_key
        if time.monotonic() < _down_until.get(servers, 0.0):
            raise CacheUnavailable(f"cache {servers} failed within the last {DOWN_FOR_SECONDS:.0f} s")
        try:
            return operation(self, *args, **kwargs)
        except (RedisError, OSError) as exc:
            _down_until[servers] = time.monotonic() + DOWN_FOR_SECONDS
            logger.warning("cache %s unreachable (left alone for %.0f s): %s", servers, DOWN_FOR_SECONDS, exc)
            raise

    return method


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, servers, *args, **kwargs):
        super().__init__(servers, *args, **kwargs)
        self._servers_key = ",".join(servers)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client

    @_guarded
    def delete_prefix(self, prefix: str) -> bool:
        client = self.get_client(write=True)
        batch = []
        for key in client.scan_iter(match=f"{prefix}:*", count=1000):
            batch.append(key)
            if len(batch) == 1000:
                client.delete(*batch)
                batch.clear()
        if batch:
            client.delete(*batch)
        return True


for _name in (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
):
    setattr(RedisCacheClient, _name, _guarded(getattr(DjangoRedisCacheClient, _name)))


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    def clear(self):
        return self._cache.delete_prefix(self.key_prefix) if self.key_prefix else super().clear()
