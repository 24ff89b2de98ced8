"""CPU-bound work shared with forked copies of this process, on the processors it may use.

A first ``validate`` of a large repository spends most of its time parsing record files and
hashing quotes, one item after another and each independent of the others. Where it is
safe, forks of the process compute the items, each sending its results through a pipe as
it makes them, while the process itself reads them in turn: the results come back whole and
in order, as if computed here, and taking them in (unpickling, writing the cache) overlaps
the workers' computing.

Nothing depends on the workers: a worker that fails or is killed, or a platform without
``fork``, means its remaining items are done here instead. Workers run only on Linux
(``fork`` is unsafe on macOS and missing on Windows), only from a process with one thread,
and only for enough items to be worth a fork. ``MINSEC_WORKERS`` sets how many
processes may share the work (1: none forked); by default, one per processor this process may
run on, no more than its container's quota (cgroups) allows, at most :data:`MOST`.
"""

import contextlib
import os
import pickle
import signal
import sys
from collections.abc import Callable, Generator, Sequence
from typing import IO, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

#: The environment variable that sets how many processes may share the work.
VARIABLE = "MINSEC_WORKERS"
#: Processes used by default at most: past a few, the parent's reading of results is the limit.
MOST = 8
#: Bytes a worker's pipe holds (Linux's default most for a user): a few results ahead of the reader.
PIPE_BYTES = 1 << 20


class WorkersError(ValueError):
    """``MINSEC_WORKERS`` is not a usable number; the message says what to set."""


def count() -> int:
    """How many processes may share the work: ``MINSEC_WORKERS`` if set, else one per processor
    this process may run on and its container's quota allows (at most :data:`MOST`)."""
    chosen = os.environ.get(VARIABLE, "").strip()
    if chosen:
        if not (chosen.isascii() and chosen.isdigit() and 1 <= int(chosen) <= 1024):
            raise WorkersError(
                f"{VARIABLE}={chosen!r} is not a number of processes from 1 to 1024; "
                "set it to 1 to work in one process, or unset it"
            )
        return int(chosen)
    try:
        available = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        available = os.cpu_count() or 1
    return max(1, min(available, _quota() or available, MOST))


#: Where Linux states a container's processor quota: cgroup v2's "quota period" (or "max"),
#: then cgroup v1's quota and period (a quota of -1: none).
CGROUP_V2 = "/sys/fs/cgroup/cpu.max"
CGROUP_V1 = ("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "/sys/fs/cgroup/cpu/cpu.cfs_period_us")


def _quota() -> int | None:
    """How many processors' time this process's container may use, if it sets a quota (a CI
    job with two processors' worth on a 64-processor host sees all 64 in its affinity)."""
    found: list[str] = []
    try:
        with open(CGROUP_V2, encoding="ascii") as limit:
            found = limit.read().split()[:2]
    except (OSError, ValueError):
        try:
            found = []
            for name in CGROUP_V1:
                with open(name, encoding="ascii") as limit:
                    found.append(limit.read().strip())
        except (OSError, ValueError):
            return None
    try:
        quota, period = (int(value) for value in found)
    except ValueError:  # "max": no quota; anything unreadable: none known
        return None
    if quota <= 0 or period <= 0:
        return None
    return max(1, -(-quota // period))


def _can_fork() -> bool:
    """Whether forking is safe here: Linux, and no other thread."""
    return sys.platform.startswith("linux") and hasattr(os, "fork") and not _other_threads()


def _other_threads() -> bool:
    """Whether this process runs another thread, its own or a library's (numpy's, pyarrow's): a
    lock one held at the fork would stay locked in the child."""
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"Threads:"):
                    return int(line.split()[1]) != 1
    except (OSError, ValueError, IndexError):
        pass
    return True


class _Worker:
    """A forked process computing ``function`` of some items, each result sent through a pipe
    as soon as it is made."""

    def __init__(self, function: Callable[[Item], Result], items: Sequence[Item]) -> None:
        self.pid = 0
        self._pipe: IO[bytes] | None = None
        try:
            reading, writing = os.pipe()
        except OSError:
            return  # no worker: the caller does its items
        import fcntl  # here: Linux only, like the workers

        with contextlib.suppress(OSError, AttributeError):  # a larger pipe: the worker waits less
            fcntl.fcntl(writing, fcntl.F_SETPIPE_SZ, PIPE_BYTES)  # type: ignore[attr-defined]
        try:
            self.pid = os.fork()
        except OSError:
            os.close(reading)
            os.close(writing)
            return
        if self.pid == 0:  # pragma: no cover - runs in the child, whose coverage is not collected
            os.close(reading)
            _work(function, items, writing)
        os.close(writing)
        self._pipe = open(reading, "rb")  # noqa: SIM115 - closed by stop()

    def next(self) -> tuple[bool, object]:
        """(True, the next result), or (False, None) if there is none: the worker failed, was
        killed or could not start (it is then stopped, and its other items are the caller's)."""
        if self._pipe is None:
            return False, None
        try:
            # An unpickler for each result, as the worker's pickler forgets each result once
            # sent: a kept unpickler would take a reference back within a result for an object
            # of an earlier one (and keep every earlier result alive).
            return True, pickle.Unpickler(self._pipe).load()
        except Exception:  # a worker that died mid-way: whatever it sent is incomplete
            self.stop()
            return False, None

    def stop(self) -> None:
        """End the worker if it still runs, and close its pipe."""
        if self._pipe is not None:
            self._pipe.close()
            self._pipe = None
        if self.pid:
            with contextlib.suppress(ProcessLookupError, ChildProcessError):
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            self.pid = 0


def _work(function: Callable[[Item], Result], items: Sequence[Item], pipe: int) -> None:  # pragma: no cover
    """The child's whole life: each result pickled into ``pipe`` in turn, then exit at once (no
    cleanup, no buffers of the parent's flushed a second time). It stops if its parent dies:
    its next write fails, or it finds another parent before an item."""
    status = 1
    try:
        for number in (signal.SIGINT, signal.SIGTERM):
            # A handler of the caller's would run its cleanup in this copy of it; an ignored
            # signal stays ignored (a command run in the background), and Ctrl-C's
            # KeyboardInterrupt ends the worker below.
            handler = signal.getsignal(number)
            if callable(handler) and handler is not signal.default_int_handler:
                signal.signal(number, signal.SIG_DFL)
        parent = os.getppid()
        with open(pipe, "wb") as out:
            writer = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
            for item in items:
                if os.getppid() != parent:
                    break
                writer.dump(function(item))
                writer.clear_memo()
                out.flush()
            else:
                status = 0
    except BaseException:  # any failure: the parent does the rest of these items itself
        status = 1
    finally:
        os._exit(status)


def shared(items: int, least: int) -> bool:
    """Whether :func:`mapped` would share ``items`` items with workers, given its ``least``."""
    return count() > 1 and items >= max(least, 2) and _can_fork()


def mapped(function: Callable[[Item], Result], items: Sequence[Item], least: int) -> Generator[Result, None, None]:
    """``function(item)`` for each of ``items``, in order: computed by forked workers, item
    ``i`` by worker ``i % workers`` (neighbouring items cost alike), while this process reads
    their results in turn, when there are at least ``least`` items and more than one process
    may be used; else here. ``function`` must not change anything the caller reads afterwards:
    a worker's changes stay in the worker. Close the iterator (``contextlib.closing``) if it
    may not be read to its end, so that no worker outlives it."""
    if not shared(len(items), least):
        yield from map(function, items)
        return
    processes = min(count(), len(items))
    workers: list[_Worker] = []
    try:
        for number in range(processes):
            workers.append(_Worker(function, items[number::processes]))
        for index, item in enumerate(items):
            sent, result = workers[index % processes].next()
            yield result if sent else function(item)  # type: ignore[misc]
    finally:
        for worker in workers:
            worker.stop()
