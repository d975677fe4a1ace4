"""What went wrong in a `cx360` command, in one line an operator can act on.

Every subcommand's failure passes through `explain`: the cause is found by kind (a
setting that does not validate, a database that cannot be reached or lacks its tables,
a port in use) in the exception chain, never by the command that hit it. Messages name
the host, port, database and user, never a password.
"""

import errno
import socket
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit, urlunsplit

from pydantic import ValidationError
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from api.settings import Settings, accepted
from resolvers.errors import InputError


class CommandError(Exception):
    """A failure the command already put in words (the message says what to do)."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


@dataclass(frozen=True)
class Explained:
    message: str
    exit_code: int = 1


@dataclass(frozen=True)
class Database:
    """Where CX360_DATABASE_URL points, without its password."""

    url: str

    @property
    def sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @property
    def name(self) -> str:
        return str(self._parts().database or "")

    @property
    def user(self) -> str:
        return str(self._parts().username or "")

    @property
    def server(self) -> str:
        parts = self._parts()
        return f"{parts.host or 'localhost'}:{parts.port or 5432}"

    def _parts(self) -> URL:
        try:
            return make_url(self.url)
        except ArgumentError:
            return make_url("postgresql://")


# Query parameters that may carry a secret (`?password=...`), compared case-insensitively.
SECRET_PARAMETERS = frozenset({"password", "pass", "pwd", "secret", "token"})


def without_password(url: str) -> str:
    """`url` as it may be shown: no `user:password@`, no `?password=` (any secret parameter).

    `postgresql://app:pw@db:5432/cx360?sslpassword=x&password=y` reads
    `postgresql://app@db:5432/cx360?sslpassword=x&password=***`. Every place that shows a
    URL (the startup line, CLI errors, logs) goes through here.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return url.split("://", 1)[0] + "://…"
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}@{hostport}" if user else hostport
    query = "&".join(
        f"{name}=***" if name.lower() in SECRET_PARAMETERS else piece
        for piece in parts.query.split("&")
        if piece
        for name in [unquote(piece.split("=", 1)[0])]
    )
    if netloc == parts.netloc and query == parts.query:
        return url
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def causes(error: BaseException) -> Iterator[BaseException]:
    """The error, then what caused it, down the chain (each once)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


NO_TABLES = "the database has no cx360 tables ({reason}): run `cx360 migrate` first"
CREATE_HINTS = {
    "3D000": 'database "{name}" does not exist on {server}: create it (createdb -h {host} '
    "-p {port} {name}) or fix CX360_DATABASE_URL",
    "28P01": 'password authentication failed for user "{user}" on {server}: fix the password '
    "in CX360_DATABASE_URL",
    "28000": "{server} refused the connection ({reason}): fix the user in CX360_DATABASE_URL "
    "or the server's pg_hba.conf",
    "42P01": NO_TABLES,
    "53300": "{server} has no free connections ({reason}): retry later or lower "
    "CX360_DATABASE_POOL_SIZE",
    "57P03": "{server} is starting up or shutting down ({reason}): retry in a moment",
}


def _postgres(error: BaseException, database: Database) -> Explained | None:
    sqlstate = getattr(error, "sqlstate", None)
    if not isinstance(sqlstate, str) or sqlstate not in CREATE_HINTS:
        return None
    host, _, port = database.server.rpartition(":")
    reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    return Explained(
        CREATE_HINTS[sqlstate].format(
            name=database.name,
            user=database.user,
            server=database.server,
            host=host,
            port=port,
            reason=reason,
        )
    )


def _sqlite(error: sqlite3.Error, database: Database) -> Explained | None:
    reason = str(error)
    if reason.startswith("no such table"):
        return Explained(NO_TABLES.format(reason=reason))
    if "unable to open database file" in reason:
        path = database.url.split(":///", 1)[-1]
        return Explained(
            f"cannot open the SQLite database {path}: make sure its directory exists and "
            "is writable, or fix CX360_DATABASE_URL"
        )
    if "database is locked" in reason:
        return Explained("the SQLite database is locked by another process: retry when it is done")
    return None


def _network(error: OSError, database: Database) -> Explained | None:
    if database.sqlite:
        return None
    if isinstance(error, socket.gaierror):
        host = database.server.rpartition(":")[0]
        return Explained(f'unknown database host "{host}": fix the host in CX360_DATABASE_URL')
    if isinstance(error, TimeoutError):
        return Explained(
            f"PostgreSQL at {database.server} did not answer in time: check that it runs "
            "and is reachable, or fix CX360_DATABASE_URL"
        )
    if isinstance(error, ConnectionError) or error.errno in (
        errno.ECONNREFUSED,
        errno.EHOSTUNREACH,
        errno.ENETUNREACH,
    ):
        return Explained(
            f"cannot reach PostgreSQL at {database.server} ({_reason(error)}): "
            "start the server or fix the host and port in CX360_DATABASE_URL"
        )
    return None


def _reason(error: OSError) -> str:
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    return error.strerror or str(error)


FILE_PROBLEMS: dict[type[OSError], str] = {
    FileNotFoundError: "no such file: check the path",
    IsADirectoryError: "is a directory: give a file",
    NotADirectoryError: "a part of the path is not a directory: check the path",
    PermissionError: "permission denied: make it readable (or writable) for this user",
}


def _file(error: OSError) -> Explained | None:
    """A file named on the command line (or in a setting) that cannot be used."""
    if error.filename is None:
        return None
    for kind, problem in FILE_PROBLEMS.items():
        if isinstance(error, kind):
            return Explained(f"{error.filename}: {problem}")
    return Explained(f"{error.filename}: {error.strerror or type(error).__name__}")


def _settings(error: ValidationError) -> Explained:
    problems = []
    for problem in error.errors():
        field = "_".join(str(part) for part in problem["loc"])
        message = str(problem["msg"]).removeprefix("Value error, ")
        values = accepted(field) if field in Settings.model_fields else ""
        if values and problem["type"] != "value_error":
            message += f" (accepted: {values})"
        problems.append(f"CX360_{field.upper()}: {message}")
    return Explained("; ".join(problems) + " (see docs/configuration.md)")


def explain(error: BaseException, database_url: str | None) -> Explained:
    """One line for `error`; unknown kinds say so and point at --debug."""
    database = Database(database_url or "sqlite://")
    for cause in causes(error):
        if isinstance(cause, CommandError):
            return Explained(cause.message, cause.exit_code)
        if isinstance(cause, InputError):
            return Explained(cause.message)
        if isinstance(cause, ValidationError):
            return _settings(cause)
        found: Explained | None = None
        if isinstance(cause, sqlite3.Error):
            found = _sqlite(cause, database)
        elif isinstance(cause, OSError):
            found = _file(cause) or _network(cause, database)
        else:
            found = _postgres(cause, database)
        if found is not None:
            return found
    first = (str(error).splitlines() or [""])[0]
    if database_url:
        first = first.replace(database_url, without_password(database_url))
    return Explained(
        f"unexpected error ({type(error).__name__}: {first[:200]}): "
        "rerun with `cx360 --debug ...` for the full traceback"
    )
