"""Many threads at once in a child process: the harness of the thread-safety tests.

A stress runs in a child (``tests/children.py``), so that a crash or a deadlock fails one
test with a report instead of ending or hanging the run. In the child, ``together``
starts its threads at once and bounds every wait; ``hammer`` makes the same calls from
every thread and compares each outcome with what one thread got first;
``while_changed`` keeps some threads changing shared objects while the others read them.
The child ends with ``finish(report)``; the parent runs it and judges its report with
``run_stress``.
"""

from __future__ import annotations

import io
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

import numpy as np

import legacy_app
from legacy_app.comparison import Outcome, attempt, describe
from tests import children

THREADS = 8
# Every wait is bounded, and generously: two cores shared with other work.
WAIT_SECONDS = 240.0
CHILD_SECONDS = 600.0

Calls = Mapping[str, Callable[[], object]]
Array = np.ndarray[Any, np.dtype[np.int64]]
# What one call gave: its outcome, and what it returned or raised.
Attempt = tuple[Outcome, object]


def contended() -> None:
    """Switch threads as often as the interpreter allows, so that they interleave finely."""
    sys.setswitchinterval(1e-6)


def together(body: Callable[[int], None]) -> dict[str, Any]:
    """Run ``body(k)`` for each ``k`` in ``range(THREADS)`` on a thread of its own, all
    released at once: what any of them raised, and which never finished (a deadlock)."""
    barrier = threading.Barrier(THREADS)
    problems: list[str] = []

    def run(k: int) -> None:
        try:
            barrier.wait(timeout=WAIT_SECONDS)
            body(k)
        except BaseException as error:  # noqa: BLE001 - reported, not lost in a thread
            kind = type(error)
            # PyO3's PanicException shows as pyo3_runtime.PanicException.
            problems.append(f"thread {k}: {kind.__module__}.{kind.__qualname__}: {error}")

    threads = [threading.Thread(target=run, args=(k,), daemon=True) for k in range(THREADS)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + WAIT_SECONDS
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    stuck = [thread.name for thread in threads if thread.is_alive()]
    return {"problems": problems, "stuck": stuck}


def alone(calls: Calls) -> dict[str, Attempt]:
    """What each call gives made on one thread."""
    return {name: attempt(call) for name, call in calls.items()}


def hammer(
    calls: Calls,
    rounds: int,
    expected: Mapping[str, Attempt] | None = None,
    when_all_done: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Every call of ``calls`` made ``rounds`` times by every thread at once (each thread
    starting at another call, so that different calls overlap), each outcome compared
    with ``expected`` (by default, what the call gives on one thread, asked first).
    ``when_all_done`` runs once every thread has made its calls, before any ends."""
    if expected is None:
        expected = alone(calls)
    names = list(calls)
    done = threading.Barrier(THREADS, action=when_all_done)
    mismatches: list[str] = []

    def body(k: int) -> None:
        shift = k % len(names)
        for _ in range(rounds):
            for name in names[shift:] + names[:shift]:
                got, value = attempt(calls[name])
                if got != expected[name][0]:
                    one = describe(*expected[name])
                    mismatches.append(f"{name}: {describe(got, value)}; on one thread: {one}")
        done.wait(timeout=WAIT_SECONDS)

    report = together(body)
    report["problems"] += sorted(set(mismatches))
    return report


def while_changed(
    changers: int, change: Callable[[int], None], read: Callable[[int], None]
) -> dict[str, Any]:
    """``together``: threads ``0 .. changers - 1`` call ``change(k)`` over and over until
    every other thread has returned from ``read(k)``."""
    stop = threading.Event()
    readers_done: list[int] = []

    def body(k: int) -> None:
        if k < changers:
            while not stop.is_set():
                change(k)
            return
        try:
            read(k)
        finally:
            readers_done.append(k)
            if len(readers_done) == THREADS - changers:
                stop.set()

    return together(body)


def finish(report: Mapping[str, Any]) -> NoReturn:
    """Print the child's report and leave at once: a deadlocked thread must not keep the
    interpreter from exiting."""
    print(json.dumps(report), flush=True)
    os._exit(0)


def run_stress(module: str, backend: str, *args: str, **env: str) -> None:
    """Run child command ``args[0]`` of test module ``module`` under ``backend``, and
    fail on what its report found."""
    report = children.run_child(module, *args, timeout=CHILD_SECONDS, backend=backend, **env)
    assert report["stuck"] == [], "deadlock: these threads never finished"
    assert report["problems"][:20] == []


def served() -> ModuleType:
    """The module serving the public names in this child (``LEGACY_APP_BACKEND``)."""
    return legacy_app.load_backend(legacy_app.BACKEND)


def size_for(backend: str, rust: int, python: int) -> str:
    """Inputs big enough for Rust's worker pool; what the pure-Python backend reads in a moment."""
    return str(rust if backend == "rust" else python)


def tie_heavy(size: int, seed: int = 6) -> Array:
    """``size`` points in a 3000 x 3000 square: duplicates and ties, where a race would
    pick another index."""
    return np.random.default_rng(seed).integers(0, 3000, size=(size, 2), dtype=np.int64)


def points_file(path: Path, array: Array, last_line: str = "", comments: bool = False) -> Path:
    """A points file of ``array``'s points, each followed by a comment line if asked."""
    comment = "# " + "-" * 60 + "\n" if comments else ""
    lines = "".join(f"{x},{y}\n{comment}" for x, y in array.tolist())
    path.write_text("x,y\n" + lines + last_line)
    return path


class Lines(io.TextIOBase):
    """A standard output that keeps what it is given, one ``write`` an item."""

    def __init__(self) -> None:
        self.written: list[str] = []

    def write(self, text: str) -> int:
        self.written.append(text)
        return len(text)


class Progress:
    """A ``progress`` callback that keeps its calls, to check what the contract says."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def __call__(self, done: int, total: int) -> None:
        self.calls.append((done, total))

    def verdict(self) -> tuple[bool, list[tuple[int, int]]]:
        """Whether ``done`` never decreased, and the last call (``[(n, n)]`` expected);
        how often it was called in between is not part of the contract."""
        dones = [done for done, _ in self.calls]
        return dones == sorted(dones), self.calls[-1:]


def with_progress(function: Callable[..., object], *args: object) -> object:
    """``function(*args, progress=...)``, and the verdict on its progress calls."""
    progress = Progress()
    return function(*args, progress=progress), progress.verdict()
