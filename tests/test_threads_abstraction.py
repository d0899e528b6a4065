"""Where the Rust backend's work runs (rust_ext/README.md, "Where work runs"): batch work
on the calling thread or the worker pool, a huge factorial on a thread of its own, and
the loader's read-ahead on a helper thread that the load joins. The Python backend runs
everything on the calling thread, holding the GIL, so these are properties of the Rust
backend alone. Each runs in a child process (``python -m tests.test_threads_abstraction
COMMAND``): a regression here hangs rather than fails."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

import legacy_app
from tests import children
from tests.children import cores, thread_names


def child_batch_beside_a_huge_factorial(size: str) -> int:
    """A batch call on the pool, and, once it is under way, ``fact(2**40)`` (longer than
    the universe has) from another thread: the batch call must end all the same."""
    rng = np.random.default_rng(11)
    array = rng.integers(0, 2**32, size=(int(size), 2), dtype=np.int64)
    started: list[threading.Thread] = []

    def progress(done: int, total: int) -> None:
        # Sent while the pool is busy with this call: a pool thread that waits in a
        # join would run a job queued meanwhile, and never come back from this one.
        if done > 0 and not started:
            thread = threading.Thread(target=legacy_app.fact, args=(2**40,), daemon=True)
            thread.start()
            started.append(thread)

    begin = time.monotonic()
    indices, _ = legacy_app.nearest_neighbors(array, progress=progress)
    report = {
        "seconds": time.monotonic() - begin,
        "answers": len(indices),
        "fact_started": bool(started),
        "fact_running": started[0].is_alive() if started else False,
        "fact_threads": [name for name in thread_names() if name == "legacy-app-fact"],
    }
    print(json.dumps(report), flush=True)
    # The factorial never ends: leave without waiting for its thread.
    os._exit(0)


@pytest.mark.skipif(cores() < 2, reason="the worker pool needs two cores")
def test_a_batch_call_is_not_held_up_by_a_huge_factorial(rust_api: ModuleType) -> None:
    size = 4_000_000
    report = children.run_child(
        __name__, "batch-beside-fact", str(size), timeout=180, LEGACY_APP_THREADS="2"
    )
    assert report["answers"] == size
    assert report["fact_started"], "the batch call was over before it reported progress"
    # The factorial runs, on its own thread, not on the pool.
    assert report["fact_running"]
    assert report["fact_threads"] == ["legacy-app-fact"]


def child_load_and_count_threads(path: str) -> int:
    """``load_points`` of a regular file with two threads allowed (read ahead on a
    helper), then the threads left: none of the helper's."""
    before = sorted(thread_names())
    points = legacy_app.load_points(path)
    after = sorted(thread_names())
    print(json.dumps({"points": len(points), "before": before, "after": after}))
    return 0


def test_load_points_joins_its_read_ahead(rust_api: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "points.csv"
    path.write_text("".join(f"{k},{k * 7 % 1000}\n" for k in range(300_000)))
    report = children.run_child(
        __name__, "load-and-count-threads", str(path), timeout=120, LEGACY_APP_THREADS="2"
    )
    assert report["points"] == 300_000
    assert report["after"] == report["before"]
    assert "legacy-app-load" not in report["after"]


def child_interrupt_fact() -> int:
    """Ctrl-C half a second into ``fact(2**40)``; how long it took to be heard."""
    import signal

    sent: list[float] = []

    def send() -> None:
        sent.append(time.monotonic())
        os.kill(os.getpid(), signal.SIGINT)

    threading.Timer(0.5, send).start()
    try:
        legacy_app.fact(2**40)
    except KeyboardInterrupt:
        caught = time.monotonic()
    else:
        print(json.dumps({"finished": True}))
        return 0
    # The factorial's thread stops too.
    deadline = time.monotonic() + 2
    while "legacy-app-fact" in thread_names() and time.monotonic() < deadline:
        time.sleep(0.01)
    print(
        json.dumps(
            {
                "latency": caught - sent[0],
                "left": [name for name in thread_names() if name.startswith("legacy-app-")],
            }
        )
    )
    return 0


def test_ctrl_c_interrupts_a_huge_factorial_with_one_thread_allowed(
    rust_api: ModuleType,
) -> None:
    """With ``LEGACY_APP_THREADS=1`` the factorial still runs apart from the caller
    (one thread works, the caller waits), so the wait hears Ctrl-C at once."""
    report = children.run_child(__name__, "interrupt-fact", timeout=120, LEGACY_APP_THREADS="1")
    assert "finished" not in report
    assert report["latency"] < 1.0
    assert report["left"] == []


if __name__ == "__main__":
    # The children import legacy_app with the backend their environment names.
    assert legacy_app.BACKEND == "rust", legacy_app.BACKEND
    children.main(
        {
            "batch-beside-fact": child_batch_beside_a_huge_factorial,
            "load-and-count-threads": child_load_and_count_threads,
            "interrupt-fact": child_interrupt_fact,
        }
    )
