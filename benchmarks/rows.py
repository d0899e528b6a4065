"""The rows of SPEC.md "Performance": each measures the Rust backend against its baselines.

Every row also checks that what it timed gave the right answer (the same result as
the baseline), so a fast wrong result cannot pass for a speed-up.
"""

from __future__ import annotations

import asyncio
import datetime
import io
import tempfile
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import redirect_stdout
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from benchmarks.report import Comparison, Target
from benchmarks.timing import Timing, best_of, per_call, threads_cap

T = TypeVar("T")
Points = npt.NDArray[np.int64]

SEED = 20261124
# Coordinates span the whole range a Point takes, 0 ..= 2**32 - 1.
COORDINATE_END = 2**32
MYPYC = "pure Python, mypyc-compiled"
PYTHON = "pure-Python backend"


class ResultMismatch(Exception):
    """What a benchmark timed gave a different answer from its baseline."""


@dataclass(frozen=True)
class Sizes:
    """How big each row's work is, and how often each measurement repeats."""

    big_points: int
    small_points: int
    lines: int
    sleepers: int
    repeats: int
    big_repeats: int
    # The pure-Python baselines on the largest inputs take seconds a run.
    slow_repeats: int


FULL = Sizes(
    big_points=1_000_000,
    small_points=5_000,
    lines=1_000_000,
    sleepers=10_000,
    repeats=5,
    big_repeats=3,
    slow_repeats=1,
)
QUICK = Sizes(
    big_points=100_000,
    small_points=1_000,
    lines=100_000,
    sleepers=1_000,
    repeats=3,
    big_repeats=2,
    slow_repeats=1,
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

    def points(self, count: int) -> Points:
        """``count`` points, uniform over the whole coordinate range, as an (n, 2) array."""
        return self.rng.integers(0, COORDINATE_END, size=(count, 2), dtype=np.int64)


def _timed(work: Callable[[], T], repeats: int) -> tuple[Timing, T]:
    """``best_of``, keeping the last run's result so that it can be checked."""
    results: list[T] = []
    timing = best_of(lambda: results.append(work()), repeats)
    return timing, results[-1]


def _count(number: int) -> str:
    return f"{number:,}"


def point_calls(bench: Bench) -> list[Comparison]:
    """Row 1: ``Point(...)``, ``p.dist(q)`` and ``str(p)``, per call."""
    bench.progress("row 1: Point(...), p.dist(q), str(p) per call")
    implementations = {"rust": bench.rust, "python": bench.python}
    if bench.mypyc is not None:
        implementations["mypyc"] = bench.mypyc
    statements = {
        "1a": ("Point(x, y)", "Point(123456, 4000000000)"),
        "1b": ("p.dist(q)", "p.dist(q)"),
        "1c": ("str(p)", "str(p)"),
    }
    timings: dict[str, dict[str, Timing]] = {}
    answers: dict[str, tuple[str, float]] = {}
    for name, module in implementations.items():
        point = module.Point
        # Coordinates near the top of the range, where a naive float sum would round.
        namespace: dict[str, Any] = {
            "Point": point,
            "p": point(4_000_000_000, 17),
            "q": point(3, 4_294_967_295),
        }
        answers[name] = (str(namespace["p"]), namespace["p"].dist(namespace["q"]))
        timings[name] = {
            row: per_call(statement, bench.sizes.repeats, namespace)
            for row, (_, statement) in statements.items()
        }
    for name, answer in answers.items():
        if answer != answers["python"]:
            raise ResultMismatch(f"row 1: {name} gives {answer}, Python gives {answers['python']}")
    comparisons = [
        Comparison(
            row,
            f"{label} per call",
            timings["rust"][row],
            PYTHON,
            timings["python"][row],
            Target("time", 0.5),
            per_call=True,
        )
        for row, (label, _) in statements.items()
    ]
    if "mypyc" in timings:
        comparisons += [
            Comparison(
                f"8/{row}",
                f"{label} per call",
                timings["rust"][row],
                MYPYC,
                timings["mypyc"][row],
                Target("time"),
                per_call=True,
            )
            for row, (label, _) in statements.items()
        ]
    return comparisons


def _scipy_neighbours(data: Points) -> tuple[Any, Any]:
    # The tree is built inside the timing: nearest_neighbors builds its index too.
    distances, indices = cKDTree(data).query(data, k=2, workers=-1)
    return distances, indices


def against_scipy(bench: Bench, data: Points) -> list[Comparison]:
    """Row 2: ``nearest_neighbors`` on a NumPy array against SciPy's k-d tree."""
    count = _count(len(data))
    bench.progress(f"row 2: nearest_neighbors, {count} points, against SciPy cKDTree")
    repeats = bench.sizes.big_repeats
    with threads_cap(None):
        ours, (_, distances) = _timed(lambda: bench.rust.nearest_neighbors(data), repeats)
    theirs, (scipy_distances, _) = _timed(lambda: _scipy_neighbours(data), repeats)
    # SciPy sums the squares in floating point, so it may differ in the last bits;
    # column 0 is each point itself.
    if not np.allclose(distances, scipy_distances[:, 1], rtol=1e-12, atol=0):
        raise ResultMismatch("row 2: nearest_neighbors distances differ from SciPy's")
    return [
        Comparison(
            "2",
            f"nearest_neighbors, {count} pts (NumPy int64)",
            ours,
            "SciPy cKDTree build + query(k=2, workers=-1)",
            theirs,
            Target("faster", 2),
            parallel=True,
        )
    ]


def _small_batch(
    bench: Bench, row: str, function: str, points: dict[str, list[Any]]
) -> list[Comparison]:
    """One function of row 3, timed on each implementation's own list of Points."""
    rust_function = getattr(bench.rust, function)
    rust_points = points["rust"]
    ours = per_call(partial(rust_function, rust_points), bench.sizes.repeats)
    expected = rust_function(rust_points)
    work = f"{function}, {_count(len(rust_points))} Points"
    comparisons = []
    for name, module in (("python", bench.python), ("mypyc", bench.mypyc)):
        if module is None:
            continue
        their_function = getattr(module, function)
        their_points = points[name]
        # The pure-Python search takes a fraction of a second here: a few repeats do.
        theirs, answer = _timed(partial(their_function, their_points), 3)
        if answer != expected:
            raise ResultMismatch(f"row {row}: {function} differs from the {name} backend's")
        if name == "python":
            comparisons.append(Comparison(row, work, ours, PYTHON, theirs, Target("faster", 1000)))
        else:
            comparisons.append(Comparison(f"8/{row}", work, ours, MYPYC, theirs, Target("faster")))
    return comparisons


def small_batches(bench: Bench) -> list[Comparison]:
    """Row 3: ``nearest_neighbors`` and ``closest_pair`` on a few thousand Points."""
    count = bench.sizes.small_points
    bench.progress(f"row 3: nearest_neighbors / closest_pair, {_count(count)} points")
    coordinates = bench.points(count).tolist()
    modules = {"rust": bench.rust, "python": bench.python, "mypyc": bench.mypyc}
    # Each implementation gets a list of its own Points, as its load_points would give.
    points = {
        name: [module.Point(x, y) for x, y in coordinates]
        for name, module in modules.items()
        if module is not None
    }
    return _small_batch(bench, "3a", "nearest_neighbors", points) + _small_batch(
        bench, "3b", "closest_pair", points
    )


def _write_points_file(path: Path, data: Points) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.writelines(f"{x},{y}\n" for x, y in data.tolist())


def _coordinates_of(points: list[Any]) -> Points:
    return np.array([(point.x, point.y) for point in points], dtype=np.int64)


def points_file(bench: Bench) -> list[Comparison]:
    """Row 4: ``load_points`` against the Python backend and ``numpy.loadtxt``."""
    lines = bench.sizes.lines
    bench.progress(f"row 4: load_points, {_count(lines)} lines")
    data = bench.points(lines)
    sizes = bench.sizes
    with tempfile.TemporaryDirectory(prefix="legacy-app-bench-") as directory:
        path = Path(directory) / "points.csv"
        _write_points_file(path, data)
        ours, loaded = _timed(lambda: bench.rust.load_points(path), sizes.big_repeats)
        if not np.array_equal(_coordinates_of(loaded), data):
            raise ResultMismatch("row 4: rust load_points read other points than were written")
        del loaded
        theirs, loaded = _timed(lambda: bench.python.load_points(path), sizes.slow_repeats)
        if not np.array_equal(_coordinates_of(loaded), data):
            raise ResultMismatch("row 4: python load_points read other points than were written")
        del loaded
        numpy_time, array = _timed(
            lambda: np.loadtxt(path, delimiter=",", dtype=np.int64), sizes.big_repeats
        )
        if not np.array_equal(array, data):
            raise ResultMismatch("row 4: numpy.loadtxt read other points than were written")
        del array
        mypyc_time: Timing | None = None
        mypyc = bench.mypyc
        if mypyc is not None:
            mypyc_time, loaded = _timed(lambda: mypyc.load_points(path), sizes.slow_repeats)
            if len(loaded) != lines:
                raise ResultMismatch("row 4: mypyc load_points read another number of points")
            del loaded
    work = f"load_points, {_count(lines)} lines"
    comparisons = [
        Comparison("4a", work, ours, PYTHON, theirs, Target("faster", 10)),
        Comparison(
            "4b",
            work,
            ours,
            'numpy.loadtxt(delimiter=",", dtype=int64)',
            numpy_time,
            Target("faster", 1, strict=True),
        ),
    ]
    if mypyc_time is not None:
        comparisons.append(Comparison("8/4a", work, ours, MYPYC, mypyc_time, Target("faster")))
    return comparisons


def thread_scaling(bench: Bench, data: Points) -> list[Comparison]:
    """Row 5: ``nearest_neighbors`` on all cores against one worker thread."""
    count = _count(len(data))
    bench.progress(f"row 5: nearest_neighbors, {count} points, all cores vs 1 thread")
    repeats = bench.sizes.big_repeats
    with threads_cap(None):
        ours = best_of(lambda: bench.rust.nearest_neighbors(data), repeats)
    with threads_cap("1"):
        theirs = best_of(lambda: bench.rust.nearest_neighbors(data), repeats)
    return [
        Comparison(
            "5",
            f"nearest_neighbors, {count} pts, all cores",
            ours,
            "the same, LEGACY_APP_THREADS=1",
            theirs,
            Target("faster", 1.7),
            parallel=True,
        )
    ]


def gil_release(bench: Bench, data: Points) -> list[Comparison]:
    """Row 6: two Python threads calling batch work at once against one doing both."""
    count = _count(len(data))
    bench.progress(f"row 6: 2 Python threads x nearest_neighbors({count} points), 1 worker")
    repeats = bench.sizes.big_repeats
    neighbours = bench.rust.nearest_neighbors

    def one_after_the_other() -> None:
        neighbours(data)
        neighbours(data)

    with threads_cap("1"), ThreadPoolExecutor(max_workers=2) as pool:

        def side_by_side() -> None:
            for future in [pool.submit(neighbours, data) for _ in range(2)]:
                future.result()

        # Start the pool's threads before timing, so the timing holds only the work.
        side_by_side()
        ours = best_of(side_by_side, repeats)
        theirs = best_of(one_after_the_other, repeats)
    return [
        Comparison(
            "6",
            f"2 threads x nearest_neighbors({count} pts), THREADS=1",
            ours,
            "one thread making both calls",
            theirs,
            Target("throughput", 1.8),
            parallel=True,
        )
    ]


async def _gather_time(start_one: Callable[[], Awaitable[object]], count: int) -> float:
    """Seconds for ``count`` concurrent awaitables, from creating them to the last one done."""
    start = time.perf_counter()
    await asyncio.gather(*(start_one() for _ in range(count)))
    return time.perf_counter() - start


def _sleepers(start_one: Callable[[], Awaitable[object]], count: int, repeats: int) -> Timing:
    # A fresh event loop a run, as a program calling asyncio.run would have.
    return Timing(tuple(asyncio.run(_gather_time(start_one, count)) for _ in range(repeats)))


def concurrent_sleeps(bench: Bench) -> list[Comparison]:
    """Row 7: thousands of concurrent ``print_sleep`` against ``asyncio.sleep``."""
    count = bench.sizes.sleepers
    bench.progress(f"row 7: {_count(count)} concurrent print_sleep(0.1 s)")
    duration = datetime.timedelta(seconds=0.1)
    repeats = bench.sizes.big_repeats
    printed = io.StringIO()
    # Both runs write to memory: the terminal's speed is not what is compared.
    with redirect_stdout(printed):
        ours = _sleepers(lambda: bench.rust.print_sleep(duration), count, repeats)
        theirs = _sleepers(lambda: asyncio.sleep(duration.total_seconds()), count, repeats)
    lines = printed.getvalue().splitlines()
    if len(lines) != 2 * count * repeats or not lines[-1].startswith("🌞 I'm awake after"):
        raise ResultMismatch(f"row 7: print_sleep printed {len(lines)} lines")
    return [
        Comparison(
            "7",
            f"{_count(count)} concurrent print_sleep(0.1 s)",
            ours,
            f"{_count(count)} concurrent asyncio.sleep(0.1)",
            theirs,
            Target("time", 2),
        )
    ]
