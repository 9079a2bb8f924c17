"""Every JavaScript example of the docs runs as written, in plain Node, against a served gateway.

Each ``js`` block of README.md and docs/ is saved as an ES module in a scratch folder beside the
``node_modules`` of ``tests/clients`` (Node resolves a module's packages from its own folder) and
run from the repository's root; the only change is the gateway's URL, since the test serves it on
a free port instead of 8000.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.docs_pages import ROOT, Block, blocks, pages

DOCUMENTED_URL = "http://127.0.0.1:8000/graphql"
JS_BLOCKS = [b for page in pages() for b in blocks(page) if b.info in ("js", "javascript")]
RUN_TIMEOUT_S = 60


def test_the_docs_have_javascript_examples_and_only_runnable_ones() -> None:
    typed = [b.where for page in pages() for b in blocks(page) if b.info in ("ts", "tsx", "jsx")]

    assert len([b for b in JS_BLOCKS if b.where.startswith("docs/frontends.md")]) >= 2
    assert typed == [], "plain Node cannot run these: write the example as JavaScript"


@pytest.mark.parametrize("block", JS_BLOCKS, ids=lambda b: b.where)
def test_the_example_runs_as_written(
    block: Block, client_packages: Path, graphql_url: str, tmp_path: Path
) -> None:
    assert DOCUMENTED_URL in block.text, "an example talks to the documented local gateway"
    (tmp_path / "node_modules").symlink_to(client_packages)
    script = tmp_path / "example.mjs"
    script.write_text(block.text.replace(DOCUMENTED_URL, graphql_url))

    done = subprocess.run(
        ["node", str(script)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert "acme-gold-tv" in done.stdout.split(), "the demo customer's cart promotions"
    assert done.stderr == ""
