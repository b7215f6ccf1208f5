"""``index --watch`` and ``serve`` stop on SIGINT and SIGTERM even when started with
SIGINT ignored (a background job, ``nohup``, some service managers), and exit 0
after the work in progress."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import free_port, wait_until
from support import PYTHON, cli

STOP_DEADLINE_S = 20


def ignore_sigint() -> None:
    """preexec_fn: start the child as `nohup` or a non-interactive `cmd &` would."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def start(args: list[str], cwd: Path, log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen([PYTHON, "-m", "searchapp", *args], cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                preexec_fn=ignore_sigint, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def exits_after(proc: subprocess.Popen, sig: int) -> int | None:
    """Send ``sig``; the exit code if the process ends within the deadline, else None
    (and then it is killed, so no test leaves it running)."""
    proc.send_signal(sig)
    if wait_until(lambda: proc.poll() is not None, STOP_DEADLINE_S, step=0.1):
        return proc.returncode
    proc.kill()
    proc.wait(timeout=10)
    return None


def watch_corpus(tmp_path: Path) -> tuple[Path, Path]:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("监视测试报告\n\n城乡教师交流轮岗。\n", encoding="utf-8")
    return docs, tmp_path / "index"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_watch_started_with_sigint_ignored_stops_on_the_signal(tmp_path: Path, sig: int) -> None:
    docs, index_dir = watch_corpus(tmp_path)
    log = tmp_path / "watch.log"
    proc = start(["index", str(docs), "--index", str(index_dir), "--watch", "0.5", "--workers", "1"], tmp_path, log)
    try:
        assert wait_until(lambda: "indexed 1" in log.read_text(errors="replace"), 60), log.read_text()
        code = exits_after(proc, sig)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    output = log.read_text(errors="replace")
    assert code == 0, output
    assert f"{signal.Signals(sig).name}: stopped watching" in output and "Traceback" not in output
    # The index holds the completed run.
    found = cli("search", "教师交流", "--index", str(index_dir), "--json", cwd=tmp_path, check=True)
    assert json.loads(found.stdout)["total"] == 1


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "healthz", timeout=2):
            return True
    except urllib.error.HTTPError:
        return True  # 503 without an index is an answer too
    except OSError:
        return False


@pytest.mark.parametrize("processes", [1, 2])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_serve_started_with_sigint_ignored_stops_on_the_signal(tmp_path: Path, sig: int, processes: int) -> None:
    port = free_port()
    config = tmp_path / "config.yaml"
    config.write_text(f"index_dir: {json.dumps(str(tmp_path / 'index'))}\nserver:\n  processes: {processes}\n",
                      encoding="utf-8")
    log = tmp_path / "serve.log"
    proc = start(["--config", str(config), "serve", "--host", "127.0.0.1", "--port", str(port)], tmp_path, log)
    url = f"http://127.0.0.1:{port}/"
    try:
        assert wait_until(lambda: healthy(url), 30), log.read_text()
        started = time.monotonic()
        code = exits_after(proc, sig)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    output = log.read_text(errors="replace")
    assert code == 0, output
    assert time.monotonic() - started < STOP_DEADLINE_S
    assert "searchapp: stopped" in output and "Traceback" not in output
    assert not healthy(url), "nothing may still answer on the port"


def test_the_first_signal_lets_the_run_finish_and_a_second_aborts_it() -> None:
    """StopAfterRun, the watch loop's handler, with real signals to this process."""
    from searchapp.stopping import StopAfterRun

    finished = []
    with StopAfterRun(announce=False) as stop:
        with stop.running():
            os.kill(os.getpid(), signal.SIGTERM)
            assert wait_until(lambda: stop.requested, 5)
            finished.append("run")  # the run goes on to its end
        assert stop.sleep(60) is True  # and the wait after it ends at once
        with pytest.raises(KeyboardInterrupt), stop.running():
            os.kill(os.getpid(), signal.SIGINT)
            wait_until(lambda: False, 5)  # a second signal interrupts the run here
    assert finished == ["run"] and stop.signal_name == "SIGTERM"  # the signal that asked to stop
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL, "the previous handlers are back"
