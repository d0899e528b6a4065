"""Threads (SPEC.md "At the runtime edges"): Python threads share Points and call the
batch functions at once, and agree; in a child process
(``python -m tests.test_threads threads``), so that a deadlock fails one test.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable

import numpy as np

import legacy_app
from tests import children
from tests.fuzz_checker import noop, plain

THREADS = 8


def child_threads(size: str, rounds: str) -> int:
    api = legacy_app.load_backend("rust")
    rng = np.random.default_rng(6)
    # A 3000 x 3000 square: duplicates and ties, where a race would pick another index.
    array = rng.integers(0, 3000, size=(int(size), 2), dtype=np.int64)
    points = [api.Point(x, y) for x, y in array.tolist()]
    counted: list[int] = []
    work: dict[str, Callable[[], object]] = {
        "nearest_neighbors": lambda: api.nearest_neighbors(points),
        "nearest_neighbors numpy": lambda: api.nearest_neighbors(array),
        "closest_pair": lambda: api.closest_pair(points, progress=lambda d, t: counted.append(d)),
        "closest_pair numpy": lambda: api.closest_pair(array),
        "path_length": lambda: api.path_length(points),
        "path_length numpy": lambda: api.path_length(array),
        "greedy_route": lambda: api.greedy_route(points, 5),
        "greedy_route numpy": lambda: api.greedy_route(array, progress=noop),
    }
    expected = {name: plain(call()) for name, call in work.items()}
    names = list(work)
    barrier = threading.Barrier(THREADS)
    problems: list[str] = []
    done = [0] * THREADS

    def worker(k: int) -> None:
        try:
            barrier.wait(timeout=60)
            for _ in range(int(rounds)):
                # Each thread starts at another function, so that all run at once.
                for name in names[k % len(names) :] + names[: k % len(names)]:
                    if plain(work[name]()) != expected[name]:
                        problems.append(f"thread {k}: {name} differs from one thread's result")
                    done[k] += 1
                    # Meanwhile, Points of its own: created, changed, measured.
                    mine = api.Point(k, k)
                    mine.x = done[k]
                    mine.dist(points[k])
        except BaseException as error:  # noqa: BLE001 - reported, not lost in a thread
            problems.append(f"thread {k}: {type(error).__name__}: {error}")

    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(THREADS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    stuck = [thread.name for thread in threads if thread.is_alive()]
    report = {
        "threads": THREADS,
        "calls": sum(done),
        "seconds": time.perf_counter() - start,
        "problems": problems,
        "stuck": stuck,
    }
    print(json.dumps(report), flush=True)
    # A deadlocked thread would keep the interpreter from exiting: leave at once.
    os._exit(0)


def test_threads_share_points_and_agree() -> None:
    rounds = 3
    report = children.run_child(__name__, "threads", "20000", str(rounds), timeout=400)
    print(
        f"threads: {report['threads']} threads, {report['calls']} batch calls at once "
        f"in {report['seconds']:.1f} s"
    )
    assert report["stuck"] == [], "deadlock: these threads never finished"
    assert report["problems"] == []
    assert report["calls"] == THREADS * rounds * 8


if __name__ == "__main__":
    children.main({"threads": child_threads})
