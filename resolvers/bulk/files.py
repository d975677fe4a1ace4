"""The files of bulk jobs: where they live, signed URLs, JSONL at committed offsets.

A job writes its file (an export's lines, an import's error report) by appending, and
commits the file's size with its progress. Resuming, it cuts the file back to the
committed size first, so lines written after the last commit are never written twice.
"""

import asyncio
import hashlib
import hmac
import os
import tempfile
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qs, urlsplit

import orjson

OPERATIONS = "operations"
UPLOADS = "uploads"


@dataclass
class BulkConfig:
    """What the bulk mutations and the job runner of one process share (from settings)."""

    root: Path
    url_ttl_seconds: float
    upload_max_bytes: int
    max_query_cost: int
    # How long files are kept after their operation finished (their upload URL expired).
    retention: timedelta
    # Set when a job is created, so this process's runner starts it at once.
    wake: asyncio.Event


def bulk_config(
    directory: str | None,
    url_ttl_seconds: float,
    upload_max_bytes: int,
    max_query_cost: int,
    retention_hours: float,
) -> BulkConfig:
    root = bulk_root(directory)
    retention = timedelta(hours=retention_hours)
    return BulkConfig(
        root, url_ttl_seconds, upload_max_bytes, max_query_cost, retention, asyncio.Event()
    )


def bulk_root(directory: str | None) -> Path:
    root = Path(directory) if directory else Path(tempfile.gettempdir()) / "cx360-bulk"
    for part in (OPERATIONS, UPLOADS):
        (root / part).mkdir(parents=True, exist_ok=True)
    return root


def file_of(root: Path, kind: str, key: uuid.UUID) -> Path:
    return root / kind / f"{key}.jsonl"


def _signature(secret: str, kind: str, key: uuid.UUID, expires: int) -> str:
    message = f"{kind}/{key}/{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_path(secret: str, kind: str, key: uuid.UUID, expires: int) -> str:
    signature = _signature(secret, kind, key, expires)
    return f"/bulk/{kind}/{key}?expires={expires}&signature={signature}"


@dataclass(frozen=True)
class SignedUrl:
    kind: str
    key: uuid.UUID
    expires: int
    signature: str


def parse_signed(url: str) -> SignedUrl | None:
    """A URL `signed_path` made (absolute or not), or None if it cannot be one."""
    try:
        parts = urlsplit(url.strip())
        _, bulk, kind, key = parts.path.rsplit("/", 3)
        query = parse_qs(parts.query)
        if bulk != "bulk" or kind not in (OPERATIONS, UPLOADS):
            return None
        return SignedUrl(kind, uuid.UUID(key), int(query["expires"][0]), query["signature"][0])
    except (ValueError, KeyError, IndexError):
        return None


def signature_problem(secret: str, signed: SignedUrl, now: float) -> str | None:
    expected = _signature(secret, signed.kind, signed.key, signed.expires)
    if not hmac.compare_digest(expected, signed.signature):
        return "The URL's signature does not match: use the URL exactly as cx360 gave it."
    if signed.expires < now:
        return "The URL has expired: ask for a new one."
    return None


class JsonlAppender:
    """Appends JSON lines to a file cut back to `size` bytes (the last committed size)."""

    def __init__(self, path: Path, size: int) -> None:
        self.path = path
        mode = "r+b" if path.exists() else "w+b"
        self.file: IO[bytes] = path.open(mode)
        self.file.truncate(size)
        self.file.seek(size)
        self.size = size

    def write(self, value: Any) -> None:
        data = orjson.dumps(value) + b"\n"
        self.file.write(data)
        self.size += len(data)

    def sync(self) -> int:
        """On disk before the size is committed; returns the size."""
        self.file.flush()
        os.fsync(self.file.fileno())
        return self.size

    def close(self) -> None:
        self.file.close()


def read_lines(path: Path, offset: int, limit: int) -> tuple[list[bytes], int]:
    """Up to `limit` lines from `offset`, and the offset after them."""
    lines: list[bytes] = []
    with path.open("rb") as file:
        file.seek(offset)
        while len(lines) < limit:
            line = file.readline()
            if not line:
                break
            offset += len(line)
            lines.append(line)
    return lines, offset
