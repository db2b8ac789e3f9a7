"""A Python client of the item master-data service: one grpc.aio channel per target and options,
for the whole process, however many repositories a request makes."""

from .channels import ChannelCache, channels
from .item_repository import ItemRepository

__all__ = ["ChannelCache", "ItemRepository", "channels"]
