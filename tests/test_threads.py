"""Threads (docs/contract.md "Choosing the implementation", "At the edges of the
runtime"): ``LEGACY_APP_THREADS`` caps the workers, changing it between calls leaves no
thread behind, and a value that is not a positive integer is a ValueError naming the
variable; threads that share one PointSet ask its first questions at once and agree.
Thread counts are taken in child processes (``python -m tests.test_threads COMMAND``),
where no other test has started threads. Where the Rust backend runs its work: batch
work inline or on the pool, a huge factorial and the loader's read-ahead on threads of
their own. Many threads calling everything else at once: ``test_thread_safety.py``."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
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


# Where the Rust backend's work runs (rust_ext/README.md, "Where work runs"): batch work
# on the calling thread or the worker pool, a huge factorial on a thread of its own, the
# loader's read-ahead on a helper thread that the load joins. The Python backend runs
# everything on the calling thread, so these are the Rust backend's alone; a regression
# here hangs rather than fails, hence the children.


def child_batch_beside_a_huge_factorial(size: str) -> int:
    """A batch call on the pool, and, once it is under way, ``fact(2**40)`` (longer than
    the universe has) from another thread: the batch call must end all the same."""
    # Where work runs is the Rust backend's own affair.
    assert legacy_app.BACKEND == "rust", legacy_app.BACKEND
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
    """``load_points`` (read ahead on a helper) and ``PointSet.load`` (a second parser
    on a helper) of a regular file with two threads allowed, and the threads left after
    each: none of the helpers'."""
    # Where work runs is the Rust backend's own affair.
    assert legacy_app.BACKEND == "rust", legacy_app.BACKEND
    before = sorted(thread_names())
    points = legacy_app.load_points(path)
    after_points = sorted(thread_names())
    point_set = legacy_app.PointSet.load(path)
    after_set = sorted(thread_names())
    report = {
        "points": len(points),
        "set": len(point_set),
        "before": before,
        "after_points": after_points,
        "after_set": after_set,
    }
    print(json.dumps(report))
    return 0


def test_loads_join_their_helpers(rust_api: ModuleType, tmp_path: Path) -> None:
    # Several chunks: the helpers get work.
    path = tmp_path / "points.csv"
    path.write_text("".join(f"{k},{k * 7 % 1000}\n" for k in range(300_000)))
    report = children.run_child(
        __name__, "load-and-count-threads", str(path), timeout=120, LEGACY_APP_THREADS="2"
    )
    assert report["points"] == report["set"] == 300_000
    assert report["after_points"] == report["after_set"] == report["before"]
    assert not {"legacy-app-load", "legacy-app-parse"} & set(report["after_set"])


def child_interrupt_fact() -> int:
    """Ctrl-C half a second into ``fact(2**40)``; how long it took to be heard."""
    # Where work runs is the Rust backend's own affair.
    assert legacy_app.BACKEND == "rust", legacy_app.BACKEND
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
    children.main(
        {
            "shared-point-set": child_shared_point_set,
            "thread-cap": child_thread_cap,
            "batch-beside-fact": child_batch_beside_a_huge_factorial,
            "load-and-count-threads": child_load_and_count_threads,
            "interrupt-fact": child_interrupt_fact,
        }
    )
