"""Files the commands read at run time, found inside the installed package.

Everything ships in the wheel and is read through ``importlib.resources``: GraphiQL's pinned npm
project, the default query, and the SQL (the benchmark, ``bench/``, is not in the wheel). The
migrations and demo data live at the top of the repository (``sql/``, their only source); the
wheel build copies them into the package as ``gateway/sql`` (``force-include`` in
pyproject.toml). A source checkout, where the package is imported from the repository, reads
``sql/`` beside it.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

PACKAGE = "gateway"


def package_file(*parts: str) -> Traversable:
    """A file or folder shipped inside the package.

    >>> package_file("ide", "package.json").read_text()[:1]
    '{'
    """
    resource = files(PACKAGE)
    for part in parts:
        resource = resource / part
    return resource


def sql_dir() -> Traversable:
    """The migrations folder: ``gateway/sql`` when installed, ``sql/`` in a source checkout.

    When neither exists (a wheel built without them), the result does not exist either: callers
    report that (see ``gateway.migrations.discover``).
    """
    packaged = package_file("sql")
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "sql"
