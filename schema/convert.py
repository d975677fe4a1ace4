"""Copying by field name: GraphQL objects from table rows, write inputs from GraphQL inputs."""

import dataclasses
from typing import TYPE_CHECKING, Any, TypeVar

import strawberry

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")

_constructor_fields: dict[type, tuple[str, ...]] = {}


def _init_fields(cls: type["DataclassInstance"]) -> tuple[str, ...]:
    names = _constructor_fields.get(cls)
    if names is None:
        fields = dataclasses.fields(cls)
        names = _constructor_fields[cls] = tuple(f.name for f in fields if f.init)
    return names


def from_row(cls: type[T], row: object, **given: Any) -> T:
    """Copies the row's same-named attributes; `given` supplies ids and derived values."""
    values = {name: getattr(row, name) for name in _init_fields(cls) if name not in given}
    return cls(**values, **given)


def from_input(cls: type[T], sent: object, **given: Any) -> T:
    """The write layer's `cls` from a strawberry input: each field of `cls` the input has
    under the same name is copied, one not sent (UNSET, or no such field) keeps `cls`'s
    default; `given` supplies the converted ones (ids, customer references, tuples)."""
    names = (name for name in _init_fields(cls) if name not in given)
    values = {name: getattr(sent, name, strawberry.UNSET) for name in names}
    return cls(**{k: v for k, v in values.items() if v is not strawberry.UNSET}, **given)
