"""Files written so a crash leaves them whole or absent, and read back only when they match the
checksum they were saved with: what the index generations (`retrieval.generation`) are made of."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from retrieval.errors import IndexUnavailable


def digest(path: Path) -> str:
    """The SHA-256 of the file's bytes."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def check(path: Path, expected: str, what: str) -> None:
    """IndexUnavailable unless the file is there and its SHA-256 is `expected`."""
    try:
        actual = digest(path)
    except OSError as exc:
        raise IndexUnavailable(f"{what} cannot be read ({exc.strerror})") from exc
    if actual != expected:
        raise IndexUnavailable(f"{what} does not match its checksum")


def read_checked(path: Path, expected: str, what: str) -> bytes:
    """The file's bytes; IndexUnavailable unless it is there and its SHA-256 is `expected`."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IndexUnavailable(f"{what} cannot be read ({exc.strerror})") from exc
    if hashlib.sha256(data).hexdigest() != expected:
        raise IndexUnavailable(f"{what} does not match its checksum")
    return data


def fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_durably(path: Path, data: bytes, sync_folder: bool = True) -> None:
    """`path` holds `data` completely or not at all, also after a crash."""
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    if sync_folder:
        fsync(path.parent)


def save_content_addressed(folder: Path, data: bytes, suffix: str) -> str:
    """Writes `data` as `folder/<its SHA-256><suffix>` unless an intact copy is there; returns
    the digest. The folder itself is not fsynced: the caller does that once, after all."""
    name = hashlib.sha256(data).hexdigest()
    path = folder / f"{name}{suffix}"
    if not (path.is_file() and digest(path) == name):
        write_durably(path, data, sync_folder=False)
    return name
