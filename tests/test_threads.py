"""Threads (docs/contract.md "Choosing the implementation", "At the edges of the
runtime"): ``LEGACY_APP_THREADS`` caps the workers, changing it between calls leaves no
thread behind, and a value that is not a positive integer is a ValueError naming the
variable; threads that share one PointSet ask its first questions at once and agree.
Thread counts are taken in child processes (``python -m tests.test_threads COMMAND``),
where no other test has started threads. Many threads calling everything else at once:
``test_thread_safety.py``."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
import pytest

import legacy_app
from tests import children
from tests.children import cores, thread_names
from tests.fuzz_checker import noop, plain

# Child processes, signals or threads for seconds: out of the edit loop (make test-fast).
pytestmark = pytest.mark.process

THREADS = 8


def child_shared_point_set(size: str, rounds: str) -> int:
    """Threads asking one PointSet their first questions at once (so all wait for, or
    race to build, one index), each round a new set; the answers of a serial run."""
    api = legacy_app.load_backend(legacy_app.BACKEND)
    rng = np.random.default_rng(7)
    # Duplicates and ties, where a race would pick another index.
    array = rng.integers(0, 3000, size=(int(size), 2), dtype=np.int64)
    order = rng.permutation(int(size))
    questions: dict[str, Callable[[Any], object]] = {
        "nearest_neighbors": lambda points: points.nearest_neighbors(),
        "closest_pair": lambda points: points.closest_pair(progress=noop),
        "greedy_route": lambda points: points.greedy_route(5),
        "path_length": lambda points: points.path_length(order),
        "bounds": lambda points: points.bounds,
        "centroid": lambda points: points.centroid,
        "slice": lambda points: points[::-3].closest_pair(),
    }
    expected = {name: plain(ask(api.PointSet(array))) for name, ask in questions.items()}
    names = list(questions)
    problems: list[str] = []
    for _ in range(int(rounds)):
        shared = api.PointSet(array)
        barrier = threading.Barrier(THREADS)

        def worker(k: int, shared: Any = shared, barrier: threading.Barrier = barrier) -> None:
            try:
                barrier.wait(timeout=60)
                for name in names[k % len(names) :] + names[: k % len(names)]:
                    if plain(questions[name](shared)) != expected[name]:
                        problems.append(f"thread {k}: {name} differs from one thread's answer")
            except BaseException as error:  # noqa: BLE001 - reported, not lost in a thread
                problems.append(f"thread {k}: {type(error).__name__}: {error}")

        threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=240)
        stuck = [thread.name for thread in threads if thread.is_alive()]
        if stuck:
            problems.append(f"deadlock: {stuck} never finished")
            break
    print(json.dumps({"problems": problems}), flush=True)
    # A deadlocked thread would keep the interpreter from exiting: leave at once.
    os._exit(0)


@pytest.mark.parametrize("backend", legacy_app.BACKENDS)
def test_threads_share_one_point_set_and_agree(backend: str) -> None:
    size = "200000" if backend == "rust" else "3000"
    report = children.run_child(
        __name__, "shared-point-set", size, "3", timeout=600, backend=backend
    )
    assert report["problems"] == []


# LEGACY_APP_THREADS


def child_thread_cap(size: str, values: str, python_threads: str) -> int:
    """Batch work with ``LEGACY_APP_THREADS`` set to each of ``values`` in turn (the
    variable changed between calls in one process), then from ``python_threads`` short-lived
    Python threads; the OS threads of the process after each step."""
    rng = np.random.default_rng(4)
    array = rng.integers(0, 2**32, size=(int(size), 2), dtype=np.int64)
    points = [legacy_app.Point(x, y) for x, y in array[:2000].tolist()]
    before = len(thread_names())
    after_each: list[int] = []
    for value in values.split(","):
        os.environ["LEGACY_APP_THREADS"] = value
        legacy_app.nearest_neighbors(array)
        legacy_app.path_length(array)
        legacy_app.closest_pair(points)
        after_each.append(len(thread_names()))

    def work() -> None:
        legacy_app.nearest_neighbors(array)
        legacy_app.greedy_route(points)

    for _ in range(int(python_threads)):
        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
    # Threads that were told to end may take a moment to go.
    deadline = time.monotonic() + 2
    while len(thread_names()) > max(after_each) and time.monotonic() < deadline:
        time.sleep(0.05)
    report = {
        "before": before,
        "after_each": after_each,
        "after_python_threads": len(thread_names()),
        "names": sorted(set(thread_names())),
    }
    print(json.dumps(report))
    return 0


def sizes(backend: str) -> str:
    """Big enough to go parallel under Rust; what the Python backend does in a moment."""
    return "200000" if backend == "rust" else "2000"


@pytest.mark.parametrize("backend", legacy_app.BACKENDS)
def test_changing_the_cap_between_calls_leaves_no_threads_behind(backend: str) -> None:
    values = ",".join(str(n) for n in range(1, 41))
    report = children.run_child(
        __name__, "thread-cap", sizes(backend), values, "8", timeout=600, backend=backend
    )
    started = [count - report["before"] for count in report["after_each"]]
    print(
        f"{backend}: {report['before']} threads before; after LEGACY_APP_THREADS=1..40, "
        f"{started} more; after 8 Python threads, {report['after_python_threads']}; "
        f"names {report['names']}"
    )
    # All cores' workers, and a few helpers at most: not a pool per value kept forever.
    limit = cores() + 4
    assert max(started) <= limit, f"{max(started)} threads started, more than {limit}"
    assert report["after_python_threads"] - report["before"] <= limit


@pytest.mark.parametrize("backend", legacy_app.BACKENDS)
def test_a_cap_above_the_cores_starts_one_worker_a_core(backend: str) -> None:
    report = children.run_child(
        __name__, "thread-cap", sizes(backend), "2000", "0", timeout=300, backend=backend
    )
    started = report["after_each"][0] - report["before"]
    print(f"{backend}: LEGACY_APP_THREADS=2000 started {started} threads on {cores()} cores")
    # min(N, cores) workers, and one helper thread at most.
    assert started <= min(2000, cores()) + 1


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5"])
@pytest.mark.parametrize(
    "name", ["nearest_neighbors", "closest_pair", "path_length", "greedy_route"]
)
def test_a_cap_that_is_not_a_positive_integer_is_a_value_error(
    api: ModuleType, monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv("LEGACY_APP_THREADS", value)
    rng = np.random.default_rng(5)
    # Big enough to go parallel under Rust.
    size = 200_000 if api.__name__.endswith("_rust") else 3_000
    array = rng.integers(0, 2**32, size=(size, 2), dtype=np.int64)
    with pytest.raises(ValueError, match="LEGACY_APP_THREADS"):
        getattr(api, name)(array)
    # A good value again, and the same call works.
    monkeypatch.setenv("LEGACY_APP_THREADS", "1")
    getattr(api, name)(array[:100])


if __name__ == "__main__":
    children.main(
        {
            "shared-point-set": child_shared_point_set,
            "thread-cap": child_thread_cap,
        }
    )
