"""Threads and process-wide state (docs/contract.md, "At the edges of the runtime",
threads): the worker pool as many threads change ``LEGACY_APP_THREADS``, one standard
output under event loops on many threads, and the shadow backend's counters. Each stress
runs in a child process (``tests/stress.py``), where the threads counted are its own.
"""

from __future__ import annotations

import asyncio
import datetime
import functools
import math
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import legacy_app
from tests import children
from tests.children import cores, thread_names
from tests.stress import (
    THREADS,
    WAIT_SECONDS,
    Lines,
    Progress,
    alone,
    contended,
    finish,
    hammer,
    points_file,
    run_stress,
    served,
    size_for,
    tie_heavy,
    together,
)

# Child processes, signals or threads for seconds: out of the edit loop (make test-fast).
pytestmark = pytest.mark.process


def run(backend: str, *args: str, **env: str) -> None:
    run_stress(__name__, backend, *args, **env)


# ---------------------------------------------------------------------------------------
# The worker pool.


def settled(limit: int) -> int:
    """This process's OS threads, once they are ``limit`` at most or the wait is over: the
    workers of a pool that is let go end a moment after it."""
    deadline = time.monotonic() + WAIT_SECONDS / 4
    while len(thread_names()) > limit and time.monotonic() < deadline:
        time.sleep(0.05)
    return len(thread_names())


def capped(cap: str, call: Callable[[], object]) -> object:
    os.environ["LEGACY_APP_THREADS"] = cap
    return call()


def child_pool(size: str, rounds: str) -> int:
    """Every call sets ``LEGACY_APP_THREADS`` first, each thread to other values, so the
    worker pool is made, shared and (with more than two cores) remade by many threads
    while others use it. Its OS threads are counted while every calling thread is still
    there, and after they are gone."""
    contended()
    api = served()
    array = tie_heavy(int(size))
    points = [api.Point(x, y) for x, y in array[:2_000].tolist()]
    work: dict[str, Callable[[], object]] = {
        "nearest_neighbors": lambda: api.nearest_neighbors(array),
        "closest_pair": lambda: api.closest_pair(array),
        "path_length": lambda: api.path_length(array),
        "greedy_route": lambda: api.greedy_route(points),
    }
    caps = ["1", "2", "3", str(cores()), str(cores() + 1), "64", " 7 ", str(10**30)]
    calls = {
        f"{name}, LEGACY_APP_THREADS={cap!r}": functools.partial(capped, cap, call)
        for cap in caps
        for name, call in work.items()
    }
    # All cores' workers and one helper at most: no pool per value or calling thread.
    limit = len(thread_names()) + cores() + 1
    counted: dict[str, int] = {}

    def count_with_the_callers() -> None:
        counted["with the calling threads"] = settled(limit + THREADS) - THREADS

    report = hammer(calls, int(rounds), when_all_done=count_with_the_callers)
    counted["after them"] = settled(limit)
    report["problems"] += [
        f"{count} threads {when}, more than {limit}"
        for when, count in counted.items()
        if count > limit
    ]
    finish(report)


@pytest.mark.parametrize("backend", legacy_app.BACKENDS)
def test_the_worker_pool_shared_by_many_threads_as_the_cap_changes(backend: str) -> None:
    run(backend, "pool", size_for(backend, rust=20_000, python=300), "1")


# ---------------------------------------------------------------------------------------
# print_sleep on event loops in many threads.


def child_sleep(naps: str) -> int:
    """An event loop on every thread, each running ``naps`` naps at once, then one that
    is cancelled while it sleeps; all print through one standard output."""
    contended()
    api = served()
    output = Lines()
    cancelled: list[int] = []

    async def naps_of(k: int) -> None:
        duration = datetime.timedelta(microseconds=k + 1)
        await asyncio.gather(*(api.print_sleep(duration) for _ in range(int(naps))))
        task = asyncio.ensure_future(api.print_sleep(datetime.timedelta(hours=1)))
        await asyncio.sleep(0)  # its first step: the night line, then the sleep
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            cancelled.append(k)

    saved, sys.stdout = sys.stdout, output
    try:
        report = together(lambda k: asyncio.run(naps_of(k)))
    finally:
        sys.stdout = saved
    lines = "".join(output.written).splitlines()
    wanted = {f"🌙 Night night! Sleeping for {k + 1}µs": int(naps) for k in range(THREADS)}
    wanted["🌙 Night night! Sleeping for 3600s"] = THREADS
    nights = {line: lines.count(line) for line in lines if line.startswith("🌙")}
    awake = [
        line for line in lines if re.fullmatch(r"🌞 I'm awake after [0-9.]+(ns|µs|ms|s)", line)
    ]
    if nights != wanted:
        report["problems"].append(f"night lines {nights}, not {wanted}")
    if len(awake) != THREADS * int(naps):
        report["problems"].append(f"{len(awake)} awake lines, not {THREADS * int(naps)}")
    if len(lines) != sum(wanted.values()) + len(awake):
        report["problems"].append(f"other lines: {sorted(set(lines))[:10]}")
    if sorted(cancelled) != list(range(THREADS)):
        report["problems"].append(f"only threads {sorted(cancelled)} had their nap cancelled")
    finish(report)


@pytest.mark.parametrize("backend", legacy_app.BACKENDS)
def test_print_sleep_on_event_loops_in_many_threads(backend: str) -> None:
    run(backend, "sleep", "20")


# ---------------------------------------------------------------------------------------
# The shadow backend's counters.


def child_shadow(folder: str, rounds: str) -> int:
    """Every function through the shadow backend, from many threads: each call counted
    once, the sampled ones compared, none differing. The printing ones print for real
    (the report is the last line) while other threads' calls capture what Rust prints:
    each capture holds only its own call's lines."""
    contended()
    api = served()
    shadow = legacy_app.shadow
    # Small: the counters are under test, and a lost count needs many calls to show.
    array = tie_heavy(300)
    points = [api.Point(x, y) for x, y in array.tolist()]
    path = points_file(Path(folder, "points.csv"), array)
    calls: dict[str, Callable[[], object]] = {
        "say_hello": lambda: api.say_hello(),
        "print_sleep": lambda: asyncio.run(api.print_sleep(datetime.timedelta(0))),
        "fact": lambda: api.fact(25),
        "fact, refused": lambda: api.fact(-1),
        "throws_error": lambda: api.throws_error(),
        "load_points": lambda: api.load_points(path),
        "load_points, no file": lambda: api.load_points(Path(folder, "missing.csv")),
        "nearest_neighbors": lambda: api.nearest_neighbors(points),
        "closest_pair": lambda: api.closest_pair(array, progress=Progress()),
        "path_length": lambda: api.path_length(points),
        "greedy_route": lambda: api.greedy_route(points, 3),
        # The counters read while they change: never more compared than called.
        "report": lambda: all(
            tally.compared <= tally.calls and tally.mismatches == 0
            for tally in shadow.report().values()
        ),
    }
    # Counted from here: the calls on one thread that give the expected outcomes are not.
    expected = alone(calls)
    shadow.reset()
    report = hammer(calls, int(rounds), expected)
    made: dict[str, int] = {}
    for name in calls:
        function = name.split(",")[0]
        if function != "report":
            made[function] = made.get(function, 0) + THREADS * int(rounds)
    rate = shadow.sample_rate()
    for function, tally in shadow.report().items():
        calls_made = made.get(function, 0)
        # The k-th call is compared when k * rate passes a whole number.
        wanted = (calls_made, math.ceil(calls_made * rate), 0)
        if (tally.calls, tally.compared, tally.mismatches) != wanted:
            report["problems"].append(
                f"{function}: {tally}; (calls, compared, mismatches) {wanted}"
            )
        if tally.compared and not (tally.python_seconds > 0 and tally.rust_seconds > 0):
            report["problems"].append(f"{function}: no time counted: {tally}")
    finish(report)


@pytest.mark.parametrize("rate", ["1", "0.3"])
def test_shadow_counters_add_up_under_threads(rate: str, tmp_path: Path) -> None:
    run("shadow", "shadow", str(tmp_path), "30", LEGACY_APP_SHADOW_RATE=rate)


if __name__ == "__main__":
    children.main({"pool": child_pool, "sleep": child_sleep, "shadow": child_shadow})
