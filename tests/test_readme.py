"""The README is the entry point: short, the two commands first, first queries that answer on
the demo data, a link to every page of docs/."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from tests.docs_pages import DOCS, README, ROOT, Block, blocks, links

MOST_README_BYTES = 12 * 1024


def test_the_readme_is_short() -> None:
    assert len(README.read_bytes()) <= MOST_README_BYTES


def test_the_first_shell_block_is_the_two_commands() -> None:
    first_shell = next(b for b in blocks(README) if b.info == "sh")
    commands = [line.split("#")[0].strip() for line in first_shell.text.splitlines()]

    assert commands == ["uv run gateway serve", "uv run pytest"]


def test_every_docs_page_is_linked_from_the_readme() -> None:
    linked = {(ROOT / target.split("#")[0]).resolve() for target in links(README)}
    unlinked = [p.name for p in sorted(DOCS.glob("*.md")) if p.resolve() not in linked]

    assert unlinked == []


README_QUERIES = [b for b in blocks(README) if b.info == "graphql"]


@pytest.mark.parametrize("block", README_QUERIES, ids=lambda b: b.where)
async def test_the_first_queries_answer_on_the_demo_data(
    block: Block, client: httpx.AsyncClient
) -> None:
    response = await client.post("/graphql", json={"query": block.text})
    body = response.json()

    assert "errors" not in body, body
    (answer,) = body["data"].values()
    lists = [
        v
        for v in (answer.values() if isinstance(answer, dict) else [answer])
        if isinstance(v, list)
    ]
    assert lists != [] and all(lists), "the demo data answers with something to see"


def test_the_readme_has_first_queries() -> None:
    assert len(README_QUERIES) >= 2


async def test_the_curl_example_prints_what_the_readme_says(client: httpx.AsyncClient) -> None:
    curl = next(b for b in blocks(README) if b.info == "sh" and "curl" in b.text)
    sent = re.search(r"-d '(.*)'", curl.text)
    printed = re.search(r"^# (\{.*\})$", curl.text, re.MULTILINE)
    assert sent is not None and printed is not None

    response = await client.post("/graphql", json=json.loads(sent.group(1)))

    assert response.text == printed.group(1)
