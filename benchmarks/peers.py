"""Peers the Rust kernels are measured against: an exact Numba uniform grid (all-nearest
and greedy route), pykdtree and SciPy. Benchmark-only: ``pip install -e ".[bench]"``.

The Numba grids are the contract's "exact uniform grid compiled with Numba" and
"uniform-grid greedy tour compiled with Numba" (docs/contract.md, "Performance"): about
a hundred lines, exact, lowest index on ties. Exactness with full-range ``u32``
coordinates: a difference ``dx < 2**32`` squares to less than ``2**64``, so ``dx*dx``
and ``dy*dy`` are exact in ``uint64``, but their sum may need 65 bits. The grids keep
the sum as a ``(carry, low 64 bits)`` pair and compare pairs, then the index; the
distance is rounded from that 65-bit integer once, to nearest even, as Python's
``math.sqrt`` of the exact integer does (see ``_distance``).

``python -m benchmarks.peers`` checks both grids against brute force on small inputs
and times every peer on 1M uniform points.
"""

from __future__ import annotations

import importlib
import math
import sys
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any, cast

import numpy as np
import numpy.typing as npt


def _import_numba() -> ModuleType | None:
    """Numba, when the bench extra is installed. Imported by name, so that mypy checks
    this module the same with or without it (Numba is untyped in places anyway)."""
    try:
        return importlib.import_module("numba")
    except ImportError:  # pragma: no cover - the bench extra is not installed
        return None


numba = _import_numba()
# The parallel loop of the parallel all-nearest kernel (a plain loop in the others).
prange = range if numba is None else numba.prange

Points = npt.NDArray[np.int64]
Indices = npt.NDArray[np.int64]
Distances = npt.NDArray[np.float64]

# The grids aim at this many points per cell.
POINTS_PER_CELL = 2.0
NO_INDEX = np.iinfo(np.int64).max


def _squared(x1: Any, y1: Any, x2: Any, y2: Any) -> tuple[Any, Any]:
    """The exact squared distance as ``(carry, low)``: ``carry * 2**64 + low``."""
    # |dx| < 2**32, so dx * dx < 2**64 is exact in uint64; only the sum can carry.
    dx = np.uint64(x1 - x2) if x1 >= x2 else np.uint64(x2 - x1)
    dy = np.uint64(y1 - y2) if y1 >= y2 else np.uint64(y2 - y1)
    dx2 = dx * dx
    low = dx2 + dy * dy
    carry = np.uint64(1) if low < dx2 else np.uint64(0)
    return carry, low


def _distance(carry: Any, low: Any) -> float:
    """``sqrt`` of ``carry * 2**64 + low``, the integer rounded once to ``float``."""
    if carry == 0:
        # uint64 -> float64 rounds to nearest even, once.
        return math.sqrt(float(low))
    # 2**64 + low has 65 bits: keep 53 of them, rounding the 12 below to nearest even.
    kept = low >> np.uint64(12)
    rest = low & np.uint64(0xFFF)
    if rest > 0x800 or (rest == 0x800 and (kept & np.uint64(1)) == 1):
        kept += np.uint64(1)
    return math.sqrt((2.0**52 + float(kept)) * 4096.0)


def _grid(xs: Any, ys: Any) -> tuple[Any, ...]:
    """Square cells over the bounding box, about ``POINTS_PER_CELL`` points each;
    the points sorted by cell (counting sort): ``starts[c]..starts[c+1]`` of ``order``,
    and their coordinates in that order."""
    n = len(xs)
    low_x, low_y = xs.min(), ys.min()
    width = xs.max() - low_x + 1
    height = ys.max() - low_y + 1
    side = int(math.sqrt(float(width) * float(height) / (n / POINTS_PER_CELL)))
    # A thin box (a line) would otherwise get far more cells than points.
    side = max(side, max(width, height) // (4 * n), 1)
    columns = (width - 1) // side + 1
    rows = (height - 1) // side + 1
    cells = np.empty(n, np.int64)
    starts = np.zeros(columns * rows + 1, np.int64)
    for i in range(n):
        c = (xs[i] - low_x) // side + columns * ((ys[i] - low_y) // side)
        cells[i] = c
        starts[c + 1] += 1
    for c in range(columns * rows):
        starts[c + 1] += starts[c]
    fill = starts[:-1].copy()
    order = np.empty(n, np.int64)
    for i in range(n):
        order[fill[cells[i]]] = i
        fill[cells[i]] += 1
    # Copies in cell order, so that a cell's points are read from one place.
    return low_x, low_y, side, columns, rows, starts, order, xs[order], ys[order]


def _ring_bound(
    x: Any,
    y: Any,
    low_x: Any,
    low_y: Any,
    side: Any,
    columns: Any,
    rows: Any,
    cx: Any,
    cy: Any,
    k: Any,
) -> Any:
    """A lower bound on the distance from ``(x, y)`` to any cell outside the square of
    rings ``0..k`` around its cell ``(cx, cy)``; -1 when no cell is outside."""
    bound = -1
    if cx - k > 0:
        bound = x - (low_x + (cx - k) * side) + 1
    if cx + k + 1 < columns:
        gap = low_x + (cx + k + 1) * side - x
        bound = gap if bound < 0 else min(bound, gap)
    if cy - k > 0:
        gap = y - (low_y + (cy - k) * side) + 1
        bound = gap if bound < 0 else min(bound, gap)
    if cy + k + 1 < rows:
        gap = low_y + (cy + k + 1) * side - y
        bound = gap if bound < 0 else min(bound, gap)
    return bound


def _nearest_one(
    q: Any,
    low_x: Any,
    low_y: Any,
    side: Any,
    columns: Any,
    rows: Any,
    starts: Any,
    order: Any,
    sx: Any,
    sy: Any,
    indices: Any,
    distances: Any,
) -> None:
    """The nearest other point of the ``q``-th point in cell order, searched ring by ring."""
    i = order[q]
    x, y = sx[q], sy[q]
    cx, cy = (x - low_x) // side, (y - low_y) // side
    best_carry, best_low, best = np.uint64(2), np.uint64(0), NO_INDEX
    k = 0
    while True:
        for gy in range(max(cy - k, 0), min(cy + k, rows - 1) + 1):
            # Ring k only: its whole top and bottom rows, the two end cells of others.
            step = 1 if gy == cy - k or gy == cy + k else max(2 * k, 1)
            for gx in range(cx - k, cx + k + 1, step):
                if gx < 0 or gx >= columns:
                    continue
                c = gx + columns * gy
                for s in range(starts[c], starts[c + 1]):
                    j = order[s]
                    if j == i:
                        continue
                    carry, low = _squared(x, y, sx[s], sy[s])
                    if carry < best_carry or (
                        carry == best_carry and (low < best_low or (low == best_low and j < best))
                    ):
                        best_carry, best_low, best = carry, low, j
        bound = _ring_bound(x, y, low_x, low_y, side, columns, rows, cx, cy, k)
        if bound < 0:
            break
        # bound < 2**32, so bound**2 < 2**64: exact in uint64. Strictly greater:
        # a point as near beyond could have a lower index.
        if best != NO_INDEX and best_carry == 0 and np.uint64(bound) * np.uint64(bound) > best_low:
            break
        k += 1
    indices[i] = best
    distances[i] = _distance(best_carry, best_low)


def _nearest_all(xs: Any, ys: Any, indices: Any, distances: Any) -> None:
    low_x, low_y, side, columns, rows, starts, order, sx, sy = _grid(xs, ys)
    # Queries in cell order: neighbouring queries read the same cells.
    for q in range(len(xs)):
        _nearest_one(
            q, low_x, low_y, side, columns, rows, starts, order, sx, sy, indices, distances
        )


# A function of its own, not `_nearest_all` compiled twice: Numba's on-disk cache keys
# a function by its name and line, so the two compilations would load each other.
def _nearest_all_parallel(xs: Any, ys: Any, indices: Any, distances: Any) -> None:
    low_x, low_y, side, columns, rows, starts, order, sx, sy = _grid(xs, ys)
    for q in prange(len(xs)):
        _nearest_one(
            q, low_x, low_y, side, columns, rows, starts, order, sx, sy, indices, distances
        )


def _greedy(xs: Any, ys: Any, start: Any, route: Any) -> None:
    low_x, low_y, side, columns, rows, starts, order, _, _ = _grid(xs, ys)
    n = len(xs)
    # Each cell keeps its unvisited points first: `left[c]` of them from `starts[c]`;
    # a visited point is swapped behind them (`slot` finds a point in `order`).
    left = starts[1:] - starts[:-1]
    slot = np.empty(n, np.int64)
    for s in range(n):
        slot[order[s]] = s
    current = start
    for step in range(n):
        route[step] = current
        x, y = xs[current], ys[current]
        cx, cy = (x - low_x) // side, (y - low_y) // side
        c = cx + columns * cy
        last = starts[c] + left[c] - 1
        s = slot[current]
        moved = order[last]
        order[s], order[last] = moved, current
        slot[moved], slot[current] = s, last
        left[c] -= 1
        if step == n - 1:
            break
        best_carry, best_low, best = np.uint64(2), np.uint64(0), NO_INDEX
        k = 0
        while True:
            for gy in range(max(cy - k, 0), min(cy + k, rows - 1) + 1):
                step_x = 1 if gy == cy - k or gy == cy + k else max(2 * k, 1)
                for gx in range(cx - k, cx + k + 1, step_x):
                    if gx < 0 or gx >= columns:
                        continue
                    cell = gx + columns * gy
                    for s in range(starts[cell], starts[cell] + left[cell]):
                        j = order[s]
                        carry, low = _squared(x, y, xs[j], ys[j])
                        if carry < best_carry or (
                            carry == best_carry
                            and (low < best_low or (low == best_low and j < best))
                        ):
                            best_carry, best_low, best = carry, low, j
            bound = _ring_bound(x, y, low_x, low_y, side, columns, rows, cx, cy, k)
            if bound < 0:
                break
            if (
                best != NO_INDEX
                and best_carry == 0
                and np.uint64(bound) * np.uint64(bound) > best_low
            ):
                break
            k += 1
        current = best


_compiled: dict[str, Callable[..., None]] = {}


def _jitted(name: str) -> Callable[..., None]:
    """The Numba-compiled kernel ``name`` (compiled on first use, cached on disk)."""
    if numba is None:
        raise RuntimeError('the Numba peers need the bench extra: pip install -e ".[bench]"')
    if not _compiled:
        options = {"cache": True, "nogil": True}
        for helper in (_squared, _distance, _grid, _ring_bound):
            setattr(sys.modules[__name__], helper.__name__, numba.njit(**options)(helper))
        # Inlined into both loops by Numba: as a plain call the serial loop took 1.6x as long.
        inlined = numba.njit(inline="always", **options)(_nearest_one)
        globals()["_nearest_one"] = inlined
        _compiled["nearest"] = numba.njit(**options)(_nearest_all)
        _compiled["nearest_parallel"] = numba.njit(parallel=True, **options)(_nearest_all_parallel)
        _compiled["greedy"] = numba.njit(**options)(_greedy)
    return _compiled[name]


def _columns(points: Points) -> tuple[Points, Points]:
    return np.ascontiguousarray(points[:, 0]), np.ascontiguousarray(points[:, 1])


def numba_grid_nearest(points: Points, *, parallel: bool = False) -> tuple[Indices, Distances]:
    """All nearest neighbours on a uniform grid, exact, lowest index on ties.
    ``parallel``: the queries in ``numba.prange`` on every core (the grid build stays serial)."""
    xs, ys = _columns(points)
    indices = np.empty(len(xs), np.int64)
    distances = np.empty(len(xs), np.float64)
    _jitted("nearest_parallel" if parallel else "nearest")(xs, ys, indices, distances)
    return indices, distances


def numba_grid_greedy(points: Points, start: int = 0) -> Indices:
    """The greedy nearest-neighbour tour on a uniform grid, exact, lowest index on ties."""
    xs, ys = _columns(points)
    route = np.empty(len(xs), np.int64)
    _jitted("greedy")(xs, ys, start, route)
    return route


def pykdtree_query(points: Points) -> tuple[Any, Any]:
    """pykdtree ``KDTree(a).query(a, k=2)``, tree build included: ``(distances, indices)``,
    each point itself in one column (floating point: not exact on ties or near-ties)."""
    from pykdtree.kdtree import KDTree

    distances, indices = KDTree(points).query(points, k=2)
    return distances, indices


def scipy_query(points: Points) -> tuple[Any, Any]:
    """SciPy ``cKDTree(a).query(a, k=2, workers=-1)``, tree build included, as above."""
    from scipy.spatial import cKDTree

    distances, indices = cKDTree(points).query(points, k=2, workers=-1)
    return distances, indices


def pykdtree_nearest(points: Points) -> tuple[Indices, Distances]:
    """pykdtree's nearest other point: the second column of ``pykdtree_query``."""
    distances, indices = pykdtree_query(points)
    return indices[:, 1].astype(np.int64), distances[:, 1].astype(np.float64)


def scipy_nearest(points: Points) -> tuple[Indices, Distances]:
    """SciPy's nearest other point: the second column of ``scipy_query``."""
    distances, indices = scipy_query(points)
    return cast(Indices, indices[:, 1].astype(np.int64)), cast(
        Distances, distances[:, 1].astype(np.float64)
    )


def brute_nearest(points: Points) -> tuple[list[int], list[float]]:
    """The reference with Python ints: exact, lowest index on ties."""
    rows = [(int(x), int(y)) for x, y in points.tolist()]
    indices, distances = [], []
    for i, (x, y) in enumerate(rows):
        best = min(((x - u) ** 2 + (y - v) ** 2, j) for j, (u, v) in enumerate(rows) if j != i)
        indices.append(best[1])
        distances.append(math.sqrt(best[0]))
    return indices, distances


def brute_greedy(points: Points, start: int) -> list[int]:
    """The greedy tour with Python ints: exact, lowest index on ties."""
    rows = [(int(x), int(y)) for x, y in points.tolist()]
    route = [start]
    left = set(range(len(rows))) - {start}
    while left:
        x, y = rows[route[-1]]
        nearest = min(left, key=lambda j: ((x - rows[j][0]) ** 2 + (y - rows[j][1]) ** 2, j))
        route.append(nearest)
        left.remove(nearest)
    return route


def small_inputs(rng: np.random.Generator) -> list[tuple[str, Points]]:
    """Inputs where exactness and ties matter: extremes, duplicates, lines, lattices."""
    end = 2**32
    shapes: list[tuple[str, Points]] = []
    for n in (2, 3, 7, 50, 300):
        shapes += [
            ("uniform", rng.integers(0, end, (n, 2))),
            ("extremes", rng.choice([0, end - 1], (n, 2))),
            ("small", rng.integers(0, 4, (n, 2))),
            ("line", np.column_stack([np.full(n, 5), rng.integers(0, end, n)])),
            ("lattice", np.column_stack([np.arange(n) % 7 * 3, np.arange(n) // 7 * 3])),
        ]
    return [(name, points.astype(np.int64)) for name, points in shapes]


def check(rng: np.random.Generator) -> None:
    """The Numba grids against brute force; raises on the first difference."""
    for name, points in small_inputs(rng):
        expected = brute_nearest(points)
        for parallel in (False, True):
            indices, distances = numba_grid_nearest(points, parallel=parallel)
            if indices.tolist() != expected[0] or distances.tolist() != expected[1]:
                raise AssertionError(f"numba_grid_nearest differs on {name}, {len(points)} points")
        for start in {0, len(points) - 1}:
            if numba_grid_greedy(points, start).tolist() != brute_greedy(points, start):
                raise AssertionError(f"numba_grid_greedy differs on {name}, {len(points)} points")


def _median_seconds(work: Callable[[], object], repeats: int) -> float:
    runs = []
    for _ in range(repeats):
        begin = time.perf_counter()
        work()
        runs.append(time.perf_counter() - begin)
    return sorted(runs)[len(runs) // 2]


def main() -> None:
    rng = np.random.default_rng(20261124)
    check(rng)
    print("Numba grids agree with brute force on small inputs")
    points = rng.integers(0, 2**32, (1_000_000, 2), dtype=np.int64)
    numba_grid_nearest(points[:1000])
    numba_grid_nearest(points[:1000], parallel=True)
    numba_grid_greedy(points[:1000])
    peers: list[tuple[str, Callable[[], object]]] = [
        ("Numba grid all-NN", lambda: numba_grid_nearest(points)),
        ("Numba grid all-NN, parallel queries", lambda: numba_grid_nearest(points, parallel=True)),
        ("pykdtree query(k=2)", lambda: pykdtree_nearest(points)),
        ("SciPy cKDTree query(k=2, workers=-1)", lambda: scipy_nearest(points)),
        ("Numba grid greedy route", lambda: numba_grid_greedy(points)),
    ]
    for name, work in peers:
        print(f"{name}, 1M uniform: median {_median_seconds(work, 5) * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
