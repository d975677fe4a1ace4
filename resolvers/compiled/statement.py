"""Running a compiled statement: one text value, the response's `data` as JSON."""

from typing import Any

from resolvers.compiled.forms import UNANSWERED
from resolvers.pagination import Sessions


def answered(data: Any) -> str | None:
    """The statement's `data` JSON, or None when it is no answer to send: NULL text (a
    NULL part nulls the whole text) or a part only the resolvers can give (UNANSWERED,
    e.g. a customer whose health is not stored yet)."""
    if not isinstance(data, str) or UNANSWERED in data:
        return None
    return data


async def run_statement(sessions: Sessions, sql: str, parameters: tuple[Any, ...]) -> str | None:
    """The statement's one text value: the response's `data`, as JSON, or None when the
    resolvers must answer instead (see `answered`)."""
    async with sessions() as session:
        connection = await session.connection()
        result = await connection.exec_driver_sql(sql, parameters)
        return answered(result.scalar_one())
