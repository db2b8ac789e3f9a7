"""Item lookups for a request handler: cheap to make per request, the channel is the cache's."""

from __future__ import annotations

from typing import Optional, Sequence, Tuple

import grpc

from masterdata.v1 import item_service_pb2, item_service_pb2_grpc

from .channels import ChannelCache, channels


class ItemRepository:
    def __init__(
        self,
        target: str,
        cache: ChannelCache = channels,
        options: Sequence[Tuple[str, object]] = (),
        timeout: float = 2.0,
    ) -> None:
        self._stub = item_service_pb2_grpc.ItemServiceStub(cache.channel(target, options))
        self._timeout = timeout

    async def get(self, tenant_id: str, store_code: str, item_code: str) -> Optional[item_service_pb2.ItemDetail]:
        """The item, or None when the service answers NOT_FOUND; other statuses raise grpc.aio.AioRpcError."""
        request = item_service_pb2.GetItemDetailRequest(tenant_id=tenant_id, store_code=store_code, item_code=item_code)
        try:
            return await self._stub.GetItemDetail(request, timeout=self._timeout)
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise
