"""Indexing rate and peak memory for one large allowed file.

Usage: ``python benchmarks/large_file.py [--mb N]`` (default 30).

Moved here from ``tests/test_bad_corpus_files.py``, where a wall-clock rate
asserted inside a unit test failed whenever the machine was loaded; the test now
checks linear time by construction (the mojibake repair sees bounded pieces).
This script keeps the figure: a quadratic step (the repair over a whole 10 MB
file took 226 s) shows as a rate that falls as ``--mb`` grows. Run it at two
sizes and compare the MB/s; on an idle 2-core machine 5 MB and 30 MB should be
within a factor of two of each other.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

MEASURE = """
import resource, sys
from searchapp.cli import main
try:
    main(sys.argv[1:])
finally:
    print("maxrss_kb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=30, help="size of the file in MB (UTF-8)")
    args = parser.parse_args()
    from test_bad_corpus_files import big_report  # the seeds, mojibake-damaged one included

    with tempfile.TemporaryDirectory() as tmp:
        docs = Path(tmp) / "docs"
        docs.mkdir()
        (docs / "big.txt").write_text(big_report(args.mb * 1024 * 1024), encoding="utf-8")
        started = time.monotonic()
        proc = subprocess.run([sys.executable, "-c", MEASURE, "index", str(docs), "--index", str(Path(tmp) / "idx"),
                               "--workers", "1", "--json"], cwd=tmp, capture_output=True, text=True)
        seconds = time.monotonic() - started
    if proc.returncode != 0:
        sys.exit(proc.stderr)
    assert json.loads(proc.stdout)["indexed"] == 1
    peak_mb = int(proc.stderr.rsplit("maxrss_kb", 1)[1].split()[0]) / 1024
    print(f"{args.mb} MB file indexed in {seconds:.1f} s ({args.mb / seconds:.2f} MB/s, process start included), "
          f"peak memory {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
