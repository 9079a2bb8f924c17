"""The ``gateway`` command as a user meets it, run as a real process.

``--help`` lists every command in plain words; a problem the user can fix is one line and a
non-zero status, never a traceback; long work shows progress; log lines are text at a development
terminal and JSON elsewhere.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from gateway.cli.commands import COMMANDS, HELP
from tests.provision import require_tool
from tests.serving import ROOT

# ``gateway --help`` in-process, then every module it imported, one a line.
HELP_THEN_MODULES = """
import contextlib, sys
from gateway.cli import main
with contextlib.suppress(SystemExit):
    main(["--help"])
print(*(f"module {name}" for name in sorted(sys.modules)), sep="\\n")
"""


def gateway(
    *args: str, env: dict[str, str] | None = None, cwd: Path = ROOT, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m gateway ARGS`` to its end; stdout and stderr apart."""
    return subprocess.run(
        [sys.executable, "-m", "gateway", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_help_lists_every_command_in_one_line_of_plain_words() -> None:
    done = gateway("--help")

    assert done.returncode == 0
    assert set(HELP) == set(COMMANDS)
    text = " ".join(done.stdout.split())  # argparse wraps long lines
    for name, line in HELP.items():
        assert f"{name} {line}" in text, name
    assert "``" not in done.stdout and ":class:" not in done.stdout
    assert not re.search(r"issue|#\d", done.stdout, re.IGNORECASE)


def test_help_does_not_import_the_benchmark() -> None:
    helped = HELP_THEN_MODULES
    done = subprocess.run(
        [sys.executable, "-c", helped], cwd=ROOT, capture_output=True, text=True, check=True
    )

    lines = done.stdout.splitlines()
    modules = [line.removeprefix("module ") for line in lines if line.startswith("module ")]
    assert "gateway.cli" in modules
    assert "bench measure the gateway under load" in " ".join(done.stdout.split())
    assert not [name for name in modules if name.split(".")[0] == "bench"]


def test_the_bench_reads_its_own_options_from_the_checkout() -> None:
    done = gateway("bench", "--help")

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: gateway bench ")
    assert "--scale SCALE" in done.stdout and "--soak" in done.stdout
    assert gateway("bench", "--scale", "many").returncode == 2
    wrong = gateway("migrate", "--scale", "1")
    assert wrong.returncode == 2 and "unrecognized arguments: --scale 1" in wrong.stderr


def test_a_missing_tool_is_one_line_naming_it_and_the_fix(tmp_path: Path) -> None:
    empty_path = tmp_path / "bin"
    empty_path.mkdir()

    done = gateway(
        "bench",
        "--scale",
        "0.01",
        env={"PATH": str(empty_path), "GATEWAY_DATA_DIR": str(tmp_path / "data")},
    )

    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "gateway bench: wrk is not installed (the benchmark drives the load with it): install it "
        "(`sudo apt-get install -y wrk`) and run the command again"
    ]
    assert not (tmp_path / "data").exists(), "checked before any database was started"


def test_a_bad_argument_is_named_with_no_traceback() -> None:
    done = gateway("serve", "--port", "70000")

    assert done.returncode == 2
    assert "argument --port: 70000 is not a TCP port (0 to 65535)" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_invalid_setting_is_one_line_naming_the_variable() -> None:
    done = gateway("migrate", env={"GATEWAY_POOL_MAX_SIZE": "many"})

    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("gateway migrate: Setting 'GATEWAY_POOL_MAX_SIZE' is invalid")


@pytest.mark.parametrize(
    "command",
    [["migrate"], ["keys", "list"], ["load", "catalog.json"], ["bench", "--scale", "0.01"]],
    ids=" ".join,
)
def test_a_database_that_does_not_answer_is_one_line_and_a_failure(
    command: list[str], tmp_path: Path
) -> None:
    if command[0] == "bench":
        require_tool("wrk", "wrk")  # checked first: the database is the problem here
    (tmp_path / "catalog.json").write_text("{}")
    done = gateway(
        *command, env={"DATABASE_URL": "postgresql://postgres@127.0.0.1:1/x"}, cwd=tmp_path
    )

    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    [problem] = [line for line in done.stderr.splitlines() if line.startswith("gateway ")]
    assert problem.startswith(f"gateway {command[0]}: cannot connect to the database at ")
    assert "start that PostgreSQL server or correct DATABASE_URL" in problem


def test_migrate_off_a_terminal_shows_each_migration_and_logs_json(
    empty_database_dsn: str,
) -> None:
    done = gateway("migrate", env={"DATABASE_URL": empty_database_dsn})

    assert done.returncode == 0, done.stderr
    logged = [json.loads(line) for line in done.stderr.splitlines()]  # every line is JSON
    progress = [e["message"] for e in logged if e["logger"] == "gateway.progress"]
    assert progress[1].startswith("migrations [1/") and progress[1].endswith("]: 001_core")
    assert progress[0].endswith(" migrations to do")
    assert re.fullmatch(r"migrations: \d+ migrations in \d+ s", progress[-1])
    applied = [e for e in logged if e["logger"] == "gateway"]
    assert {"level": "INFO", "message": "applied migration 001_core"}.items() <= applied[0].items()


def test_load_shows_its_steps(database_dsn: str, tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps({"brands": [{"id": "cli-brand", "name": "CLI brand"}]}))

    done = gateway("load", str(catalog), "--dry-run", env={"DATABASE_URL": database_dsn})

    assert done.returncode == 0, done.stderr
    logged = [json.loads(line)["message"] for line in done.stderr.splitlines()]
    steps = [message for message in logged if message.startswith("load catalog.json [")]
    assert steps == [
        f"load catalog.json [1/4]: read {catalog}",
        "load catalog.json [2/4]: check every entry",
        "load catalog.json [3/4]: check references and write 1 brands, 0 offers, 0 plays, "
        "0 loyalty programs, 0 promotions",
        "load catalog.json [4/4]: roll back (dry run: nothing is kept)",
    ]
    assert done.stdout.startswith(f"checked (nothing written) {catalog}")


def _run_at_a_terminal(args: list[str], env: dict[str, str], timeout_s: float = 120) -> str:
    """Run ``python -m gateway ARGS`` with a pseudo-terminal as its stderr; what it showed."""
    main, secondary = pty.openpty()
    # 30 rows, 120 columns: a freshly opened pseudo-terminal has no size at all.
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 120, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=secondary,
    )
    os.close(secondary)
    shown = b""
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([main], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(main, 65536)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                shown += chunk
            elif process.poll() is not None:
                break
        assert process.wait(timeout=10) == 0, shown.decode(errors="replace")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(main)
    return shown.decode(errors="replace")


@pytest.mark.parametrize("environment", ["development", "production"])
def test_at_a_terminal_logs_are_text_in_development_and_progress_is_a_bar(
    empty_database_dsn: str, environment: str
) -> None:
    shown = _run_at_a_terminal(
        ["migrate"],
        {
            "DATABASE_URL": empty_database_dsn,
            "GATEWAY_ENV": environment,
            "GATEWAY_SIGNING_KEY": "a-test-signing-key-of-enough-length-0123456789",
        },
    )

    assert "\r" in shown, "the bar is redrawn in place"
    assert "100%" in shown
    applied = [line for line in shown.splitlines() if "applied migration 001_core" in line]
    assert len(applied) == 1
    if environment == "development":
        assert re.search(r"\d\d:\d\d:\d\d INFO +gateway: applied migration 001_core", applied[0])
    else:
        assert json.loads(applied[0][applied[0].index("{") :])["level"] == "INFO"


def test_plan_prints_how_an_operation_runs(tmp_path: Path) -> None:
    document = tmp_path / "cart.graphql"
    document.write_text(
        'query Cart { cartPromotions(customerId: "demo-loyal") { id restrictions { id } } }\n'
        "query Schema { __schema { queryType { name } } }\n"
    )

    cart = gateway("plan", str(document), "--operation-name", "Cart")
    schema = gateway("plan", str(document), "--operation-name", "Schema")

    assert cart.returncode == 0, cart.stderr
    assert cart.stdout.splitlines()[:3] == [
        "query on Query",
        "  cartPromotions: resolver (arguments customer_id, include_supplementary, status "
        "converted once) -> [CartPromotion!]!",
        "    id: resolver called inline -> ID!",
    ]
    assert schema.stdout.strip() == "runs on graphql-core: introspection"


def test_a_key_for_an_unknown_brand_is_refused_and_none_is_made(database_dsn: str) -> None:
    env = {"DATABASE_URL": database_dsn}
    misspelt = ["--name", "web", "--scope", "read", "--brand", "acmee"]

    done = gateway("keys", "create", *misspelt, env=env)
    listed = gateway("keys", "list", env=env)

    assert done.returncode == 1
    assert done.stdout == "", "no token"
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("gateway keys: no brand 'acmee' in the database (brands there: ")
    assert "acme," in line and "correct --brand" in line
    assert " web " not in f" {listed.stdout} "


def test_revoking_a_key_says_so(database_dsn: str) -> None:
    env = {"DATABASE_URL": database_dsn}
    made = gateway("keys", "create", "--name", "web", "--scope", "read", "--brand", "acme", env=env)
    key_id = made.stdout.split("_")[1]

    done = gateway("keys", "revoke", key_id, env=env)
    again = gateway("keys", "revoke", key_id, env=env)

    assert done.returncode == 0, done.stderr
    assert done.stdout == f"revoked key {key_id}: refused within 10 s everywhere\n"
    assert again.returncode == 1 and f"no active key {key_id}" in again.stderr


def test_a_port_that_is_not_a_number_is_named() -> None:
    done = gateway("serve", "--port", "abc")

    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == (
        "gateway serve: error: argument --port: abc is not a TCP port (0 to 65535)"
    )
