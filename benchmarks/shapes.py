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


# Shapes made against the kernel's choice of search (the uniform grid, taken when a
# sample of the input looks evenly spread): evenly spread points exactly where that
# sample looks, and elsewhere something that crowds the grid. The sample's positions
# are `grid::suits`'s in rust_ext/core/src/grid.rs, written again here on purpose: an
# attacker can read them too.
SAMPLE_MIN, SAMPLE_MAX = 256, 4096


def sample_positions(count: int) -> npt.NDArray[np.bool_]:
    """Which of ``count`` points the grid's sample looks at."""
    taken = min(count, max(SAMPLE_MIN, min(count // 8, SAMPLE_MAX)))
    stride = count // taken
    k = np.arange(taken, dtype=np.uint64)
    offsets = (k * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(40)
    sampled = np.zeros(count, dtype=bool)
    within = (offsets % np.uint64(max(stride, 1))).astype(np.int64)
    sampled[k.astype(np.int64) * stride + within] = True
    return sampled


def _at_the_sample(rng: np.random.Generator, count: int, rest: Points) -> Points:
    points = rest.copy()
    sampled = sample_positions(count)
    points[sampled] = uniform(rng, int(sampled.sum()))
    return points


def sampled_one_point(rng: np.random.Generator, count: int) -> Points:
    """Evenly spread where the sample looks, one repeated point everywhere else."""
    return _at_the_sample(rng, count, np.full((count, 2), 2**31, dtype=np.int64))


def sampled_square(rng: np.random.Generator, count: int) -> Points:
    """Evenly spread where the sample looks, a small dense square (distinct points) else."""
    side = int(np.ceil(np.sqrt(count)))
    k = rng.permutation(count).astype(np.int64)
    return _at_the_sample(rng, count, np.column_stack([2**31 + k % side, 2**31 + k // side]))


def _sampled_clumps(rng: np.random.Generator, count: int, size: int) -> Points:
    """Evenly spread where the sample looks, elsewhere clumps of ``size`` points a few
    units apart around evenly spread centres: each clump fills one cell of the grid."""
    centres = uniform(rng, count // size + 1)[np.arange(count) // size]
    offsets = rng.integers(0, 5, size=(count, 2), dtype=np.int64)
    return _at_the_sample(rng, count, np.minimum(centres + offsets, COORDINATE_END - 1))


def sampled_clumps_at_the_limit(rng: np.random.Generator, count: int) -> Points:
    """Clumps of 11: the most crowding the grid still takes (about 19 distance
    evaluations a point in its first pass, against its limit of 20)."""
    return _sampled_clumps(rng, count, 11)


def sampled_clumps_past_the_limit(rng: np.random.Generator, count: int) -> Points:
    """Clumps of 24: past what the grid takes, so the tree answers."""
    return _sampled_clumps(rng, count, 24)


CRAFTED_SHAPES: dict[str, Shape] = {
    "sample spread, one point elsewhere": sampled_one_point,
    "sample spread, a dense square elsewhere": sampled_square,
    "sample spread, clumps of 11 elsewhere": sampled_clumps_at_the_limit,
    "sample spread, clumps of 24 elsewhere": sampled_clumps_past_the_limit,
}
