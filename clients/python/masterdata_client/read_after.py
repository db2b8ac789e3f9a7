"""Read-your-writes: the token a write answers with, sent with the reads that must see it.

Every write of the item service answers with `x-masterdata-read-after` in its trailing metadata.
A read that sends it back, to any instance, is served only where that write is visible (a
standby that has replayed it, or the writer; a cache entry read after it). Make one session per
caller whose reads must follow its own writes (a till, a back-office user) and hand it to the
repositories that caller uses; calls without a session carry nothing.
"""

from __future__ import annotations

from typing import Optional, Tuple

from grpc import aio

READ_AFTER_KEY = "x-masterdata-read-after"


class ReadAfterSession:
    def __init__(self, key: str = READ_AFTER_KEY) -> None:
        self.key = key
        self.token: Optional[str] = None

    def metadata(self) -> Tuple[Tuple[str, str], ...]:
        """What a call of this session sends: the last write's token, once there is one."""
        return () if self.token is None else ((self.key, self.token),)

    async def remember(self, call: aio.Call) -> None:
        """After a write's call has answered: keep the token of its trailing metadata (opaque)."""
        for key, value in await call.trailing_metadata() or ():
            if key == self.key and isinstance(value, str) and value:
                self.token = value
