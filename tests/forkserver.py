"""A fork server for tests that need ``minsec`` in a process of its own, without paying for a
fresh interpreter and its imports (0.4-0.6 s) at every run.

The server is a fresh interpreter, started once, that imports minsec and what its commands
import, then forks a child for each request: the child runs the given code as ``python -c``
would (its own ``sys.argv``, environment and working folder, stdout and stderr captured), and
the server answers with its exit status, a signal as a negative number like ``subprocess``.
A child is a real process: killed, it leaves the disk as the kill left it; started from a
server that cannot override file modes, it obeys them. What it cannot carry over is state
from the tests, since the server has never run a command before it forks.
"""

import contextlib
import json
import os
import selectors
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

#: What the commands import on their first run; loading them once is the point of the server.
PRELOAD = (
    "minsec.cli",
    "minsec.validate",
    "minsec.build",
    "minsec.swap",
    "minsec.diff",
    "minsec.release",
    "minsec.export",
    "minsec.site",
    "minsec.fingerprint",
    "minsec.table_check",
    "minsec.draft",
    "frictionless",
    "pandas",
    "jinja2",
)


def _serve(preload: Sequence[str]) -> None:  # pragma: no cover - runs in the server
    import importlib

    for name in preload:
        with contextlib.suppress(ImportError):  # a module this minsec lacks: the command imports it as usual
            importlib.import_module(name)
    requests = os.fdopen(os.dup(0), "rb")
    answers = os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.write(answers, b"ready\n")
    for line in requests:
        request = json.loads(line)
        out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()  # noqa: SIM115 - closed below, after the child
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            requests.close()
            os.close(answers)
            os.dup2(out.fileno(), 1)
            os.dup2(err.fileno(), 2)
            _child(request)
        status = os.waitpid(pid, 0)[1]
        answer = {"code": os.waitstatus_to_exitcode(status)}
        for name, file in (("out", out), ("err", err)):
            file.seek(0)
            answer[name] = file.read().decode("utf-8", errors="surrogateescape")
            file.close()
        os.write(answers, json.dumps(answer).encode() + b"\n")


def _child(request: dict) -> None:  # pragma: no cover - runs in the child, never returns
    code = 1
    try:
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = ["-c", *request["argv"]]
        sys.path[0] = ""  # as for `python -c`: the working folder, not the server's
        exec(compile(request["code"], "<string>", "exec"), {"__name__": "__main__"})
        code = 0
    except SystemExit as exit_:
        if exit_.code is None:
            code = 0
        elif isinstance(exit_.code, int):
            code = exit_.code
        else:
            print(exit_.code, file=sys.stderr)
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


class ForkServer:
    """The client: ``run(code, *argv)`` is ``python -c code *argv`` in a forked child."""

    def __init__(self, env: dict[str, str], preexec_fn: Callable[[], None] | None = None) -> None:
        self.env = env
        self.process = subprocess.Popen(
            [sys.executable, __file__, *PRELOAD],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            preexec_fn=preexec_fn,
        )
        self._read(timeout=120, what="start")

    def _read(self, timeout: float, what: str) -> bytes:
        assert self.process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            if not selector.select(timeout):
                self.close()
                raise TimeoutError(f"the fork server did not answer within {timeout} s ({what})")
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the fork server ended ({what}): exit status {self.process.wait()}")
        return line

    def run(
        self, code: str, *argv: object, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 300
    ) -> tuple[int, str, str]:
        """(exit status or minus the signal, stdout, stderr) of ``python -c code argv...``."""
        assert self.process.stdin is not None
        request = {
            "code": code,
            "argv": [str(a) for a in argv],
            "env": self.env if env is None else env,
            "cwd": str(cwd or Path.cwd()),
        }
        self.process.stdin.write(json.dumps(request).encode() + b"\n")
        self.process.stdin.flush()
        answer = json.loads(self._read(timeout, what=" ".join(request["argv"])))
        return answer["code"], answer["out"], answer["err"]

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


if __name__ == "__main__":
    _serve(sys.argv[1:])
