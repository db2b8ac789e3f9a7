"""Process-wide grpc.aio channels, keyed by target, options and credentials.

The cart of the original incident made a channel per HTTP request: 227 channels for 226 requests.
Counting TCP connections does not catch that bug in Python: grpc.aio channels with identical
options share one subchannel (and one connection), so the leak shows as channels created, not as
sockets. This cache counts what it creates; `created` is 1 per target in a healthy process.
"""

from __future__ import annotations

import threading
from typing import Dict, Optional, Sequence, Tuple

import grpc
from grpc import aio

Options = Tuple[Tuple[str, object], ...]
Key = Tuple[str, Options, Optional[int]]


class ChannelCache:
    """One channel per (target, options, credentials), created on first use, closed by `close()`."""

    def __init__(self) -> None:
        self._channels: Dict[Key, aio.Channel] = {}
        self._lock = threading.Lock()
        self.created = 0
        self.reused = 0

    def channel(
        self,
        target: str,
        options: Sequence[Tuple[str, object]] = (),
        credentials: Optional[grpc.ChannelCredentials] = None,
    ) -> aio.Channel:
        # Options sorted: the same settings in another order are the same channel. Credentials by
        # identity: make them once per process (as you would the cache) and pass the same object.
        key: Key = (target, tuple(sorted(options)), None if credentials is None else id(credentials))
        with self._lock:
            existing = self._channels.get(key)
            if existing is not None:
                self.reused += 1
                return existing
            if credentials is None:
                channel = aio.insecure_channel(target, options=list(options))
            else:
                channel = aio.secure_channel(target, credentials, options=list(options))
            self._channels[key] = channel
            self.created += 1
            return channel

    def live(self) -> int:
        return len(self._channels)

    async def close(self, grace: Optional[float] = None) -> None:
        """At shutdown: every channel, once; calls in flight get `grace` seconds."""
        with self._lock:
            open_channels = list(self._channels.values())
            self._channels.clear()
        for channel in open_channels:
            await channel.close(grace)


#: The process-wide cache. Close it where the process shuts down (`await channels.close()`).
channels = ChannelCache()
