"""Child processes for the tests: whatever could crash, abort or hang the interpreter, or
needs a process of its own to measure, runs in one, so that it fails one test with a clear
message instead of ending (or hanging) the run.

A test module that needs children defines ``child_*`` functions and ends with
``if __name__ == "__main__": children.main({...})``; the parent runs them with
``run_child(__name__, COMMAND, ARGS...)``, that is ``python -m tests.MODULE COMMAND ARGS``.
A child reports by printing one JSON object on its last line. Small children are
``python -c CODE`` (``run_code``).

Every child restores Ctrl-C's handler itself (``main``, ``CTRL_C``): a suite started in the
background inherits an ignored SIGINT, which the interpreter then leaves ignored.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

import pytest

TESTS = Path(__file__).resolve().parent
# The directory holding the ``tests`` package: the checkout, or the copy the matrix runs.
SUITE = TESTS.parent
MB = 1 << 20

# Ctrl-C as at an interactive prompt, whatever the disposition the child inherited.
CTRL_C = "import signal; signal.signal(signal.SIGINT, signal.default_int_handler)"
# Code that makes `import rust_ext` fail in the child that runs it: a machine without Rust.
BLOCK_RUST = (
    "import sys\n"
    "class Block:\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name == 'rust_ext':\n"
    "            raise ImportError('no rust_ext here')\n"
    "sys.meta_path.insert(0, Block())\n"
)


def main(commands: Mapping[str, Callable[..., int]]) -> NoReturn:
    """Run the child command named by ``sys.argv[1]`` with the rest as its arguments."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.exit(commands[sys.argv[1]](*sys.argv[2:]))


def child_env(backend: str = "rust", **extra: str) -> dict[str, str]:
    """A backend, UTF-8 output, and every thread's traceback on a crash."""
    return {
        **os.environ,
        "LEGACY_APP_BACKEND": backend,
        "PYTHONIOENCODING": "utf-8",
        "PYTHONFAULTHANDLER": "1",
        # A panic's message is enough; a backtrace per panic floods the captured output.
        "RUST_BACKTRACE": "0",
        **extra,
    }


def child_argv(module: str, *args: str) -> list[str]:
    """The command line of child command ``args[0]`` of test module ``module``."""
    return [sys.executable, "-m", module, *args]


def command_argv(*args: str) -> list[str]:
    """``legacy-app ARGS`` as a child that Ctrl-C reaches (see the module's docstring)."""
    code = f"{CTRL_C}; import sys; from legacy_app.cli import main; sys.exit(main())"
    return [sys.executable, "-c", code, *args]


def report_of(stdout: str) -> dict[str, Any]:
    """A child's report: the JSON object on the last line of its output."""
    lines = stdout.strip().splitlines()
    assert lines, "the child printed no report"
    report: dict[str, Any] = json.loads(lines[-1])
    return report


def finished(
    argv: Sequence[str], timeout: float, env: Mapping[str, str], what: str
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` to its end; a hang is a test failure, not a hung suite."""
    try:
        return subprocess.run(
            argv,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            env=dict(env),
            cwd=SUITE,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as error:
        # What the child wrote before it was killed (bytes, whatever ``text`` said).
        partial = error.stderr or b""
        err = partial.decode(errors="replace") if isinstance(partial, bytes) else partial
        pytest.fail(f"{what} hung: no result within {timeout:.0f} s\n{err[-3000:]}")


def run_child(
    module: str, *args: str, timeout: float, backend: str = "rust", **env: str
) -> dict[str, Any]:
    """Run a child command of ``module`` to its end and return its report."""
    done = finished(child_argv(module, *args), timeout, child_env(backend, **env), args[0])
    assert done.returncode == 0, f"{args} exited with {done.returncode}:\n{done.stderr[-5000:]}"
    return report_of(done.stdout)


def run_code(
    code: str, *, timeout: float, backend: str = "rust", **env: str
) -> subprocess.CompletedProcess[str]:
    """Run ``python -c CODE`` to its end (its status is the caller's to judge)."""
    argv = [sys.executable, "-c", f"{CTRL_C}\n{code}"]
    return finished(argv, timeout, child_env(backend, **env), "the child")


class Child:
    """A running child whose output lines can be awaited, with a timeout."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(env if env is not None else child_env()),
            cwd=SUITE,
        )
        self.lines: list[str] = []
        self._partial = b""

    def __enter__(self) -> Child:
        return self

    def __exit__(self, *_: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.communicate()

    def wait_for(self, expected: str, timeout: float) -> None:
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        deadline = time.monotonic() + timeout
        while expected not in self.lines:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                pytest.fail(f"the child did not print {expected!r} within {timeout} s")
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                _, err = self.process.communicate(timeout=10)
                pytest.fail(f"the child ended before printing {expected!r}:\n{err.decode()}")
            *complete, self._partial = (self._partial + chunk).split(b"\n")
            self.lines.extend(line.decode() for line in complete)

    def finish(self, timeout: float) -> tuple[int, dict[str, Any], str]:
        """Wait for the end: exit status, report, and what went to stderr."""
        out, err = self.process.communicate(timeout=timeout)
        rest = (self._partial + out).decode()
        return self.process.returncode, report_of(rest or "{}"), err.decode(errors="replace")


class Discard(io.TextIOBase):
    """A stdout that forgets what it is given."""

    def write(self, text: str) -> int:
        return len(text)


# What a process measures of itself.


def rss() -> int:
    """This process's resident memory in bytes."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss() -> int:
    """This process's peak resident memory in bytes (Linux counts kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def thread_names() -> list[str]:
    """The names of this process's OS threads (Rust names its own)."""
    names = []
    for task in os.listdir("/proc/self/task"):
        with contextlib.suppress(FileNotFoundError), open(f"/proc/self/task/{task}/comm") as f:
            names.append(f.read().strip())
    return names


def cores() -> int:
    """The cores this process may run on: what "all cores" means for worker threads."""
    return len(os.sched_getaffinity(0))
