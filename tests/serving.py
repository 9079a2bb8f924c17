"""Run real servers (``gateway serve``, subgraphs, routers) as subprocesses in tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_process(
    args: list[str],
    ready: Callable[[], bool],
    *,
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
    startup_timeout_s: float = 60,
    log: Path | None = None,
) -> Iterator[subprocess.Popen[str]]:
    """Start ``args``, wait until ``ready()`` is true, yield the process; SIGTERM it on exit.

    Its output goes to ``log`` (a temporary file by default), never to a pipe: a pipe nobody
    reads fills up and blocks the child's logging, and with it an event loop.
    """
    output = open(log, "w") if log else tempfile.TemporaryFile("w+")  # noqa: SIM115
    process = subprocess.Popen(
        args, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + startup_timeout_s
        while True:
            if process.poll() is not None:
                output.seek(0) if not log else None
                text = output.read() if not log else log.read_text()
                raise AssertionError(f"{args[:4]} exited early:\n{text[-4000:]}")
            try:
                if ready():
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"{args[:4]} was not ready in time")
            time.sleep(0.1)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        output.close()


@contextmanager
def running_gateway(
    env: dict[str, str],
    *,
    port: int | None = None,
    startup_timeout_s: float = 60,
    log: Path | None = None,
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """Start ``gateway serve``, wait for /readyz, yield (base URL, process); SIGTERM on exit.

    Example::

        with running_gateway({"DATABASE_URL": dsn}) as (url, process):
            httpx.get(url + "/healthz")
    """
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    args = [sys.executable, "-m", "gateway", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with running_process(
        args,
        lambda: httpx.get(f"{base}/readyz", timeout=1).status_code == 200,
        # GraphiQL's assets are fetched only where a test asks for it (GATEWAY_IDE_FETCH=true).
        env={**os.environ, "GATEWAY_IDE_FETCH": "false", **env},
        startup_timeout_s=startup_timeout_s,
        log=log,
    ) as process:
        yield base, process


def gateway_cli(*args: str, env: dict[str, str], timeout_s: float = 60) -> str:
    """Run ``gateway <args>`` (the real CLI) and return its stdout; fail with its output otherwise.

    Example::

        token = gateway_cli("keys", "create", "--name", "web", "--scope", "read",
                            "--brand", "acme", env={"DATABASE_URL": dsn}).strip()
    """
    done = subprocess.run(
        [sys.executable, "-m", "gateway", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )
    assert done.returncode == 0, f"gateway {' '.join(args)} failed:\n{done.stderr[-4000:]}"
    return done.stdout


def create_keys_with_cli(
    database_url: str, keys: dict[str, tuple[tuple[str, ...], tuple[str, ...]]]
) -> dict[str, str]:
    """Create API keys with ``gateway keys create``, concurrently; name -> token.

    ``keys`` maps a key's name to (scopes, brands).

    Example::

        create_keys_with_cli(dsn, {"reader": (("read",), ("acme",))})
        # -> {'reader': 'gw_...'}
    """
    env = {**os.environ, "DATABASE_URL": database_url}
    started: dict[str, subprocess.Popen[str]] = {}
    for name, (scopes, brands) in keys.items():
        args = [sys.executable, "-m", "gateway", "keys", "create", "--name", name]
        args += [a for scope in scopes for a in ("--scope", scope)]
        args += [a for brand in brands for a in ("--brand", brand)]
        started[name] = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
    tokens = {}
    for name, process in started.items():
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, f"keys create {name} failed:\n{err[-4000:]}"
        tokens[name] = out.strip()
    return tokens
