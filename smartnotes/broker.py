"""The Redis broker transport, with one publishing client per channel.

kombu's Redis channel builds a new ``redis.Redis`` object for every message it
publishes (a dict of ~170 response callbacks each time): about a tenth of the CPU
of a Live Events request, which publishes one job message. A client over the
channel's connection pool is thread-safe and can be kept; a new pool (after a
fork or a reconnect) gets a new client. Consuming is unchanged.
"""

from __future__ import annotations

from typing import Any

from kombu.transport import redis as kombu_redis


class Channel(kombu_redis.Channel):
    _publish_client: Any = None
    _publish_client_pool: Any = None

    def _create_client(self, asynchronous: bool = False) -> Any:
        if asynchronous:
            return super()._create_client(asynchronous=True)
        pool = self.pool
        client = self._publish_client
        if client is None or self._publish_client_pool is not pool:
            client = super()._create_client()
            self._publish_client, self._publish_client_pool = client, pool
        return client


class RedisTransport(kombu_redis.Transport):
    Channel = Channel
