"""A Python client of the item master-data service: one grpc.aio channel per target and options,
for the whole process, however many repositories a request makes."""

from .channels import ChannelCache, channels
from .item_repository import ItemRepository
from .read_after import READ_AFTER_KEY, ReadAfterSession

__all__ = ["ChannelCache", "ItemRepository", "READ_AFTER_KEY", "ReadAfterSession", "channels"]
