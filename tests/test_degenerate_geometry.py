"""Degenerate inputs for the batch functions (docs/contract.md "The API", "Performance":
no input shape makes it degrade): points on one vertical or horizontal line, on a
diagonal, on a few vertical lines, on a lattice, all in one place; exact results and the
tie rules, under both backends (brute force on small inputs; on big ones, for the Rust
backend, exact answers worked out from the shape, and SciPy's distances)."""

from __future__ import annotations

import math
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from tests.test_batch import brute_nearest, brute_route

MAX = 2**32 - 1


def vertical(n: int, rng: np.random.Generator) -> Any:
    """One x, distinct y far apart, in no particular order."""
    ys = rng.choice(10 * n, size=n, replace=False) * 397
    return np.stack([np.full(n, 7), ys], axis=1)


def vertical_with_twins(n: int, rng: np.random.Generator) -> Any:
    return np.stack([np.full(n, MAX), rng.integers(0, n // 3, n)], axis=1)


def horizontal(n: int, rng: np.random.Generator) -> Any:
    return vertical(n, rng)[:, ::-1].copy()


def diagonal(n: int, rng: np.random.Generator) -> Any:
    """(k, k) in a shuffled order: every inner point has two neighbours, equally far."""
    k = rng.permutation(n)
    return np.stack([k, k], axis=1)


def anti_diagonal(n: int, rng: np.random.Generator) -> Any:
    k = rng.permutation(n) * 1000
    return np.stack([k, MAX - k], axis=1)


def few_columns(n: int, rng: np.random.Generator) -> Any:
    return np.stack([rng.integers(0, 3, n) * 1000, rng.integers(0, 10 * n, n)], axis=1)


def lattice(n: int, rng: np.random.Generator) -> Any:
    """Row by row, ``side`` points a row: every point has up to four neighbours at 1."""
    side = math.isqrt(n)
    k = np.arange(side * side)
    return np.stack([k % side, k // side], axis=1)


def one_place(n: int, rng: np.random.Generator) -> Any:
    return np.full((n, 2), 5)


def two_places(n: int, rng: np.random.Generator) -> Any:
    return np.where(rng.integers(0, 2, (n, 1)) == 1, [[MAX, 0]], [[0, MAX]])


SHAPES: dict[str, Callable[[int, np.random.Generator], Any]] = {
    "vertical line": vertical,
    "vertical line with twins": vertical_with_twins,
    "horizontal line": horizontal,
    "diagonal": diagonal,
    "anti-diagonal": anti_diagonal,
    "three columns": few_columns,
    "lattice": lattice,
    "one place": one_place,
    "two places": two_places,
}


def make(shape: str, n: int) -> Any:
    return np.asarray(SHAPES[shape](n, np.random.default_rng(n)), dtype=np.int64)


def brute_closest(coords: list[tuple[int, int]]) -> tuple[int, int, float]:
    best = min(
        ((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2, i, j)
        for i, a in enumerate(coords)
        for j, b in enumerate(coords)
        if i < j
    )
    return best[1], best[2], math.sqrt(best[0])


@pytest.mark.parametrize("shape", list(SHAPES))
def test_small_inputs_match_brute_force(api: ModuleType, shape: str) -> None:
    array = make(shape, 150)
    coords = [(int(x), int(y)) for x, y in array.tolist()]
    points = [api.Point(x, y) for x, y in coords]
    assert api.nearest_neighbors(points) == brute_nearest(coords)
    assert api.closest_pair(points) == brute_closest(coords)
    for start in (0, len(coords) // 2, len(coords) - 1):
        assert api.greedy_route(points, start) == brute_route(coords, start)
    # The same through NumPy.
    indices, distances = api.nearest_neighbors(array)
    assert (indices.tolist(), distances.tolist()) == brute_nearest(coords)
    assert api.greedy_route(array, 3).tolist() == brute_route(coords, 3)


# Exact answers for big inputs, from the shape.


def nearest_on_a_line(values: Any) -> tuple[Any, Any]:
    """Nearest neighbours of distinct ``values`` on a line (ties: the lower index)."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    gaps = np.diff(ordered)
    n = len(values)
    left = np.concatenate([[np.iinfo(np.int64).max], gaps])
    right = np.concatenate([gaps, [np.iinfo(np.int64).max]])
    left_index = np.concatenate([[n], order[:-1]])
    right_index = np.concatenate([order[1:], [n]])
    take_left = (left < right) | ((left == right) & (left_index < right_index))
    indices = np.empty(n, dtype=np.int64)
    gap = np.empty(n, dtype=np.int64)
    indices[order] = np.where(take_left, left_index, right_index)
    gap[order] = np.where(take_left, left, right)
    return indices, gap


def route_on_a_line(values: Any, start: int) -> list[int]:
    """The greedy route over distinct ``values`` on a line: the nearer of the nearest
    unvisited on each side (ties: the lower index)."""
    order = np.argsort(values, kind="stable").tolist()
    ordered = values[order].tolist()
    position = order.index(start)
    low, high = position - 1, position + 1
    route = [start]
    current = ordered[position]
    while low >= 0 or high < len(order):
        take_low = high >= len(order) or (
            low >= 0
            and (
                current - ordered[low] < ordered[high] - current
                or (current - ordered[low] == ordered[high] - current and order[low] < order[high])
            )
        )
        if take_low:
            route.append(order[low])
            current = ordered[low]
            low -= 1
        else:
            route.append(order[high])
            current = ordered[high]
            high += 1
    return route


def exact_distances(array: Any, indices: Any) -> list[float]:
    """``Point.dist`` of each point and its neighbour, with Python's exact integers."""
    pairs = zip(array.tolist(), array[indices].tolist())
    return [math.sqrt((x1 - x2) ** 2 + (y1 - y2) ** 2) for (x1, y1), (x2, y2) in pairs]


def closest_from_nearest(indices: Any, distances: Any) -> tuple[int, int, float]:
    """The closest pair, from exact nearest neighbours: the lowest i at the least
    distance, and its nearest (the lowest j at that distance, and above i)."""
    least = distances.min()
    i = int(np.flatnonzero(distances == least)[0])
    return i, int(indices[i]), float(least)


BIG = 100_000


# SciPy's tree takes seconds on thousands of twins: those shapes have exact tests below.
@pytest.mark.parametrize("shape", [shape for shape in SHAPES if "place" not in shape])
def test_big_inputs_agree_with_scipy(rust_api: ModuleType, shape: str) -> None:
    from scipy.spatial import cKDTree

    array = make(shape, BIG)
    indices, distances = rust_api.nearest_neighbors(array)
    assert (indices != np.arange(len(array))).all()
    assert distances.tolist() == exact_distances(array, indices)
    scipy_distances, _ = cKDTree(array).query(array, k=2)
    np.testing.assert_allclose(distances, scipy_distances[:, 1], rtol=1e-12)
    assert rust_api.closest_pair(array) == closest_from_nearest(indices, distances)


LINES: dict[str, Callable[[Any], Any]] = {
    "vertical line": lambda a: a[:, 1],
    "horizontal line": lambda a: a[:, 0],
    "diagonal": lambda a: a[:, 0],
    "anti-diagonal": lambda a: a[:, 0],
}


@pytest.mark.parametrize("shape", list(LINES))
def test_big_lines_exactly(rust_api: ModuleType, shape: str) -> None:
    array = make(shape, BIG)
    along = LINES[shape](array)
    expected_indices, gaps = nearest_on_a_line(along)
    indices, distances = rust_api.nearest_neighbors(array)
    assert indices.tolist() == expected_indices.tolist()
    if shape in ("vertical line", "horizontal line"):
        assert distances.tolist() == gaps.astype(np.float64).tolist()
    for start in (0, BIG // 2):
        assert rust_api.greedy_route(array, start).tolist() == route_on_a_line(along, start)


def test_big_lattice_exactly(rust_api: ModuleType) -> None:
    array = make("lattice", BIG)
    side = math.isqrt(BIG)
    k = np.arange(len(array))
    x, y = k % side, k // side
    # Four neighbours at 1 (fewer on the edges): below has the lowest index, then left.
    expected = np.where(y > 0, k - side, np.where(x > 0, k - 1, k + 1))
    indices, distances = rust_api.nearest_neighbors(array)
    assert indices.tolist() == expected.tolist()
    assert set(distances.tolist()) == {1.0}
    assert rust_api.closest_pair(array) == (0, 1, 1.0)


@pytest.mark.parametrize("start", [0, 7, BIG - 1])
def test_big_one_place_exactly(rust_api: ModuleType, start: int) -> None:
    array = make("one place", BIG)
    indices, distances = rust_api.nearest_neighbors(array)
    assert indices.tolist() == [1] + [0] * (BIG - 1)
    assert not distances.any()
    assert rust_api.closest_pair(array) == (0, 1, 0.0)
    route = rust_api.greedy_route(array, start).tolist()
    assert route == [start] + [k for k in range(BIG) if k != start]


def test_big_two_places_exactly(rust_api: ModuleType) -> None:
    array = make("two places", BIG)
    first = array[:, 0] == MAX
    groups = [np.flatnonzero(first), np.flatnonzero(~first)]
    expected = np.empty(BIG, dtype=np.int64)
    for group in groups:
        expected[group] = group[0]
        expected[group[0]] = group[1]
    indices, distances = rust_api.nearest_neighbors(array)
    assert indices.tolist() == expected.tolist()
    assert not distances.any()
    pair = min((int(group[0]), int(group[1])) for group in groups)
    assert rust_api.closest_pair(array) == (*pair, 0.0)
    # From 0: its own place in index order, then the other's (the one jump).
    route = rust_api.greedy_route(array).tolist()
    mine, other = (groups[0], groups[1]) if groups[0][0] == 0 else (groups[1], groups[0])
    assert route == mine.tolist() + other.tolist()
