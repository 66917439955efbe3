"""The writer's lock: one process at a time changes the database and saves index generations.

Whatever adds, replaces or removes documents, or saves the index, first takes `WriterLock`, a
lock file in the data directory (`filelock`, so the kernel releases it when its holder dies, even
by SIGKILL). A second writer waits for it, saying whom it waits for, or gives up at once with
`WriterBusy`. Readers never take it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import TracebackType

from filelock import FileLock, Timeout

from retrieval.errors import SettingError, WriterBusy

LOCK_FILE = "write.lock"
HOLDER_FILE = "writer.json"  # who holds the lock: for the message a waiting writer shows


def holder(data_dir: Path) -> str | None:
    """Who holds (or last held) the writer's lock, if that process is still alive."""
    try:
        info = json.loads((data_dir / HOLDER_FILE).read_text())
        pid = int(info["pid"])
        os.kill(pid, 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return f"{info.get('command', 'vraagbaak')}, pid {pid}, since {info.get('since', '?')}"


class WriterLock:
    """The lock file every writer holds while it changes the database or the index."""

    def __init__(self, data_dir: Path, command: str) -> None:
        self.data_dir = data_dir
        self.command = command
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SettingError(
                f"VRAAGBAAK_DATA_DIR={data_dir} cannot be created ({exc.strerror}): choose a "
                "folder this user can write to."
            ) from exc
        self._lock = FileLock(data_dir / LOCK_FILE)

    def acquire(self, wait: bool, on_wait: Callable[[str], None]) -> None:
        """Takes the lock; when it is held elsewhere, waits (telling `on_wait` whom for) or,
        with `wait` False, raises WriterBusy."""
        try:
            try:
                self._lock.acquire(timeout=0)
            except Timeout:
                other = holder(self.data_dir) or "pid unknown"
                if not wait:
                    raise WriterBusy(
                        f"Another vraagbaak process is changing the index ({other}); try again "
                        "when it is done."
                    ) from None
                on_wait(
                    f"Waiting for another vraagbaak process to finish changing the index "
                    f"({other}) …"
                )
                self._lock.acquire()
            info = {
                "pid": os.getpid(),
                "command": self.command,
                "since": datetime.now().isoformat(timespec="seconds"),
            }
            (self.data_dir / HOLDER_FILE).write_text(json.dumps(info))
        except PermissionError as exc:
            raise SettingError(
                f"VRAAGBAAK_DATA_DIR={self.data_dir} is not writable ({exc.strerror}): choose a "
                "folder this user can write to."
            ) from exc

    def release(self) -> None:
        (self.data_dir / HOLDER_FILE).unlink(missing_ok=True)
        self._lock.release()

    def __enter__(self) -> WriterLock:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._lock.is_locked:
            self.release()
