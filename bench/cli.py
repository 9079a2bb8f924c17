"""The ``gateway bench`` arguments and entry point: ``gateway.cli`` hands over the command line's
rest once it has found this folder (a source checkout); ``gateway --help`` does not import it.

From a shell::

    gateway bench --scale 0.01 --duration 5     # quick run
    gateway bench                                # 100,000 customers, 10 s per scenario
    gateway bench --soak --scale 0.05            # 5 minutes at 80 % of the mix's maximum
    gateway bench --live-only                    # 1,000 subscriptions of each kind, one worker
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.run import BenchOptions

logger = logging.getLogger("bench")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``gateway bench``."""
    parser.add_argument(
        "--scale", type=float, default=1.0, help="dataset size; 1.0 = 100,000 customers"
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of each measured run")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up before it")
    parser.add_argument("--connections", type=int, default=50, help="wrk connections")
    parser.add_argument(
        "--database", default="gateway_bench", help="database on DATABASE_URL's server"
    )
    parser.add_argument("--rebuild", action="store_true", help="rebuild the dataset")
    parser.add_argument(
        "--evaluator-requests", type=int, default=2_000, help="evaluator requests per size"
    )
    parser.add_argument(
        "--skip-postgraphile", action="store_true", help="do not run the PostGraphile peer"
    )
    parser.add_argument("--skip-yoga", action="store_true", help="do not run the GraphQL Yoga peer")
    parser.add_argument(
        "--defer-requests",
        type=int,
        default=100,
        help="customers asked for the deferred cart's first part and the listing (sequential)",
    )
    parser.add_argument(
        "--first-part-only",
        action="store_true",
        help="instead: only the deferred cart's first part over the listing alone",
    )
    parser.add_argument(
        "--skip-replica",
        action="store_true",
        help="do not measure replica_read_share (a streaming replica 2 s behind)",
    )
    parser.add_argument(
        "--live-subscribers",
        type=int,
        default=1_000,
        help="subscriptions of each kind in the live-updates phase (default 1,000; the targets "
        "are read at 1,000 or more)",
    )
    parser.add_argument(
        "--skip-live", action="store_true", help="do not run the live-updates phase"
    )
    parser.add_argument(
        "--live-only",
        action="store_true",
        help="instead: only the live-updates phase (subscriptions on one worker)",
    )
    parser.add_argument(
        "--soak",
        action="store_true",
        help="instead: measure the mix's maximum (--warmup, --duration), then hold the gateway at "
        "--soak-fraction of it; passes with zero errors, RSS growth < 10 %%, >= 95 %% of the rate",
    )
    parser.add_argument(
        "--soak-seconds", type=float, default=300.0, help="length of the soak (default 300)"
    )
    parser.add_argument(
        "--soak-fraction", type=float, default=0.8, help="share of the maximum rps (default 0.8)"
    )


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``gateway bench``'s options."""
    parser = argparse.ArgumentParser(
        prog="gateway bench", description="Measure the gateway under load, then report."
    )
    add_arguments(parser)
    return parser


def run_from_args(argv: Sequence[str]) -> int:
    """Run the benchmark; progress on stderr, the table then the JSON line on stdout."""
    args = build_parser().parse_args(argv)
    from bench.report import json_line, table
    from bench.run import BenchOptions, run_bench
    from bench.wrk import require_wrk

    if not 0 < args.scale <= 10:
        print("gateway bench: --scale must be in (0, 10]", file=sys.stderr)
        return 2
    if not 1 <= args.duration <= 600 or not 0 <= args.warmup <= 120:
        print("gateway bench: --duration 1..600 s, --warmup 0..120 s", file=sys.stderr)
        return 2
    if args.soak and (not 10 <= args.soak_seconds <= 3600 or not 0 < args.soak_fraction <= 1):
        print("gateway bench: --soak-seconds 10..3600, --soak-fraction (0, 1]", file=sys.stderr)
        return 2
    if not 1 <= args.live_subscribers <= 10_000:
        print("gateway bench: --live-subscribers 1..10000", file=sys.stderr)
        return 2
    if args.live_only:  # no wrk, no dataset
        from bench.run import run_live_only

        figures = run_live_only(BenchOptions(live_subscribers=args.live_subscribers), _log)
        print(table(figures))
        print(json_line(figures), flush=True)
        return 0
    require_wrk()  # before minutes of building the dataset, not after
    options = BenchOptions(
        scale=args.scale,
        duration_s=args.duration,
        warmup_s=args.warmup,
        connections=args.connections,
        database=args.database,
        rebuild=args.rebuild,
        evaluator_requests=args.evaluator_requests,
        skip_postgraphile=args.skip_postgraphile,
        skip_yoga=args.skip_yoga,
        defer_requests=args.defer_requests,
        skip_replica=args.skip_replica,
        live_subscribers=0 if args.skip_live else args.live_subscribers,
    )
    if not 1 <= args.defer_requests <= 10_000:
        print("gateway bench: --defer-requests 1..10000", file=sys.stderr)
        return 2
    if args.soak:
        return _soak(args, options)
    if args.first_part_only:
        from bench.run import run_first_part_only

        figures = run_first_part_only(options, _log)
        print(table(figures))
        print(json_line(figures), flush=True)
        return 0
    figures = run_bench(options, _log)
    print(table(figures))
    print(json_line(figures), flush=True)
    return 0


def _soak(args: argparse.Namespace, options: BenchOptions) -> int:
    from bench import soak
    from bench.report import json_line

    soak_options = soak.SoakOptions(options, args.soak_seconds, args.soak_fraction)
    figures = soak.run_soak(soak_options, _log)
    print(soak.table(figures))
    print(json_line(figures), flush=True)
    return 0 if figures["passed"] else 1


def _log(line: str) -> None:
    # A log record, as the dataset's progress: a piped run's standard error stays one format.
    logger.info(line)
