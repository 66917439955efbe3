"""Files written so a crash leaves them whole or absent, and read back only when they match the
checksum they were saved with: what the index generations (`retrieval.generation`) are made of.

The checksum is XXH3-128 (xxhash): it finds a damaged or truncated file as surely as SHA-256 does
and reads ten times as fast (16 GB/s against 1.5 GB/s here), which matters when a writer checks
the half gigabyte of an index on every change. It is not meant to stop someone who can write the
index folder: they could rewrite the manifest as well.
"""

from __future__ import annotations

import os
from pathlib import Path

import xxhash

from retrieval.errors import IndexUnavailable

#: Bytes read at a time when a file is checked.
BLOCK = 1 << 20


def checksum(data: bytes) -> str:
    """The checksum of `data`: XXH3-128, as 32 hex digits."""
    return xxhash.xxh3_128_hexdigest(data)


def digest(path: Path) -> str:
    """The checksum of the file's bytes."""
    hasher = xxhash.xxh3_128()
    with path.open("rb") as handle:
        while block := handle.read(BLOCK):
            hasher.update(block)
    return hasher.hexdigest()


def check(path: Path, expected: str, what: str) -> None:
    """IndexUnavailable unless the file is there and its checksum is `expected`."""
    try:
        actual = digest(path)
    except OSError as exc:
        raise IndexUnavailable(f"{what} cannot be read ({exc.strerror})") from exc
    if actual != expected:
        raise IndexUnavailable(f"{what} does not match its checksum")


def read_checked(path: Path, expected: str, what: str) -> bytes:
    """The file's bytes; IndexUnavailable unless it is there and its checksum is `expected`."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IndexUnavailable(f"{what} cannot be read ({exc.strerror})") from exc
    if checksum(data) != expected:
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


def save(path: Path, data: bytes) -> str:
    """Writes `data` to `path` unless an intact copy is there; returns its checksum. The folder is
    not fsynced: the caller does that once, after all its files."""
    expected = checksum(data)
    if not (path.is_file() and digest(path) == expected):
        write_durably(path, data, sync_folder=False)
    return expected


def save_content_addressed(folder: Path, data: bytes, suffix: str) -> str:
    """Saves `data` as `folder/<its checksum><suffix>` (see `save`); returns the checksum."""
    return save(folder / f"{checksum(data)}{suffix}", data)
