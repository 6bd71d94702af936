"""Celery's Redis broker transport, with one Redis client per channel for what it sends.

kombu's Redis channel builds a new `redis.Redis` for every message it publishes (`conn_or_acquire` without a
client): about 0.15 ms of CPU each (the client copies its table of response callbacks), a third of an enqueue,
paid per notification of a court's batch of documents (issue 18). The client only borrows a connection from the
channel's pool for each command, so one per channel serves every publish, from any thread; the pool, its
connections and everything else stay kombu's.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from kombu.transport import redis as kombu_redis
from kombu.utils.objects import cached_property

# The transport by its import path, as Celery's `broker_transport` names it (app/jobs/__init__.py).
PATH = "app.jobs.transport:Transport"
SCHEMES = ("redis", "rediss")


class Channel(kombu_redis.Channel):
    """kombu's Redis channel, with its sending client built once."""

    @contextlib.contextmanager
    def conn_or_acquire(self, client: Any = None) -> Iterator[Any]:
        """The given client, else this channel's own (kombu's builds a new one each time)."""
        yield client or self._sender

    @cached_property
    def _sender(self) -> Any:
        return self._create_client()


class Transport(kombu_redis.Transport):
    """kombu's Redis transport with the channel above."""

    Channel = Channel


def for_url(broker_url: str) -> str | None:
    """The transport to name for this broker URL: this one for plain Redis, kombu's choice otherwise."""
    scheme = broker_url.split("://", 1)[0].lower()
    return PATH if scheme in SCHEMES else None
