"""One indexing run at a time, and no stale lock after a crash.

The lock is an OS advisory lock (``flock``) on a file beside the index folder:
the kernel drops it when the process dies, however it dies (Ctrl-C, ``kill -9``,
power loss), so a dead run can never leave a lock that blocks the next one. The
file also records the holder's pid for the error message.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from types import TracebackType

from searchapp.errors import IndexLockedError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


class IndexLock:
    def __init__(self, index_dir: Path, wait: float = 0.0):
        self.path = index_dir.parent / f".{index_dir.name}.lock"
        self.wait = wait
        self._fh = None

    def __enter__(self) -> "IndexLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+")
        deadline = time.monotonic() + self.wait
        while True:
            try:
                if fcntl is not None:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                else:  # pragma: no cover
                    import msvcrt

                    msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
                break
            except OSError:
                if time.monotonic() >= deadline:
                    fh.seek(0)
                    holder = fh.read().strip() or "another process"
                    fh.close()
                    raise IndexLockedError(
                        f"another indexing run (pid {holder}) is updating this index; "
                        "wait for it to finish and try again") from None
                time.sleep(0.2)
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._fh = fh
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._fh is not None:
            self._fh.close()  # closing releases the lock
            self._fh = None
