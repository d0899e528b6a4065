"""docs/contract.md "The API", the batch functions (``nearest_neighbors``,
``closest_pair``, ``path_length``, ``greedy_route``): results, tie rules, exactness, NumPy
in and out, progress and errors; and degenerate shapes ("Performance": no input shape
makes it degrade): points on one vertical or horizontal line, on a diagonal, on a few
vertical lines, on a lattice, all in one place (brute force on small inputs; on big ones,
for the Rust backend, exact answers worked out from the shape, and SciPy's distances);
under both backends.

One file per area of the contract: a new case about a batch function on Points or an
array goes here (``PointSet``'s own questions are in test_point_set.py).
"""

from __future__ import annotations

import concurrent.futures
import math
import random
import re
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
import pytest

MAX = 2**32 - 1


def pts(api: ModuleType, coords: list[tuple[int, int]]) -> list[Any]:
    return [api.Point(x, y) for x, y in coords]


def brute_nearest(coords: list[tuple[int, int]]) -> tuple[list[int], list[float]]:
    """The definition, by brute force, for comparison."""
    indices, distances = [], []
    for i, (x, y) in enumerate(coords):
        best = min(((x - u) ** 2 + (y - v) ** 2, j) for j, (u, v) in enumerate(coords) if j != i)
        indices.append(best[1])
        distances.append(math.sqrt(best[0]))
    return indices, distances


def brute_route(coords: list[tuple[int, int]], start: int) -> list[int]:
    route, left = [start], set(range(len(coords))) - {start}
    while left:
        x, y = coords[route[-1]]
        nxt = min(left, key=lambda j: ((coords[j][0] - x) ** 2 + (coords[j][1] - y) ** 2, j))
        route.append(nxt)
        left.remove(nxt)
    return route


def random_coords(seed: int, n: int, side: int) -> list[tuple[int, int]]:
    rng = random.Random(seed)
    return [(rng.randint(0, side), rng.randint(0, side)) for _ in range(n)]


def test_nearest_neighbors_small(api: ModuleType) -> None:
    indices, distances = api.nearest_neighbors(pts(api, [(0, 0), (3, 4), (10, 0)]))
    assert indices == [1, 0, 1]
    assert distances == [5.0, 5.0, math.sqrt(49 + 16)]
    assert all(type(d) is float for d in distances)


def test_nearest_neighbors_ties_take_lowest_index(api: ModuleType) -> None:
    # The centre is 1 away from all four; each corner-ish point is nearest the centre.
    coords = [(1, 2), (2, 1), (1, 1), (0, 1), (1, 0)]
    indices, _ = api.nearest_neighbors(pts(api, coords))
    assert indices[2] == 0
    # duplicates: distance 0, the lowest other index
    indices, distances = api.nearest_neighbors(pts(api, [(5, 5)] * 4))
    assert indices == [1, 0, 0, 0]
    assert distances == [0.0] * 4


@pytest.mark.parametrize("seed", range(5))
def test_nearest_neighbors_matches_brute_force(api: ModuleType, seed: int) -> None:
    coords = random_coords(seed, 300, side=[20, 1000, MAX, 50, 3][seed])
    assert api.nearest_neighbors(pts(api, coords)) == brute_nearest(coords)


@pytest.mark.parametrize("n", [0, 1])
def test_too_few_points(api: ModuleType, n: int) -> None:
    points = pts(api, [(1, 1)] * n)
    with pytest.raises(
        ValueError, match=f"^nearest_neighbors\\(\\) needs at least 2 points, got {n}$"
    ):
        api.nearest_neighbors(points)
    with pytest.raises(ValueError, match=f"^closest_pair\\(\\) needs at least 2 points, got {n}$"):
        api.closest_pair(points)


def test_closest_pair(api: ModuleType) -> None:
    i, j, d = api.closest_pair(pts(api, [(0, 0), (10, 10), (11, 11), (30, 30)]))
    assert (i, j, d) == (1, 2, math.sqrt(2))


def test_closest_pair_ties_take_smallest_pair(api: ModuleType) -> None:
    coords = [(100, 100), (0, 0), (50, 50), (1, 0), (51, 50), (0, 1)]
    assert api.closest_pair(pts(api, coords)) == (1, 3, 1.0)
    assert api.closest_pair(pts(api, [(7, 7)] * 3)) == (0, 1, 0.0)


@pytest.mark.parametrize("seed", range(5))
def test_closest_pair_matches_brute_force(api: ModuleType, seed: int) -> None:
    coords = random_coords(seed, 200, side=[30, 10**6, MAX, 100, 5][seed])
    best = min(
        ((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2, i, j)
        for i, a in enumerate(coords)
        for j, b in enumerate(coords)
        if i < j
    )
    assert api.closest_pair(pts(api, coords)) == (best[1], best[2], math.sqrt(best[0]))


def test_path_length(api: ModuleType) -> None:
    assert api.path_length([]) == 0.0
    assert api.path_length(pts(api, [(5, 5)])) == 0.0
    assert api.path_length(pts(api, [(0, 0), (3, 4), (3, 0)])) == 9.0
    coords = random_coords(7, 1000, MAX)
    expected = math.fsum(
        math.sqrt((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) for a, b in zip(coords, coords[1:])
    )
    assert api.path_length(pts(api, coords)) == expected


def test_path_length_is_correctly_rounded(api: ModuleType) -> None:
    # Huge legs and tiny ones: a naive running sum loses the tiny ones.
    coords = [(0, 0), (MAX, 0)] + [(MAX - k % 2, k % 2) for k in range(1, 2001)] + [(0, 1)]
    legs = [math.sqrt((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) for a, b in zip(coords, coords[1:])]
    naive = 0.0
    for leg in legs:
        naive += leg
    assert api.path_length(pts(api, coords)) == math.fsum(legs) != naive


def test_greedy_route(api: ModuleType) -> None:
    coords = [(0, 0), (10, 0), (1, 0), (5, 0)]
    assert api.greedy_route(pts(api, coords)) == [0, 2, 3, 1]
    assert api.greedy_route(pts(api, coords), start=1) == [1, 3, 2, 0]
    assert api.greedy_route(pts(api, coords), 3) == [3, 2, 0, 1]
    assert api.greedy_route(pts(api, [(4, 4)])) == [0]


def test_greedy_route_ties_take_lowest_index(api: ModuleType) -> None:
    coords = [(5, 5), (6, 5), (4, 5), (5, 6), (5, 4)]
    assert api.greedy_route(pts(api, coords)) == [0, 1, 3, 2, 4]
    assert api.greedy_route(pts(api, [(1, 1)] * 4), start=2) == [2, 0, 1, 3]


@pytest.mark.parametrize("seed", range(4))
def test_greedy_route_matches_brute_force(api: ModuleType, seed: int) -> None:
    coords = random_coords(seed, 150, side=[10, 1000, MAX, 3][seed])
    start = seed * 7 % 150
    assert api.greedy_route(pts(api, coords), start) == brute_route(coords, start)


@pytest.mark.parametrize("start", [-1, 3, 2**70])
def test_greedy_route_start_out_of_range(api: ModuleType, start: int) -> None:
    with pytest.raises(IndexError, match=f"^start {start} out of range for 3 points$"):
        api.greedy_route(pts(api, [(0, 0), (1, 1), (2, 2)]), start)
    with pytest.raises(IndexError):
        api.greedy_route([], 0)


def test_greedy_route_start_must_be_an_int(api: ModuleType) -> None:
    with pytest.raises(TypeError, match=r"^start must be an int, not float$"):
        api.greedy_route(pts(api, [(0, 0), (1, 1)]), 1.0)


@pytest.mark.parametrize("bad", [[(1, 2), (3, 4)], [None, None], ["ab", "cd"]])
def test_sequences_must_hold_points(api: ModuleType, bad: list[Any]) -> None:
    message = f"^points\\[0\\] must be a Point, not {type(bad[0]).__name__}$"
    for call in (api.nearest_neighbors, api.closest_pair, api.path_length, api.greedy_route):
        with pytest.raises(TypeError, match=message):
            call(bad)


def test_other_sequences_and_iterables(api: ModuleType) -> None:
    points = pts(api, [(0, 0), (3, 4)])
    assert api.nearest_neighbors(tuple(points)) == ([1, 0], [5.0, 5.0])
    assert api.path_length(iter(points)) == 5.0


DTYPES = [np.uint8, np.uint16, np.uint32, np.uint64, np.int8, np.int16, np.int32, np.int64]


@pytest.mark.parametrize("dtype", DTYPES)
def test_numpy_in_numpy_out(api: ModuleType, dtype: Any) -> None:
    coords = random_coords(3, 60, side=100)
    array = np.array(coords, dtype=dtype)
    indices, distances = api.nearest_neighbors(array)
    assert isinstance(indices, np.ndarray)
    assert indices.dtype == np.int64
    assert isinstance(distances, np.ndarray)
    assert distances.dtype == np.float64
    expected = api.nearest_neighbors(pts(api, coords))
    assert indices.tolist() == expected[0]
    assert distances.tolist() == expected[1]
    route = api.greedy_route(array, 5)
    assert isinstance(route, np.ndarray)
    assert route.dtype == np.int64
    assert route.tolist() == api.greedy_route(pts(api, coords), 5)
    i, j, d = api.closest_pair(array)
    assert (i, j, d) == api.closest_pair(pts(api, coords))
    assert isinstance(i, np.int64)
    assert isinstance(d, np.float64)
    length = api.path_length(array)
    assert isinstance(length, np.float64)
    assert length == api.path_length(pts(api, coords))


def test_numpy_views_and_orders(api: ModuleType) -> None:
    base = np.array(random_coords(4, 40, side=50), dtype=np.int64)
    expected = api.nearest_neighbors(base)
    for variant in (np.asfortranarray(base), base[::1], np.ascontiguousarray(base.T).T):
        got = api.nearest_neighbors(variant)
        assert got[0].tolist() == expected[0].tolist()
    wide = np.zeros((40, 4), dtype=np.int64)
    wide[:, ::2] = base
    got = api.nearest_neighbors(wide[:, ::2])
    assert got[0].tolist() == expected[0].tolist()


def test_numpy_full_range(api: ModuleType) -> None:
    array = np.array([[0, 0], [MAX, MAX], [MAX, 0]], dtype=np.uint32)
    indices, distances = api.nearest_neighbors(array)
    assert indices.tolist() == [2, 2, 0]
    assert distances.tolist() == [float(MAX)] * 3


@pytest.mark.parametrize(
    ("values", "dtype", "message"),
    [
        ([[0, 0], [-1, 5]], np.int64, "points[1]: x must be between 0 and 4294967295, got -1"),
        ([[0, 0], [5, -3]], np.int8, "points[1]: y must be between 0 and 4294967295, got -3"),
        (
            [[2**32, 0], [0, 0]],
            np.uint64,
            "points[0]: x must be between 0 and 4294967295, got 4294967296",
        ),
        (
            [[2**63 - 1, 0], [0, 0]],
            np.int64,
            f"points[0]: x must be between 0 and 4294967295, got {2**63 - 1}",
        ),
    ],
)
def test_numpy_values_out_of_range(api: ModuleType, values: Any, dtype: Any, message: str) -> None:
    array = np.array(values, dtype=dtype)
    for call in (api.nearest_neighbors, api.closest_pair, api.path_length, api.greedy_route):
        with pytest.raises(ValueError, match=re.escape(message)):
            call(array)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.bool_, object, np.complex128])
def test_numpy_non_integer_dtypes_rejected(api: ModuleType, dtype: Any) -> None:
    array = np.zeros((3, 2), dtype=dtype)
    with pytest.raises(TypeError, match=r"^points array must have an integer dtype, got "):
        api.nearest_neighbors(array)


@pytest.mark.parametrize("shape", [(3,), (3, 3), (2, 2, 2), (0,)])
def test_numpy_wrong_shape(api: ModuleType, shape: tuple[int, ...]) -> None:
    array = np.zeros(shape, dtype=np.int64)
    with pytest.raises(
        ValueError, match=f"^points array must have shape \\(n, 2\\), got {re.escape(str(shape))}$"
    ):
        api.nearest_neighbors(array)


def test_numpy_empty_and_single(api: ModuleType) -> None:
    empty = np.zeros((0, 2), dtype=np.uint32)
    assert api.path_length(empty) == 0.0
    with pytest.raises(ValueError, match="got 0"):
        api.nearest_neighbors(empty)
    one = np.array([[3, 4]], dtype=np.uint32)
    assert api.greedy_route(one).tolist() == [0]
    with pytest.raises(ValueError, match="got 1"):
        api.closest_pair(one)


@pytest.mark.parametrize("name", ["nearest_neighbors", "closest_pair", "greedy_route"])
def test_progress_is_reported(api: ModuleType, name: str) -> None:
    rust = api.__name__.endswith("_rust")
    coords = random_coords(9, 150_000 if rust else 9_000, side=10**6)
    array = np.array(coords, dtype=np.uint32)
    calls: list[tuple[int, int]] = []
    getattr(api, name)(array, progress=lambda done, total: calls.append((done, total)))
    assert len(calls) >= 2
    assert calls[-1] == (len(coords), len(coords))
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert {total for _, total in calls} == {len(coords)}


@pytest.mark.parametrize(
    ("name", "n"),
    [
        *(
            (name, n)
            for name in ("nearest_neighbors", "closest_pair", "greedy_route")
            for n in (2, 7, 5_000)
        ),
        ("greedy_route", 1),
    ],
)
def test_progress_is_first_called_with_zero_done(api: ModuleType, name: str, n: int) -> None:
    points = pts(api, random_coords(n, n, side=10**6))
    calls: list[tuple[int, int]] = []
    getattr(api, name)(points, progress=lambda done, total: calls.append((done, total)))
    assert calls[0] == (0, n)
    assert calls[-1] == (n, n)


def test_progress_errors_propagate(api: ModuleType) -> None:
    def stop(done: int, total: int) -> None:
        raise RuntimeError(f"stop at {done}/{total}")

    for name in ["nearest_neighbors", "closest_pair", "greedy_route"]:
        with pytest.raises(RuntimeError, match=r"^stop at 0/3$"):
            getattr(api, name)(pts(api, [(0, 0), (1, 1), (5, 5)]), progress=stop)


@pytest.mark.parametrize("seed", range(3))
def test_nearest_neighbors_agrees_with_scipy(api: ModuleType, seed: int) -> None:
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(seed)
    n = 3_000 if api.__name__.endswith("_python") else 200_000
    array = rng.integers(0, [1_000, 10**6, 2**32 - 1][seed], size=(n, 2), endpoint=True)
    indices, distances = api.nearest_neighbors(array)
    scipy_distances, scipy_indices = cKDTree(array).query(array, k=3)
    # SciPy computes distances in floating point and breaks ties its own way: compare
    # distances closely, and indices wherever the nearest neighbour is clearly unique.
    np.testing.assert_allclose(distances, scipy_distances[:, 1], rtol=1e-12)
    exact = np.hypot(*(array[indices] - array).T.astype(np.float64))
    np.testing.assert_allclose(distances, exact, rtol=1e-12)
    # (At distance 0 SciPy may list the point itself second: leave twins out too.)
    unique = (scipy_distances[:, 1] * (1 + 1e-9) < scipy_distances[:, 2]) & (distances > 0)
    assert unique.sum() > n // 10
    np.testing.assert_array_equal(indices[unique], scipy_indices[unique, 1])


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


def crowd_and_strays(n: int, rng: np.random.Generator) -> Any:
    """Nine points in ten on a unit lattice, in a shuffled order, the rest strays spread
    over the whole range (some at its corners, some repeated): the grid over the whole
    box is refused, a grid over the crowd alone is not."""
    side = math.isqrt(n) + 1
    k = rng.permutation(side * side)[:n]
    points = np.stack([2**31 + k % side, 2**31 + k // side], axis=1)
    strays = np.flatnonzero(np.arange(n) % 10 == 0)
    points[strays] = rng.integers(0, MAX + 1, (len(strays), 2))
    points[strays[::7]] = rng.choice([0, MAX], (len(strays[::7]), 2))
    points[strays[1::7]] = [12345, 678]
    return points


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
    "a crowd and strays": crowd_and_strays,
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


@pytest.mark.parametrize("start", [0, 10, 1, 1234])
def test_a_crowd_and_strays_route_as_the_reference(
    api: ModuleType, python_api: ModuleType, start: int
) -> None:
    # Big enough for the route's grid over the crowd (and its tree of strays), small
    # enough for the reference: from a stray at a corner (0), a repeated stray (10), the
    # crowd.
    array = make("a crowd and strays", 3000)
    expected = python_api.greedy_route(array, start).tolist()
    assert api.greedy_route(array, start).tolist() == expected
    points = [api.Point(int(x), int(y)) for x, y in array.tolist()]
    assert api.greedy_route(points, start) == expected


def test_a_crowd_and_strays_reports_progress(api: ModuleType) -> None:
    array = make("a crowd and strays", 3000)
    calls: list[tuple[int, int]] = []
    api.greedy_route(array, 10, progress=lambda done, total: calls.append((done, total)))
    assert calls[0] == (0, 3000)
    assert calls[-1] == (3000, 3000)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_a_crowd_and_strays_routes_the_same_from_two_threads(api: ModuleType) -> None:
    array = make("a crowd and strays", 3000)
    expected = api.greedy_route(array, 10).tolist()
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        routes = list(pool.map(lambda start: api.greedy_route(array, start).tolist(), [10] * 4))
    assert routes == [expected] * 4


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
