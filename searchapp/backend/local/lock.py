"""One indexing run at a time, and no stale lock after a crash.

The lock is an OS advisory lock (``flock``) on a file beside the index folder:
the kernel drops it when the process dies, however it dies (Ctrl-C, ``kill -9``,
power loss), so a dead run can never leave a lock that blocks the next one. The
file also records the holder's pid for the error message. A lock file left
behind by a dead run is therefore harmless: it holds a pid, not a lock.

The lock lives beside the index folder, not in it, because ``--rebuild`` swaps
the folder itself. It must be on a local file system (``flock`` over NFS or SMB
shares is not reliable), which is where the index belongs anyway.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from types import TracebackType

from searchapp.errors import IndexLockedError, IndexWriteError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


class IndexLock:
    """``with IndexLock(index_dir):`` — exclusive right to change ``index_dir``.

    ``wait`` seconds are spent retrying before :class:`IndexLockedError`; the default
    refuses at once, which is what an operator starting a second run wants to hear.
    """

    def __init__(self, index_dir: Path, wait: float = 0.0):
        self.index_dir = index_dir
        self.path = index_dir.parent / f".{index_dir.name}.lock"
        self.wait = wait
        self._fh = None

    def __enter__(self) -> "IndexLock":
        fh = self._open()
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
                    holder = fh.read().strip()
                    fh.close()
                    who = f" (pid {holder})" if holder.isdigit() else ""
                    raise IndexLockedError(
                        f"another indexing run{who} is updating the index at {self.index_dir}; "
                        "wait for it to finish and try again") from None
                time.sleep(0.2)
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._fh = fh
        return self

    def _open(self):
        """The lock file, opened for update; a clear error when its folder is not writable."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return open(self.path, "a+")
        except OSError as exc:
            if self.path.exists():
                # The folder is fine; the file is someone else's (an earlier run as root, say).
                try:
                    owner = f"belongs to uid {self.path.stat().st_uid}; this is uid {os.geteuid()}"
                except OSError:
                    owner = "cannot be opened"
                raise IndexWriteError(
                    f"cannot open the lock file {self.path} ({exc.strerror or exc}): it {owner}. Run "
                    "`searchapp index` as the user that owns the index, or give that user the "
                    "lock file (chown)") from None
            raise IndexWriteError(
                f"cannot create the lock file {self.path} ({exc.strerror or exc}): the user running "
                f"`searchapp index` needs write access to {self.path.parent}") from None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._fh is not None:
            self._fh.close()  # closing releases the lock
            self._fh = None
