"""The wheel is the product: built, installed into a fresh venv, it serves the demo from an empty
folder (embedded PostgreSQL, migrations and demo data read from inside the package).

The venv gets the locked dependencies from uv's cache (offline) when it has them, from the
registry otherwise, and then the wheel itself.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import outside_pytest_tmp
from tests.serving import ROOT, free_port, running_process

CART = '{ cartPromotions(customerId: "demo-loyal") { promotionId } }'
STEP_TIMEOUT_S = 300


def _uv() -> str:
    uv = shutil.which("uv")
    if uv is None:
        pytest.fail("uv is required to build the wheel: pip install uv", pytrace=False)
    return uv


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, capture_output=True, text=True, timeout=STEP_TIMEOUT_S, check=False, env=env
    )


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment without anything pointing at the repository's own venv."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    return {**env, **extra}


@pytest.fixture(scope="module")
def installed_wheel() -> Iterator[tuple[Path, Path]]:
    """(the wheel, a fresh venv where it is installed), both in a new scratch folder."""
    uv = _uv()
    with outside_pytest_tmp() as scratch:
        built = _run(uv, "build", "--wheel", "--out-dir", str(scratch / "dist"), str(ROOT))
        assert built.returncode == 0, built.stderr
        (wheel,) = (scratch / "dist").glob("*.whl")
        venv = scratch / "venv"
        sync = [uv, "sync", "--project", str(ROOT), "--frozen", "--no-dev"]
        sync += ["--no-install-project", "--python", sys.executable, "--quiet"]
        env = _clean_env(UV_PROJECT_ENVIRONMENT=str(venv))
        deps = _run(*sync, "--offline", env=env)
        if deps.returncode != 0:  # not all in uv's cache: ask the registry
            deps = _run(*sync, env=env)
        assert deps.returncode == 0, deps.stderr
        python = str(venv / "bin" / "python")
        wheel_only = [uv, "pip", "install", "--no-deps", "--python", python, str(wheel)]
        installed = _run(*wheel_only, env=_clean_env())
        assert installed.returncode == 0, installed.stderr
        yield wheel, venv


def test_the_wheel_carries_the_files_the_commands_read(installed_wheel: tuple[Path, Path]) -> None:
    wheel, _venv = installed_wheel
    names = set(zipfile.ZipFile(wheel).namelist())

    migrations = sorted(p.name for p in (ROOT / "sql").glob("*.sql"))
    demo = sorted(p.name for p in (ROOT / "sql" / "demo").iterdir())
    assert {f"gateway/sql/{name}" for name in migrations} <= names
    assert {f"gateway/sql/demo/{name}" for name in demo} <= names
    for shipped in (
        "gateway/ide/package.json",
        "gateway/ide/package-lock.json",
        "gateway/ide/default_query.graphql",
    ):
        assert shipped in names
    # The benchmark and its Node peers run from a source checkout only.
    benchmark = [n for n in names if n.startswith(("bench/", "gateway/bench/"))]
    assert benchmark == []
    assert not [n for n in names if "yoga" in n or "postgraphile" in n]


def test_the_installed_wheel_serves_the_demo_from_an_empty_folder(
    installed_wheel: tuple[Path, Path],
) -> None:
    _wheel, venv = installed_wheel
    with outside_pytest_tmp() as empty:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        command = [str(venv / "bin" / "gateway"), "serve", "--port", str(port)]
        env = _clean_env(DATABASE_URL="", GATEWAY_DATA_DIR=".gateway", GATEWAY_IDE_FETCH="false")
        with running_process(
            command,
            lambda: httpx.get(f"{base}/readyz", timeout=1).status_code == 200,
            cwd=empty,
            env=env,
            startup_timeout_s=90,
        ):
            answer = httpx.get(
                f"{base}/graphql",
                params={"query": CART},
                headers={"Accept": "application/json"},
                timeout=10,
            ).json()
        made = sorted(p.name for p in empty.iterdir())

    assert "errors" not in answer, answer
    promotions = [p["promotionId"] for p in answer["data"]["cartPromotions"]]
    assert "acme-gold-tv" in promotions, "the demo data was loaded"
    assert made == [".gateway"], "everything the gateway writes goes to its data dir"


def test_the_installed_bench_command_says_in_one_line_where_it_runs(
    installed_wheel: tuple[Path, Path],
) -> None:
    _wheel, venv = installed_wheel
    with outside_pytest_tmp() as empty:
        done = subprocess.run(
            [str(venv / "bin" / "gateway"), "bench", "--scale", "0.01"],
            cwd=empty,
            env=_clean_env(DATABASE_URL="", GATEWAY_DATA_DIR=".gateway"),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        started_a_server = (empty / ".gateway").exists()

    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "gateway bench: the benchmark is not installed with the package: run "
        "`uv run gateway bench` from a source checkout of the repository"
    ]
    assert not started_a_server


def test_a_missing_migrations_folder_is_one_clear_line(installed_wheel: tuple[Path, Path]) -> None:
    _wheel, venv = installed_wheel
    # Last in this module: it breaks the shared venv on purpose.
    (packaged,) = venv.glob("lib/python*/site-packages/gateway/sql")
    shutil.rmtree(packaged)
    with outside_pytest_tmp() as empty:
        done = subprocess.run(
            [str(venv / "bin" / "gateway"), "migrate"],
            cwd=empty,
            env=_clean_env(DATABASE_URL="", GATEWAY_DATA_DIR=".gateway"),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        started_a_server = (empty / ".gateway").exists()

    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().count("\n") == 0, done.stderr
    assert "migrations folder" in done.stderr and "reinstall" in done.stderr
    assert not started_a_server, "the check comes before any database starts"
