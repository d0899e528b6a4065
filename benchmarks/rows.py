"""The rows of the contract's "Performance" table that time the API on Python objects:
per-call work, small and 5,000-Point batches, points files, threads and sleeps.

Every row also checks that what it timed gave the right answer (the same result as
the baseline), so a fast wrong result cannot pass for a speed-up.
"""

from __future__ import annotations

import asyncio
import datetime
import gc
import io
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import redirect_stdout
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from benchmarks import shapes
from benchmarks.checks import ResultMismatch, same
from benchmarks.report import Comparison, Target
from benchmarks.timing import Work, interleaved, per_call, threads_cap, with_threads

SEED = 20261124
MYPYC = "pure Python, mypyc-compiled"
PYTHON = "pure-Python backend"
BATCH_FUNCTIONS = ("nearest_neighbors", "closest_pair", "path_length", "greedy_route")
SEARCHES = ("nearest_neighbors", "closest_pair", "greedy_route")


@dataclass(frozen=True)
class Sizes:
    """How big each row's work is, and how often each measurement repeats."""

    big_points: int
    small_points: int
    batch_sizes: tuple[int, ...]
    lines: int
    sleepers: int
    scaling: tuple[int, ...]
    # Sizes of the inputs made against the kernel's choice of search (row 11).
    crafted: tuple[int, ...]
    # Points in the files of the whole-command and loading rows (12-14).
    report_points: int
    # Rounds of per-call loops, and how long one loop lasts.
    per_call_repeats: int
    loop_seconds: float
    # Rounds of the other rows; the pure-Python loader, which takes seconds, runs fewer;
    # the parallel rows (8, 9), which a noisy neighbour sways most, run more.
    repeats: int
    slow_repeats: int
    parallel_repeats: int
    scaling_repeats: int


FULL = Sizes(
    big_points=1_000_000,
    small_points=5_000,
    batch_sizes=(2, 10, 100),
    lines=1_000_000,
    sleepers=10_000,
    scaling=(10_000, 100_000, 1_000_000, 10_000_000),
    crafted=(100_000, 1_000_000),
    report_points=10_000_000,
    per_call_repeats=7,
    loop_seconds=0.2,
    repeats=5,
    slow_repeats=3,
    parallel_repeats=11,
    scaling_repeats=3,
)
QUICK = Sizes(
    big_points=100_000,
    small_points=1_000,
    batch_sizes=(2, 10, 100),
    lines=100_000,
    sleepers=1_000,
    scaling=(10_000, 100_000),
    crafted=(20_000, 100_000),
    report_points=200_000,
    per_call_repeats=3,
    loop_seconds=0.05,
    repeats=3,
    slow_repeats=1,
    parallel_repeats=3,
    scaling_repeats=2,
)


@dataclass
class Bench:
    """What every row needs: the implementations, the sizes, shared random input."""

    sizes: Sizes
    rust: ModuleType
    python: ModuleType
    # The compiled copy of the pure-Python backend, when mypyc could build it.
    mypyc: ModuleType | None
    progress: Callable[[str], None]
    rng: np.random.Generator

    def implementations(self) -> dict[str, ModuleType]:
        """Ours, the pure-Python backend and, when it built, its mypyc-compiled copy."""
        found = {"rust": self.rust, "python": self.python}
        if self.mypyc is not None:
            found["mypyc"] = self.mypyc
        return found


def count_text(number: int) -> str:
    """``1,000,000`` as ``1M``, other counts with thousands separators."""
    if number >= 1_000_000 and number % 1_000_000 == 0:
        return f"{number // 1_000_000}M"
    return f"{number:,}"


def point_calls(bench: Bench) -> list[Comparison]:
    """Row 1: ``Point(...)``, ``p.dist(q)`` and ``str(p)``, per call."""
    bench.progress("row 1: Point(...), p.dist(q), str(p) per call")
    statements = {
        "1a": ("Point(x, y)", "Point(123456, 4000000000)"),
        "1b": ("p.dist(q)", "p.dist(q)"),
        "1c": ("str(p)", "str(p)"),
    }
    modules = bench.implementations()
    # Coordinates near the top of the range, where a float sum of squares would round.
    namespaces: dict[str, dict[str, Any]] = {
        name: {
            "Point": module.Point,
            "p": module.Point(4_000_000_000, 17),
            "q": module.Point(3, 4_294_967_295),
        }
        for name, module in modules.items()
    }
    answers = {
        name: (str(space["p"]), space["p"].dist(space["q"])) for name, space in namespaces.items()
    }
    for name, answer in answers.items():
        same(f"row 1, {name}", answer, answers["python"])
    comparisons = []
    for row, (label, statement) in statements.items():
        timings = per_call(
            {name: (statement, namespaces[name]) for name in modules},
            bench.sizes.per_call_repeats,
            bench.sizes.loop_seconds,
        )
        work = f"{label} per call"
        comparisons.append(
            Comparison(
                row, work, timings["rust"], PYTHON, timings["python"], Target("time", 0.5), True
            )
        )
        if "mypyc" in timings:
            comparisons.append(
                Comparison(
                    f"m{row}", work, timings["rust"], MYPYC, timings["mypyc"], Target("time"), True
                )
            )
    return comparisons


def _point_lists(bench: Bench, count: int) -> dict[str, list[Any]]:
    """The same ``count`` uniform points as each implementation's own list of Points."""
    coordinates = shapes.uniform(bench.rng, count).tolist()
    return {
        name: [module.Point(x, y) for x, y in coordinates]
        for name, module in bench.implementations().items()
    }


def small_batches(bench: Bench) -> list[Comparison]:
    """Row 2: every batch function on 2, 10 and 100 Points, per call."""
    comparisons = []
    letters = iter("abcdefghijklmnopqrstuvwxyz")
    for count in bench.sizes.batch_sizes:
        bench.progress(f"row 2: the batch functions on {count} Points a call")
        points = _point_lists(bench, count)
        for function in BATCH_FUNCTIONS:
            rust = getattr(bench.rust, function)
            python = getattr(bench.python, function)
            same(f"row 2, {function}({count})", rust(points["rust"]), python(points["python"]))
            statement = "function(points)"
            timings = per_call(
                {
                    "rust": (statement, {"function": rust, "points": points["rust"]}),
                    "python": (statement, {"function": python, "points": points["python"]}),
                },
                bench.sizes.per_call_repeats,
                bench.sizes.loop_seconds,
            )
            comparisons.append(
                Comparison(
                    f"2{next(letters)}",
                    f"{function}, {count} Points",
                    timings["rust"],
                    PYTHON,
                    timings["python"],
                    # "Never slower": at most the same time.
                    Target("time", 1),
                    per_call=True,
                )
            )
    return comparisons


def searches(bench: Bench) -> list[Comparison]:
    """Row 3: ``nearest_neighbors``, ``closest_pair``, ``greedy_route`` on 5,000 Points,
    per call (each side in loops of whole calls, as row 2)."""
    count = bench.sizes.small_points
    bench.progress(f"row 3: the searches on {count:,} Points")
    points = _point_lists(bench, count)
    modules = bench.implementations()
    comparisons = []
    for letter, function in zip("abc", SEARCHES):
        expected = getattr(bench.python, function)(points["python"])
        for name, module in modules.items():
            same(f"row 3, {function}, {name}", getattr(module, function)(points[name]), expected)
        timings = per_call(
            {
                name: (
                    "function(points)",
                    {"function": getattr(module, function), "points": points[name]},
                )
                for name, module in modules.items()
            },
            bench.sizes.per_call_repeats,
            bench.sizes.loop_seconds,
        )
        work = f"{function}, {count:,} Points"
        comparisons.append(
            Comparison(
                f"3{letter}",
                work,
                timings["rust"],
                PYTHON,
                timings["python"],
                Target("faster", 150),
                True,
            )
        )
        if "mypyc" in timings:
            comparisons.append(
                Comparison(
                    f"m3{letter}",
                    work,
                    timings["rust"],
                    MYPYC,
                    timings["mypyc"],
                    Target("faster"),
                    True,
                )
            )
    return comparisons


def _write_points_file(path: Path, data: shapes.Points) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.writelines(f"{x},{y}\n" for x, y in data.tolist())


def _read_back(label: str, data: shapes.Points) -> Callable[[Any], None]:
    """A check that a loader read exactly the points that were written."""

    def check(loaded: Any) -> None:
        if isinstance(loaded, np.ndarray):
            coordinates = loaded
        else:
            coordinates = np.array([(point.x, point.y) for point in loaded], dtype=np.int64)
        same(label, coordinates, data)

    return check


def points_file(bench: Bench) -> list[Comparison]:
    """Row 7: ``load_points`` against the pure-Python backend and ``numpy.loadtxt``.

    ``load_points`` makes its Points with the collector paused, so they all sit in the
    youngest generation when it returns, and the next allocations pay one collection
    over them; row 7c shows the call with that collection (``gc.collect(0)``) included.
    The pure-Python loader pays its collections inside its own time.
    """
    lines = bench.sizes.lines
    bench.progress(f"row 7: load_points, {lines:,} lines")
    data = shapes.uniform(bench.rng, lines)
    with tempfile.TemporaryDirectory(prefix="legacy-app-bench-") as directory:
        path = Path(directory) / "points.csv"
        _write_points_file(path, data)
        rust = bench.rust

        def load_then_collect() -> list[Any]:
            points: list[Any] = rust.load_points(path)
            gc.collect(0)
            return points

        works = {
            "rust": Work(lambda: rust.load_points(path), _read_back("row 7, rust", data)),
            "rust+gc": Work(load_then_collect, _read_back("row 7, rust", data)),
            "numpy": Work(
                lambda: np.loadtxt(path, delimiter=",", dtype=np.int64),
                _read_back("row 7, numpy.loadtxt", data),
            ),
        }
        for name, module in bench.implementations().items():
            if name != "rust":
                works[name] = Work(
                    partial(module.load_points, path),
                    _read_back(f"row 7, {name}", data),
                    repeats=bench.sizes.slow_repeats,
                )
        timings = interleaved(works, bench.sizes.repeats)
    work = f"load_points, {count_text(lines)} lines"
    loadtxt = 'numpy.loadtxt(delimiter=",", dtype=int64)'
    with_collection = f"{work} + gc.collect(0)"
    comparisons = [
        Comparison("7a", work, timings["rust"], PYTHON, timings["python"], Target("faster", 25)),
        Comparison("7b", work, timings["rust"], loadtxt, timings["numpy"], Target("faster", 1.2)),
        Comparison(
            "7c", with_collection, timings["rust+gc"], loadtxt, timings["numpy"], Target("faster")
        ),
    ]
    if "mypyc" in timings:
        comparisons.append(
            Comparison("m7a", work, timings["rust"], MYPYC, timings["mypyc"], Target("faster"))
        )
    return comparisons


def thread_scaling(bench: Bench, data: shapes.Points, expected: Any) -> list[Comparison]:
    """Row 8: ``nearest_neighbors`` on all cores against one worker thread."""
    label = count_text(len(data))
    bench.progress(f"row 8: nearest_neighbors, {label} points, all cores vs 1 thread")
    neighbours = bench.rust.nearest_neighbors

    def check(result: Any) -> None:
        same("row 8", result, expected)

    works = {
        "all": Work(with_threads(None, lambda: neighbours(data)), check),
        "one": Work(with_threads("1", lambda: neighbours(data)), check),
    }
    timings = interleaved(works, bench.sizes.parallel_repeats)
    return [
        Comparison(
            "8",
            f"nearest_neighbors, {label} uniform, all cores",
            timings["all"],
            "the same, LEGACY_APP_THREADS=1",
            timings["one"],
            Target("faster", 1.8),
            parallel=True,
        )
    ]


def gil_release(bench: Bench, data: shapes.Points, expected: Any) -> list[Comparison]:
    """Row 9: two Python threads calling batch work at once against one doing both."""
    label = count_text(len(data))
    bench.progress(f"row 9: 2 Python threads x nearest_neighbors({label} points), 1 worker each")
    neighbours = bench.rust.nearest_neighbors

    def check(results: list[Any]) -> None:
        for result in results:
            same("row 9", result, expected)

    with threads_cap("1"), ThreadPoolExecutor(max_workers=2) as pool:

        def side_by_side() -> list[Any]:
            futures = [pool.submit(neighbours, data) for _ in range(2)]
            return [future.result() for future in futures]

        # Start the pool's threads before timing, so the timing holds only the work.
        side_by_side()
        works = {
            "two": Work(side_by_side, check),
            "one": Work(lambda: [neighbours(data), neighbours(data)], check),
        }
        timings = interleaved(works, bench.sizes.parallel_repeats)
    return [
        Comparison(
            "9",
            f"2 threads x nearest_neighbors({label}), THREADS=1",
            timings["two"],
            "one thread making both calls",
            timings["one"],
            Target("throughput", 1.8),
            parallel=True,
        )
    ]


async def asyncio_print_sleep(seconds: float) -> None:
    """The asyncio side of row 10: ``asyncio.sleep`` with ``print_sleep``'s two lines
    around it, written to ``sys.stdout`` the same way (the elapsed time formatted plainly)."""
    sys.stdout.write("🌙 Night night! Sleeping for 100ms\n")
    start = time.monotonic_ns()
    await asyncio.sleep(seconds)
    sys.stdout.write(f"🌞 I'm awake after {(time.monotonic_ns() - start) / 1e9}s\n")


def _sleepers(start_one: Callable[[], Awaitable[object]], count: int) -> Callable[[], str]:
    """A run of ``count`` concurrent sleeps in a fresh event loop (as ``asyncio.run`` gives
    a program), timed from creating them to the last one done; returns what they printed."""

    async def gather() -> None:
        await asyncio.gather(*(start_one() for _ in range(count)))

    def run() -> str:
        # Both sides print into memory: the terminal's speed is not what is compared.
        sink = io.StringIO()
        with redirect_stdout(sink):
            asyncio.run(gather())
        return sink.getvalue()

    return run


def _printed_twice(count: int) -> Callable[[str], None]:
    def check(printed: str) -> None:
        lines = printed.splitlines()
        nights = sum(line.startswith("🌙 Night night! Sleeping for 100ms") for line in lines)
        awake = sum(line.startswith("🌞 I'm awake after ") for line in lines)
        if (nights, awake, len(lines)) != (count, count, 2 * count):
            raise ResultMismatch(f"row 10: {nights} night and {awake} awake lines of {count}")

    return check


def concurrent_sleeps(bench: Bench) -> list[Comparison]:
    """Row 10: thousands of concurrent ``print_sleep`` against ``asyncio.sleep``."""
    count = bench.sizes.sleepers
    bench.progress(f"row 10: {count:,} concurrent print_sleep(0.1 s)")
    duration = datetime.timedelta(seconds=0.1)
    works = {
        "rust": Work(
            _sleepers(lambda: bench.rust.print_sleep(duration), count), _printed_twice(count)
        ),
        "asyncio": Work(
            _sleepers(lambda: asyncio_print_sleep(duration.total_seconds()), count),
            _printed_twice(count),
        ),
    }
    timings = interleaved(works, bench.sizes.repeats)
    return [
        Comparison(
            "10",
            f"{count:,} concurrent print_sleep(0.1 s)",
            timings["rust"],
            f"{count:,} x asyncio.sleep(0.1) + the same 2 lines",
            timings["asyncio"],
            Target("time", 1.25),
        )
    ]
