"""The indexing run's progress bar (on a terminal only)."""

from __future__ import annotations

import sys
import time
from typing import Callable

Progress = Callable[[int, int, int], None]   # (files done, files total, bytes done)


def default_progress(stream=sys.stderr) -> Progress | None:
    """A one-line progress bar with files/s, MB/s and the time left, on a terminal only."""
    if not stream.isatty():
        return None
    start = time.perf_counter()

    def show(done: int, total: int, nbytes: int) -> None:
        elapsed = max(time.perf_counter() - start, 1e-6)
        width = 30
        filled = int(width * done / total) if total else width
        stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} files "
                     f"{done / elapsed:6.1f} files/s {nbytes / elapsed / 1e6:6.2f} MB/s "
                     f"{time_left(done, total, elapsed):>12}")
        if done >= total:
            stream.write("\n")
        stream.flush()

    return show


def time_left(done: int, total: int, elapsed: float) -> str:
    """``about 2 min left`` from the pace so far (files, as sizes are unknown ahead)."""
    if done <= 0 or done >= total:
        return ""
    seconds = elapsed / done * (total - done)
    if seconds < 60:
        return f"{seconds:.0f} s left"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min left"
    return f"{seconds / 3600:.1f} h left"
