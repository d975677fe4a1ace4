"""API keys: issued once in plain text, stored as SHA-256 digests, revocable.

Keys are 256-bit random tokens, so a fast digest is enough: nothing to brute-force,
and the lookup stays a single indexed equality per request.
"""

import contextlib
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from models import ApiKey, Role, TrustedDocument
from models.types import utc_now
from resolvers.errors import InputError
from resolvers.pagination import Sessions

KEY_PREFIX = "cx360_"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    token: str


async def create_key(
    sessions: Sessions,
    name: str,
    role: Role,
    expires_at: datetime | None = None,
    replace: bool = False,
) -> IssuedKey:
    """Issues a key; with `replace`, active keys of the same name are revoked in the same step."""
    name = name.strip()
    if not name:
        raise InputError("name", "a key needs a non-empty --name")
    token = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        name=name, role=role, key_hash=digest(token), key_prefix=token[:12], expires_at=expires_at
    )
    async with sessions() as session, session.begin():
        active = col(ApiKey.revoked_at).is_(None) & (col(ApiKey.name) == name)
        if replace:
            await session.execute(sa.update(ApiKey).where(active).values(revoked_at=utc_now()))
        elif (await session.execute(sa.select(sa.func.count()).where(active))).scalar_one():
            raise InputError(
                "name", f"an active key named '{name}' exists: choose another --name or --replace"
            )
        session.add(key)
    return IssuedKey(key=key, token=token)


async def list_keys(sessions: Sessions) -> list[ApiKey]:
    async with sessions() as session:
        statement = sa.select(ApiKey).order_by(col(ApiKey.created_at), col(ApiKey.name))
        return list((await session.execute(statement)).scalars())


def _named(name_or_id: str) -> Any:
    """Keys with this name, id or shown prefix (`cx360_ohOqCY…`, as `keys list` prints it)."""
    given = name_or_id.strip()
    matches = col(ApiKey.name) == given
    with contextlib.suppress(ValueError):
        matches = matches | (col(ApiKey.id) == uuid.UUID(given))
    prefix = given.rstrip("…").removesuffix("...")
    if prefix.startswith(KEY_PREFIX) and len(prefix) > len(KEY_PREFIX):
        matches = matches | (col(ApiKey.key_prefix) == prefix[:12])
    return matches


async def _active_key(session: Any, name_or_id: str) -> ApiKey:
    """The one active key `name_or_id` names, or an InputError saying why there is none."""
    found = list(
        (
            await session.execute(
                sa.select(ApiKey).where(_named(name_or_id), col(ApiKey.revoked_at).is_(None))
            )
        ).scalars()
    )
    if len(found) > 1:
        raise InputError(
            "key", f"'{name_or_id.strip()}' names {len(found)} keys: give the whole id instead"
        )
    if found:
        key: ApiKey = found[0]
        return key
    raise InputError("key", await _none_active(session, name_or_id))


async def _none_active(session: Any, name_or_id: str) -> str:
    given = name_or_id.strip()
    revoked = (
        await session.execute(sa.select(sa.func.count()).where(_named(name_or_id)))
    ).scalar_one()
    if revoked:
        return f"key '{given}' is already revoked: see `cx360 keys list`"
    return f"no active key named or with id '{given}': see `cx360 keys list`"


async def revoke_key(sessions: Sessions, name_or_id: str) -> int:
    """Revokes the active key(s) with this name, id or prefix; returns how many."""
    matches = _named(name_or_id)
    async with sessions() as session, session.begin():
        active = list(
            (
                await session.execute(
                    sa.select(col(ApiKey.id), col(ApiKey.name)).where(
                        matches, col(ApiKey.revoked_at).is_(None)
                    )
                )
            ).all()
        )
        if not active:
            raise InputError("key", await _none_active(session, name_or_id))
        if len({name for _, name in active}) > 1:
            raise InputError(
                "key",
                f"'{name_or_id.strip()}' names {len(active)} keys: give the whole id instead",
            )
        await session.execute(
            sa.update(ApiKey)
            .where(col(ApiKey.id).in_([key_id for key_id, _ in active]))
            .values(revoked_at=utc_now())
        )
    return len(active)


async def trusted_counts(sessions: Sessions) -> dict[uuid.UUID, int]:
    """How many documents each key has registered (keys without any are left out)."""
    statement = sa.select(col(TrustedDocument.key_id), sa.func.count()).group_by(
        col(TrustedDocument.key_id)
    )
    async with sessions() as session:
        return {key_id: int(count) for key_id, count in (await session.execute(statement)).all()}


class ActiveKey(NamedTuple):
    id: uuid.UUID
    name: str
    role: Role
    trusted_documents_only: bool


def usable_at(now: Any) -> list[ColumnElement[bool]]:
    """Not revoked and not expired at `now`: what makes a key work."""
    return [
        col(ApiKey.revoked_at).is_(None),
        col(ApiKey.expires_at).is_(None) | (col(ApiKey.expires_at) > now),
    ]


# Built once: every request runs it, so only the bind values change.
ACTIVE_KEY = sa.select(
    col(ApiKey.id), col(ApiKey.name), col(ApiKey.role), col(ApiKey.trusted_documents_only)
).where(col(ApiKey.key_hash) == sa.bindparam("digest"), *usable_at(sa.bindparam("now")))


async def find_active_key(sessions: Sessions, token: str) -> ActiveKey | None:
    async with sessions() as session:
        found = (
            await session.execute(ACTIVE_KEY, {"digest": digest(token), "now": utc_now()})
        ).one_or_none()
    return ActiveKey(*found) if found is not None else None


# Said to a WebSocket whose key stopped working while it was open.
KEY_ENDED = "This key was revoked or has expired."


async def key_is_active(sessions: Sessions, key_id: uuid.UUID) -> bool:
    """For long-lived connections: a revoked or expired key's subscriptions end."""
    statement = sa.select(col(ApiKey.id)).where(col(ApiKey.id) == key_id, *usable_at(utc_now()))
    async with sessions() as session:
        return (await session.execute(statement)).first() is not None


def document_hash(document: str) -> str:
    """The persisted-query id of a document: SHA-256 of its exact text, as clients send it."""
    return hashlib.sha256(document.encode()).hexdigest()


async def trust_documents(
    sessions: Sessions, name_or_id: str, documents: dict[str, str], only: bool = True
) -> list[str]:
    """Registers documents (name -> text) for the active key; with `only`, restricts it."""
    async with sessions() as session, session.begin():
        key = await _active_key(session, name_or_id)
        hashes = []
        for name, text in documents.items():
            digest_ = document_hash(text)
            hashes.append(digest_)
            await session.merge(
                TrustedDocument(key_id=key.id, sha256=digest_, name=name, document=text)
            )
        key.trusted_documents_only = key.trusted_documents_only or only
    return hashes


@dataclass(frozen=True)
class Untrusted:
    removed: int
    remaining: int
    restricted: bool


async def untrust_documents(
    sessions: Sessions, name_or_id: str, documents: list[str] | None
) -> Untrusted:
    """Unregisters documents (their texts; None: all) from the active key.

    A key left with no documents is no longer restricted to them: restricted to nothing,
    it could run nothing.
    """
    async with sessions() as session, session.begin():
        key = await _active_key(session, name_or_id)
        mine = col(TrustedDocument.key_id) == key.id
        chosen = (
            mine
            if documents is None
            else mine & col(TrustedDocument.sha256).in_([document_hash(d) for d in documents])
        )
        deleted = await session.execute(sa.delete(TrustedDocument).where(chosen))
        removed = deleted.rowcount  # type: ignore[attr-defined]
        remaining = (await session.execute(sa.select(sa.func.count()).where(mine))).scalar_one()
        if not remaining:
            key.trusted_documents_only = False
    return Untrusted(int(removed), int(remaining), key.trusted_documents_only)


async def trusted_document(sessions: Sessions, key_id: uuid.UUID, sha256: str) -> str | None:
    statement = sa.select(col(TrustedDocument.document)).where(
        col(TrustedDocument.key_id) == key_id, col(TrustedDocument.sha256) == sha256
    )
    async with sessions() as session:
        return (await session.execute(statement)).scalar_one_or_none()


async def active_key_by_id(sessions: Sessions, key_id: uuid.UUID) -> ActiveKey | None:
    """A background job's key, if it still works (a revoked key's jobs stop)."""
    statement = sa.select(*ACTIVE_KEY.selected_columns).where(
        col(ApiKey.id) == key_id, *usable_at(utc_now())
    )
    async with sessions() as session:
        found = (await session.execute(statement)).one_or_none()
    return ActiveKey(*found) if found is not None else None


async def usable_key_named(sessions: Sessions, name_or_id: str) -> ActiveKey:
    """The one working key this name, id or shown prefix names (as `keys list` shows
    them), or an InputError on `key` saying why there is none (revoked, expired, two)."""
    async with sessions() as session:
        key = await _active_key(session, name_or_id)
    found = await active_key_by_id(sessions, key.id)
    if found is None:
        raise InputError("key", f"key '{name_or_id.strip()}' has expired: see `cx360 keys list`")
    return found


async def local_key(sessions: Sessions, name: str, role: Role) -> ActiveKey:
    """The working key `name` (with `role`), created on first use for work the command
    line does under a key of its own; its token is never shown, so it works nowhere else.

    An InputError when an active key of that name has another role."""
    async with sessions() as session:
        found = (
            (
                await session.execute(
                    sa.select(col(ApiKey.id)).where(col(ApiKey.name) == name, *usable_at(utc_now()))
                )
            )
            .scalars()
            .first()
        )
    key = await active_key_by_id(sessions, found) if found is not None else None
    if key is None:
        key = await active_key_by_id(sessions, (await create_key(sessions, name, role)).key.id)
        assert key is not None
    if key.role != role:
        raise InputError(
            "key", f"the key '{name}' is {key.role.value}, not {role.value}: revoke it first"
        )
    return key
