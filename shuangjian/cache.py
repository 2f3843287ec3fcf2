"""Django's Redis cache, keeping one client per connection pool, and clearing only its own keys.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every
operation, and a redis-py client builds its table of response callbacks (some
170 entries) in its constructor: about a quarter of a millisecond per cache
call, which is most of what a cached dashboard costs beyond the framework. A
``redis.Redis`` is safe to share between threads (each command takes a
connection from the pool), so one per pool is kept.

``clear()`` with a ``KEY_PREFIX`` deletes the keys under that prefix only:
Django's flushes the whole Redis database, which others may share (another
deployment, the broker's neighbour databases, parallel test processes).
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    def clear(self):
        if not self.key_prefix:
            return super().clear()
        client = self._cache.get_client(write=True)
        batch = []
        for key in client.scan_iter(match=f"{self.key_prefix}:*", count=1000):
            batch.append(key)
            if len(batch) == 1000:
                client.delete(*batch)
                batch.clear()
        if batch:
            client.delete(*batch)
        return True
