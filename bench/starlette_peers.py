"""The two Starlette peers on uvicorn, served as the gateway is (one worker, uvloop, httptools,
no access log): the cart's no-GraphQL floor (``bench.floor``) and the bare JSON endpoint
(``bench.bare``), each on a free port of 127.0.0.1, pinned to the server core unless told not.

From a shell::

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/gateway_bench \\
        python -m bench.starlette_peers floor --port 8300

Example::

    with start_floor(dsn, workdir) as floor, start_bare(workdir) as bare:
        floor.url(), bare.url()
    # -> ('http://127.0.0.1:41237/graphql', 'http://127.0.0.1:41239/graphql')
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.servers import HOST, SERVER_CORE, Server, free_port

APPS = {"floor": "bench.floor:app", "bare": "bench.bare:app"}
NAMES = {"floor": "no-GraphQL floor", "bare": "bare Starlette"}


def start_peer(
    kind: str, workdir: Path, *, dsn: str | None = None, core: str | None = SERVER_CORE
) -> Server:
    """``kind`` ("floor" or "bare") on a free port; the floor reads the database ``dsn``."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    if dsn is not None:
        env["DATABASE_URL"] = dsn
    command = [sys.executable, "-m", "bench.starlette_peers", kind, "--port", str(port)]
    return Server.start(
        NAMES[kind], command, port=port, env=env, log=workdir / f"{kind}.log", core=core
    )


def start_floor(dsn: str, workdir: Path, *, core: str | None = SERVER_CORE) -> Server:
    """The cart's no-GraphQL floor on the database ``dsn``."""
    return start_peer("floor", workdir, dsn=dsn, core=core)


def start_bare(workdir: Path, *, core: str | None = SERVER_CORE) -> Server:
    """The bare Starlette JSON endpoint."""
    return start_peer("bare", workdir, core=core)


def main(argv: Sequence[str] | None = None) -> None:
    """Serve one peer on uvicorn until stopped."""
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m bench.starlette_peers")
    parser.add_argument("kind", choices=sorted(APPS))
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    uvicorn.run(
        APPS[args.kind],
        host=HOST,
        port=args.port,
        workers=1,
        loop="uvloop",
        http="httptools",
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
