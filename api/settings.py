"""Typed settings read from `CX360_*` environment variables (and an optional `.env`)."""

from enum import StrEnum
from functools import lru_cache
from typing import Literal, get_args

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ASYNC_DRIVERS = {
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
}


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


LogLevel = Literal["critical", "error", "warning", "info", "debug", "trace"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CX360_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///./cx360.db",
        description="sqlite:///path or postgresql://user@host:port/name (used through "
        "aiosqlite and asyncpg; the +aiosqlite / +asyncpg forms are accepted too).",
    )
    database_pool_size: int = Field(
        default=10, ge=1, le=1000, description="PostgreSQL connections per worker."
    )
    database_connections_per_request: int = Field(
        default=4,
        ge=1,
        le=100,
        description="Pool connections one request's resolvers and loaders may hold at once "
        "(the others wait their turn); docs/operators.md has the pool arithmetic.",
    )
    database_replica_url: str | None = Field(
        default=None,
        description="A PostgreSQL streaming replica for reads; writes, the reads a mutation "
        "makes, key lookups and subscription events stay on the primary.",
    )
    host: str = Field(default="127.0.0.1", description="Address `cx360 serve` binds to.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `cx360 serve` listens on.")
    workers: int = Field(default=1, ge=1, le=256, description="Worker processes for `cx360 serve`.")
    gc_threshold: int = Field(
        default=20000,
        ge=0,
        le=10_000_000,
        description="Allocations between the garbage collector's youngest collections while "
        "the app serves (Python's default is 700; the objects made at start are frozen out of "
        "its scans either way); 0 keeps Python's setting (docs/performance.md).",
    )
    graphiql: bool | None = Field(
        default=None,
        description="Serve the GraphiQL IDE on GET /graphql; default: on, except in production.",
    )
    log_level: LogLevel = Field(default="info", description="Log level for the server and SQL.")
    environment: Environment = Field(
        default=Environment.DEVELOPMENT,
        description="`production` turns off field suggestions and introspection for keys "
        "other than ANALYST and ADMIN.",
    )
    introspection: bool | None = Field(
        default=None,
        description="Introspection for every key; default: on, except in production "
        "(ANALYST and ADMIN keys always may introspect).",
    )
    max_depth: int = Field(
        default=12, ge=1, le=1000, description="Deepest selection nesting allowed."
    )
    max_aliases: int = Field(
        default=30, ge=0, le=100_000, description="Most aliases in one document."
    )
    max_tokens: int = Field(
        default=4000, ge=1, le=10_000_000, description="Most lexical tokens in one document."
    )
    max_directives: int = Field(
        default=50, ge=0, le=100_000, description="Most directives in one document."
    )
    max_document_bytes: int = Field(
        default=50_000, ge=1, le=100_000_000, description="Largest query text."
    )
    max_body_bytes: int = Field(
        default=4_000_000,
        ge=1,
        le=1_000_000_000,
        description="Largest request body (variables included).",
    )
    max_query_cost: int = Field(
        default=25_000, ge=1, description="Most cost one query may request."
    )
    rate_limit_capacity: int = Field(
        default=100_000, ge=1, description="Cost a key may spend at once (its bucket size)."
    )
    rate_limit_per_second: float = Field(
        default=1_000, gt=0, description="Cost a key's bucket regains per second."
    )
    request_timeout_seconds: float = Field(
        default=20,
        gt=0,
        le=3600,
        description="A request running longer is cancelled with its SQL and answered HTTP 504, "
        "code `TIMEOUT`.",
    )
    compiled_reads: bool = Field(
        default=True,
        description="On PostgreSQL, answer read queries whose every field has an SQL form "
        "with one statement that builds the JSON (docs/performance.md); off: resolvers only.",
    )
    fast_writes: bool = Field(
        default=True,
        description="Answer plain `recordTouchpoints` documents without strawberry's argument "
        "conversion (same checks, errors and effects; docs/performance.md); off: strawberry only.",
    )
    debug: bool = Field(
        default=False,
        description="Report in each response's `extensions.readPath` which read path "
        "(compiled or resolvers) served it, and why a query was not compiled.",
    )
    allowed_origins: list[str] = Field(
        default=[],
        description="Browser origins allowed to open the WebSocket (subscriptions), as JSON, "
        'e.g. ["https://app.example.com"]; same-origin and non-browser clients always may.',
    )
    max_subscriptions_per_connection: int = Field(
        default=20, ge=1, le=10_000, description="Most live subscriptions one WebSocket may hold."
    )
    connection_init_timeout_seconds: float = Field(
        default=5,
        gt=0,
        le=600,
        description="How long a new WebSocket may wait before sending `connection_init` "
        "(closed with 4408 after that).",
    )
    federation: bool = Field(
        default=False,
        description="Serve as an Apollo Federation 2 subgraph: Customer and Ticket are "
        "entities keyed by id, with `_service` and `_entities`.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis shared by every worker: rate-limit budgets and change "
        "announcements. While it is unreachable cx360 runs degraded (per-process limits, "
        "subscriptions fed from the change log; docs/operators.md).",
    )
    redis_prefix: str = Field(
        default="cx360",
        pattern=r"^[A-Za-z0-9_.-]{1,64}$",
        description="Starts every Redis name cx360 uses: the channel `<prefix>:changes` "
        "and the keys `<prefix>:cost:<key id>`. Deployments sharing one Redis each need "
        "their own.",
    )
    webhooks: bool = Field(
        default=True,
        description="Deliver webhooks from this process (a background task; with several "
        "workers each takes its share, none sends a delivery twice at once).",
    )
    webhook_poll_seconds: float = Field(
        default=5.0,
        gt=0,
        le=3600,
        description="Longest wait between outbox checks; changes announced in this "
        "process (or through Redis) wake the task at once.",
    )
    webhook_retry_base_seconds: float = Field(
        default=10.0,
        gt=0,
        le=3600,
        description="First retry delay; each later one doubles (jittered, at most 1 h).",
    )
    webhook_max_attempts: int = Field(
        default=8,
        ge=1,
        le=100,
        description="Attempts before a delivery is FAILED (replayable by id).",
    )
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, le=600, description="How long an endpoint has to answer one attempt."
    )
    webhook_allow_private_networks: bool = Field(
        default=False,
        description="Let webhook URLs point at private, loopback or link-local addresses "
        "(development and tests; off, partners cannot aim deliveries at internal hosts).",
    )
    change_log_retention_days: float = Field(
        default=7.0,
        gt=0,
        le=3650,
        description="How long committed changes stay resumable by subscription cursor.",
    )
    webhook_delivery_retention_days: float = Field(
        default=30.0, gt=0, le=3650, description="How long finished webhook deliveries stay listed."
    )
    scheduler: bool = Field(
        default=True,
        description="Apply changes driven by the clock alone (health rules that start to "
        "hold with time) from this process; with several workers each takes its share "
        "of what is due, none applies a change twice.",
    )
    follow_up_days: float = Field(
        default=7.0,
        gt=0,
        description="How long a resolved ticket's follow-up stays DUE (no invitation sent, "
        "no response linked) before it is MISSED.",
    )
    scheduler_interval_seconds: float = Field(
        default=30.0,
        gt=0,
        le=60,
        description="Longest wait between checks for due work; a row due sooner wakes the "
        "scheduler at its moment. Changes are applied within this long of their moment.",
    )
    proactive_upkeep: bool = Field(
        default=True,
        description="Benchmark and maintenance switch, never for serving users: false "
        "skips what every write does before it commits for the customers and tickets it "
        "touched (recompute stored health, SLA states and next-best-actions), so those go "
        "stale until recomputed. bench/proactive.py measures that upkeep's cost with it. "
        "Refused with environment production.",
    )
    read_audit: bool = Field(
        default=True,
        description="Record every response that shows a customer's unmasked email, phone or "
        "survey comment (the read audit, `readAudit`). Off only to measure its cost "
        "(bench/read.py): GDPR Art. 15 and SOC 2 answers need it on.",
    )
    read_audit_flush_seconds: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="Longest time a read-audit entry waits in the process's buffer before "
        "it is written (5,000 waiting entries are written at once; all of them at shutdown).",
    )
    bulk_operations: bool = Field(
        default=True,
        description="Run bulk export and import jobs from this process (a background "
        "task; with several workers each takes its share, none runs a job twice at once).",
    )
    bulk_dir: str | None = Field(
        default=None,
        description="Where bulk export files, import uploads and error reports are kept; "
        "default: cx360-bulk in the system's temporary directory. Shared by every worker.",
    )
    bulk_upload_max_bytes: int = Field(
        default=1_000_000_000, gt=0, description="Largest JSONL file a staged upload takes."
    )
    bulk_url_ttl_seconds: float = Field(
        default=3600.0,
        gt=0,
        description="How long a bulk operation's download URL or a staged upload URL works.",
    )
    bulk_copy_lines: int = Field(
        default=5000,
        ge=1,
        le=100_000,
        description="On PostgreSQL, lines of a recordTouchpoints bulk import stored per "
        "progress commit (through COPY, up to 5,000 events per transaction); a restarted "
        "job repeats at most this many lines, each stored once by its idempotency key.",
    )
    bulk_file_retention_hours: float = Field(
        default=168.0,
        gt=0,
        description="How long bulk files are kept: an export's lines and an import's error "
        "report this long after the operation finished, an uploaded file this long after "
        "its upload URL expired. The scheduler then deletes them and their URLs answer "
        "410 GONE. Applies to operations and uploads that finish or are staged from then on.",
    )
    bulk_lease_seconds: float = Field(
        default=30.0,
        gt=0,
        description="How long a running bulk job's claim lasts unless renewed (it renews "
        "every third of it): a job whose process died is resumed by another (or the "
        "restarted) process after this long.",
    )

    @model_validator(mode="after")
    def _upkeep_in_production(self) -> "Settings":
        if not self.proactive_upkeep and self.environment == Environment.PRODUCTION:
            raise ValueError(
                "proactive_upkeep=false is a benchmark and maintenance switch: stored health, "
                "SLA states and next-best-actions would go stale; not with environment "
                "production"
            )
        return self

    @field_validator("environment", "log_level", mode="before")
    @classmethod
    def _any_case(cls, value: object) -> object:
        """`Production` and `INFO` read as `production` and `info`."""
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("database_url", "database_replica_url")
    @classmethod
    def _async_driver(cls, url: str | None) -> str | None:
        """Plain `postgresql://`, `postgres://` and `sqlite://` URLs use the async drivers."""
        if url is None:
            return None
        scheme, separator, rest = url.partition("://")
        examples = "postgresql://user@host:5432/cx360 or sqlite:///path/to/cx360.db"
        if not separator:
            raise ValueError(f"not a database URL: write it as {examples}")
        if scheme in ASYNC_DRIVERS:
            return f"{ASYNC_DRIVERS[scheme]}{separator}{rest}"
        if scheme not in ASYNC_DRIVERS.values():
            raise ValueError(
                f"'{scheme}://' is not supported: use postgresql:// (asyncpg) or sqlite:// "
                f"(aiosqlite), e.g. {examples}"
            )
        return url

    @property
    def production(self) -> bool:
        return self.environment is Environment.PRODUCTION

    @property
    def graphiql_enabled(self) -> bool:
        return self.graphiql if self.graphiql is not None else not self.production

    @property
    def introspection_for_everyone(self) -> bool:
        return self.introspection if self.introspection is not None else not self.production


def accepted(name: str) -> str:
    """What setting `name` accepts, in words (`1 to 65535`, `development or production`)."""
    field = Settings.model_fields[name]
    choices = get_args(field.annotation)
    if isinstance(field.annotation, type) and issubclass(field.annotation, StrEnum):
        choices = tuple(member.value for member in field.annotation)
    if choices and all(isinstance(choice, str) for choice in choices):
        return " or ".join([", ".join(choices[:-1]), choices[-1]] if len(choices) > 1 else choices)
    bounds = {
        key: getattr(m, key)
        for m in field.metadata
        for key in ("ge", "gt", "le", "lt")
        if hasattr(m, key)
    }
    low = (
        f"{bounds['ge']}"
        if "ge" in bounds
        else (f"more than {bounds['gt']}" if "gt" in bounds else "")
    )
    high = f"{bounds['le']}" if "le" in bounds else ""
    if low and high:
        return f"{low} to {high}"
    if low:
        return low if low.startswith("more") else f"{low} or more"
    return ""


@lru_cache
def get_settings() -> Settings:
    return Settings()
