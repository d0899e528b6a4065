"""Leaks (docs/contract.md "At the edges of the runtime"): every call, raising and
catching every error class, hundreds of thousands of times; and print_sleep tasks
abandoned on thousands of closed event loops. Resident memory, Python objects, file
descriptors and threads stay flat after warm-up. Each measurement runs in a child
process of its own (``python -m tests.test_leaks COMMAND``), where nothing else
allocates meanwhile."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import datetime
import gc
import json
import logging
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

import legacy_app
from legacy_app import AppleStuckInThroat, HelloIOError, PointsFormatError
from tests import children
from tests.children import MB, Discard, rss, thread_names
from tests.fuzz_checker import UserError, noop, raising

# Child processes, signals or threads for seconds: out of the edit loop (make test-fast).
pytestmark = pytest.mark.process


def expect(error: type[BaseException], call: Callable[[], object]) -> Callable[[], None]:
    def check() -> None:
        try:
            call()
        except error:
            return
        raise AssertionError(f"{call} did not raise {error.__name__}")

    return check


def leak_workload(api: ModuleType, directory: Path) -> dict[str, Callable[[], object]]:
    """One call of everything, by name, each error class raised and caught."""
    good = directory / "good.csv"
    good.write_text("x,y\n" + "".join(f"{k},{k * 7 % 13}\n" for k in range(20)))
    bad = directory / "bad.csv"
    bad.write_text("1,2\n3,4,5\n")
    missing = directory / "missing.csv"
    p, q = api.Point(3, 4), api.Point(0, 0)
    points = [api.Point(k * 37 % 101, k * 59 % 103) for k in range(50)]
    array = np.array([[p.x, p.y] for p in points], dtype=np.int64)
    loop = asyncio.new_event_loop()

    def cancelled_sleep() -> None:
        sleep = api.print_sleep(datetime.timedelta(seconds=10))
        with contextlib.suppress(asyncio.TimeoutError):
            loop.run_until_complete(asyncio.wait_for(sleep, timeout=0))

    def set_x() -> None:
        p.x = 3

    shared = api.PointSet(points)
    order = list(range(49, -1, -3))

    def fresh_set_asked() -> None:
        # A new set each time: its index built by the first question, freed with it.
        fresh = api.PointSet(array)
        fresh.nearest_neighbors()
        fresh.closest_pair(progress=noop)
        fresh.greedy_route(3)
        fresh.path_length(order)

    return {
        "Point()": lambda: api.Point(1, 2),
        "Point.dist": lambda: p.dist(q),
        "str(Point)": lambda: str(p),
        "repr(Point)": lambda: repr(p),
        "Point ==": lambda: p == q,
        "Point == 1": lambda: p == 1,
        "Point.x =": set_x,
        "pickle Point": lambda: pickle.loads(pickle.dumps(p)),
        "deepcopy Point": lambda: copy.deepcopy(p),
        "hash(Point) TypeError": expect(TypeError, lambda: hash(p)),
        "Point ValueError": expect(ValueError, lambda: api.Point(-1, 0)),
        "Point big ValueError": expect(ValueError, lambda: api.Point(2**100, 0)),
        "Point TypeError": expect(TypeError, lambda: api.Point("a", 0)),
        "dist TypeError": expect(TypeError, lambda: p.dist(5)),
        "fact": lambda: api.fact(30),
        "fact ValueError": expect(ValueError, lambda: api.fact(-1)),
        "fact OverflowError": expect(OverflowError, lambda: api.fact(2**64)),
        "fact TypeError": expect(TypeError, lambda: api.fact(1.5)),
        "throws_error": expect(AppleStuckInThroat, api.throws_error),
        "say_hello": api.say_hello,
        "load_points": lambda: api.load_points(good),
        "load_points HelloIOError": expect(HelloIOError, lambda: api.load_points(missing)),
        "load_points PointsFormatError": expect(PointsFormatError, lambda: api.load_points(bad)),
        "load_points TypeError": expect(TypeError, lambda: api.load_points(None)),
        "nearest_neighbors": lambda: api.nearest_neighbors(points),
        "nearest_neighbors numpy": lambda: api.nearest_neighbors(array),
        "closest_pair": lambda: api.closest_pair(points),
        "closest_pair numpy": lambda: api.closest_pair(array),
        "path_length": lambda: api.path_length(points),
        "path_length numpy": lambda: api.path_length(array),
        "greedy_route": lambda: api.greedy_route(points, progress=noop),
        "greedy_route numpy": lambda: api.greedy_route(array, 7),
        "greedy_route IndexError": expect(IndexError, lambda: api.greedy_route(points, 50)),
        "nearest_neighbors ValueError": expect(ValueError, lambda: api.nearest_neighbors([p])),
        "closest_pair numpy ValueError": expect(ValueError, lambda: api.closest_pair(array[:1])),
        "path_length TypeError": expect(TypeError, lambda: api.path_length([p, 1])),
        "path_length shape ValueError": expect(
            ValueError, lambda: api.path_length(np.zeros((2, 3), dtype=np.int64))
        ),
        "nearest_neighbors dtype TypeError": expect(
            TypeError, lambda: api.nearest_neighbors(np.zeros((2, 2)))
        ),
        "progress UserError": expect(
            UserError, lambda: api.nearest_neighbors(points, progress=raising)
        ),
        "PointSet()": lambda: api.PointSet(points),
        "PointSet() numpy": lambda: api.PointSet(array),
        "PointSet asked": fresh_set_asked,
        "PointSet shared asked": lambda: (shared.closest_pair(), shared.path_length()),
        "PointSet read": lambda: (shared[3], shared[-1], shared[::-3], list(shared), p in shared),
        "PointSet summaries": lambda: (shared.bounds, shared.centroid, shared.to_numpy()),
        "PointSet ==": lambda: (shared == shared[:], shared == points),
        "pickle PointSet": lambda: pickle.loads(pickle.dumps(shared)),
        "deepcopy PointSet": lambda: copy.deepcopy(shared),
        "PointSet.load": lambda: api.PointSet.load(good, progress=noop),
        "PointSet.load PointsFormatError": expect(
            PointsFormatError, lambda: api.PointSet.load(bad)
        ),
        "PointSet.load HelloIOError": expect(HelloIOError, lambda: api.PointSet.load(missing)),
        "PointSet TypeError": expect(TypeError, lambda: api.PointSet([p, 1])),
        "PointSet IndexError": expect(IndexError, lambda: shared[50]),
        "PointSet index TypeError": expect(TypeError, lambda: shared["a"]),
        "PointSet order IndexError": expect(IndexError, lambda: shared.path_length([0, 99])),
        "PointSet ValueError": expect(ValueError, lambda: api.PointSet([p]).closest_pair()),
        "PointSet progress UserError": expect(
            UserError, lambda: shared.nearest_neighbors(progress=raising)
        ),
        "print_sleep": lambda: loop.run_until_complete(api.print_sleep(datetime.timedelta(0))),
        "print_sleep cancelled": cancelled_sleep,
        "print_sleep ValueError": expect(
            ValueError,
            lambda: loop.run_until_complete(api.print_sleep(datetime.timedelta(days=-1))),
        ),
        "print_sleep TypeError": expect(
            TypeError, lambda: loop.run_until_complete(api.print_sleep(1))
        ),
    }


def settled_rss() -> int:
    gc.collect()
    return rss()


def child_leaks(repeats: str) -> int:
    """Run each call of the workload ``repeats`` times a pass: two passes to warm up,
    then eight measured ones. Two meters: resident memory (what Rust or Python holds)
    and the count of Python object blocks (a reference leaked by the Rust side leaves
    one object a call behind, too small for resident memory to show)."""
    api = legacy_app.load_backend("rust")
    times = int(repeats)
    growth: dict[str, int] = {}
    objects: dict[str, int] = {}
    calls = 0
    with tempfile.TemporaryDirectory() as directory, contextlib.redirect_stdout(Discard()):
        workload = leak_workload(api, Path(directory))
        # fact() above 10,000 runs on a worker thread: fewer, for they take milliseconds.
        workload["fact on a worker"] = lambda: api.fact(10_000)
        rounds = dict.fromkeys(workload, times)
        rounds["fact on a worker"] = max(1, times // 25)

        def measure(call: Callable[[], object], count: int) -> tuple[int, int]:
            """Resident bytes and Python objects that ``count`` calls left behind."""
            gc.collect()
            memory, blocks = rss(), sys.getallocatedblocks()
            for _ in range(count):
                call()
            gc.collect()
            return rss() - memory, sys.getallocatedblocks() - blocks

        def one_pass(record: bool) -> None:
            nonlocal calls
            for name, call in workload.items():
                memory, blocks = measure(call, rounds[name])
                if record:
                    calls += rounds[name]
                    growth[name] = growth.get(name, 0) + memory
                    objects[name] = objects.get(name, 0) + blocks

        one_pass(record=False)
        one_pass(record=False)
        base, fds, threads = settled_rss(), len(os.listdir("/proc/self/fd")), len(thread_names())
        samples = []
        for _ in range(8):
            one_pass(record=True)
            samples.append(settled_rss())
        fds_after, threads_after = len(os.listdir("/proc/self/fd")), len(thread_names())
        # The meters themselves: 20 MB held on purpose, and one object kept a call.
        hoard: list[object] = []
        planted = measure(lambda: hoard.append(bytearray(1024)), 20_000)
        kept = measure(lambda: hoard.append(api.Point(1, 2)), 8 * times)
    print(
        json.dumps(
            {
                "calls": calls,
                "kinds": len(workload),
                "base": base,
                "samples": samples,
                "growth": max(samples) - base,
                "objects": objects,
                "rounds": rounds,
                "worst": sorted(growth.items(), key=lambda kv: -kv[1])[:3],
                "fds": [fds, fds_after],
                "threads": [threads, threads_after],
                "planted": [planted[0], kept[1]],
            }
        )
    )
    return 0


@pytest.mark.slow
def test_no_leaks() -> None:
    report = children.run_child(__name__, "leaks", "1000", timeout=900)
    growth = report["growth"]
    objects = report["objects"]
    print(
        f"leaks: {report['calls']:,} calls of {report['kinds']} kinds; resident memory "
        f"{report['base'] / MB:.1f} MB after warm-up, grew by {growth / MB:.2f} MB at most "
        f"(largest: {report['worst']}); Python objects left: {sum(objects.values())}; "
        f"threads {report['threads']}, fds {report['fds']}"
    )
    assert report["calls"] >= 300_000
    held, kept = report["planted"]
    assert held > 15 * MB, "resident memory does not show 20 MB held on purpose"
    assert kept >= 8_000, "the object count does not show a Point kept every call"
    assert growth < 10 * MB
    # Less than one Python object left behind every ten calls, whatever the call (caches
    # of the interpreter and NumPy come and go by some tens of objects).
    calls = {name: 8 * rounds for name, rounds in report["rounds"].items()}
    leaky = {name: n for name, n in objects.items() if n >= max(200, calls[name] // 10)}
    assert leaky == {}
    assert report["fds"][1] == report["fds"][0]
    assert report["threads"][1] <= report["threads"][0]


# A print_sleep task left pending on a loop that is then closed.


def abandon_a_sleep(api: ModuleType) -> None:
    """Start a long print_sleep on a new event loop, and close the loop under it."""
    loop = asyncio.new_event_loop()

    async def start() -> None:
        sleeping = asyncio.ensure_future(api.print_sleep(datetime.timedelta(seconds=60)))
        # One turn of the loop: the sleep has announced itself and is waiting.
        await asyncio.sleep(0)
        assert not sleeping.done()

    loop.run_until_complete(start())
    loop.close()


def child_closed_loops(rounds: str, loops: str) -> int:
    """Abandon ``loops`` sleeps a round; after each round, what is still alive."""
    api = legacy_app.load_backend(legacy_app.BACKEND)
    # "Task was destroyed but it is pending!", once a loop: true, and expected here.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    probe = api.print_sleep(datetime.timedelta(0))
    coroutine_type = type(probe)
    probe.close()
    del probe

    def alive() -> dict[str, int]:
        gc.collect()
        objects = gc.get_objects()
        return {
            "tasks": sum(isinstance(o, asyncio.Task) for o in objects),
            "coroutines": sum(type(o) is coroutine_type for o in objects),
        }

    samples = []
    with contextlib.redirect_stdout(Discard()):
        # Warm-up: the first loops fill the interpreter's and the allocator's caches.
        for _ in range(200):
            abandon_a_sleep(api)
        base = {**alive(), "rss": rss(), "fds": len(os.listdir("/proc/self/fd"))}
        for _ in range(int(rounds)):
            for _ in range(int(loops)):
                abandon_a_sleep(api)
            samples.append({**alive(), "rss": rss(), "fds": len(os.listdir("/proc/self/fd"))})
    print(json.dumps({"coroutine": coroutine_type.__qualname__, "base": base, "samples": samples}))
    return 0


@pytest.mark.parametrize("backend", legacy_app.BACKENDS)
def test_sleeps_abandoned_on_closed_loops_are_freed(backend: str) -> None:
    """docs/contract.md "loops": freed like any Python coroutine, so 3,000 loops, each closed
    with a print_sleep pending on it, leave no task, no coroutine and no memory behind."""
    rounds, loops = 3, 1000
    report = children.run_child(
        __name__, "closed-loops", str(rounds), str(loops), timeout=300, backend=backend
    )
    base, samples = report["base"], report["samples"]
    last = samples[-1]
    print(
        f"{backend}: {rounds} x {loops} closed loops; alive after each round: "
        f"{[(s['tasks'], s['coroutines']) for s in samples]} tasks and "
        f"{report['coroutine']} objects; resident memory "
        f"{[round((s['rss'] - base['rss']) / MB, 1) for s in samples]} MB above the warm-up"
    )
    # A handful may wait for the next collection; one a loop is a leak.
    assert last["tasks"] <= base["tasks"] + 10
    assert last["coroutines"] <= base["coroutines"] + 10
    assert last["fds"] <= base["fds"]
    assert last["rss"] - base["rss"] < 3 * MB


if __name__ == "__main__":
    children.main({"leaks": child_leaks, "closed-loops": child_closed_loops})
