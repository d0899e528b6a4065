"""The rows of the contract's "Performance" table that time the geometry kernels on NumPy
arrays of a million points: against pykdtree, SciPy and the Numba grids, on every input
shape, and as the input grows (the scaling table).

The k-d tree peers are timed as the contract states them, tree build included; the
Numba grids are compiled (and proven against brute force) before anything is timed,
so no time of theirs is compile time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from benchmarks import peers, shapes
from benchmarks.checks import ResultMismatch, agrees_with_tree, exact_neighbours, same
from benchmarks.report import Comparison, ScalingStep, ShapeTime, Target
from benchmarks.rows import Bench, count_text
from benchmarks.timing import Work, interleaved

PYKDTREE = "pykdtree KDTree(a).query(a, k=2)"
SCIPY = "SciPy cKDTree(a).query(a, k=2, workers=-1)"
GRID = "Numba uniform grid (parallel queries)"
GREEDY_GRID = "Numba uniform-grid greedy tour"


@dataclass
class Firsts:
    """The first result of each side, kept to compare the sides after the timing."""

    results: dict[str, Any] = field(default_factory=dict)

    def keeper(
        self, name: str, check: Callable[[Any], None] | None = None
    ) -> Callable[[Any], None]:
        """A ``Work.check`` that runs ``check`` (if any) and keeps the result as ``name``."""

        def keep(result: Any) -> None:
            if check is not None:
                check(result)
            self.results[name] = result

        return keep


@dataclass
class Uniform:
    """The uniform million points of row 4 and our answer on them, for rows 8 and 9."""

    points: shapes.Points
    answer: Any


def prepare_peers(bench: Bench) -> None:
    """Compile the Numba grids and prove them against brute force on small inputs."""
    bench.progress("Numba grids: compiling (or loading the cache) and checking them")
    peers.check(np.random.default_rng(bench.rng.integers(2**63)))


def _neighbour_rows(
    bench: Bench, letters: str, label: str, points: shapes.Points
) -> tuple[list[Comparison], Any]:
    """Ours against pykdtree, SciPy and the Numba grid on one input; our checked answer."""
    rust = bench.rust
    # The grid (exact, proven against brute force) answers first, untimed: the reference.
    reference = peers.numba_grid_nearest(points, parallel=True)
    exact_neighbours(f"row 4, {label}, Numba grid", points, *reference)
    firsts = Firsts()

    def exact(name: str) -> Callable[[Any], None]:
        return lambda result: same(f"row 4, {label}, {name}", result, reference)

    def tree(name: str) -> Callable[[Any], None]:
        return lambda result: agrees_with_tree(
            f"row 4, {label}, {name}", points, reference, *result
        )

    works = {
        "rust": Work(lambda: rust.nearest_neighbors(points), firsts.keeper("rust", exact("ours"))),
        "pykdtree": Work(lambda: peers.pykdtree_query(points), tree("pykdtree")),
        "scipy": Work(lambda: peers.scipy_query(points), tree("SciPy")),
        "grid": Work(lambda: peers.numba_grid_nearest(points, parallel=True), exact("grid")),
    }
    timings = interleaved(works, bench.sizes.repeats)
    work = f"nearest_neighbors, {count_text(len(points))} {label}"
    ours = timings["rust"]
    comparisons = [
        Comparison(
            f"4{letters[0]}",
            work,
            ours,
            PYKDTREE,
            timings["pykdtree"],
            Target("faster", 4),
            parallel=True,
        ),
        Comparison(
            f"4{letters[1]}",
            work,
            ours,
            SCIPY,
            timings["scipy"],
            Target("faster", 6),
            parallel=True,
        ),
        # "No slower than the grid": at least its speed.
        Comparison(
            f"4{letters[2]}", work, ours, GRID, timings["grid"], Target("faster", 1), parallel=True
        ),
    ]
    return comparisons, firsts.results["rust"]


def against_peers(bench: Bench) -> tuple[list[Comparison], Uniform]:
    """Row 4: all-nearest on a million uniform, then clustered, points against the peers."""
    count = bench.sizes.big_points
    bench.progress(f"row 4: nearest_neighbors, {count:,} uniform points, against the peers")
    uniform = shapes.uniform(bench.rng, count)
    comparisons, answer = _neighbour_rows(bench, "abc", "uniform", uniform)
    clustered = shapes.clustered(bench.rng, count)
    share = shapes.duplicate_share(clustered)
    bench.progress(f"row 4: nearest_neighbors, {count:,} clustered points, against the peers")
    label = f"clustered ({share:.0%} dup.)"
    more, _ = _neighbour_rows(bench, "def", label, clustered)
    return comparisons + more, Uniform(uniform, answer)


def _all_duplicates_answer(count: int) -> tuple[Any, Any]:
    # Every other point is at distance 0; the lowest index of them is 0, or 1 for point 0.
    indices = np.zeros(count, dtype=np.int64)
    indices[0] = 1
    return indices, np.zeros(count, dtype=np.float64)


def _shape_row(
    bench: Bench, row: str, name: str, points: shapes.Points, uniform: shapes.Points
) -> tuple[Comparison | None, ShapeTime]:
    """Ours on one shape against SciPy, and against ours on uniform points, in turns."""
    rust = bench.rust
    label = f"row 5, {name}"
    firsts = Firsts()

    def exact(result: Any) -> None:
        exact_neighbours(label, points, *result)

    works = {
        "rust": Work(lambda: rust.nearest_neighbors(points), firsts.keeper("rust", exact)),
        "uniform": Work(lambda: rust.nearest_neighbors(uniform)),
    }
    # SciPy's tree cannot split identical points: on all duplicates it would compare
    # every pair, a million squared; that shape is checked against its known answer.
    with_scipy = name != "all duplicates"
    if with_scipy:
        works["scipy"] = Work(lambda: peers.scipy_query(points), firsts.keeper("scipy"))
    timings = interleaved(works, bench.sizes.repeats)
    relative = ShapeTime(name, timings["rust"], timings["uniform"])
    if not with_scipy:
        same(label, firsts.results["rust"], _all_duplicates_answer(len(points)))
        return None, relative
    agrees_with_tree(label, points, firsts.results["rust"], *firsts.results["scipy"])
    target = Target("faster", 2) if name in shapes.TARGET_SHAPES else Target("faster")
    comparison = Comparison(
        row,
        f"nearest_neighbors, {count_text(len(points))} {name}",
        timings["rust"],
        SCIPY,
        timings["scipy"],
        target,
        parallel=True,
    )
    return comparison, relative


def input_shapes(bench: Bench, uniform: shapes.Points) -> tuple[list[Comparison], list[ShapeTime]]:
    """Row 5: all-nearest on lines, lattices and other shapes, against SciPy, and each
    shape's time against the uniform input's (timed in the same rounds)."""
    count = bench.sizes.big_points
    comparisons: list[Comparison] = []
    relative: list[ShapeTime] = []
    every_shape = {**shapes.TARGET_SHAPES, **shapes.INFO_SHAPES}
    letters = iter("abcdefgh")
    for name, make in every_shape.items():
        bench.progress(f"row 5: nearest_neighbors, {count:,} points, {name}")
        comparison, shape_time = _shape_row(
            bench, f"5{next(letters)}", name, make(bench.rng, count), uniform
        )
        # Each shape keeps its letter, with or without a row, so rows keep their names.
        if comparison is not None:
            comparisons.append(comparison)
        relative.append(shape_time)
    return comparisons, relative


def greedy_tour(bench: Bench, points: shapes.Points) -> list[Comparison]:
    """Row 6: ``greedy_route`` on a million uniform points against the Numba greedy grid."""
    bench.progress(f"row 6: greedy_route, {len(points):,} points")
    reference = peers.numba_grid_greedy(points)
    rust = bench.rust

    def check(result: Any) -> None:
        same("row 6", result, reference)

    works = {
        "rust": Work(lambda: rust.greedy_route(points), check),
        "grid": Work(lambda: peers.numba_grid_greedy(points), check),
    }
    timings = interleaved(works, bench.sizes.repeats)
    return [
        Comparison(
            "6",
            f"greedy_route, {count_text(len(points))} uniform",
            timings["rust"],
            GREEDY_GRID,
            timings["grid"],
            Target("time", 1.2),
        )
    ]


def scaling(bench: Bench) -> list[ScalingStep]:
    """The scaling table: all-nearest and the greedy route on growing uniform inputs,
    each checked against (and shown next to) the Numba grid's answer."""
    rust = bench.rust

    def grid_nearest(points: shapes.Points) -> Any:
        return peers.numba_grid_nearest(points, parallel=True)

    functions: list[tuple[str, Callable[[shapes.Points], Any], Callable[[shapes.Points], Any]]] = [
        ("nearest_neighbors", rust.nearest_neighbors, grid_nearest),
        ("greedy_route", rust.greedy_route, peers.numba_grid_greedy),
    ]
    steps: list[ScalingStep] = []
    for name, ours, grid in functions:
        for count in bench.sizes.scaling:
            bench.progress(f"scaling: {name}, {count:,} uniform points")
            steps.append(_scale(bench, name, count, ours, grid))
    return steps


def _scale(
    bench: Bench,
    name: str,
    count: int,
    ours: Callable[[shapes.Points], Any],
    grid: Callable[[shapes.Points], Any],
) -> ScalingStep:
    points = shapes.uniform(bench.rng, count)
    firsts = Firsts()
    works = {
        "rust": Work(lambda: ours(points), firsts.keeper("rust")),
        "grid": Work(lambda: grid(points), firsts.keeper("grid")),
    }
    timings = interleaved(works, bench.sizes.scaling_repeats)
    same(f"scaling, {name}, {count:,}", firsts.results["rust"], firsts.results["grid"])
    return ScalingStep(name, count, timings["rust"], timings["grid"])


def _is_route(label: str, route: Any, count: int, start: int) -> None:
    """A route visits every point once, from ``start``."""
    route = np.asarray(route)
    if (
        len(route) != count
        or route[0] != start
        or not np.array_equal(np.sort(route), np.arange(count))
    ):
        raise ResultMismatch(f"{label}: not a route over every point from {start}")


def _crafted_timings(
    bench: Bench, label: str, points: shapes.Points, uniform: shapes.Points
) -> dict[str, Any]:
    """Both searches on ``points`` and on ``uniform``, in the same rounds."""
    rust = bench.rust
    count = len(points)
    works = {
        "nearest": Work(
            lambda: rust.nearest_neighbors(points),
            lambda result: exact_neighbours(label, points, *result),
        ),
        "nearest, uniform": Work(lambda: rust.nearest_neighbors(uniform)),
        "route": Work(
            lambda: rust.greedy_route(points),
            lambda result: _is_route(label, result, count, 0),
        ),
        "route, uniform": Work(lambda: rust.greedy_route(uniform)),
    }
    return interleaved(works, bench.sizes.repeats)


def crafted_shapes(bench: Bench) -> list[Comparison]:
    """Row 11: ``nearest_neighbors`` and ``greedy_route`` on inputs made against the
    kernel's choice of search, against the same calls on uniform points of the same size
    (in the same rounds): no input may make them degrade."""
    comparisons: list[Comparison] = []
    letters = iter("abcdefghijklmnopqrstuvwxyz")
    for count in bench.sizes.crafted:
        uniform = shapes.uniform(bench.rng, count)
        for name, make in shapes.CRAFTED_SHAPES.items():
            bench.progress(f"row 11: {count:,} points, {name}")
            label = f"row 11, {name}, {count:,}"
            timings = _crafted_timings(bench, label, make(bench.rng, count), uniform)
            for function, key in (("nearest_neighbors", "nearest"), ("greedy_route", "route")):
                comparisons.append(
                    Comparison(
                        f"11{next(letters)}",
                        f"{function}, {count_text(count)} {name}",
                        timings[key],
                        f"the same on {count_text(count)} uniform points",
                        timings[f"{key}, uniform"],
                        Target("time", 3),
                    )
                )
    return comparisons
