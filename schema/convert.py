"""Building GraphQL objects from table rows."""

import dataclasses
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")

_constructor_fields: dict[type, tuple[str, ...]] = {}


def from_row(cls: type[T], row: object, **given: Any) -> T:
    """Copies the row's same-named attributes; `given` supplies ids and derived values."""
    names = _constructor_fields.get(cls)
    if names is None:
        fields = dataclasses.fields(cls)
        names = _constructor_fields[cls] = tuple(f.name for f in fields if f.init)
    values = {name: getattr(row, name) for name in names if name not in given}
    return cls(**values, **given)
