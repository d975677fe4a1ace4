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

import sqlalchemy as sa
from sqlmodel import col

from models import ApiKey, Role
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


async def revoke_key(sessions: Sessions, name_or_id: str) -> int:
    """Revokes the active key(s) with this name or id; returns how many were revoked."""
    matches = col(ApiKey.name) == name_or_id
    with contextlib.suppress(ValueError):
        matches = matches | (col(ApiKey.id) == uuid.UUID(name_or_id))
    async with sessions() as session, session.begin():
        result = await session.execute(
            sa.update(ApiKey)
            .where(matches, col(ApiKey.revoked_at).is_(None))
            .values(revoked_at=utc_now())
        )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def find_active_key(sessions: Sessions, token: str) -> ApiKey | None:
    now = utc_now()
    statement = sa.select(ApiKey).where(
        col(ApiKey.key_hash) == digest(token),
        col(ApiKey.revoked_at).is_(None),
        col(ApiKey.expires_at).is_(None) | (col(ApiKey.expires_at) > now),
    )
    async with sessions() as session:
        return (await session.execute(statement)).scalar_one_or_none()
