"""Item lookups for a request handler: cheap to make per request, the channel is the cache's."""

from __future__ import annotations

from typing import Optional, Sequence, Tuple

import grpc

from masterdata.v1 import item_service_pb2, item_service_pb2_grpc

from .channels import ChannelCache, channels
from .read_after import ReadAfterSession


class ItemRepository:
    def __init__(
        self,
        target: str,
        cache: ChannelCache = channels,
        options: Sequence[Tuple[str, object]] = (),
        timeout: float = 2.0,
        session: Optional[ReadAfterSession] = None,
    ) -> None:
        self._stub = item_service_pb2_grpc.ItemServiceStub(cache.channel(target, options))
        self._timeout = timeout
        # With a session, reads see the session's own writes, on any instance (read_after.py).
        self._session = session

    def _metadata(self) -> Tuple[Tuple[str, str], ...]:
        return () if self._session is None else self._session.metadata()

    async def get(self, tenant_id: str, store_code: str, item_code: str) -> Optional[item_service_pb2.ItemDetail]:
        """The item, or None when the service answers NOT_FOUND; other statuses raise grpc.aio.AioRpcError."""
        request = item_service_pb2.GetItemDetailRequest(tenant_id=tenant_id, store_code=store_code, item_code=item_code)
        try:
            return await self._stub.GetItemDetail(request, timeout=self._timeout, metadata=self._metadata())
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise

    async def upsert(self, request: item_service_pb2.UpsertItemRequest) -> item_service_pb2.UpsertItemResponse:
        """Creates or changes an item; with a session, later reads of the session see it."""
        call = self._stub.UpsertItem(request, timeout=self._timeout, metadata=self._metadata())
        response = await call
        if self._session is not None:
            await self._session.remember(call)
        return response
