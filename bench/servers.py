"""Start and stop the processes under test: each listens on 127.0.0.1 on a free port, runs in its
own process group, and is stopped by its PID (SIGTERM, then SIGKILL) even on errors or Ctrl-C.

Example::

    with Server.start("gateway", ["python", "-m", "gateway", "serve", "--port", "8123"],
                      port=8123, env=env, core="0") as server:
        server.url("/graphql")
    # -> 'http://127.0.0.1:8123/graphql'
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

import psutil

from bench.cpu import tree_cpu_s

HOST = "127.0.0.1"
SERVER_CORE = "0"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


class ServerError(RuntimeError):
    """A server did not start or answer."""


class Server:
    """A started process serving HTTP on ``127.0.0.1:port``."""

    def __init__(self, name: str, process: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.name = name
        self.process = process
        self.port = port
        self.log = log

    @classmethod
    def start(
        cls,
        name: str,
        command: Sequence[str],
        *,
        port: int,
        env: Mapping[str, str],
        log: Path,
        core: str | None = SERVER_CORE,
        cwd: Path | None = None,
    ) -> Server:
        """Run ``command`` (pinned to ``core`` with taskset unless None), output to ``log``."""
        pinned = ["taskset", "-c", core, *command] if core is not None else list(command)
        with log.open("wb") as out:
            process = subprocess.Popen(
                pinned,
                env=dict(env),
                cwd=cwd,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: workers stop with it
            )
        return cls(name, process, port, log)

    def url(self, path: str = "/graphql") -> str:
        """The URL of ``path`` on this server."""
        return f"http://{HOST}:{self.port}{path}"

    def wait_ready(
        self, body: bytes, headers: Mapping[str, str], *, path: str = "/graphql", timeout_s: float
    ) -> None:
        """Poll with a POST of ``body`` until it answers 200 (ServerError after ``timeout_s``)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(f"{self.name} exited ({self.process.returncode}): {self.tail()}")
            try:
                post(self.url(path), body, headers, timeout_s=2)
                return
            except (OSError, urllib.error.URLError):
                time.sleep(0.2)
        raise ServerError(f"{self.name} did not answer within {timeout_s:.0f} s: {self.tail()}")

    def tail(self, lines: int = 20) -> str:
        """The last lines of the server's output."""
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def rss_mb(self) -> float:
        """Resident memory of the largest process of the server's tree (a worker), in MB."""
        try:
            root = psutil.Process(self.process.pid)
            processes = [root, *root.children(recursive=True)]
            return float(max(p.memory_info().rss for p in processes)) / 1024 / 1024
        except psutil.Error:
            return float("nan")

    def rss_tree_mb(self) -> float:
        """Resident memory of the server's process and all its children together, in MB."""
        try:
            root = psutil.Process(self.process.pid)
            processes = [root, *root.children(recursive=True)]
            return float(sum(p.memory_info().rss for p in processes)) / 1024 / 1024
        except psutil.Error:
            return float("nan")

    def cpu_s(self) -> float:
        """CPU seconds the server's process and its children have used so far (``bench.cpu``)."""
        return tree_cpu_s(self.process.pid)

    def stop(self, timeout_s: float = 15) -> None:
        """SIGTERM the process group led by our PID; SIGKILL it if it lingers."""
        if self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)

    def __enter__(self) -> Server:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def post(url: str, body: bytes, headers: Mapping[str, str], *, timeout_s: float = 10) -> bytes:
    """POST ``body`` as JSON; the response body (urllib errors on non-2xx)."""
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json", **headers}
    )
    with urllib.request.urlopen(request, timeout=timeout_s) as response:
        return bytes(response.read())
