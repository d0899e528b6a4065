"""Signals and cancellation (SPEC.md "At the runtime edges", "signals"): Ctrl-C during
every long Rust call raises KeyboardInterrupt within a second and leaves the interpreter
working; a cancelled print_sleep leaves nothing running.

Each Ctrl-C goes to a child process (``python -m tests.test_signals interrupt ...``) that
sets up Ctrl-C's handler itself, so these tests pass in a suite started in the background.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

import legacy_app
from tests import children
from tests.children import Child, Discard, thread_names


def child_interrupt(call: str, path: str) -> int:
    """Start a long call, saying "ready" just before; report when Ctrl-C arrived."""
    api = legacy_app.load_backend(legacy_app.BACKEND)
    rng = np.random.default_rng(3)
    searching: list[int] = []

    def progress(done: int, total: int) -> None:
        # Told once the index is built and the chunked search has begun (straight to
        # the file descriptor: sys.stdout is silenced during the call).
        if not searching:
            searching.append(done)
            os.write(1, b"searching\n")

    long_calls: dict[str, Callable[[], object]] = {
        "nearest_neighbors": lambda: api.nearest_neighbors(
            rng.integers(0, 2**32, size=(4_000_000, 2), dtype=np.int64), progress=progress
        ),
        "closest_pair": lambda: api.closest_pair(
            rng.integers(0, 2**32, size=(4_000_000, 2), dtype=np.uint32), progress=progress
        ),
        "greedy_route": lambda: api.greedy_route(
            rng.integers(0, 2**32, size=(1_000_000, 2), dtype=np.int64), progress=progress
        ),
        "load_points": lambda: api.load_points(path),
        "fact": lambda: api.fact(2**40),
        "print_sleep": lambda: asyncio.run(api.print_sleep(datetime.timedelta(seconds=60))),
    }
    work = long_calls[call]
    print("ready", flush=True)
    start = time.monotonic()
    try:
        with contextlib.redirect_stdout(Discard()):
            work()
    except KeyboardInterrupt:
        caught = time.monotonic()
    else:
        print(json.dumps({"finished_after": time.monotonic() - start}))
        return 0
    # Nothing keeps running: fact's worker thread stops too.
    deadline = time.monotonic() + 2
    while "legacy-app-fact" in thread_names() and time.monotonic() < deadline:
        time.sleep(0.01)
    workers = [name for name in thread_names() if name == "legacy-app-fact"]
    # And the interpreter works on.
    alive = (
        api.fact(20) == 2432902008176640000
        and api.closest_pair([api.Point(0, 0), api.Point(3, 4)]) == (0, 1, 5.0)
        and len(api.load_points(os.devnull)) == 0
    )
    print(json.dumps({"caught_at": caught, "workers": workers, "alive": alive}))
    return 0


def interrupt(call: str, path: str = "", after: str | float = 0.5, backend: str = "rust") -> float:
    """Ctrl-C a child in the middle of ``call``: ``after`` seconds into it, or once it
    prints that line. Returns the latency from the signal to KeyboardInterrupt."""
    argv = children.child_argv(__name__, "interrupt", call, path)
    with Child(argv, children.child_env(backend)) as child:
        child.wait_for("ready", timeout=120)
        if isinstance(after, str):
            child.wait_for(after, timeout=120)
        else:
            time.sleep(after)
        sent = time.monotonic()
        os.kill(child.process.pid, signal.SIGINT)
        try:
            status, report, err = child.finish(timeout=30)
        except subprocess.TimeoutExpired:
            pytest.fail(f"Ctrl-C did not interrupt {call} within 30 s")
    assert status == 0, err
    assert "finished_after" not in report, f"{call} was over before Ctrl-C: make it longer"
    latency = float(report["caught_at"]) - sent
    print(f"Ctrl-C during {call} ({after}): KeyboardInterrupt after {latency * 1000:.0f} ms")
    assert report["alive"]
    assert report["workers"] == []
    return latency


@pytest.mark.parametrize(
    ("call", "after"),
    [
        # 0.3 s in: while the index (or the route's tree) is being built.
        pytest.param("nearest_neighbors", 0.3, id="nearest_neighbors-indexing"),
        pytest.param("nearest_neighbors", "searching", id="nearest_neighbors-searching"),
        pytest.param("closest_pair", 0.3, id="closest_pair-indexing"),
        pytest.param("closest_pair", "searching", id="closest_pair-searching"),
        pytest.param("greedy_route", 0.3, id="greedy_route-indexing"),
        pytest.param("greedy_route", "searching", id="greedy_route-routing"),
        pytest.param("fact", 0.5, id="fact"),
        pytest.param("print_sleep", 0.5, id="print_sleep"),
    ],
)
def test_ctrl_c_interrupts_long_calls_within_a_second(call: str, after: str | float) -> None:
    assert interrupt(call, after=after) < 1.0


def test_ctrl_c_interrupts_load_points_within_a_second(big_points_file: Path) -> None:
    assert interrupt("load_points", str(big_points_file), after=0.5) < 1.0


def pending_handles(loop: asyncio.AbstractEventLoop) -> list[Any]:
    """The callbacks the loop still holds (private attributes, read with care)."""
    ready = list(getattr(loop, "_ready", ()))
    scheduled = list(getattr(loop, "_scheduled", ()))
    return [handle for handle in ready + scheduled if not handle.cancelled()]


async def test_cancelled_print_sleep_leaves_nothing_running(
    api: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    loop = asyncio.get_running_loop()
    problems: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _, context: problems.append(context))
    sleeps = [api.print_sleep(datetime.timedelta(milliseconds=100)) for _ in range(100)]
    tasks = [asyncio.ensure_future(sleep) for sleep in sleeps]
    timed = [
        asyncio.ensure_future(
            asyncio.wait_for(api.print_sleep(datetime.timedelta(seconds=5)), 0.01)
        )
        for _ in range(100)
    ]
    await asyncio.sleep(0.02)
    for task in tasks:
        task.cancel()
    outcomes = await asyncio.gather(*tasks, *timed, return_exceptions=True)
    assert all(isinstance(o, asyncio.CancelledError) for o in outcomes[:100])
    assert all(isinstance(o, asyncio.TimeoutError) for o in outcomes[100:])
    # Past the end of every sleep: a timer left behind would fire now.
    await asyncio.sleep(0.2)
    assert asyncio.all_tasks() == {asyncio.current_task()}
    assert pending_handles(loop) == []
    assert problems == []
    assert "awake" not in capsys.readouterr().out


if __name__ == "__main__":
    children.main({"interrupt": child_interrupt})
