"""API keys: only a SHA-256 digest of each key is stored."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import metadata as _metadata  # noqa: F401  (naming convention first)
from models.enums import Role
from models.types import UTCDateTime, enum_column, utc_now


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(sa_type=sa.String(100), index=True)
    role: Role = Field(sa_type=enum_column(Role, "role"))
    key_hash: str = Field(sa_type=sa.String(64), unique=True)
    # The first characters of the key, shown in listings so operators can tell keys apart.
    key_prefix: str = Field(sa_type=sa.String(16))
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Partner keys can be held to their registered documents (persisted queries) only.
    trusted_documents_only: bool = Field(default=False)


class TrustedDocument(SQLModel, table=True):
    """A GraphQL document registered for a key, addressed by the SHA-256 of its text."""

    __tablename__ = "trusted_document"

    key_id: uuid.UUID = Field(foreign_key="api_key.id", primary_key=True)
    sha256: str = Field(sa_type=sa.String(64), primary_key=True)
    name: str = Field(sa_type=sa.String(200))
    document: str = Field(sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
