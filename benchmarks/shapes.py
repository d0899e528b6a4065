"""The point sets the benchmarks time: uniform, clustered, and the shapes that break grids.

Every set is an ``(n, 2)`` ``int64`` array of coordinates in ``0 ..= 2**32 - 1`` (the
whole range a Point takes), made from the generator given, so a seed repeats a run.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

Points = npt.NDArray[np.int64]
COORDINATE_END = 2**32
CLUSTERS = 1_000
# Points of a cluster lie around its centre, rounded normal with this sigma: at
# 1,000 points a cluster, about 39% of all points repeat an earlier point exactly.
CLUSTER_SIGMA = 8.0
# The "few lines" shape: points on this many vertical lines.
COLUMNS = 5
# Mixed density: half the points in a square this wide, the rest spread evenly.
DENSE_SQUARE = 3_000


def uniform(rng: np.random.Generator, count: int) -> Points:
    """Spread evenly over the whole coordinate range."""
    return rng.integers(0, COORDINATE_END, size=(count, 2), dtype=np.int64)


def clustered(rng: np.random.Generator, count: int) -> Points:
    """``CLUSTERS`` tight clusters at uniform centres, many points on the same spot."""
    centres = rng.integers(0, COORDINATE_END, size=(CLUSTERS, 2), dtype=np.int64)
    offsets = np.rint(rng.normal(0.0, CLUSTER_SIGMA, size=(count, 2))).astype(np.int64)
    points: Points = np.clip(centres[np.arange(count) % CLUSTERS] + offsets, 0, COORDINATE_END - 1)
    return points


def vertical_line(rng: np.random.Generator, count: int) -> Points:
    """Every point on one vertical line (the same x)."""
    ys = rng.integers(0, COORDINATE_END, size=count, dtype=np.int64)
    return np.column_stack([np.full(count, COORDINATE_END // 2, dtype=np.int64), ys])


def few_lines(rng: np.random.Generator, count: int) -> Points:
    """Points on ``COLUMNS`` vertical lines, evenly spaced across the range."""
    xs = rng.integers(0, COLUMNS, size=count, dtype=np.int64) * (COORDINATE_END // COLUMNS)
    ys = rng.integers(0, COORDINATE_END, size=count, dtype=np.int64)
    return np.column_stack([xs, ys])


def lattice(rng: np.random.Generator, count: int) -> Points:
    """A square lattice, 1,000 apart: every point has four nearest neighbours at a tie."""
    side = int(np.ceil(np.sqrt(count)))
    k = rng.permutation(count).astype(np.int64)
    return np.column_stack([k % side * 1_000, k // side * 1_000])


def duplicates(rng: np.random.Generator, count: int) -> Points:
    """Every point on the same spot."""
    del rng
    return np.full((count, 2), 7, dtype=np.int64)


def diagonal(rng: np.random.Generator, count: int) -> Points:
    """Every point on the line ``x == y``."""
    values = rng.integers(0, COORDINATE_END, size=count, dtype=np.int64)
    return np.column_stack([values, values])


def mixed_density(rng: np.random.Generator, count: int) -> Points:
    """Half the points spread evenly, half in one small square near the origin."""
    spread = uniform(rng, count - count // 2)
    dense = 1_000 + rng.integers(0, DENSE_SQUARE, size=(count // 2, 2), dtype=np.int64)
    points = np.concatenate([spread, dense])
    return points[rng.permutation(count)]


def duplicate_share(points: Points) -> float:
    """The share of points that repeat an earlier point exactly."""
    return 1 - len(np.unique(points, axis=0)) / len(points)


Shape = Callable[[np.random.Generator, int], Points]
# The shapes with a target against SciPy, then the ones shown for information.
TARGET_SHAPES: dict[str, Shape] = {
    "one vertical line": vertical_line,
    f"{COLUMNS} vertical lines": few_lines,
    "lattice": lattice,
}
INFO_SHAPES: dict[str, Shape] = {
    "all duplicates": duplicates,
    "diagonal": diagonal,
    "mixed density": mixed_density,
}
