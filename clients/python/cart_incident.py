"""The cart of the incident, in Python: three concurrent "users" make 200 lookups in all, each
through a repository built for its request. Prints what it counted as JSON:
`python3 clients/python/cart_incident.py 127.0.0.1:50051`."""

import asyncio
import json
import os
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE / "generated")]

from masterdata_client import ItemRepository, channels  # noqa: E402

CODES = ["4011", "1001", "2001", "3001", "6001"]


def tcp_connections_to(port: int) -> int:
    """Established TCP connections of this process to `port`: its socket inodes in /proc/net/tcp*."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            link = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as rows:
            next(rows)
            for row in rows:
                fields = row.split()
                remote_port = int(fields[2].rsplit(":", 1)[1], 16)
                if remote_port == port and fields[3] == "01" and fields[9] in inodes:
                    count += 1
    return count


async def user(target: str, lookups: int, results: dict) -> None:
    for i in range(lookups):
        repository = ItemRepository(target)  # per request, as the cart did
        try:
            item = await repository.get("demo", "S001", CODES[i % len(CODES)])
            results["ok" if item is not None else "not_found"] += 1
        except Exception as error:  # noqa: BLE001 - counted and reported, not hidden
            results["failed"] += 1
            results["errors"].append(str(error)[:200])


async def main(target: str) -> None:
    results = {"ok": 0, "not_found": 0, "failed": 0, "errors": []}
    await asyncio.gather(user(target, 67, results), user(target, 67, results), user(target, 66, results))
    results["lookups"] = results["ok"] + results["not_found"] + results["failed"]
    results["channels_created"] = channels.created
    results["channels_reused"] = channels.reused
    results["tcp_connections"] = tcp_connections_to(int(target.rsplit(":", 1)[1]))
    await channels.close()
    results["channels_live_after_close"] = channels.live()
    print(json.dumps(results))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
