"""What every gateway response must look like, whatever was sent."""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

import httpx
import orjson

from tests.http.multipart import parts

# Signs of Python internals leaking into a response: tracebacks, exception class names, reprs.
_LEAK = re.compile(
    r"Traceback|File \"|asyncpg|psycopg|NoneType|object at 0x|<class '|"
    r"\b(?:[A-Z][a-z]+)+(?:Error|Exception|Warning)\b|InvalidOperation|ConversionSyntax|"
    r"\b(?:decimal|orjson|strawberry|graphql|starlette|gateway|pydantic)\.[a-z_]+"
)


def leaked_internals(text: str) -> list[str]:
    """The fragments of ``text`` that look like Python internals (empty: none).

    >>> leaked_internals('{"message": "ValueError: bad"}')
    ['ValueError']
    """
    return [match.group(0) for match in _LEAK.finditer(text)]


def sse_payloads(text: str) -> list[str]:
    r"""The ``next`` events' data of an SSE body, then ``"complete"`` if it completed.

    >>> sse_payloads('event: next\ndata: {"data": {}}\n\nevent: complete\ndata:\n\n')
    ['{"data": {}}', 'complete']
    """
    found: list[str] = []
    for block in text.split("\n\n"):
        lines = dict(
            line.split(":", 1) for line in block.splitlines() if ":" in line and line[0] != ":"
        )
        event = lines.get("event", "").strip()
        if event == "next":
            found.append(lines.get("data", "").strip())
        elif event == "complete":
            found.append("complete")
    return found


def assert_well_behaved(response: httpx.Response) -> None:
    """No 5xx, a JSON object body, a coded error for every error, nothing internal leaked."""
    context = f"{response.request.method} {response.request.url} -> {response.status_code}"
    assert response.status_code < 500, f"{context}: {response.text[:2000]}"
    content_type = response.headers.get("content-type", "")
    if content_type.startswith("multipart/mixed"):  # @defer / @stream: every part checked
        found = parts(response.text, content_type)
        assert found and found[-1]["hasNext"] is False, f"{context}: {response.text[:500]}"
        entries = [*found, *(patch for part in found for patch in part.get("incremental", ()))]
        errors = [error for entry in entries for error in entry.get("errors") or ()]
    elif content_type.startswith("text/event-stream"):  # GraphQL over SSE: every event checked
        events = sse_payloads(response.text)
        assert events and events[-1] == "complete", f"{context}: {response.text[:500]}"
        found = [orjson.loads(event) for event in events[:-1]]
        assert all(isinstance(p, dict) and ("data" in p or "errors" in p) for p in found), (
            f"{context}: {response.text[:500]}"
        )
        errors = [error for payload in found for error in payload.get("errors") or ()]
    else:
        # application/graphql-response+json when the client prefers it (GraphQL over HTTP).
        assert content_type.startswith(("application/json", "application/graphql-response+json")), (
            f"{context}: content-type {content_type!r}"
        )
        body = orjson.loads(response.content)
        assert isinstance(body, dict), f"{context}: body is not an object: {response.text[:500]}"
        assert "data" in body or "errors" in body, f"{context}: {response.text[:500]}"
        errors = body.get("errors") or []
    # Messages may quote what the client sent (a variable's value): that is not a leak.
    body_sent = response.request.content.decode(errors="replace")
    sent = body_sent + body_sent.replace('\\"', '"') + unquote_plus(str(response.request.url))
    for error in errors:
        code = (error.get("extensions") or {}).get("code")
        assert isinstance(code, str) and code, f"{context}: error without a code: {error}"
        assert code != "INTERNAL_SERVER_ERROR", f"{context}: unexpected error: {error}"
        # Only the message is checked for leaks: ``locations``/``path`` are ours, and data
        # may legitimately echo what the client sent.
        message = str(error.get("message", ""))
        leaks = [leak for leak in leaked_internals(message) if leak not in sent]
        assert not leaks, f"{context}: internals {leaks} in error {error}"
    leaks = [leak for leak in leaked_internals(response.text) if leak.startswith("Traceback")]
    assert not leaks, f"{context}: traceback in {response.text[:2000]}"
