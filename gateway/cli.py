"""Command line: ``gateway serve | migrate | export-schema``.

>>> gateway serve --port 8000        # embedded PostgreSQL unless DATABASE_URL is set
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

import asyncpg

from gateway import migrations
from gateway.demo import load_demo
from gateway.embedded import EmbeddedPostgres
from gateway.observability.logs import configure_logging
from gateway.settings import Settings, SettingsError, load_settings

logger = logging.getLogger("gateway")

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def _database_dsn(settings: Settings, stack: ExitStack) -> str:
    """DATABASE_URL when set; otherwise an embedded server, stopped when ``stack`` closes."""
    if settings.database_url:
        return settings.database_url
    embedded = EmbeddedPostgres(settings.data_dir / "postgres")
    stack.callback(embedded.stop)
    return embedded.start()


async def _prepare(dsn: str, settings: Settings, *, demo: bool) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await migrations.migrate(conn)
        if demo:
            await load_demo(conn)
    finally:
        await conn.close()


def _exit_on_sigterm() -> None:
    # SIGTERM means "stop cleanly": turn it into SystemExit(0) so `finally` blocks (stopping the
    # embedded server) run. uvicorn handles it while serving and re-raises it after its graceful
    # shutdown, which lands here too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))


def cmd_serve(args: argparse.Namespace) -> int:
    """Start the database if needed, migrate, load the demo data, serve HTTP."""
    import uvicorn

    settings = load_settings()
    _exit_on_sigterm()
    with ExitStack() as stack:
        dsn = _database_dsn(settings, stack)
        # Migrations take a session-level advisory lock: never through a transaction pooler.
        direct = settings.database_direct_url or dsn
        asyncio.run(_prepare(direct, settings, demo=settings.load_demo))
        os.environ["DATABASE_URL"] = dsn  # the workers read their settings from the environment
        if args.host not in LOOPBACK_HOSTS and settings.require_api_keys is None:
            # Development without keys is for loopback only.
            os.environ["GATEWAY_REQUIRE_API_KEYS"] = "true"
        mode = "production" if settings.is_production else "development"
        print(f"offers gateway ({mode}) on http://{args.host}:{args.port}/graphql", flush=True)
        uvicorn.run(
            "gateway.app:app_from_environment",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            loop="uvloop",
            http="httptools",
            log_level=settings.log_level.lower(),
            log_config=None,  # our JSON handler on the root logger formats uvicorn's lines too
            access_log=False,
            timeout_graceful_shutdown=10,
        )
    return 0


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
    from gateway.schema import build_schema, export_sdl

    print(export_sdl(build_schema()))
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    """Validate a catalog file (brands, offers, plays, loyalty programs, promotions) and upsert it
    in one transaction."""
    from gateway.offers.catalog_spec import CatalogError
    from gateway.offers.config_file import load_path

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
    """Benchmark (issue #7): dataset, gateway under wrk, peers; a table, then one JSON line."""
    from gateway.bench.cli import run_from_args

    _exit_on_sigterm()
    return run_from_args(args)


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
        conn = await asyncpg.connect(dsn)
        try:
            await migrations.migrate(conn)
            if args.keys_command == "create":
                scopes = [Scope(s) for s in args.scope]
                token = await keys.create_key(conn, args.name, scopes, args.brand)
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
    "ide": cmd_ide,
    "load": cmd_load,
    "bench-evaluator": cmd_bench_evaluator,
    "bench": cmd_bench,
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; each subcommand sets ``args.command``."""
    parser = argparse.ArgumentParser(prog="gateway", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help=cmd_serve.__doc__)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    sub.add_parser("migrate", help=cmd_migrate.__doc__)
    sub.add_parser("export-schema", help=cmd_export_schema.__doc__)
    ide = sub.add_parser("ide", help=cmd_ide.__doc__)
    ide_install = ide.add_subparsers(dest="ide_command", required=True).add_parser(
        "install", help="npm ci of the pinned GraphiQL packages (needs npm and the npm registry)"
    )
    ide_install.add_argument("--dir", type=Path, help="default: GATEWAY_IDE_ASSETS_DIR")
    keys = sub.add_parser("keys", help=cmd_keys.__doc__).add_subparsers(
        dest="keys_command", required=True
    )
    create = keys.add_parser("create", help="create a key; prints its token once")
    create.add_argument("--name", required=True)
    create.add_argument(
        "--scope", action="append", required=True, choices=["read", "write", "admin", "router"]
    )
    create.add_argument("--brand", action="append", required=True, help="repeat for several")
    keys.add_parser("list", help="list keys (never their secrets)")
    keys.add_parser("revoke", help="revoke a key by id").add_argument("key_id")
    load = sub.add_parser("load", help=cmd_load.__doc__)
    load.add_argument("file", type=Path, help="catalog file (.yaml, .yml or .json)")
    load.add_argument("--dry-run", action="store_true", help="check everything, write nothing")
    bench = sub.add_parser("bench-evaluator", help=cmd_bench_evaluator.__doc__)
    bench.add_argument("--requests", type=int, default=2_000, help="requests per catalog size")
    from gateway.bench.cli import add_arguments

    add_arguments(sub.add_parser("bench", help=cmd_bench.__doc__))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gateway`` script."""
    args = build_parser().parse_args(argv)
    configure_logging(
        os.environ.get("GATEWAY_LOG_LEVEL", "INFO").upper(),
        os.environ.get("GATEWAY_LOG_FORMAT", "json"),
    )
    try:
        return COMMANDS[args.command](args)
    except SettingsError as exc:
        print(f"gateway: {exc}", file=sys.stderr)
        return 2
