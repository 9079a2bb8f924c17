"""The documentation stays true: settings, GraphQL examples, commands and links are checked
against the code (README.md and every page of docs/)."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import annotated_types
import httpx
import pytest
from graphql import (
    DocumentNode,
    ExecutableDefinitionNode,
    FieldDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    ObjectTypeDefinitionNode,
    OperationDefinitionNode,
    build_schema,
    parse,
    print_ast,
    validate,
)

from bench.cli import build_parser as bench_parser
from gateway.cli.commands import build_parser
from gateway.errors import ErrorCode
from gateway.settings import Settings, env_name
from tests.docs_pages import DOCS, ROOT, Block, anchors, blocks, inline_code, links, pages

CONFIGURATION = DOCS / "configuration.md"
SCHEMA_SDL = (ROOT / "schema.graphql").read_text()
GRAPHQL_BLOCKS = [b for p in pages() for b in blocks(p) if b.info in ("graphql", "graphql-invalid")]
SHELL_BLOCKS = [b for p in pages() for b in blocks(p) if b.info in ("sh", "bash", "console")]


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    """``schema.graphql`` as graphql-core reads it (federation's directives taken as given)."""
    return build_schema(SCHEMA_SDL, assume_valid_sdl=True)


# --- settings ---------------------------------------------------------------------------------


def _configuration_table() -> dict[str, str]:
    """Variable → default column of docs/configuration.md's table."""
    rows = re.findall(r"^\| `([A-Z0-9_]+)` \| ([^|]+) \|", CONFIGURATION.read_text(), re.MULTILINE)
    return {variable: default.strip() for variable, default in rows}


def _shown_default(value: object) -> str:
    """A default as the table writes it: `unset` for None, `true` / `false`, `text` in code."""
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`"


def test_every_setting_is_in_the_configuration_table() -> None:
    documented = _configuration_table()
    settings = {env_name(field) for field in Settings.model_fields}

    assert sorted(settings - documented.keys()) == [], "settings missing from configuration.md"
    assert sorted(documented.keys() - settings) == [], "configuration.md lists unknown settings"


def test_the_configuration_table_states_each_minimum_above_one() -> None:
    # A value under the minimum is refused at start-up: the table says so before that happens.
    rows = dict(re.findall(r"^\| `([A-Z0-9_]+)` \|[^|]+\|(.*)\|$", CONFIGURATION.read_text(), re.M))
    minimums = {
        env_name(field): bound.ge
        for field, info in Settings.model_fields.items()
        for bound in info.metadata
        if isinstance(bound, annotated_types.Ge) and isinstance(bound.ge, int) and bound.ge > 1
    }

    assert minimums["GATEWAY_MAX_BODY_BYTES"] == 1024
    unstated = [name for name, low in minimums.items() if f"at least {low}" not in rows[name]]
    assert unstated == []


def test_the_configuration_table_shows_the_defaults() -> None:
    documented = _configuration_table()
    wrong = {
        env_name(field): (documented[env_name(field)], _shown_default(info.default))
        for field, info in Settings.model_fields.items()
        if documented.get(env_name(field)) != _shown_default(info.default)
    }

    assert wrong == {}, "variable: (shown, real default)"


# --- GraphQL ----------------------------------------------------------------------------------


def _problems(document: DocumentNode, schema: GraphQLSchema) -> list[str]:
    """Validation errors of an operation; for an SDL excerpt, where it differs from the schema."""
    if all(isinstance(d, ExecutableDefinitionNode) for d in document.definitions):
        return [e.message for e in validate(schema, document)]
    exported = {
        d.name.value: d
        for d in parse(SCHEMA_SDL).definitions
        if isinstance(d, ObjectTypeDefinitionNode)
    }
    problems = []
    for definition in document.definitions:
        if not isinstance(definition, ObjectTypeDefinitionNode):
            problems.append(f"only object types may be quoted from the schema: {definition.kind}")
        elif definition.name.value not in exported:
            problems.append(f"no type {definition.name.value} in schema.graphql")
        else:
            fields = {f.name.value: f for f in exported[definition.name.value].fields or ()}
            for field in definition.fields or ():
                real = fields.get(field.name.value)
                if real is None or _signature(field) != _signature(real):
                    problems.append(f"{definition.name.value}.{field.name.value} differs")
    return problems


def _signature(field: FieldDefinitionNode) -> tuple[str, ...]:
    """A field definition as its name, arguments (types and defaults) and type: no descriptions."""
    arguments = [
        f"{a.name.value}: {print_ast(a.type)}"
        + (f" = {print_ast(a.default_value)}" if a.default_value else "")
        for a in field.arguments or ()
    ]
    return (field.name.value, *arguments, print_ast(field.type))


@pytest.mark.parametrize("block", GRAPHQL_BLOCKS, ids=lambda b: b.where)
def test_graphql_blocks_validate_against_the_schema(block: Block, schema: GraphQLSchema) -> None:
    try:
        problems = _problems(parse(block.text), schema)
    except GraphQLError as exc:
        problems = [f"syntax: {exc.message}"]

    if block.info == "graphql-invalid":
        assert problems != [], f"{block.where} is marked invalid but validates"
    else:
        assert problems == [], block.where


def _runnable_operations() -> list[tuple[Block, str | None]]:
    """(block, operation name) of every documented operation that needs no variables (a block
    with a ```json answer after it is run as one request, whatever it holds)."""
    found: list[tuple[Block, str | None]] = []
    for block in GRAPHQL_BLOCKS:
        if block.answer is not None:
            found.append((block, None))
            continue
        if block.info != "graphql":
            continue
        for definition in parse(block.text).definitions:
            if (
                isinstance(definition, OperationDefinitionNode)
                and not definition.variable_definitions
            ):
                found.append((block, definition.name.value if definition.name else None))
    return found


async def test_the_examples_run_on_the_demo_data(client: httpx.AsyncClient) -> None:
    """Every example that needs no variables answers on the demo data without an error, or with
    exactly the answer shown after it (in page order, in one database: the mutations of a page run
    after its queries)."""
    failures = []
    for block, operation in _runnable_operations():
        body = (
            await client.post("/graphql", json={"query": block.text, "operationName": operation})
        ).json()
        if block.answer is not None:
            if body != json.loads(block.answer):
                failures.append(f"{block.where}: the answer shown is not the answer: {body}")
        elif "errors" in body or not body.get("data"):
            failures.append(f"{block.where} {operation}: {body}")

    assert len(_runnable_operations()) >= 5
    assert failures == []


def test_the_docs_have_graphql_examples() -> None:
    assert len(GRAPHQL_BLOCKS) >= 5


def test_every_error_code_is_explained() -> None:
    explained = set(re.findall(r"`([A-Z_]+)`", (DOCS / "errors.md").read_text()))

    assert sorted({code.value for code in ErrorCode} - explained) == []


# --- commands ---------------------------------------------------------------------------------


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _options(parser: argparse.ArgumentParser) -> set[str]:
    return {option for action in parser._actions for option in action.option_strings}


def _command_parser() -> argparse.ArgumentParser:
    """``gateway``'s parser with ``bench``'s own options in place (read from ``bench/`` at run
    time, so the command's parser leaves them out)."""
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            action.choices["bench"] = bench_parser()
    return parser


def _check_usage(parser: argparse.ArgumentParser, words: list[str], shown: str) -> list[str]:
    """What in ``words`` (after ``gateway``, placeholders allowed) the parser does not know."""
    commands = _subcommands(parser)
    if commands:
        if not words:
            return [f"{shown}: a command is missing"]
        problems = []
        for name in words[0].strip("[]").split("|"):
            if name not in commands:
                problems.append(f"{shown}: no command {name!r}")
            else:
                problems += _check_usage(commands[name], words[1:], shown)
        return problems
    flags = [w.strip("[]").split("=")[0] for w in words if w.strip("[").startswith("--")]
    return [f"{shown}: no option {f}" for f in flags if f not in _options(parser)]


def _gateway_words(text: str) -> list[list[str]]:
    """The words after each ``gateway`` command in ``text`` (up to a comment or a shell operator).

    ``gateway`` is a command where it starts the text or follows ``uv run``, ``uvx`` or an
    environment assignment; elsewhere (``ruff check gateway tests``) it is an argument.
    """
    words = text.split()
    found = []
    for i, word in enumerate(words):
        starts = i == 0 or words[i - 1] in {"run", "uvx"} or "=" in words[i - 1]
        if word == "gateway" and starts and i + 1 < len(words):
            tail = []
            for next_word in words[i + 1 :]:
                if next_word.startswith("#") or next_word in {">", "|", "&&", ";", "2>&1"}:
                    break
                tail.append(next_word)
            found.append(tail)
    return found


def _shell_lines(block: Block) -> list[str]:
    return block.text.replace("\\\n", " ").splitlines()


def test_every_command_shown_exists() -> None:
    parser = _command_parser()
    problems = []
    for page in pages():
        where = page.relative_to(ROOT)
        for span in inline_code(page):
            for words in _gateway_words(span):
                problems += _check_usage(parser, words, f"{where}: `{span}`")
    for block in SHELL_BLOCKS:
        for line in _shell_lines(block):
            for words in _gateway_words(line):
                problems += _check_usage(parser, words, f"{block.where}: {line.strip()}")

    assert problems == []


@pytest.mark.parametrize("block", SHELL_BLOCKS, ids=lambda b: b.where)
def test_shell_commands_parse(block: Block) -> None:
    """A command line in a shell block is complete: the CLI's parser accepts it as written."""
    parser = _command_parser()
    for line in _shell_lines(block):
        for words in _gateway_words(line):
            try:
                parser.parse_args(words)
            except SystemExit as exc:
                pytest.fail(f"{block.where}: `gateway {' '.join(words)}` is refused ({exc.code})")


def test_the_command_check_notices_an_unknown_command() -> None:
    parser = _command_parser()

    assert _check_usage(parser, ["keys", "rotate"], "x") == ["x: no command 'rotate'"]
    assert _check_usage(parser, ["load", "FILE", "--force"], "x") == ["x: no option --force"]
    assert _check_usage(parser, ["keys", "create|list|revoke"], "x") == []


# --- links ------------------------------------------------------------------------------------


def _broken_links(page: Path) -> list[str]:
    broken = []
    for target in links(page):
        if re.match(r"[a-z]+:", target):
            continue  # http(s), mailto: outside the repository
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(f"{target}: no such file")
        elif anchor and file.suffix == ".md" and anchor not in anchors(file):
            broken.append(f"{target}: no heading #{anchor}")
    return broken


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_point_to_files(page: Path) -> None:
    assert _broken_links(page) == []


_REPO_PATH = re.compile(r"(?<![\w./-])((?:gateway|sql|tests|docs|\.ci)/[\w./-]*[\w/])")


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_paths_named_in_the_docs_exist(page: Path) -> None:
    """``gateway/execution/context.py``, ``sql/demo/`` and the like, in prose, code or pictures."""
    named = set(_REPO_PATH.findall(page.read_text()))
    missing = [p for p in sorted(named) if "NNN" not in p and not (ROOT / p).exists()]

    assert missing == []
