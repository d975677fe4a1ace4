"""Running a compiled statement: one text value, the response's `data` as JSON."""

from typing import Any

from resolvers.pagination import Sessions


async def run_statement(sessions: Sessions, sql: str, parameters: tuple[Any, ...]) -> str:
    """The statement's one text value: the response's `data`, as JSON.

    Raises ValueError when it is not text (a NULL part nulls the whole text: never send that).
    """
    async with sessions() as session:
        connection = await session.connection()
        result = await connection.exec_driver_sql(sql, parameters)
        data = result.scalar_one()
    if not isinstance(data, str):
        raise ValueError("the compiled statement returned no JSON text")
    return data
