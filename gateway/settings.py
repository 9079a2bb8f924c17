"""Configuration, read once from the environment and validated.

Every setting is an environment variable; an invalid value fails at start with an error that names
the variable, for example ``Setting 'GATEWAY_POOL_MAX_SIZE' is invalid: Input should be a valid
integer``.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class SettingsError(ValueError):
    """A setting is missing or invalid; the message names the environment variable."""


# Measured: one worker on one core under 10x as many connections (docs/scaling.md).
PRODUCTION_MAX_IN_FLIGHT = 64

# A signing key's id, carried in every personalized-offer id it signs.
KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def signing_key_entries(text: str) -> tuple[tuple[str, bytes], ...]:
    """``id:secret`` pairs separated by commas, in order (newest last); ValueError if malformed.

    >>> signing_key_entries("2026-05:c2VjcmV0,2026-06:bmV3ZXI")
    (('2026-05', b'c2VjcmV0'), ('2026-06', b'bmV3ZXI'))
    """
    entries = []
    for number, item in enumerate(text.split(","), start=1):
        key_id, colon, secret = item.strip().partition(":")
        if not colon or not KEY_ID.match(key_id) or not secret.strip():
            raise ValueError(
                f"entry {number}: expected 'id:secret' with an id of 1-32 letters, digits, "
                "'-' or '_' and a non-empty secret"
            )
        entries.append((key_id, secret.strip().encode()))
    ids = [key_id for key_id, _ in entries]
    if len(set(ids)) != len(ids):
        raise ValueError("a key id appears twice")
    return tuple(entries)


class Settings(BaseSettings):
    """The gateway's settings. Field descriptions are docs/configuration.md's table."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", frozen=True)

    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "database_url"),
        description="PostgreSQL (>= 14) to use. Unset: an embedded PostgreSQL in the data dir.",
    )
    database_read_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_READ_URL", "database_read_url"),
        description="A read replica: queries read there when its snapshot shows every write "
        "they depend on, else the primary; mutations (and everything they read) "
        "use DATABASE_URL. Unset: everything uses DATABASE_URL.",
    )
    database_direct_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_DIRECT_URL", "database_direct_url"),
        description="The primary itself, never through a pooler in transaction mode: where the "
        "change listener (LISTEN) connects and `serve` migrates. Unset: DATABASE_URL.",
    )
    drain_s: float | None = Field(
        default=None,
        ge=0,
        le=60,
        description="After SIGTERM, seconds a worker keeps serving while /readyz answers 503, so "
        "a load balancer stops sending it requests. Unset: 3 in production, 0 in development.",
    )
    database_pooler: Literal["none", "pgbouncer"] = Field(
        default="none",
        description="`pgbouncer`: DATABASE_URL and DATABASE_READ_URL lead to PgBouncer in "
        "transaction mode, so connections send no session settings at startup and, by default, "
        "keep no prepared statements (see docs/scaling.md).",
    )
    statement_cache_size: int | None = Field(
        default=None,
        ge=0,
        description="Prepared statements each connection keeps (asyncpg's cache). Unset: 100, "
        "or 0 with GATEWAY_DATABASE_POOLER=pgbouncer (PgBouncer before 1.21 cannot keep them).",
    )
    env: Literal["development", "production"] = Field(
        default="development",
        description="`production` requires API keys, hides GraphiQL, introspection and debug data.",
    )
    data_dir: Path = Field(
        default=Path(".gateway"),
        description="Where the embedded PostgreSQL and local state live.",
    )
    pool_min_size: int = Field(default=2, ge=0, description="Connections kept open per worker.")
    pool_max_size: int = Field(default=20, ge=1, description="Most connections per worker.")
    pool_acquire_timeout_s: float = Field(
        default=5.0, gt=0, description="Wait for a free connection before DATABASE_UNAVAILABLE."
    )
    statement_timeout_ms: int = Field(
        default=5000, ge=1, description="PostgreSQL statement_timeout for every connection."
    )
    signing_key: SecretStr | None = Field(
        default=None,
        description="HMAC key for personalized-offer ids (one key, id `default`; for rotation use "
        "GATEWAY_SIGNING_KEYS). Development: generated in the data dir.",
    )
    signing_keys: SecretStr | None = Field(
        default=None,
        description="Several HMAC keys for personalized-offer ids, `id:secret` separated by "
        "commas, newest last, e.g. `2026-05:<secret>,2026-06:<secret>`: new ids are signed with "
        "the newest, ids signed with any listed key verify (RETIRED_KEY once it is removed). "
        "Instead of GATEWAY_SIGNING_KEY.",
    )
    load_demo: bool = Field(
        default=True, description="Load the demo data into an empty database at `serve`."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="Log level of the `gateway` logger."
    )
    require_api_keys: bool | None = Field(
        default=None,
        description="Require `Authorization: Bearer <key>`. Unset: yes in production, and when "
        "`serve` listens beyond loopback; no for development on loopback.",
    )
    log_format: Literal["auto", "json", "text"] = Field(
        default="auto",
        description="`json`: one JSON object per line with the request id; `text`: readable "
        "lines. `auto`: text in development at a terminal, JSON otherwise (production, CI, pipes).",
    )
    otel_endpoint: str | None = Field(
        default=None,
        description="OTLP/HTTP endpoint for OpenTelemetry traces (needs `uv sync --extra otel`), "
        "e.g. `http://127.0.0.1:4318/v1/traces`. Unset: no tracing.",
    )
    compiled_execution: bool = Field(
        default=True,
        description="Run queries and mutations from plans compiled once per operation. `0`: "
        "graphql-core's executor for every operation (the reference the tests compare with). "
        "Introspection, `@defer` / `@stream`, subscriptions and traced requests always run on "
        "graphql-core.",
    )
    # Limits on what one request may ask: checked before any resolver or SQL runs.
    max_query_depth: int = Field(default=10, ge=1, description="Deepest selection allowed.")
    max_query_aliases: int = Field(default=30, ge=0, description="Most aliases in one document.")
    max_query_tokens: int = Field(
        default=2000, ge=10, description="Most tokens in one document (at least 10)."
    )
    max_body_bytes: int = Field(
        default=65536,
        ge=1024,
        description="Largest request body accepted (413 above); at least 1024 bytes.",
    )
    max_entities: int = Field(
        default=200, ge=1, description="Most `_entities` representations in one request."
    )
    request_timeout_s: float = Field(
        default=10.0, gt=0, description="Deadline for one request; TIMEOUT after it."
    )
    max_in_flight: int | None = Field(
        default=None,
        ge=0,
        description="Requests each worker serves at once; more may wait in the admission queue, "
        "the rest are refused with 503 OVERLOADED and Retry-After (paced: "
        "GATEWAY_REFUSAL_DELAY_MS) (`0`: no bound). /healthz, /readyz and /metrics are never "
        "refused. Unset: 64 in production, no bound in development.",
    )
    admission_queue: int = Field(
        default=16,
        ge=0,
        description="Requests past GATEWAY_MAX_IN_FLIGHT that may wait for a slot (first come, "
        "first served) before being refused; `0`: none wait.",
    )
    admission_queue_wait_ms: int = Field(
        default=50,
        ge=0,
        description="Longest a request waits in that queue for a slot before it is refused.",
    )
    admission_target_lag_ms: int = Field(
        default=10,
        ge=0,
        description="While the worker's event loop runs later than this (its core saturated), "
        "the in-flight bound is lowered (x0.9 every 25 ms, to an eighth of it, at least 4) and "
        "then grows back to GATEWAY_MAX_IN_FLIGHT: under a flood, admitted requests keep their "
        "latency. A slow database does not lower it. `0`: a fixed bound.",
    )
    refusal_delay_ms: int = Field(
        default=2000,
        ge=0,
        description="A 503 OVERLOADED is sent this long (± half, at random) after its request "
        "arrived, held on a timer at no cost to the worker: a client that re-sends at once after "
        "each 503 comes back about once per delay instead of thousands of times a second. `0`: "
        "refused at once.",
    )
    rate_limit: float | None = Field(
        default=None,
        gt=0,
        description="Requests per second each API key may make, per worker process (a token "
        "bucket); over it: 429 RATE_LIMITED with Retry-After. Unset: no limit.",
    )
    rate_limit_burst: int | None = Field(
        default=None,
        ge=1,
        description="Requests a key may make at once before GATEWAY_RATE_LIMIT applies (the "
        "bucket's size). Unset: one second's worth, at least 1.",
    )
    # Subscriptions (gateway.live).
    subscriptions: bool = Field(
        default=True,
        description="Serve subscriptions over graphql-transport-ws and GraphQL over SSE; the "
        "change listener then runs in every mode. `false`: no WebSocket endpoint, no listener "
        "unless the response cache or a replica needs it.",
    )
    subscriptions_per_key: int = Field(
        default=100,
        ge=1,
        description="Subscriptions one API key may hold open per worker; the next is refused "
        "with TOO_MANY_SUBSCRIPTIONS.",
    )
    subscriptions_per_worker: int = Field(
        default=10_000,
        ge=1,
        description="Subscriptions one worker holds open; the next is refused with "
        "TOO_MANY_SUBSCRIPTIONS.",
    )
    subscription_ping_s: float = Field(
        default=10.0,
        gt=0,
        description="Seconds between pings on an idle subscription connection (a WebSocket "
        "`ping` message, an SSE comment).",
    )
    # Browser clients: CORS, compression, persisted queries.
    cors_origins: Annotated[tuple[str, ...] | None, NoDecode] = Field(
        default=None,
        description="Comma-separated origins that browsers may call /graphql from (CORS), for "
        "example `https://shop.example.com`; `*` allows any. Unset: none in production, any port "
        "of http://localhost, 127.0.0.1 or [::1] in development.",
    )
    gzip_minimum_size: int = Field(
        default=1024, ge=0, description="Gzip responses of at least this many bytes (if accepted)."
    )
    http_max_age: int = Field(
        default=0,
        ge=0,
        description="Seconds a browser or CDN may keep a GET answer of a cacheable query (never "
        "past its data's expiry, such as an offer's expiresAt; `private` when an API key is "
        "involved). `0`: every answer is `no-store`, so no read is older than a known write.",
    )
    persisted_queries_cache_size: int = Field(
        default=1000,
        ge=1,
        description="Automatic persisted queries each worker remembers (least recently used go).",
    )
    persisted_queries_file: Path | None = Field(
        default=None,
        description="JSON object of sha256 hex -> query text: persisted operations known at start.",
    )
    persisted_queries_only: bool = Field(
        default=False,
        description="Run only the operations in GATEWAY_PERSISTED_QUERIES_FILE (an allow-list); "
        "anything else is refused with PERSISTED_QUERY_NOT_IN_LIST.",
    )
    ide_assets_dir: Path | None = Field(
        default=None,
        description="Where `gateway ide install` puts GraphiQL's pinned npm packages so /graphql "
        "works offline. Unset: `ide` in the data dir.",
    )
    ide_fetch: bool = Field(
        default=True,
        description="`serve` (development) fetches GraphiQL's pinned npm packages in the "
        "background when they are missing and npm is installed; the page uses unpkg.com "
        "until then.",
    )

    # Response cache.
    response_cache: int | None = Field(
        default=None,
        ge=0,
        description="Read responses each worker keeps, invalidated by PostgreSQL LISTEN/NOTIFY "
        "when their data changes (`0`: off). Unset: 10000 in production, off in development.",
    )
    response_cache_max_bytes: int = Field(
        default=8 << 20,
        ge=0,
        description="Most bytes of responses each worker keeps cached (bodies and their tags).",
    )
    gc_young_threshold: int = Field(
        default=20_000,
        ge=0,
        description="Allocations between the garbage collector's young-generation passes in a "
        "serving worker (CPython: 700; `0`: leave CPython's settings alone). Higher: more "
        "requests per second, more memory.",
    )
    user_agent_parser: Literal["fast", "compact"] = Field(
        default="fast",
        description="ua-parser's resolver: `fast` (Rust regex, ~0.02 ms per new user agent, "
        "~25 MB per worker) or `compact` (Python re, ~0.6 ms per new user agent, ~3 MB). Parsed "
        "user agents are cached either way.",
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(origin.strip() for origin in value.split(",") if origin.strip())
        return value

    @model_validator(mode="after")
    def _check_pool_bounds(self) -> Settings:
        if self.pool_min_size > self.pool_max_size:
            raise ValueError("GATEWAY_POOL_MIN_SIZE must not exceed GATEWAY_POOL_MAX_SIZE")
        return self

    @model_validator(mode="after")
    def _check_signing_keys(self) -> Settings:
        if self.signing_key is not None and self.signing_keys is not None:
            raise ValueError(
                "set GATEWAY_SIGNING_KEY or GATEWAY_SIGNING_KEYS, not both (a single key is "
                "`default:<key>` in GATEWAY_SIGNING_KEYS)"
            )
        if self.signing_keys is not None:
            try:
                signing_key_entries(self.signing_keys.get_secret_value())
            except ValueError as exc:
                raise ValueError(f"Setting 'GATEWAY_SIGNING_KEYS' is invalid: {exc}") from None
        if self.env == "production" and self.signing_key is None and self.signing_keys is None:
            # Replicas must sign and verify offer ids with shared keys.
            raise ValueError(
                "GATEWAY_SIGNING_KEY is required when GATEWAY_ENV=production "
                "(or GATEWAY_SIGNING_KEYS, to rotate keys)"
            )
        return self

    @model_validator(mode="after")
    def _check_allow_list(self) -> Settings:
        if self.persisted_queries_only and self.persisted_queries_file is None:
            raise ValueError(
                "GATEWAY_PERSISTED_QUERIES_ONLY needs the allow-list GATEWAY_PERSISTED_QUERIES_FILE"
            )
        return self

    @property
    def keys_required(self) -> bool:
        """True when every request must carry an API key."""
        if self.require_api_keys is not None:
            return self.require_api_keys
        return self.is_production

    @property
    def drain_seconds(self) -> float:
        """How long a worker drains after SIGTERM before it stops."""
        if self.drain_s is not None:
            return self.drain_s
        return 3.0 if self.is_production else 0.0

    @property
    def statement_cache_entries(self) -> int:
        """Prepared statements per connection: 0 behind PgBouncer unless set."""
        if self.statement_cache_size is not None:
            return self.statement_cache_size
        return 0 if self.database_pooler == "pgbouncer" else 100

    @property
    def in_flight_bound(self) -> int:
        """Requests a worker serves at once (0: no bound)."""
        if self.max_in_flight is not None:
            return self.max_in_flight
        return PRODUCTION_MAX_IN_FLIGHT if self.is_production else 0

    @property
    def rate_limit_bucket(self) -> int:
        """The token bucket's size: GATEWAY_RATE_LIMIT_BURST, or one second's worth."""
        if self.rate_limit_burst is not None:
            return self.rate_limit_burst
        return max(1, math.ceil(self.rate_limit or 1))

    @property
    def response_cache_entries(self) -> int:
        """Responses the cache keeps per worker (0: no response cache)."""
        if self.response_cache is not None:
            return self.response_cache
        return 10_000 if self.is_production else 0

    @property
    def is_production(self) -> bool:
        """True when running with GATEWAY_ENV=production."""
        return self.env == "production"

    @property
    def ide_dir(self) -> Path:
        """Where GraphiQL's npm packages are installed (GATEWAY_IDE_ASSETS_DIR or data dir)."""
        return self.ide_assets_dir or self.data_dir / "ide"


def env_name(field: str) -> str:
    """The environment variable that sets ``field``."""
    info = Settings.model_fields[field]
    if isinstance(info.validation_alias, AliasChoices):
        return str(info.validation_alias.choices[0])
    return f"GATEWAY_{field.upper()}"


def load_settings(**overrides: object) -> Settings:
    """Read the settings from the environment (and ``overrides``), naming any bad variable.

    >>> load_settings(env="development").is_production
    False
    >>> load_settings(pool_max_size=0)
    Traceback (most recent call last):
    gateway.settings.SettingsError: Setting 'GATEWAY_POOL_MAX_SIZE' is invalid: ...
    """
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = [str(part) for part in error["loc"] if part]
            name = env_name(loc[0]) if loc and loc[0] in Settings.model_fields else None
            message = str(error["msg"]).removeprefix("Value error, ")
            problems.append(f"Setting '{name}' is invalid: {message}" if name else message)
        raise SettingsError("; ".join(problems)) from None
