"""Background tasks a process runs beside its requests."""

import asyncio
import contextlib
from collections.abc import Sequence


async def cancel(tasks: Sequence[asyncio.Task[None]]) -> None:
    """Cancels the tasks and waits until each has stopped."""
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
