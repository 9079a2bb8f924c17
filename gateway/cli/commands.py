"""The ``gateway`` command: serve the API, and the tasks around it (migrations, catalog, keys).

From a shell::

    gateway serve --port 8000        # embedded PostgreSQL unless DATABASE_URL is set
    gateway --help                   # every command, one line each
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path

from gateway import migrations
from gateway.cli.connect import connect
from gateway.cli.demo import load_demo
from gateway.cli.embedded import EmbeddedPostgres
from gateway.cli.embedded_watchdog import EmbeddedWatchdog
from gateway.errors import CommandError
from gateway.observability.logs import LogFormat, configure_logging
from gateway.settings import Settings, SettingsError, load_settings

logger = logging.getLogger("gateway")

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def _database_dsn(settings: Settings, stack: ExitStack) -> str:
    """DATABASE_URL when set; otherwise the embedded server (see ``_embedded_server``)."""
    migrations.discover()  # an incomplete installation fails here, before a server starts
    if settings.database_url:
        return settings.database_url
    return _embedded_server(settings, stack).dsn


def _embedded_server(settings: Settings, stack: ExitStack) -> EmbeddedPostgres:
    """The embedded server, started or attached to; stopped when ``stack`` closes if we started
    it (a server another process started is left running)."""
    embedded = EmbeddedPostgres(settings.data_dir / "postgres")
    stack.callback(embedded.stop)
    embedded.start()
    return embedded


async def _prepare(dsn: str, settings: Settings, *, demo: bool) -> None:
    conn = await connect(dsn)
    try:
        await migrations.migrate_showing_progress(conn)
        if demo:
            await load_demo(conn)
    finally:
        await conn.close()


def _exit_on_sigterm(failed: Callable[[], bool] = lambda: False) -> None:
    # SIGTERM means "stop cleanly": turn it into SystemExit so `finally` blocks (stopping the
    # embedded server) run. uvicorn handles it while serving and re-raises it after its graceful
    # shutdown, which lands here too. The status is 1 when `failed()` (the watchdog gave up).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1 if failed() else 0))


def _fetch_ide_assets(settings: Settings, stack: ExitStack) -> None:
    """GraphiQL's assets, fetched in the background when missing (cancelled when serve stops)."""
    from gateway.ide.fetch import AssetFetch

    fetch = AssetFetch(settings.ide_dir)
    if fetch.start():
        stack.callback(fetch.stop)


def cmd_serve(args: argparse.Namespace) -> int:
    """Start the database if needed, migrate, load the demo data, serve HTTP."""
    import uvicorn

    from gateway.cli import listener

    settings = load_settings()
    watchdog: EmbeddedWatchdog | None = None
    _exit_on_sigterm(lambda: watchdog is not None and watchdog.failed)
    migrations.discover()  # an incomplete installation fails here, before a server starts
    sock = listener.bind(args.host, args.port)  # a port in use: one line, before anything starts
    with ExitStack() as stack:
        stack.callback(sock.close)
        if settings.database_url:
            dsn = settings.database_url
        else:
            embedded = _embedded_server(settings, stack)
            dsn = embedded.dsn
            watchdog = EmbeddedWatchdog(embedded)
            watchdog.start()
            stack.callback(watchdog.stop)  # runs before the server is stopped
        # Migrations take a session-level advisory lock: never through a transaction pooler.
        direct = settings.database_direct_url or dsn
        asyncio.run(_prepare(direct, settings, demo=settings.load_demo))
        if settings.ide_fetch and not settings.is_production:
            _fetch_ide_assets(settings, stack)
        os.environ["DATABASE_URL"] = dsn  # the workers read their settings from the environment
        if args.host not in LOOPBACK_HOSTS and settings.require_api_keys is None:
            # Development without keys is for loopback only.
            os.environ["GATEWAY_REQUIRE_API_KEYS"] = "true"
        mode = "production" if settings.is_production else "development"
        host = f"[{args.host}]" if ":" in args.host else args.host
        url = f"http://{host}:{sock.getsockname()[1]}/graphql"
        config = uvicorn.Config(
            "gateway.app:app_from_environment",
            factory=True,
            workers=args.workers,
            loop="uvloop",
            http="httptools",
            log_level=settings.log_level.lower(),
            log_config=None,  # our handler on the root logger formats uvicorn's lines too
            access_log=False,
            timeout_graceful_shutdown=10,
        )
        banner = f"offers gateway ({mode}) on {url}"
        # Printed once the server accepts requests: the last line of the start-up.
        if not listener.serve(config, sock, lambda: print(banner, flush=True)):
            return 3  # the application failed to start (its log says why), as uvicorn exits
    return 1 if watchdog is not None and watchdog.failed else 0


def cmd_migrate(args: argparse.Namespace) -> int:
    """Apply pending migrations (to DATABASE_URL or the embedded server)."""
    settings = load_settings()
    with ExitStack() as stack:
        dsn = _database_dsn(settings, stack)
        asyncio.run(_prepare(dsn, settings, demo=False))
    print("migrations up to date")
    return 0


def cmd_export_schema(args: argparse.Namespace) -> int:
    """Print the GraphQL SDL (``schema.graphql`` is this output)."""
    from gateway.operation.assembly import build_schema, export_sdl

    print(export_sdl(build_schema()))
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    """Print how one operation runs: its compiled plan, or why it runs on graphql-core."""
    from gateway.operation.assembly import build_schema

    query = sys.stdin.read() if args.file == Path("-") else args.file.read_text()
    compiled = build_schema(load_settings(), compiled=True).compiled
    assert compiled is not None
    print(compiled.plan_text(query, args.operation_name))
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    """Validate a catalog file (brands, offers, plays, loyalty programs, promotions) and upsert it
    in one transaction."""
    from gateway.catalog.fields import CatalogError
    from gateway.catalog.load import load_path

    settings = load_settings()
    with ExitStack() as stack:
        dsn = _database_dsn(settings, stack)
        asyncio.run(_prepare(dsn, settings, demo=False))
        try:
            summary = asyncio.run(load_path(dsn, args.file, dry_run=args.dry_run))
        except CatalogError as exc:
            print(f"gateway load: {args.file} was not loaded:\n{exc}", file=sys.stderr)
            return 1
    verb = "checked (nothing written)" if args.dry_run else "loaded"
    print(f"{verb} {args.file}: {summary}")
    return 0


def cmd_bench_evaluator(args: argparse.Namespace) -> int:
    """Time the offer evaluator on synthetic catalogs of 100, 1,000 and 10,000 plays."""
    from gateway.evaluator.bench import report

    print(report(requests=args.requests))
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """Benchmark: dataset, the gateway under wrk, peers; a table, then one JSON line.

    The benchmark is not in the wheel: it lives in ``bench/`` beside ``gateway/`` in a source
    checkout, and reads its own options (``args.bench_args``).
    """
    checkout = Path(__file__).resolve().parents[2]
    if not (checkout / "bench" / "cli.py").is_file():
        raise CommandError(
            "the benchmark is not installed with the package",
            fix="run `uv run gateway bench` from a source checkout of the repository",
        )
    if str(checkout) not in sys.path:
        sys.path.insert(0, str(checkout))
    from bench.cli import run_from_args

    _exit_on_sigterm()
    return run_from_args(args.bench_args)


def cmd_ide(args: argparse.Namespace) -> int:
    """GraphiQL assets: ``ide install`` puts the pinned npm packages in GATEWAY_IDE_ASSETS_DIR."""
    from gateway.ide.assets import IdeInstallError, install

    target = args.dir or load_settings().ide_dir
    try:
        installed = install(target)
    except IdeInstallError as exc:
        print(f"gateway: {exc}", file=sys.stderr)
        return 1
    state = "installed" if installed else "already up to date"
    print(f"GraphiQL assets {state} in {target}; /graphql now works offline")
    return 0


def cmd_keys(args: argparse.Namespace) -> int:
    """API keys: ``keys create --name N --scope S --brand B``, ``keys list``, ``keys revoke ID``."""
    from gateway.auth import keys
    from gateway.auth.principal import Scope

    async def run(dsn: str) -> int:
        conn = await connect(dsn)
        try:
            await migrations.migrate(conn)
            if args.keys_command == "create":
                scopes = [Scope(s) for s in args.scope]
                try:
                    token = await keys.create_key(conn, args.name, scopes, args.brand)
                except keys.UnknownBrandError as exc:
                    known = ", ".join(exc.known) or "none yet"
                    raise CommandError(
                        f"{exc} (brands there: {known})",
                        fix="correct --brand, or load a catalog that declares the brand first "
                        "(`gateway load FILE`)",
                    ) from None
                print(token)
                print("store it now: only its hash is kept", file=sys.stderr)
            elif args.keys_command == "list":
                for key in await keys.list_keys(conn):
                    state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
                    print(
                        f"{key.key_id}  {key.name}  scopes={','.join(key.scopes)}"
                        f"  brands={','.join(key.brand_ids)}  {state}"
                    )
            elif not await keys.revoke_key(conn, args.key_id):
                print(f"gateway: no active key {args.key_id}", file=sys.stderr)
                return 1
            else:
                print(f"revoked key {args.key_id}: refused within {keys.TTL_S:g} s everywhere")
            return 0
        finally:
            await conn.close()

    settings = load_settings()
    with ExitStack() as stack:
        return asyncio.run(run(_database_dsn(settings, stack)))


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "keys": cmd_keys,
    "serve": cmd_serve,
    "migrate": cmd_migrate,
    "export-schema": cmd_export_schema,
    "plan": cmd_plan,
    "ide": cmd_ide,
    "load": cmd_load,
    "bench-evaluator": cmd_bench_evaluator,
    "bench": cmd_bench,
}


# What `gateway --help` lists, in the order a newcomer meets the commands.
HELP = {
    "serve": "serve the GraphQL API over HTTP (GraphiQL in development)",
    "migrate": "apply the database migrations not applied yet",
    "load": "check a catalog file (YAML/JSON) and write it",
    "keys": "create, list or revoke API keys",
    "export-schema": "print the GraphQL schema (SDL)",
    "plan": "print how an operation runs (its compiled plan)",
    "ide": "install GraphiQL's files for use without internet",
    "bench-evaluator": "time the offer evaluator alone",
    "bench": "measure the gateway under load, then report",
}


def _port(text: str) -> int:
    port = int(text) if text.strip().isdigit() else -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text} is not a TCP port (0 to 65535)")
    return port


def _positive(text: str) -> int:
    number = _whole_number(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"{number} is not 1 or more")
    return number


def _whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; each subcommand sets ``args.command``."""
    parser = argparse.ArgumentParser(
        prog="gateway",
        description="offers gateway: personalized offers and cart promotions as a GraphQL API, "
        "read from PostgreSQL. Without DATABASE_URL, commands use an embedded PostgreSQL.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", title="commands")

    def command(name: str) -> argparse.ArgumentParser:
        text = HELP[name]
        return sub.add_parser(name, help=text, description=f"{text[0].upper()}{text[1:]}.")

    serve = command("serve")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=_port, default=8000, help="port to listen on (0: any free)")
    serve.add_argument("--workers", type=_positive, default=1, help="worker processes")
    command("migrate")
    load = command("load")
    load.add_argument("file", type=Path, help="catalog file (.yaml, .yml or .json)")
    load.add_argument("--dry-run", action="store_true", help="check everything, write nothing")
    keys = command("keys").add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    create = keys.add_parser("create", help="create a key; prints its token once")
    create.add_argument("--name", required=True, help="who or what the key is for")
    create.add_argument(
        "--scope", action="append", required=True, choices=["read", "write", "admin", "router"]
    )
    create.add_argument("--brand", action="append", required=True, help="repeat for several")
    keys.add_parser("list", help="list keys (never their secrets)")
    keys.add_parser("revoke", help="revoke a key by id").add_argument("key_id")
    command("export-schema")
    plan = command("plan")
    plan.add_argument("file", type=Path, help="the operation's document (- for stdin)")
    plan.add_argument("--operation-name", help="which operation of the document")
    ide = command("ide").add_subparsers(dest="ide_command", required=True, metavar="ACTION")
    ide_install = ide.add_parser(
        "install", help="install the pinned GraphiQL packages (needs npm and the npm registry)"
    )
    ide_install.add_argument("--dir", type=Path, help="default: GATEWAY_IDE_ASSETS_DIR")
    bench = command("bench-evaluator")
    bench.add_argument("--requests", type=int, default=2_000, help="requests per catalog size")
    # Its options are the bench's own (``gateway bench --help``): read once it is found.
    sub.add_parser("bench", help=HELP["bench"], add_help=False)
    return parser


def _log_format() -> LogFormat:
    # Before the settings are read (they may be invalid): the format of the error saying so.
    formats: dict[str, LogFormat] = {"json": "json", "text": "text"}
    return formats.get(os.environ.get("GATEWAY_LOG_FORMAT", "auto"), "auto")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gateway`` script.

    A problem the user can fix (a setting, a missing tool, a database that does not answer)
    is one line on standard error and a non-zero exit status, never a traceback.
    """
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if rest and args.command != "bench":
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    args.bench_args = rest
    configure_logging(
        os.environ.get("GATEWAY_LOG_LEVEL", "INFO").upper(),
        _log_format(),
        production=os.environ.get("GATEWAY_ENV") == "production",
    )
    try:
        return COMMANDS[args.command](args)
    except SettingsError as exc:
        print(f"gateway {args.command}: {exc}", file=sys.stderr)
        return 2
    except CommandError as exc:
        print(f"gateway {args.command}: {exc}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        print(f"gateway {args.command}: interrupted", file=sys.stderr)
        return 130
