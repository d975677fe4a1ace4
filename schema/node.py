"""Opaque global ids and the `Node` interface.

An id is base64("Type:uuid"). A well-formed id of another type, or of nothing that
exists, reads exactly like a missing object: ids never reveal what exists elsewhere.
"""

import base64
import binascii
import uuid

import strawberry

from resolvers.errors import InputError


@strawberry.interface(description="An object with an opaque global id, fetchable with `node(id:)`.")
class Node:
    id: strawberry.ID = strawberry.field(description="Opaque global id.")


def raw_to_global_id(raw: str) -> strawberry.ID:
    """The opaque form of a "Type:uuid" string (as the audit log stores them)."""
    return strawberry.ID(base64.b64encode(raw.encode()).decode())


def to_global_id(type_name: str, key: uuid.UUID) -> strawberry.ID:
    return raw_to_global_id(f"{type_name}:{key}")


def from_global_id(value: str, argument: str) -> tuple[str, uuid.UUID]:
    """Splits a global id; raises a clear input error naming `argument` when malformed."""
    try:
        type_name, _, key = base64.b64decode(value, validate=True).decode().partition(":")
        return type_name, uuid.UUID(key)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InputError(
            argument,
            f"`{argument}` is not a cx360 id; pass an `id` value read from this API "
            '(base64 of "Type:uuid").',
            code="INVALID_ID",
        ) from None


def key_of_type(value: str, type_name: str, argument: str) -> uuid.UUID | None:
    """The uuid inside an id of `type_name`; None (like a missing object) for another type."""
    found_type, key = from_global_id(value, argument)
    return key if found_type == type_name else None
