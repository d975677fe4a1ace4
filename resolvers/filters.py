"""List filters declared once, for both read paths.

A filter field of a list (`channel`, `from`, ...) becomes a SQLAlchemy condition on
the resolver path and SQL text with a bind parameter on the compiled path
(schema/compiled/); both come from the one declaration here, so they cannot drift.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal, Protocol

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.elements import ColumnElement

from resolvers.pagination import Expr

POSTGRES = postgresql.dialect()  # type: ignore[no-untyped-call]
# Registers a bind parameter: (SQL type, its value taken from the list's query) -> "$n::type".
Param = Callable[[str, Callable[[Any], Any]], str]


def _column(expression: Expr) -> sa.Column[Any]:
    column = getattr(expression, "expression", expression)
    assert isinstance(column, sa.Column), f"{expression!r} is not a plain column"
    return column


def column_sql(expression: Expr) -> str:
    """`table.column`: the compiled path names each scope after its table."""
    column = _column(expression)
    return f"{column.table.name}.{column.name}"


def condition_sql(condition: ColumnElement[bool]) -> str:
    """A constant condition (a listing's `always`, no request values) as the compiled
    path's SQL text, on `table.column` names like `column_sql`."""
    return literal_sql(condition)


def literal_sql(element: sa.ClauseElement) -> str:
    """PostgreSQL text of SQL whose values are constants (written in, no bind parameters)
    or markers the compiled path binds itself."""
    compiled = element.compile(dialect=POSTGRES, compile_kwargs={"literal_binds": True})
    return str(compiled)


def column_type_sql(expression: Expr) -> str:
    column_type = _column(expression).type
    if isinstance(column_type, sa.types.TypeDecorator):
        column_type = column_type.impl_instance
    if isinstance(column_type, sa.Enum):
        return "text"
    return str(column_type.compile(dialect=POSTGRES))


def bind_value(expression: Expr, value: Any) -> Any:
    """The value as the driver takes it for this column (enums as text, money as cents)."""
    if isinstance(value, list | tuple):
        return [bind_value(expression, v) for v in value]
    if isinstance(value, Enum):
        return value.value
    column_type = _column(expression).type
    if isinstance(column_type, sa.types.TypeDecorator):
        return column_type.process_bind_param(value, POSTGRES)
    return value


class Filter(Protocol):
    @property
    def field(self) -> str:
        """The attribute of the list's query dataclass this filter reads."""

    def condition(self, value: Any, query: Any) -> ColumnElement[bool] | None: ...

    def sql(self, value: Any, query: Any, param: Param) -> str | None:
        """The condition as SQL text, or None when it has no SQL form (the compiled
        path then declines and the resolver path answers)."""


Operator = Literal["any_of", "equals", "at_least", "before"]
SQL_OPERATORS: dict[Operator, str] = {
    "any_of": "{column} = ANY({value})",
    "equals": "{column} = {value}",
    "at_least": "{column} >= {value}",
    "before": "{column} < {value}",
}


@dataclass(frozen=True)
class ColumnFilter:
    """`column <operator> value`; lists mean any of, time windows are half-open. `field`:
    the attribute of the list's query dataclass holding the value (None: not filtered)."""

    field: str
    column: Expr
    operator: Operator

    def condition(self, value: Any, query: Any) -> ColumnElement[bool]:
        column: Any = self.column
        found: ColumnElement[bool]
        if self.operator == "any_of":
            found = column.in_(value)
        elif self.operator == "equals":
            found = column == value
        elif self.operator == "at_least":
            found = column >= value
        else:
            found = column < value
        return found

    def sql(self, value: Any, query: Any, param: Param) -> str:
        cast = column_type_sql(self.column)
        if self.operator == "any_of":
            cast += "[]"
        placeholder = param(cast, lambda q: bind_value(self.column, getattr(q, self.field)))
        return SQL_OPERATORS[self.operator].format(
            column=column_sql(self.column), value=placeholder
        )


def window(start_field: str, end_field: str, column: Expr) -> tuple[ColumnFilter, ColumnFilter]:
    """`start <= column < end`, either end open: the windows every list filter uses."""
    return ColumnFilter(start_field, column, "at_least"), ColumnFilter(end_field, column, "before")


def conditions(filters: Sequence[Filter], query: Any) -> list[ColumnElement[bool]]:
    found = (f.condition(v, query) for f in filters if (v := getattr(query, f.field)) is not None)
    return [c for c in found if c is not None]
