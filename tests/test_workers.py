"""Forked workers (minsec.workers) give exactly what one process gives, whatever happens to them."""

import contextlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest

from conftest import CLAIM_ID, MiniRepo, write_record
from minsec import evidence, record_files, workers
from minsec.draft.marker import MARKER
from minsec.evidence import check_evidence
from minsec.record_files import read_records

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers run only on Linux")


@pytest.fixture(autouse=True)
def _python_threads_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test process has imported numpy and pyarrow, whose idle threads keep minsec from
    forking (a minsec command imports neither before it reads records; see the test in a fresh
    interpreter below): here only Python's own threads count."""
    monkeypatch.setattr(workers, "_other_threads", lambda: threading.active_count() > 1)


@pytest.fixture
def shared_calls(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each call of ``workers.mapped`` from here on shares its items with workers."""
    calls: list[bool] = []
    mapped = workers.mapped

    def watched(function, items, least):  # type: ignore[no-untyped-def]
        calls.append(workers.shared(len(items), least))
        yield from mapped(function, items, least)

    monkeypatch.setattr(workers, "mapped", watched)
    return calls


def test_a_command_forks_and_a_process_with_another_thread_does_not() -> None:
    code = (
        "import threading, minsec.cli, minsec.validate, minsec.build, minsec.workers as w; print(w._can_fork()); "
        "done = threading.Event(); threading.Thread(target=done.wait).start(); print(w._can_fork()); done.set()"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert found == ["True", "False"]


def _pid_and_square(number: int) -> tuple[int, int]:
    return os.getpid(), number * number


def test_no_more_workers_than_items(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINSEC_WORKERS", "8")
    started: list[int] = []
    start = workers._Worker.__init__

    def counted(self, function, items) -> None:  # type: ignore[no-untyped-def]
        started.append(len(items))
        start(self, function, items)

    monkeypatch.setattr(workers._Worker, "__init__", counted)
    results = list(workers.mapped(_pid_and_square, range(3), least=2))
    assert [square for _, square in results] == [0, 1, 4]
    assert started == [1, 1, 1]


def _running(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped by whoever adopted it, does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def test_results_come_in_order_each_from_its_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINSEC_WORKERS", "3")
    results = list(workers.mapped(_pid_and_square, range(50), least=2))
    assert [square for _, square in results] == [number * number for number in range(50)]
    pids = [pid for pid, _ in results]
    assert len(set(pids)) == 3 and os.getpid() not in pids
    assert pids == [pids[number % 3] for number in range(50)]  # item i by worker i % 3
    assert all(not _running(pid) for pid in set(pids))


@pytest.mark.parametrize(
    ("setting", "items", "least"),
    [("1", 50, 2), ("2", 9, 10), ("2", 1, 1), ("2", 0, 0)],
    ids=["one-process", "too-few-items", "one-item", "no-items"],
)
def test_no_worker_when_one_process_or_few_items(
    monkeypatch: pytest.MonkeyPatch, setting: str, items: int, least: int
) -> None:
    monkeypatch.setenv("MINSEC_WORKERS", setting)
    results = list(workers.mapped(_pid_and_square, range(items), least=least))
    assert results == [(os.getpid(), number * number) for number in range(items)]


def _shared_inside(number: int) -> list[list[int]]:
    inner = [number, -number]
    return [inner, inner, [number]]


def test_results_that_share_objects_arrive_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each result is a pickle of its own: one that refers back to an object of its own must not
    find an object of an earlier result (an unpickler kept across results did)."""
    monkeypatch.setenv("MINSEC_WORKERS", "2")
    results = list(workers.mapped(_shared_inside, range(10), least=2))
    assert results == [_shared_inside(number) for number in range(10)]
    assert all(result[0] is result[1] for result in results)


def test_no_worker_while_another_thread_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINSEC_WORKERS", "2")
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        results = list(workers.mapped(_pid_and_square, range(20), least=2))
    finally:
        release.set()
        other.join()
    assert results == [(os.getpid(), number * number) for number in range(20)]


def test_a_killed_worker_leaves_the_rest_of_its_items_to_the_parent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINSEC_WORKERS", "2")
    parent = os.getpid()

    def dies_at_seven(number: int) -> tuple[int, int]:
        if number == 7 and os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return _pid_and_square(number)

    results = list(workers.mapped(dies_at_seven, range(20), least=2))
    assert [square for _, square in results] == [number * number for number in range(20)]
    # Worker 1 sent items 1, 3 and 5; the parent made 7 and every later odd item.
    assert [pid == parent for pid, _ in results] == [number % 2 == 1 and number >= 7 for number in range(20)]


@pytest.mark.parametrize("failing", ["fork", "pipe"])
def test_no_process_or_pipe_to_be_had_leaves_the_work_to_the_parent(
    monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    """A full process table (fork: EAGAIN) or descriptor table (pipe: EMFILE) for the second of
    three workers is no error: its items are the parent's, the others' the workers'."""
    monkeypatch.setenv("MINSEC_WORKERS", "3")
    calls: list[int] = []
    real = getattr(os, failing)

    def refused_once(*args: object) -> object:
        calls.append(1)
        if len(calls) == 2:
            raise BlockingIOError(11, "Resource temporarily unavailable")
        return real(*args)

    monkeypatch.setattr(os, failing, refused_once)
    results = list(workers.mapped(_pid_and_square, range(12), least=2))
    assert [square for _, square in results] == [number * number for number in range(12)]
    assert [pid == os.getpid() for pid, _ in results] == [number % 3 == 1 for number in range(12)]


def test_an_error_in_a_worker_is_raised_only_if_the_parent_meets_it_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINSEC_WORKERS", "2")
    parent = os.getpid()

    def fails_in_a_worker(number: int) -> int:
        if number == 4 and os.getpid() != parent:
            raise MemoryError("only in the worker")
        return number * number

    assert list(workers.mapped(fails_in_a_worker, range(12), least=2)) == [n * n for n in range(12)]

    started: list[int] = []

    def fails_everywhere(number: int) -> tuple[int, int]:
        if number == 4:
            raise ValueError("item 4")
        return _pid_and_square(number)

    with pytest.raises(ValueError, match="item 4"):
        for pid, _ in workers.mapped(fails_everywhere, range(12), least=2):
            started.append(pid)
    assert started and all(not _running(pid) for pid in set(started))


def test_closing_early_stops_every_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINSEC_WORKERS", "2")
    with closing(workers.mapped(_pid_and_square, range(1000), least=2)) as results:
        pids = {next(results)[0], next(results)[0]}
    assert len(pids) == 2 and all(not _running(pid) for pid in pids)


def test_workers_end_soon_after_their_parent_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "parent.py"
    script.write_text(
        "import os, time\n"
        "from minsec import workers\n"
        "os.environ['MINSEC_WORKERS'] = '2'\n"
        "def slow(number):\n"
        "    time.sleep(0.02)\n"
        "    return os.getpid()\n"
        "for pid in workers.mapped(slow, range(2000), least=2):\n"
        "    print(pid, flush=True)\n",
        encoding="utf-8",
    )
    with subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True) as parent:
        assert parent.stdout is not None
        pids = {int(parent.stdout.readline()), int(parent.stdout.readline())}
        assert len(pids) == 2 and all(_running(pid) for pid in pids)
        parent.kill()
    for _ in range(500):  # 2000 items of 20 ms: a worker left running would take 20 s
        if not any(_running(pid) for pid in pids):
            break
        time.sleep(0.01)
    assert not any(_running(pid) for pid in pids)


_INTERRUPTED = """
import os, sys, time, signal
from minsec import workers
if sys.argv[1] == "ignored":
    signal.signal(signal.SIGINT, signal.SIG_IGN)
os.environ["MINSEC_WORKERS"] = "2"
def slow(number):
    time.sleep(0.01)
    return os.getpid()
try:
    pids = list(workers.mapped(slow, range(200), least=2))
except KeyboardInterrupt:
    sys.exit(130)
print(sorted(set(pids) - {os.getpid()}), pids[-1] == os.getpid())
"""


@pytest.mark.parametrize("interrupt", ["default", "ignored"])
def test_ctrl_c_ends_the_workers_with_the_command_unless_it_ignores_it(interrupt: str) -> None:
    """Ctrl-C reaches the whole process group: the command stops (its workers too), or, if it
    ignores Ctrl-C (a command run in the background), its workers go on as well."""
    with subprocess.Popen(
        [sys.executable, "-c", _INTERRUPTED, interrupt], start_new_session=True, stdout=subprocess.PIPE, text=True
    ) as command:
        time.sleep(0.4)
        os.killpg(command.pid, signal.SIGINT)
        out, _ = command.communicate(timeout=60)
    if interrupt == "default":
        assert command.returncode == 130 and out == ""
    else:  # two workers made every result, the last too: neither died of the signal
        assert command.returncode == 0 and out.endswith("] False\n") and out.count(",") == 1, out
    with contextlib.suppress(ProcessLookupError):
        os.killpg(command.pid, 0)
        pytest.fail("a worker outlived the command")


_HANDLED = """
import os, sys, time, signal
from minsec import workers
def cleanup(number, frame):
    with open(sys.argv[1], "a") as log:
        log.write(f"{os.getpid()}\\n")
signal.signal(signal.SIGTERM, cleanup)
os.environ["MINSEC_WORKERS"] = "2"
def slow(number):
    time.sleep(0.01)
    return number
print(list(workers.mapped(slow, range(200), least=2)) == list(range(200)), os.getpid())
"""


def test_a_signal_handler_of_the_caller_runs_in_the_caller_only(tmp_path: Path) -> None:
    """A worker is a copy of the caller: the caller's cleanup on SIGTERM must not run there too."""
    log = tmp_path / "cleanups"
    with subprocess.Popen(
        [sys.executable, "-c", _HANDLED, str(log)], start_new_session=True, stdout=subprocess.PIPE, text=True
    ) as command:
        time.sleep(0.4)
        os.killpg(command.pid, signal.SIGTERM)
        out, _ = command.communicate(timeout=60)
    assert command.returncode == 0
    assert out == f"True {command.pid}\n"  # every result, the workers' lost ones made by the caller
    assert log.read_text() == f"{command.pid}\n"


@pytest.mark.parametrize("setting", ["0", "-1", "two", "2.5", "1025", "1e3", "\u00b2", "\u0663"])
def test_a_setting_that_is_not_a_number_of_processes_is_refused(monkeypatch: pytest.MonkeyPatch, setting: str) -> None:
    monkeypatch.setenv("MINSEC_WORKERS", setting)
    with pytest.raises(workers.WorkersError, match=rf"^MINSEC_WORKERS={setting!r} is not a number of processes"):
        list(workers.mapped(_pid_and_square, range(3), least=2))


def test_the_command_line_names_a_bad_setting_in_one_line(mini_repo: MiniRepo, run_cli, monkeypatch) -> None:
    monkeypatch.setenv("MINSEC_WORKERS", "many")
    code, out, err = run_cli("validate", "--root", mini_repo.root)
    assert code == 2 and out == ""
    assert err == (
        "minsec: MINSEC_WORKERS='many' is not a number of processes from 1 to 1024; "
        "set it to 1 to work in one process, or unset it\n"
    )


def test_the_default_is_one_process_per_usable_processor(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MINSEC_WORKERS", raising=False)
    monkeypatch.setattr(workers, "CGROUP_V2", str(tmp_path / "none"))
    monkeypatch.setattr(workers, "CGROUP_V1", (str(tmp_path / "none"), str(tmp_path / "none")))
    assert workers.count() == min(len(os.sched_getaffinity(0)), workers.MOST)
    monkeypatch.setenv("MINSEC_WORKERS", " 3 ")
    assert workers.count() == 3


@pytest.mark.parametrize(
    ("v2", "v1", "quota"),
    [
        ("150000 100000\n", None, 2),
        ("50000 100000\n", None, 1),
        ("max 100000\n", None, None),
        (None, ("200000\n", "100000\n"), 2),
        (None, ("-1\n", "100000\n"), None),
        ("garbage\n", None, None),
        (None, ("12x\n", "100000\n"), None),
        (None, None, None),
    ],
    ids=["v2-1.5", "v2-0.5", "v2-max", "v1-2", "v1-none", "v2-garbage", "v1-garbage", "no-cgroup"],
)
def test_a_containers_processor_quota_caps_the_workers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, v2: str | None, v1: tuple[str, str] | None, quota: int | None
) -> None:
    """A CI job limited to two processors' time on a large host sees every processor in its
    affinity: the cgroup quota, rounded up, is what it may use."""
    v2_file, v1_files = tmp_path / "cpu.max", (tmp_path / "quota", tmp_path / "period")
    if v2 is not None:
        v2_file.write_text(v2)
    if v1 is not None:
        for path, text in zip(v1_files, v1, strict=True):
            path.write_text(text)
    monkeypatch.setattr(workers, "CGROUP_V2", str(v2_file))
    monkeypatch.setattr(workers, "CGROUP_V1", tuple(str(path) for path in v1_files))
    assert workers._quota() == quota
    monkeypatch.delenv("MINSEC_WORKERS", raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(64)))
    assert workers.count() == min(quota or workers.MOST, workers.MOST)


# --- reading records and checking quotes with workers -----------------------------------


def _many_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of a few files, shared from two chunks on: the small repository then goes to the workers."""
    monkeypatch.setattr(record_files, "_BATCH", 2)
    monkeypatch.setattr(record_files, "_CHUNKS_SHARED", 2)


def _damaged(repo: MiniRepo) -> None:
    """The small repository with a broken file, a file in no record folder, an invalid record
    and a record whose quote is not in its source."""
    (repo.root / "records" / "deals" / "broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    (repo.root / "records" / "stray.yaml").write_text("id: stray\n", encoding="utf-8")
    write_record(repo.root, "actors", {"id": "no-kind-given", "name": "Nobody"})
    repo.rewrite(CLAIM_ID, lambda data: data["citations"][0].update(quote="words this source never wrote down"))


def _read(root: Path, cache: Path | None, monkeypatch: pytest.MonkeyPatch, setting: str) -> tuple:
    monkeypatch.setenv("MINSEC_WORKERS", setting)
    monkeypatch.setenv("MINSEC_CACHE_DIR", str(cache) if cache else "")
    loaded, problems = read_records(root)
    found = check_evidence(root, loaded, every_record=True)
    lines = [[r.line_of(name) for name in ("id", "citations")] for r in loaded]
    return [(r.path, r.record, r.digest, r.marked) for r in loaded], problems, lines, found.problems


def _cached(folder: Path) -> dict[str, set[bytes]]:
    with sqlite3.connect(folder / "records.sqlite3") as connection:
        tables = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: {key for (key,) in connection.execute(f"SELECT digest FROM {t}")} for t in tables}


@pytest.mark.parametrize("with_cache", [True, False], ids=["cache", "no-cache"])
def test_records_and_quotes_checked_by_workers_are_those_of_one_process(
    mini_repo: MiniRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, with_cache: bool, shared_calls: list[bool]
) -> None:
    _damaged(mini_repo)
    _many_chunks(monkeypatch)
    monkeypatch.setattr(evidence, "_QUOTES_SHARED", 2)
    monkeypatch.setattr(evidence, "_QUOTES_A_BATCH", 1)
    alone_cache, shared_cache = (tmp_path / "alone", tmp_path / "shared") if with_cache else (None, None)
    alone = _read(mini_repo.root, alone_cache, monkeypatch, "1")
    shared = _read(mini_repo.root, shared_cache, monkeypatch, "3")
    # Alone, the quote check in one process (the reading did not ask); then both shared.
    assert shared_calls == [False, True, True]
    assert shared == alone
    records, problems, _, quote_problems = shared
    assert len(records) == len(mini_repo.records)
    assert {p.path for p in problems} == {
        "records/deals/broken.yaml",
        "records/stray.yaml",
        "records/actors/no-kind-given.yaml",
    }
    assert [p.field for p in quote_problems] == ["citations[0].quote"]
    if with_cache:
        assert _cached(shared_cache) == _cached(alone_cache)  # type: ignore[arg-type]
        parsed: list[bytes] = []
        load_document = record_files.load_document
        monkeypatch.setattr(record_files, "load_document", lambda raw: parsed.append(raw) or load_document(raw))
        again = _read(mini_repo.root, shared_cache, monkeypatch, "3")
        assert again[:2] == alone[:2]
        assert parsed == [b"id: [unclosed\n"]  # only the broken file: what the workers parsed was cached


def test_a_worker_killed_while_reading_changes_nothing(
    mini_repo: MiniRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _damaged(mini_repo)
    _many_chunks(monkeypatch)
    alone = _read(mini_repo.root, tmp_path / "alone", monkeypatch, "1")
    parent, chunk = os.getpid(), record_files._chunk

    def killed(*args):  # type: ignore[no-untyped-def]
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return chunk(*args)

    monkeypatch.setattr(record_files, "_chunk", killed)
    shared = _read(mini_repo.root, tmp_path / "shared", monkeypatch, "2")
    assert shared == alone
    assert _cached(tmp_path / "shared") == _cached(tmp_path / "alone")
    shutil.rmtree(tmp_path / "shared")


def test_file_digests_taken_by_workers_are_those_of_one_process(
    mini_repo: MiniRepo, monkeypatch: pytest.MonkeyPatch, shared_calls: list[bool]
) -> None:
    _many_chunks(monkeypatch)
    monkeypatch.setattr(record_files, "_DIGESTS_SHARED", 2)
    monkeypatch.setenv("MINSEC_WORKERS", "1")
    alone = record_files.file_digests(mini_repo.root)
    monkeypatch.setenv("MINSEC_WORKERS", "3")
    assert alone and record_files.file_digests(mini_repo.root) == alone
    assert shared_calls == [False, True]
    files = sorted((mini_repo.root / "records").rglob("*.yaml"))
    assert [path for path, _ in alone] == [f.relative_to(mini_repo.root).as_posix() for f in files]
    # A file that is no record as it is, or holds the draft marker: no digests at all.
    last = files[-1]
    last.write_text(last.read_text(encoding="utf-8") + f"# {MARKER}\n", encoding="utf-8")
    assert record_files.file_digests(mini_repo.root) is None
    last.write_text("id: [unclosed\n", encoding="utf-8")
    assert record_files.file_digests(mini_repo.root) is not None  # readable: parsing is not its job
    (mini_repo.root / "records" / "stray.yaml").write_text("id: stray\n", encoding="utf-8")
    assert record_files.file_digests(mini_repo.root) is None


def test_records_the_drafter_reads_with_workers_are_those_read_in_one_process(
    repo_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_calls: list[bool]
) -> None:
    from minsec.draft import gazetteer

    monkeypatch.setattr(gazetteer, "_BATCH", 7)
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: [unclosed\n", encoding="utf-8")
    paths = sorted((repo_root / "records").glob("*/*.yaml"))
    middle = len(paths) // 2
    paths.insert(middle, broken)
    monkeypatch.setenv("MINSEC_WORKERS", "1")
    alone = gazetteer._read_records(paths, None)
    assert alone.count(None) == 1 and alone[middle] is None
    monkeypatch.setenv("MINSEC_WORKERS", "3")
    assert gazetteer._read_records(paths, None) == alone
    assert shared_calls == [False, True]
