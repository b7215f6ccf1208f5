"""Nothing is lost when indexing dies: ``kill -9`` of ``searchapp index`` at random moments.

Each round changes the corpus (files modified, added, deleted; every third round
is a ``--rebuild``), then starts ``searchapp index`` several times and kills its
whole process group (the run and its worker processes) with SIGKILL after a
random delay. After every kill the index must open and answer a fixed list of
queries exactly as before the round (the previous state) or exactly as a clean
index of the new corpus (the next state) — the same one for every query. The
next run, not blocked by the dead run's lock, must complete the work: its
answers equal a clean full index of the corpus.

``SEARCHAPP_KILL_POINTS`` sets the number of kills (default 30; e.g. 300 for a soak).
"""

from __future__ import annotations

import random
import subprocess
import time
from pathlib import Path

import pytest

from searchapp.query.service import open_service
from searchapp.indexing.run import index_paths
from searchapp.model import SearchRequest
from searchapp.query.service import search
from support import (PYTHON, answers, bump_mtime, cli, env_int, group_is_gone, hardening_settings,
                                    kill_group, make_corpus, seed_texts, start_cli, variant, write_config)

KILL_POINTS = env_int("SEARCHAPP_KILL_POINTS", 30)
KILLS_PER_ROUND = 5
QUERIES = ['"教师交流"', "均衡发展", '"号材料"', "教育 -民办", "督导 OR 考核", "region:荔湾区", '"本轮修改"',
           "year:2008", '"第1轮修改"', '"第2轮修改"', "校长 交流"]


def change_corpus(folder: Path, round_no: int, rng: random.Random) -> None:
    """Modify 6 files, add 4, delete 3: every kind of change an incremental run handles."""
    files = sorted(folder.glob("*.txt"))
    for path in rng.sample(files, 6):
        path.write_text(path.read_text(encoding="utf-8") + f"\n本轮修改：第{round_no}轮修改。\n", encoding="utf-8")
        bump_mtime(path)
    texts = seed_texts()
    for i in range(4):
        (folder / f"n{round_no:02d}_{i}.txt").write_text(variant(texts, rng, f"n{round_no}_{i}"), encoding="utf-8")
    for path in rng.sample([p for p in files if p.exists()], 3):
        path.unlink()


class CleanIndex:
    """A clean, uninterrupted index of the corpus as it is now, built by a separate
    ``searchapp index`` process while the kills go on (it uses the other core)."""

    def __init__(self, folder: Path, corpus: Path, round_no: int):
        self.dir = folder / f"clean{round_no}"
        self.settings = hardening_settings(folder, self.dir)
        self.proc = subprocess.Popen([PYTHON, "-m", "searchapp", "index", str(corpus), "--index", str(self.dir),
                                      "--workers", "1"], cwd=folder, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)

    def answers(self) -> dict:
        _, err = self.proc.communicate(timeout=300)
        assert self.proc.returncode == 0, err
        return answers(self.settings, QUERIES)


def describe(before: dict, now: dict, after: dict) -> str:
    """The queries whose answer matches neither side, with the ids that differ."""
    lines = []
    for q, got in now.items():
        if got in (before.get(q), after.get(q)):
            continue
        if q == "#documents":
            lines.append(f"documents: before {before[q]}, now {got}, after {after[q]}")
            continue
        flat = set(got[2])
        lines.append(f"{q}: total before {before[q][0]} now {got[0]} after {after[q][0]}; "
                     f"ids not before {sorted(flat - set(before[q][2]))}, missing {sorted(set(before[q][2]) - flat)}; "
                     f"not after {sorted(flat - set(after[q][2]))}, missing {sorted(set(after[q][2]) - flat)}")
    return "\n".join(lines) or "(per query each answer matches one side, but not the same side for all)"


def kill_delay(rng: random.Random, duration: float) -> float:
    """When to kill a run that takes about ``duration`` seconds: half the time anywhere
    in it, half the time around its end, where it commits and cleans up (the narrow
    moments that matter most, and that uniform delays rarely hit)."""
    if rng.random() < 0.5:
        return rng.uniform(0.2, duration)
    return rng.uniform(0.75 * duration, duration)


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def wait_group_gone(pgid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if group_is_gone(pgid):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
def test_kill_9_at_random_moments_loses_nothing(tmp_path):
    seed = env_int("SEARCHAPP_RANDOM_SEED", 0) or int(time.time())
    print(f"\nkill -9 test: SEARCHAPP_RANDOM_SEED={seed} reproduces this run's corpus and kill delays")
    rng = random.Random(seed)
    corpus = tmp_path / "docs"
    make_corpus(corpus, 80, rng)  # about 2.4 MB: enough for the worker pool
    index_dir = tmp_path / "index"
    config = write_config(tmp_path, index_dir)
    settings = hardening_settings(tmp_path, index_dir)
    started = time.monotonic()
    cli("--config", str(config), "index", str(corpus), cwd=tmp_path, check=True)
    durations = {"rebuild": time.monotonic() - started, "update": 1.2}
    state = answers(settings, QUERIES)
    assert state == CleanIndex(tmp_path, corpus, 0).answers()

    kills = outcomes_pre = outcomes_post = finished_early = 0
    round_no = 0
    lock_file = index_dir.parent / f".{index_dir.name}.lock"
    while kills < KILL_POINTS:
        round_no += 1
        change_corpus(corpus, round_no, rng)
        mode = "rebuild" if round_no % 3 == 0 else "update"
        clean = CleanIndex(tmp_path, corpus, round_no)
        observed: list[tuple[str, dict, bool]] = []  # (what, answers, was it a kill)
        base = ["--config", str(config), "index", str(corpus)]
        for _ in range(min(KILLS_PER_ROUND, KILL_POINTS - kills)):
            workers = rng.choice(["1", "2"])
            args = base + ["--workers", workers] + (["--rebuild"] if mode == "rebuild" else [])
            proc = start_cli(*args, cwd=tmp_path)
            delay = kill_delay(rng, durations[mode])
            time.sleep(delay)
            if proc.poll() is not None:  # it completed the round's work: on to the next round
                finished_early += 1
                observed.append(("a run that finished before its kill", answers(settings, QUERIES), False))
                kill_group(proc)
                assert proc.returncode == 0
                break
            kill_group(proc)
            kills += 1
            assert wait_group_gone(proc.pid), "the run's worker processes must die with it"
            observed.append((f"kill {kills} ({mode}, workers {workers}, after {delay:.2f} s)",
                             answers(settings, QUERIES), True))
        expected = clean.answers()
        assert expected != state, "the round must change the answers, or a lost update could not be seen"
        committed = False
        for what, now, was_kill in observed:
            if now == state and not committed:
                outcomes_pre += was_kill
            elif now == expected:
                outcomes_post += was_kill
                committed = True  # from here on, never back to the previous state
            else:
                pytest.fail(f"{what} left an index answering neither as before nor as after: "
                            f"{describe(state, now, expected)}")
        assert lock_file.exists()  # a dead run's lock file stays behind …
        t = time.monotonic()
        done = cli(*base, *(["--rebuild"] if mode == "rebuild" else []), cwd=tmp_path)
        assert done.returncode == 0, done.stderr  # … and does not block the next run
        durations[mode] = max(0.3, time.monotonic() - t)
        state = answers(settings, QUERIES)
        assert state == expected, (f"round {round_no} (seed {seed}): the run after the kills did not complete "
                                   f"the work: {describe(expected, state, expected)}")
        assert not index_dir.with_name(index_dir.name + ".building").exists()
        assert not index_dir.with_name(index_dir.name + ".previous").exists()
        # Dead runs' leftovers are cleaned up, not accumulated.
        assert folder_bytes(index_dir) < 3 * folder_bytes(clean.dir) + 1_000_000

    print(f"\nkill -9: {kills} kill points over {round_no} rounds, no document lost or half-updated "
          f"({outcomes_pre} left the previous state, {outcomes_post} the new one; {finished_early} runs "
          f"finished before their kill)")


# -- the moments a random kill rarely hits, reproduced exactly ------------------------------------
#
# An interruption is simulated in-process by raising KeyboardInterrupt from a library
# call at the chosen moment: no code of the run executes after it but its ``except`` and
# ``finally`` clauses, which a kill -9 would not run either — so what the index looks like
# afterwards is at least as good as after a kill at that moment.


def two_copies(folder: Path, names: tuple[str, str] = ("a.txt", "b.txt")) -> None:
    """Two near-duplicate copies of one report (one result with one folded copy)."""
    text = seed_texts()[3]
    folder.mkdir(exist_ok=True)
    (folder / names[0]).write_text(text + "\n甲本。\n", encoding="utf-8")
    (folder / names[1]).write_text(text + "\n乙本。\n", encoding="utf-8")


def test_run_dying_just_before_its_commit_leaves_the_previous_answers(tmp_path, monkeypatch):
    import whoosh.writing

    two_copies(tmp_path / "docs")
    settings = hardening_settings(tmp_path, tmp_path / "index")
    index_paths(settings, [tmp_path / "docs"], workers=1)
    before = answers(settings, ['"履行"'])
    assert before['"履行"'][0] == 1  # one result, the copy folded into it
    (tmp_path / "docs" / "b.txt").unlink()

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(whoosh.writing.SegmentWriter, "_commit_toc", killed)
    with pytest.raises(KeyboardInterrupt):
        index_paths(settings, [tmp_path / "docs"], workers=1)
    monkeypatch.undo()
    assert answers(settings, ['"履行"']) == before


def test_incremental_index_shows_the_same_copy_as_a_clean_one(tmp_path):
    docs = tmp_path / "docs"
    two_copies(docs)
    (docs / "a.txt").rename(tmp_path / "a.txt")  # b first, a added by a later run
    incremental = hardening_settings(tmp_path, tmp_path / "incremental")
    index_paths(incremental, [docs], workers=1)
    (tmp_path / "a.txt").rename(docs / "a.txt")
    index_paths(incremental, [docs], workers=1)
    clean = hardening_settings(tmp_path, tmp_path / "clean")
    index_paths(clean, [docs], workers=1)

    def shown(settings) -> list[str]:
        return [Path(h.path).name for h in search(open_service(settings), SearchRequest(q='"履行"')).hits]

    assert shown(incremental) == shown(clean)


def test_a_filter_finds_a_copy_whose_representative_it_excludes(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    text = seed_texts()[3]
    (docs / "province.txt").write_text(text + "\n省里转发时加上的一段较长的按语，说明转发的背景和要求。\n", encoding="utf-8")
    (docs / "province.yaml").write_text("province: 广东省\n", encoding="utf-8")
    (docs / "district.txt").write_text(text + "\n区里。\n", encoding="utf-8")
    (docs / "district.yaml").write_text("province: 广东省\ncity: 广州市\ndistrict: 荔湾区\n", encoding="utf-8")
    settings = hardening_settings(tmp_path, tmp_path / "index")
    index_paths(settings, [docs], workers=1)
    engine = open_service(settings)
    assert search(engine, SearchRequest(q='"履行"')).total == 1  # one group: the copies are near-duplicates
    filtered = search(engine, SearchRequest(q='"履行"', filters={"region": ["荔湾区"]}))
    assert [Path(h.path).name for h in filtered.hits] == ["district.txt"]


def test_first_run_killed_early_does_not_block_the_next(tmp_path, monkeypatch):
    import whoosh.index

    two_copies(tmp_path / "docs")
    settings = hardening_settings(tmp_path, tmp_path / "index")
    real_create_in = whoosh.index.create_in

    def create_then_die(*args, **kwargs):
        real_create_in(*args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(whoosh.index, "create_in", create_then_die)
    with pytest.raises(KeyboardInterrupt):
        index_paths(settings, [tmp_path / "docs"], workers=1)
    monkeypatch.undo()
    summary = index_paths(settings, [tmp_path / "docs"], workers=1)
    assert summary.indexed == 2


def rebuild_killed_during_its_swap(tmp_path: Path, monkeypatch) -> tuple:
    """Index two copies, then kill a ``--rebuild`` between its two renames (the old
    folder moved aside, the new one not yet in place). Returns (settings, answers before)."""
    two_copies(tmp_path / "docs")
    settings = hardening_settings(tmp_path, tmp_path / "index")
    index_paths(settings, [tmp_path / "docs"], workers=1)
    before = answers(settings, ['"履行"'])
    real_rename = Path.rename

    def die_on_second_rename(self, target):
        if self.name.endswith(".building"):
            raise KeyboardInterrupt
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", die_on_second_rename)
    with pytest.raises(KeyboardInterrupt):
        index_paths(settings, [tmp_path / "docs"], rebuild=True, workers=1)
    monkeypatch.undo()
    return settings, before


def test_index_opens_after_a_rebuild_killed_during_its_swap(tmp_path, monkeypatch):
    settings, before = rebuild_killed_during_its_swap(tmp_path, monkeypatch)
    assert answers(settings, ['"履行"']) == before


def test_rebuild_killed_during_its_swap_is_finished_by_the_next_run(tmp_path, monkeypatch):
    settings, before = rebuild_killed_during_its_swap(tmp_path, monkeypatch)
    index_paths(settings, [tmp_path / "docs"], workers=1)
    assert answers(settings, ['"履行"']) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("index")) == ["index"]
