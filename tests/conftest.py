"""Every test runs through the real ASGI app over HTTP, on SQLite and on PostgreSQL.

PostgreSQL tests need CX360_TEST_POSTGRES_URL (CI sets it); each test session creates
its own database there and drops it afterwards.
"""

import asyncio
import json
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from asgi_lifespan import LifespanManager
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from api.app import create_app
from api.db import create_engine, create_session_factory
from api.migrate import upgrade_engine
from api.settings import Settings
from models import Role
from models.types import set_clock
from resolvers import keys, seed

ANCHOR = datetime(2026, 11, 1, tzinfo=UTC)
SEED_CUSTOMERS = 120
POSTGRES_URL = os.environ.get("CX360_TEST_POSTGRES_URL")
NO_POSTGRES = "CX360_TEST_POSTGRES_URL is not set: PostgreSQL variants skipped (CI sets it)"
# Every query the tests send, with its variables: test_compiled_parity replays them all
# through both read paths (it runs last, see pytest_collection_modifyitems).
SENT_QUERIES: dict[tuple[str, str], None] = {}
PARITY_TESTS = "test_compiled_parity.py"


# The longest files (measured in CI: subprocesses, Chromium, outages, kill -9) start first:
# `make test` hands whole files to its processes in this order, so no long file starts
# last while the other processes sit idle.
LONGEST_FIRST = (
    "test_ingestion_crash.py",
    "test_touchpoint_ingestion.py",
    "test_cli_mistakes.py",
    "test_cli_errors.py",
    "test_graphiql.py",
    "test_export_cli.py",
    "test_cli.py",
    "test_observability.py",
    "test_redis_outage.py",
    "test_bulk_operations.py",
    "test_insights_page.py",
    "test_fuzz.py",
    "test_import.py",
    "test_write_conflicts.py",
    "test_database_outage.py",
    "test_health_state.py",
    "test_webhooks.py",
    "test_subscription_clients.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def order(item: pytest.Item) -> tuple[bool, int]:
        name = item.path.name
        rank = LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)
        return name == PARITY_TESTS, rank

    items.sort(key=order)  # stable: the order within a file stays as written


# `make test` spreads the test files over processes (pytest-xdist), then runs the parity
# test alone: each process keeps what it sent in CX360_SENT_QUERIES (a directory), one file
# per process, and the parity test reads them all. Processes that share Redis hear only
# their own changes (a prefix per process, as separate deployments would use).
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
if "PYTEST_XDIST_WORKER" in os.environ:
    os.environ.setdefault("CX360_REDIS_PREFIX", f"cx360-test-{WORKER}-{uuid.uuid4().hex[:6]}")


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Drops the migrated templates. With CX360_SENT_QUERIES=directory, keeps the sent
    queries to replay the parity test."""
    for kind, url in MIGRATED.items():
        if kind == "postgres":
            asyncio.run(_drop_postgres_database(url))
        else:
            Path(str(make_url(url).database)).unlink(missing_ok=True)
    target = os.environ.get("CX360_SENT_QUERIES")
    if target and SENT_QUERIES:
        Path(target).mkdir(parents=True, exist_ok=True)
        # Added to what a run before kept under this name (the parity run's own processes
        # have the same names as the first run's): a replay never loses queries.
        kept = Path(target) / f"{WORKER}.json"
        found = {tuple(q): None for q in json.loads(kept.read_text())} if kept.exists() else {}
        kept.write_text(json.dumps(list({**found, **SENT_QUERIES})))


@dataclass
class Backend:
    name: str
    url: str
    engine: AsyncEngine
    data: seed.Dataset
    keys: dict[Role, str] = field(default_factory=dict)


@dataclass
class Api:
    """An HTTP client on the app, with a statement counter on the app's own engine."""

    backend: Backend
    client: httpx.AsyncClient
    statements: list[str]
    # The ASGI app, for tests that drive its background tasks.
    app: Any = None

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        role: Role = Role.ADMIN,
        key: str | None = None,
    ) -> httpx.Response:
        token = key or self.backend.keys[role]
        if len(query) <= 20_000:
            SENT_QUERIES.setdefault((query, json.dumps(variables or {}, sort_keys=True)), None)
        return await self.client.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {token}"},
        )

    async def query(
        self, query: str, variables: dict[str, Any] | None = None, role: Role = Role.ADMIN
    ) -> dict[str, Any]:
        """Data of a query that must succeed."""
        response = await self.post(query, variables, role)
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    async def errors(self, query: str, variables: dict[str, Any] | None = None) -> list[Any]:
        response = await self.post(query, variables)
        assert response.status_code in (200, 400), response.text
        body = response.json()
        assert body.get("errors"), body
        assert "Traceback" not in response.text
        return body["errors"]


# Migrated once per test process and kind, then copied for each database a test asks
# for (a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL): the same tables
# as `cx360 migrate` gives, without running every migration again each time.
MIGRATED: dict[str, str] = {}


async def _postgres_database(template: str | None = None) -> str:
    assert POSTGRES_URL
    name = f"cx360_test_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        copied = f' TEMPLATE "{template}"' if template else ""
        await connection.execute(sa.text(f'CREATE DATABASE "{name}"{copied}'))
    await admin.dispose()
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


async def _migrated(kind: str, directory: Path) -> str:
    """A new migrated database of `kind`: its URL."""
    if kind not in MIGRATED:
        if kind == "postgres":
            url = await _postgres_database()
        else:
            template = (
                Path(os.environ.get("TMPDIR", "/tmp")) / f"cx360-migrated-{uuid.uuid4().hex}.db"
            )
            url = f"sqlite+aiosqlite:///{template}"
        engine = create_engine(url)
        try:
            await upgrade_engine(engine)
        finally:
            await engine.dispose()
        MIGRATED[kind] = url
    if kind == "postgres":
        return await _postgres_database(make_url(MIGRATED[kind]).database)
    target = directory / "cx360.db"
    shutil.copyfile(str(make_url(MIGRATED[kind]).database), target)
    return f"sqlite+aiosqlite:///{target}"


async def _drop_postgres_database(url: str) -> None:
    assert POSTGRES_URL
    admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        name = make_url(url).database
        await connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


@asynccontextmanager
async def database(kind: str, directory: Path, customers: int) -> AsyncIterator[Backend]:
    """A migrated database with `customers` seeded customers and one key per role."""
    if kind == "postgres" and not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    url = await _migrated(kind, directory)
    engine = create_engine(url)
    try:
        data = seed.generate(customers, seed=7, anchor=ANCHOR)
        await seed.write(engine, data, lambda _: None)
        found = Backend(kind, url, engine, data)
        sessions = create_session_factory(engine)
        for role in Role:
            issued = await keys.create_key(sessions, f"test-{role.value.lower()}", role)
            found.keys[role] = issued.token
        yield found
    finally:
        await engine.dispose()
        if kind == "postgres":
            await _drop_postgres_database(url)


@asynccontextmanager
async def serving(backend: Backend, watched: bool = True, **settings: Any) -> AsyncIterator[Api]:
    """The app on `backend`; `watched`: its statements are counted (`Api.statements`),
    through SQLAlchemy's cursor events, which keep the fast read path on SQLAlchemy's
    cursors (resolvers/compiled/statement.py): pass False to serve it as deployed."""
    # No webhook task unless a test asks: its rounds would add to the statement counts.
    settings.setdefault("webhooks", False)
    settings.setdefault("scheduler", False)  # the same for the scheduler's rounds
    settings.setdefault("bulk_operations", False)  # and for the bulk job runner's polls
    app = create_app(Settings(database_url=backend.url, **settings))
    # Generous bounds: on a loaded machine a shutdown that stops the background tasks
    # has taken over asgi-lifespan's default 5 s.
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30):
        statements: list[str] = []
        for engine in app.state.engines if watched else ():
            sa.event.listen(
                engine.sync_engine,
                "before_cursor_execute",
                lambda _c, _cur, statement, *_: statements.append(statement),
            )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cx360.test") as client:
            yield Api(backend, client, statements, app)


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
async def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Backend]:
    """The shared read-only dataset: tests on it must not write."""
    async with database(request.param, tmp_path_factory.mktemp("db"), SEED_CUSTOMERS) as found:
        yield found


@pytest.fixture(scope="session")
async def api(backend: Backend) -> AsyncIterator[Api]:
    async with serving(backend) as client:
        yield client


# Settings for tests that send many requests: the rate limit never stops them.
UNLIMITED = {"rate_limit_capacity": 10**12, "rate_limit_per_second": 10**9}


def served(
    directory: str,
    customers: int,
    clocked: bool = False,
    setup: Callable[[Api], Awaitable[None]] | None = None,
    paths: Callable[[Path], dict[str, Any]] | None = None,
    **settings: Any,
) -> Any:
    """A module fixture, on SQLite and on PostgreSQL: a database of the module's own
    (`customers` seeded, in a temporary `directory`) and the app serving it with `settings`
    (`serving`'s defaults otherwise). `clocked`: started under the module's `clock`
    fixture, so the server's every "now" is that clock's from the start. `setup`: awaited
    with the started app before the first test (rows the module's tests share). `paths`:
    more settings naming files, given the temporary directory.

    A module fixture of one database on both kinds, served by one app, is made here. The
    rest use `database` or `serving` directly: several apps over one database
    (test_fast_writes, test_compiled_parity, test_value_ranges, test_sla_live), a test's
    own app with other settings over a fixture's rows (`serving(api.backend, ...)`) or
    over a database of its own (test_bulk_operations' limits), databases of one kind or
    two at once (test_replicas, test_metrics_property), and `cx360 serve` processes over a
    database (test_subscriptions, test_webhooks)."""

    async def fixture(
        request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
    ) -> AsyncIterator[Api]:
        if clocked:
            request.getfixturevalue("clock")
        found_directory = tmp_path_factory.mktemp(directory)
        more = paths(found_directory) if paths is not None else {}
        async with (
            database(request.param, found_directory, customers) as found,
            serving(found, **settings, **more) as api,
        ):
            if setup is not None:
                await setup(api)
            yield api

    return pytest.fixture(scope="module", params=["sqlite", "postgres"])(fixture)


# A database of the test module's own (a few seeded customers) for tests that write.
writable = served("writes", 5)


async def new_customer(api: Api, name: str = "New", segment: str | None = None) -> str:
    """A customer created through the API, with an email of its own (and `segment` when
    given); its global id."""
    given = {"name": name, "email": f"{name.lower()}-{uuid.uuid4().hex}@x.example"}
    if segment is not None:
        given["segment"] = segment
    data = await api.query(
        "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { customer { id } } }",
        {"i": given},
    )
    found: str = data["createCustomer"]["customer"]["id"]
    return found


def app_logins(customer: dict[str, Any], source: str, external_ids: list[str]) -> list[Any]:
    """One `app_login` TouchpointInput per external id, all for `customer` (a reference)
    at the same moment: events that differ only by their idempotency key."""
    return [
        {
            "customer": customer,
            "occurredAt": "2026-10-01T00:00:00Z",
            "channel": "APP",
            "stage": "RETENTION",
            "team": "PRODUCT",
            "kind": "app_login",
            "source": source,
            "externalId": external_id,
        }
        for external_id in external_ids
    ]


class Clock:
    """The server's clock for a test module: stands still until a test moves it."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def move(self, by: timedelta) -> datetime:
        self.at += by
        return self.at


@contextmanager
def clock_at(start: datetime) -> Iterator[Clock]:
    """Every "now" of this process comes from the returned clock until the block ends."""
    found = Clock(start)
    set_clock(found.now)
    try:
        yield found
    finally:
        set_clock(None)


def module_clock(start: datetime) -> Any:
    """A module fixture `clock`: the server's clock for the module, at `start` until moved."""

    def fixture() -> Iterator[Clock]:
        with clock_at(start) as found:
            yield found

    return pytest.fixture(scope="module")(fixture)


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
