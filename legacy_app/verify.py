"""``legacy-app verify``: both backends on one points file, function by function.

Each backend loads the file itself and runs every batch function on its own Points, as a
caller of that backend would, then loads it again as a ``PointSet`` and asks it every
question; each result is compared with :mod:`legacy_app.comparison`, the one definition
of "the same outcome". The pure-Python side is the slow one: about
half a minute for 100,000 points and twenty minutes or more for a million on a small
machine, with a progress bar on a terminal and each row printed when its function ends.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, cast

from legacy_app import comparison
from legacy_app.errors import HelloError
from legacy_app.progress import Progress, ProgressBar

# What verify runs, in order, after load_points: the batch functions on the loaded Points.
BATCH_CALLS: dict[str, Callable[[ModuleType, Any, Progress], object]] = {
    "nearest_neighbors": lambda api, points, progress: api.nearest_neighbors(
        points, progress=progress
    ),
    "closest_pair": lambda api, points, progress: api.closest_pair(points, progress=progress),
    "path_length": lambda api, points, progress: api.path_length(points),
    "greedy_route": lambda api, points, progress: api.greedy_route(points, progress=progress),
}
# Then PointSet.load, and the questions asked of the loaded set, in this order: the
# route's length is taken from each backend's own route, by its indices, as the report
# takes it.
POINT_SET_CALLS: dict[str, Callable[[Any, Any, Progress], object]] = {
    "PointSet.bounds": lambda points, route, progress: points.bounds,
    "PointSet.centroid": lambda points, route, progress: points.centroid,
    "PointSet.nearest_neighbors": lambda points, route, progress: points.nearest_neighbors(
        progress=progress
    ),
    "PointSet.closest_pair": lambda points, route, progress: points.closest_pair(progress=progress),
    "PointSet.greedy_route": lambda points, route, progress: points.greedy_route(progress=progress),
    "PointSet.path_length": lambda points, route, progress: points.path_length(route),
}
FUNCTIONS = ("load_points", *BATCH_CALLS, "PointSet.load", *POINT_SET_CALLS)


@dataclass(frozen=True)
class Side:
    """One backend's run of one function."""

    outcome: comparison.Outcome
    value: object
    seconds: float

    def describe(self) -> str:
        return comparison.describe(self.outcome, self.value)


@dataclass(frozen=True)
class Check:
    """Both backends' runs of one function, compared."""

    function: str
    python: Side
    rust: Side

    @property
    def agree(self) -> bool:
        return self.python.outcome == self.rust.outcome

    @property
    def speedup(self) -> float | None:
        if self.python.seconds > 0 and self.rust.seconds > 0:
            return self.python.seconds / self.rust.seconds
        return None

    def difference(self) -> str | None:
        """Where the results first differ, for people; ``None`` when they agree."""
        if self.agree:
            return None
        if self.python.outcome[0] == self.rust.outcome[0] == "returned":
            found = comparison.first_difference(self.python.value, self.rust.value)
            if found is not None:
                at = f"at {found.where}" if found.where else "in the result"
                return f"first difference {at}: python {found.reference}, rust {found.candidate}"
        return f"python {self.python.describe()}; rust {self.rust.describe()}"

    def as_json(self) -> dict[str, Any]:
        return {
            "function": self.function,
            "agree": self.agree,
            "difference": self.difference(),
            "python_seconds": self.python.seconds,
            "rust_seconds": self.rust.seconds,
            "speedup": self.speedup,
        }


def run_side(
    api: ModuleType,
    name: str,
    call: Callable[[Progress], object],
    show_progress: bool,
    unit: str = "pt",
) -> Side:
    """One backend's run of ``name``: its outcome and the time of the call alone."""
    seconds = 0.0
    with ProgressBar(f"{name} ({api_name(api)})", show_progress, unit) as progress:

        def timed() -> object:
            nonlocal seconds
            started = time.perf_counter()
            try:
                return call(progress)
            finally:
                # The call alone: making the result comparable is not the backend's time.
                seconds = time.perf_counter() - started

        result, value = comparison.attempt(timed)
    return Side(result, value, seconds)


def api_name(api: ModuleType) -> str:
    return "rust" if api.__name__.endswith("_rust") else "python"


def verify(
    path: Path,
    python: ModuleType,
    rust: ModuleType,
    show_progress: bool,
    max_points: int | None = None,
) -> Iterator[Check]:
    """Yield the check of ``load_points``, then of each batch function, on ``path``; then
    of ``PointSet.load`` and each question asked of the set.

    With ``max_points``, the batch functions and the questions run on every k-th point
    only, as few k as keeps them within it (see :func:`stride`): minutes instead of an
    hour for the reference on a million points. The loaders always read the whole file.

    When both backends fail alike to load the file, the reference's ``HelloError`` is
    raised after its check: there is nothing more to compare.
    """
    apis = (python, rust)
    loads = [run_side(api, "load_points", load_from(api, path), show_progress) for api in apis]
    check = Check("load_points", *loads)
    yield check
    error = check.python.value
    if check.agree and isinstance(error, HelloError):
        raise error
    if not all(side.outcome[0] == "returned" for side in loads):
        return
    step = stride(len(cast(list[Any], loads[0].value)), max_points)
    points = [cast(list[Any], side.value)[::step] for side in loads]
    del loads, check
    for name, call in BATCH_CALLS.items():
        sides = [
            run_side(api, name, functools.partial(call, api, api_points), show_progress)
            for api, api_points in zip(apis, points)
        ]
        yield Check(name, *sides)
    del points
    yield from verify_point_sets(path, apis, step, show_progress)


def verify_point_sets(
    path: Path, apis: tuple[ModuleType, ModuleType], step: int, show_progress: bool
) -> Iterator[Check]:
    """The checks of ``PointSet.load`` and of each question asked of the loaded sets."""
    loads = [
        run_side(api, "PointSet.load", load_set_from(api, path), show_progress, unit="B")
        for api in apis
    ]
    check = Check("PointSet.load", *loads)
    yield check
    if not all(side.outcome[0] == "returned" for side in loads):
        return
    sets: list[Any] = [cast(Any, side.value)[::step] for side in loads]
    del loads, check
    routes: list[object] = [None, None]
    for name, ask in POINT_SET_CALLS.items():
        sides = [
            run_side(api, name, functools.partial(ask, points, route), show_progress)
            for api, points, route in zip(apis, sets, routes)
        ]
        if name == "PointSet.greedy_route":
            routes = [side.value if side.outcome[0] == "returned" else None for side in sides]
        yield Check(name, *sides)


def stride(count: int, max_points: int | None) -> int:
    """Run the batch functions on every ``stride``-th of ``count`` points."""
    if max_points is None or count <= max_points:
        return 1
    return -(-count // max_points)


def load_from(api: ModuleType, path: Path) -> Callable[[Progress], object]:
    return lambda _: api.load_points(path)


def load_set_from(api: ModuleType, path: Path) -> Callable[[Progress], object]:
    return lambda progress: api.PointSet.load(path, progress=progress)


def format_seconds(seconds: float) -> str:
    if seconds < 0.001:
        return f"{seconds * 1_000_000:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    if seconds < 60:
        return f"{seconds:.2f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def format_speedup(speedup: float | None) -> str:
    if speedup is None:
        return "-"
    if speedup >= 10:
        return f"{speedup:,.0f}x"
    return f"{speedup:.1f}x" if speedup >= 1 else f"{speedup:.2g}x"


# Wide enough for the longest name, PointSet.nearest_neighbors.
NAME_WIDTH = 28
HEADER = f"{'function':<{NAME_WIDTH}}{'result':<8}{'python':>12}{'rust':>12}{'speed-up':>10}"


def format_check(check: Check) -> str:
    """One row of the table, and under it the first difference when there is one."""
    row = (
        f"{check.function:<{NAME_WIDTH}}{'agree' if check.agree else 'DIFFERS':<8}"
        f"{format_seconds(check.python.seconds):>12}{format_seconds(check.rust.seconds):>12}"
        f"{format_speedup(check.speedup):>10}"
    )
    difference = check.difference()
    return row if difference is None else f"{row}\n    {difference}"


def format_summary(checks: list[Check], count: int | None, max_points: int | None) -> str:
    differing = [check.function for check in checks if not check.agree]
    on = ""
    if count is not None:
        on = f" on {count:,} point{'' if count == 1 else 's'}"
        step = stride(count, max_points)
        if step > 1:
            on += (
                f" (the batch functions and questions on one in {step}: "
                f"{len(range(0, count, step)):,})"
            )
    if not differing:
        return f"all {len(checks)} functions agree{on}"
    return f"{len(differing)} of {len(checks)} functions differ{on}: {', '.join(differing)}"


def point_count(checks: list[Check]) -> int | None:
    """How many points the reference loaded, if it did."""
    if checks and checks[0].python.outcome[0] == "returned":
        value = checks[0].python.value
        if isinstance(value, list):
            return len(value)
    return None
