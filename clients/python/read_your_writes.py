"""A till's session: it changes a price through one instance and reads it through another, with
and without the session's read-your-writes token. Prints what it saw as JSON:
`python3 clients/python/read_your_writes.py WRITE_ADDR READ_ADDR ITEM_CODE ROUNDS`."""

import asyncio
import json
import pathlib
import sys
import uuid

HERE = pathlib.Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE / "generated")]

from masterdata_client import ItemRepository, ReadAfterSession, channels  # noqa: E402
from masterdata.v1 import item_service_pb2  # noqa: E402


async def main(write_addr: str, read_addr: str, item_code: str, rounds: int) -> dict:
    session = ReadAfterSession()
    writes = ItemRepository(write_addr, session=session)
    reads = ItemRepository(read_addr, session=session)
    plain = ItemRepository(read_addr)
    current = await plain.get("demo", "S001", item_code)
    version = current.version if current is not None else 0
    seen = {"with_token": 0, "without_token": 0, "rounds": rounds}
    for i in range(rounds):
        price = f"{100 + i}.00"
        item = item_service_pb2.ItemFields(description="python till", short_description="PY", unit_price=price, tax_code="STD", active=True)
        answer = await writes.upsert(
            item_service_pb2.UpsertItemRequest(
                tenant_id="demo", store_code="S001", item_code=item_code, request_id=str(uuid.uuid4()), expected_version=version, item=item
            )
        )
        version = answer.item.version
        without = await plain.get("demo", "S001", item_code)
        seen["without_token"] += int(without is not None and without.unit_price == price)
        mine = await reads.get("demo", "S001", item_code)
        seen["with_token"] += int(mine is not None and mine.unit_price == price)
    seen["token_held"] = session.token is not None
    seen["channels_created"] = channels.created
    await channels.close()
    return seen


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))))
