"""Which failures are the infrastructure's, and the answers a caller gets for failures.

Anything that is not a deliberate user error is answered without its own words (driver
messages name hosts, ports, statements and sometimes values): the database or Redis
being unreachable is `SERVICE_UNAVAILABLE` (HTTP 503 with Retry-After, the client may
retry), anything else `INTERNAL_SERVER_ERROR` ("Unexpected error.", HTTP 500). Both carry
the request id that is in the server's log line.
"""

import contextlib
import errno
import logging
import socket
import traceback
import uuid
from collections.abc import Iterator

import asyncpg  # type: ignore[import-untyped]
import redis.exceptions
import sqlalchemy.exc
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("cx360.failures")

UNAVAILABLE = "The service is temporarily unavailable; retry shortly."
UNEXPECTED = "Unexpected error."
RETRY_AFTER_SECONDS = 2

# Kinds of "the database or Redis is not there (now)": connecting failed, the server
# shut down or restarted, the connection dropped, no connection came from the pool.
_UNAVAILABLE_KINDS: tuple[type[BaseException], ...] = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.DisconnectionError,
    sqlalchemy.exc.TimeoutError,  # the pool had no connection to give in time
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    ConnectionError,
    socket.gaierror,
)
_NETWORK_ERRNOS = {
    errno.ECONNREFUSED,
    errno.ECONNRESET,
    errno.EHOSTUNREACH,
    errno.ENETUNREACH,
    errno.ENETDOWN,
    errno.EADDRNOTAVAIL,
    errno.ETIMEDOUT,
}


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error and everything it wraps (causes, driver originals, GraphQL originals)."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending += [current.__cause__, current.__context__]
        for attribute in ("orig", "original_error"):
            wrapped = getattr(current, attribute, None)
            if isinstance(wrapped, BaseException):
                pending.append(wrapped)


def is_unavailable(error: BaseException) -> bool:
    """Whether `error` means the database or Redis cannot be reached right now."""
    for found in _chain(error):
        if isinstance(found, _UNAVAILABLE_KINDS):
            return True
        if isinstance(found, sqlalchemy.exc.DBAPIError) and found.connection_invalidated:
            return True
        # asyncio's "Multiple exceptions: ..." when every address refused has no errno.
        if type(found) is OSError and (found.errno in _NETWORK_ERRNOS or found.errno is None):
            return True
    return False


def _wrapper(error: BaseException) -> bool:
    """SQLAlchemy's and strawberry's wrappers, which say nothing of the cause themselves."""
    module = type(error).__module__
    return module.startswith(("sqlalchemy", "graphql", "strawberry"))


_DATABASE_KINDS = (sqlalchemy.exc.SQLAlchemyError, asyncpg.PostgresError, asyncpg.InterfaceError)
_BACKEND_MODULES = {
    "asyncpg": "database",
    "sqlalchemy": "database",
    "aiosqlite": "database",
    "redis": "redis",
}


def _raised_by(error: BaseException) -> dict[str, str]:
    """{"backend": ...} from the driver modules in the error's traceback, if any."""
    frames = traceback.walk_tb(error.__traceback__)
    for frame, _ in reversed(list(frames)):
        module = str(frame.f_globals.get("__name__", "")).split(".")[0]
        if module in _BACKEND_MODULES:
            return {"backend": _BACKEND_MODULES[module]}
    return {}


def failure_kind(error: BaseException) -> dict[str, str]:
    """What an operator needs to tell causes apart, by kind (no message, no values):
    `backend` ("database" or "redis"), `cause` (the innermost driver or OS exception:
    `TooManyConnectionsError`, `CannotConnectNowError`, `ConnectionRefusedError`; a bare
    OSError by its errno name), `errno` (its name) and `sqlstate` when there are some."""
    kind: dict[str, str] = {}
    deepest: tuple[int, BaseException] | None = None
    level: list[BaseException] = [error]
    seen: set[int] = set()
    depth = 0
    while level:  # breadth first, so the last cause found is the innermost one
        following: list[BaseException] = []
        for found in level:
            if id(found) in seen:
                continue
            seen.add(id(found))
            if isinstance(found, redis.exceptions.RedisError):
                kind.setdefault("backend", "redis")
            elif isinstance(found, _DATABASE_KINDS):
                kind.setdefault("backend", "database")
            if "backend" not in kind:  # a bare OSError: whose code raised it
                kind.update(_raised_by(found))
            sqlstate = getattr(found, "sqlstate", None)
            if isinstance(sqlstate, str) and sqlstate:
                kind.setdefault("sqlstate", sqlstate)
            if not _wrapper(found) and (deepest is None or depth >= deepest[0]):
                deepest = (depth, found)
            for wrapped in (found.__cause__, found.__context__, getattr(found, "orig", None)):
                if isinstance(wrapped, BaseException):
                    following.append(wrapped)
            original = getattr(found, "original_error", None)
            if isinstance(original, BaseException):
                following.append(original)
        level, depth = following, depth + 1
    if deepest is not None:
        cause = deepest[1]
        number = getattr(cause, "errno", None)
        name = errno.errorcode.get(number, "") if isinstance(number, int) else ""
        kind["cause"] = name if type(cause) is OSError and name else type(cause).__name__
        if name:
            kind["errno"] = name
    return kind


def failure_code(error: BaseException) -> str:
    return "SERVICE_UNAVAILABLE" if is_unavailable(error) else "INTERNAL_SERVER_ERROR"


def failure_response(error: BaseException, request_id: str) -> JSONResponse:
    """The answer to an exception no handler expected: never its message."""
    unavailable = is_unavailable(error)
    return JSONResponse(
        {
            "data": None,
            "errors": [
                {
                    "message": UNAVAILABLE if unavailable else UNEXPECTED,
                    "extensions": {
                        "code": failure_code(error),
                        "requestId": request_id,
                    },
                }
            ],
        },
        status_code=503 if unavailable else 500,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)} if unavailable else None,
    )


def log_failure(error: BaseException, request_id: str, where: str) -> None:
    """Unavailability as a warning, anything else with its stack; never the message."""
    fields = {"request_id": request_id, "path": where, "error": type(error).__name__}
    if is_unavailable(error):
        fields.update(failure_kind(error))
        log.warning("database or redis unavailable", extra={"fields": fields})
    else:
        log.error("unexpected error", extra={"fields": fields}, exc_info=error)


class FailureAnswers:
    """Answers any exception that reached the middleware stack with the JSON error above
    (never Starlette's text/plain 500 nor the exception's words); closes a WebSocket
    with 1013 (try again later) or 1011."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            if message["type"] in ("http.response.start", "websocket.accept", "websocket.close"):
                started = True
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as error:
            state = scope.setdefault("state", {})
            request_id = state.get("request_id") or uuid.uuid4().hex
            log_failure(error, request_id, scope["path"])
            state.setdefault("error_codes", []).append(failure_code(error))
            if scope["type"] == "websocket":
                code = 1013 if is_unavailable(error) else 1011
                with contextlib.suppress(Exception):  # the socket may be gone already
                    await send({"type": "websocket.close", "code": code})
                return
            if started:  # the answer is on its way: nothing better to send
                raise
            await failure_response(error, request_id)(scope, receive, send)
