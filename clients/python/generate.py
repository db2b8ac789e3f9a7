"""Writes the stubs of proto/ into clients/python/generated (Debian's python3-grpc-tools):
`python3 clients/python/generate.py`. The generated code is not committed; the proto is the source."""

import pathlib
import sys

import grpc_tools
from grpc_tools import protoc

HERE = pathlib.Path(__file__).resolve().parent
PROTO = HERE.parent.parent / "proto"
OUT = HERE / "generated"


def main() -> int:
    OUT.mkdir(exist_ok=True)
    well_known = pathlib.Path(grpc_tools.__file__).parent / "_proto"
    files = [str(p.relative_to(PROTO)) for p in sorted(PROTO.rglob("*.proto"))]
    args = ["protoc", f"-I{PROTO}", f"-I{well_known}", f"--python_out={OUT}", f"--grpc_python_out={OUT}", *files]
    return protoc.main(args)


if __name__ == "__main__":
    sys.exit(main())
