"""Batch geometry over many points: nearest neighbours, closest pair, routes.

Every distance is the exact integer sum of squares, compared exactly and rounded only
when reported, so results equal ``Point.dist`` to the bit and ties are decided by index.
The searches sweep points sorted by ``x`` and stop once the ``x`` gap alone is farther
than the best candidate: simple, exact, and fast enough for the legacy app's files.
"""

from __future__ import annotations

import bisect
import math
import operator
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Optional, overload

from legacy_app import threads
from legacy_app._numpy import imported_numpy
from legacy_app._python.point import MAX_COORDINATE, Point

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from legacy_app._contract import IntegerArray
    from legacy_app._python.point_set import PointSet

Coordinates = tuple[Sequence[int], Sequence[int]]
# Called first with (0, n), now and then with (points done, points in all), last with (n, n).
Progress = Optional[Callable[[int, int], object]]
# The most points a call takes (the Rust backend's indices are 32-bit, one kept free).
MAX_POINTS = 2**32 - 2
# How often the long loops report progress.
PROGRESS_EVERY = 4096


def check_threads() -> None:
    """A bad ``LEGACY_APP_THREADS`` fails here as under the Rust backend, where it caps
    the worker threads (this backend works on the calling thread)."""
    threads.cap()


def _numpy_array(points: object) -> Any | None:
    """``points`` if it is a NumPy array (NumPy is never imported just to ask)."""
    numpy = imported_numpy()
    if numpy is None or not isinstance(points, numpy.ndarray):
        return None
    # numpy.ma is imported by whoever makes a masked array, never by `import numpy`.
    ma = sys.modules.get("numpy.ma")
    if ma is not None and isinstance(points, ma.MaskedArray):
        raise TypeError("points must not be a masked array: masks are not supported")
    return points


def check_capacity(function: str, count: int) -> None:
    """As the Rust backend, whose indices are 32-bit: at most ``MAX_POINTS`` points."""
    if count > MAX_POINTS:
        raise OverflowError(f"{function}() takes at most {MAX_POINTS} points, got {count}")


def _array_coordinates(array: Any, function: str) -> Coordinates:
    if array.ndim != 2 or array.shape[1] != 2:
        raise ValueError(f"points array must have shape (n, 2), got {tuple(array.shape)}")
    if array.dtype.kind not in "iu":
        raise TypeError(f"points array must have an integer dtype, got {array.dtype}")
    # Before any row is read: a broadcast array of billions of rows may hold a few bytes.
    check_capacity(function, len(array))
    rows: list[list[int]] = array.tolist()
    for index, row in enumerate(rows):
        for field, value in zip("xy", row):
            if not 0 <= value <= MAX_COORDINATE:
                raise ValueError(
                    f"points[{index}]: {field} must be between 0 and {MAX_COORDINATE}, got {value}"
                )
    return [row[0] for row in rows], [row[1] for row in rows]


def _coordinates(points: Iterable[Point]) -> Coordinates:
    try:
        items = iter(points)
    except TypeError:
        raise TypeError(
            f"points must be a NumPy array or a sequence of Points, not {type(points).__name__}"
        ) from None
    xs: list[int] = []
    ys: list[int] = []
    for index, point in enumerate(items):
        if not isinstance(point, Point):
            raise TypeError(f"points[{index}] must be a Point, not {type(point).__name__}")
        # The stored coordinates, as dist() reads them: a subclass property that
        # shadows x or y is not consulted.
        xs.append(point._x)
        ys.append(point._y)
    return xs, ys


def _read(points: Any, function: str) -> tuple[Coordinates, bool]:
    """The coordinates of ``points`` and whether the results are NumPy's: for a NumPy
    array, and for a ``PointSet`` (its own columns) wherever NumPy imports."""
    # Imported here: point_set is built on this module.
    from legacy_app._python.point_set import PointSet, numpy_module

    if isinstance(points, PointSet):
        return (points._xs, points._ys), numpy_module() is not None
    array = _numpy_array(points)
    if array is not None:
        return _array_coordinates(array, function), True
    coordinates = _coordinates(points)
    check_capacity(function, len(coordinates[0]))
    return coordinates, False


def _nearest(
    xs: Sequence[int], ys: Sequence[int], progress: Progress = None
) -> tuple[list[int], list[int]]:
    """For each point, its nearest other point (lowest index on ties) and the squared distance."""
    n = len(xs)
    order = sorted(range(n), key=lambda i: (xs[i], ys[i]))
    nearest = [-1] * n
    squared = [0] * n
    if progress is not None:
        progress(0, n)
    for rank, i in enumerate(order):
        if progress is not None and rank and rank % PROGRESS_EVERY == 0:
            progress(rank, n)
        x, y = xs[i], ys[i]
        best, best_j = -1, -1
        for ranks in (range(rank + 1, n), range(rank - 1, -1, -1)):
            for other in ranks:
                j = order[other]
                dx = xs[j] - x
                if best >= 0 and dx * dx > best:
                    break
                dy = ys[j] - y
                d2 = dx * dx + dy * dy
                if best < 0 or d2 < best or (d2 == best and j < best_j):
                    best, best_j = d2, j
        nearest[i] = best_j
        squared[i] = best
    if progress is not None:
        progress(n, n)
    return nearest, squared


def _need_two(name: str, n: int) -> None:
    if n < 2:
        raise ValueError(f"{name}() needs at least 2 points, got {n}")


# A PointSet is a Sequence of Points whose answers are NumPy's, so its overloads come first.
# mypy calls the overlap unsafe (a PointSet typed as a plain Sequence is typed as getting
# lists): the answers follow the object, not the type it was passed as.
@overload
def nearest_neighbors(  # type: ignore[overload-overlap]
    points: PointSet, *, progress: Progress = None
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]: ...
@overload
def nearest_neighbors(
    points: Sequence[Point], *, progress: Progress = None
) -> tuple[list[int], list[float]]: ...
@overload
def nearest_neighbors(
    points: IntegerArray, *, progress: Progress = None
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]: ...
def nearest_neighbors(points: Any, *, progress: Progress = None) -> tuple[Any, Any]:
    """For each point, the index of its nearest other point and that distance.

    ``points``: a sequence of ``Point``, an ``(n, 2)`` NumPy array of non-negative ints,
    or a ``PointSet``. Returns ``(indices, distances)``: lists for Points; for an array,
    NumPy arrays (``int64`` indices, ``float64`` distances), as for a ``PointSet`` when
    NumPy is installed. Ties go to the lowest index; each distance is exactly
    ``Point.dist``'s.

    ``progress(done, total)``, if given, is called first with ``(0, n)``, now and then
    while the work goes on, and last with ``(n, n)``.

    Raises ``ValueError`` for fewer than 2 points or a coordinate out of range, and
    ``TypeError`` for anything but Points, an integer array or a ``PointSet``.
    """
    (xs, ys), numpy_in = _read(points, "nearest_neighbors")
    _need_two("nearest_neighbors", len(xs))
    check_threads()
    nearest, squared = _nearest(xs, ys, progress)
    distances = [math.sqrt(d2) for d2 in squared]
    if numpy_in:
        numpy = sys.modules["numpy"]
        return numpy.array(nearest, dtype=numpy.int64), numpy.array(distances, dtype=numpy.float64)
    return nearest, distances


@overload
def closest_pair(  # type: ignore[overload-overlap]
    points: PointSet, *, progress: Progress = None
) -> tuple[np.int64, np.int64, np.float64]: ...
@overload
def closest_pair(
    points: Sequence[Point], *, progress: Progress = None
) -> tuple[int, int, float]: ...
@overload
def closest_pair(
    points: IntegerArray, *, progress: Progress = None
) -> tuple[np.int64, np.int64, np.float64]: ...
def closest_pair(points: Any, *, progress: Progress = None) -> tuple[Any, Any, Any]:
    """The closest pair ``(i, j, distance)`` with ``i < j``; ties: the smallest ``(i, j)``.

    ``points`` as for ``nearest_neighbors``; for an array (or a ``PointSet`` with NumPy
    installed) the three are NumPy scalars (``int64``, ``int64``, ``float64``).
    ``progress(done, total)``, if given, is called first with ``(0, n)`` and last with
    ``(n, n)``.

    Raises ``ValueError`` for fewer than 2 points or a coordinate out of range, and
    ``TypeError`` for anything but Points, an integer array or a ``PointSet``.
    """
    (xs, ys), numpy_in = _read(points, "closest_pair")
    _need_two("closest_pair", len(xs))
    check_threads()
    nearest, squared = _nearest(xs, ys, progress)
    # The smallest index on a closest pair pairs with its own nearest neighbour:
    # that neighbour has the lowest index at the minimum distance, and cannot be
    # lower than i, or it would be the smallest index on a closest pair itself.
    best = min(squared)
    i = squared.index(best)
    j = nearest[i]
    distance = math.sqrt(best)
    if numpy_in:
        numpy = sys.modules["numpy"]
        return numpy.int64(i), numpy.int64(j), numpy.float64(distance)
    return i, j, distance


@overload
def path_length(points: PointSet) -> np.float64: ...
@overload
def path_length(points: Sequence[Point]) -> float: ...
@overload
def path_length(points: IntegerArray) -> np.float64: ...
def path_length(points: Any) -> Any:
    """The length of the path through the points in order: the sum of the distances
    between consecutive points, correctly rounded (as ``math.fsum``); 0 or 1 point: 0.0.

    ``points`` as for ``nearest_neighbors``; for an array (or a ``PointSet`` with NumPy
    installed) the length is a NumPy ``float64``.

    Raises ``ValueError`` for a coordinate out of range, and ``TypeError`` for anything
    but Points, an integer array or a ``PointSet``.
    """
    (xs, ys), numpy_in = _read(points, "path_length")
    check_threads()
    return path_total(xs, ys, range(len(xs)), numpy_in)


def path_total(xs: Sequence[int], ys: Sequence[int], order: Sequence[int], numpy_out: bool) -> Any:
    """The length of the path through the points ``order`` indexes, correctly rounded;
    a NumPy ``float64`` if ``numpy_out``."""
    total = math.fsum(
        math.sqrt((xs[b] - xs[a]) ** 2 + (ys[b] - ys[a]) ** 2) for a, b in zip(order, order[1:])
    )
    if numpy_out:
        return sys.modules["numpy"].float64(total)
    return total


@overload
def greedy_route(  # type: ignore[overload-overlap]
    points: PointSet, start: int = 0, *, progress: Progress = None
) -> npt.NDArray[np.int64]: ...
@overload
def greedy_route(
    points: Sequence[Point], start: int = 0, *, progress: Progress = None
) -> list[int]: ...
@overload
def greedy_route(
    points: IntegerArray, start: int = 0, *, progress: Progress = None
) -> npt.NDArray[np.int64]: ...
def greedy_route(points: Any, start: int = 0, *, progress: Progress = None) -> Any:
    """A nearest-neighbour tour from ``start`` over every point: each step goes to the
    nearest point not visited yet; ties: the lowest index.

    ``points`` as for ``nearest_neighbors``; returns the indices in visiting order: a
    list for Points, a NumPy ``int64`` array for an array (or a ``PointSet`` with NumPy
    installed). ``progress(done, total)``, if given, is called first with ``(0, n)`` and
    last with ``(n, n)``.

    Raises ``IndexError`` for a ``start`` out of range, ``TypeError`` for a ``start`` that
    is not an int (``None`` included) or points of the wrong type, and ``ValueError`` for
    a coordinate out of range.
    """
    (xs, ys), numpy_in = _read(points, "greedy_route")
    n = len(xs)
    try:
        start = operator.index(start)
    except TypeError:
        raise TypeError(f"start must be an int, not {type(start).__name__}") from None
    if not 0 <= start < n:
        raise IndexError(f"start {start} out of range for {n} points")
    check_threads()
    # The points not yet visited, sorted by (x, y, index), so the sweep can stop
    # once the x gap alone is farther than the best candidate.
    unvisited = sorted((xs[i], ys[i], i) for i in range(n) if i != start)
    route = [start]
    x, y = xs[start], ys[start]
    if progress is not None:
        progress(0, n)
    while unvisited:
        if progress is not None and len(route) % PROGRESS_EVERY == 0:
            progress(len(route), n)
        at = bisect.bisect_left(unvisited, (x, y, -1))
        best, best_rank = -1, -1
        for ranks in (range(at, len(unvisited)), range(at - 1, -1, -1)):
            for rank in ranks:
                cx, cy, j = unvisited[rank]
                dx = cx - x
                if best >= 0 and dx * dx > best:
                    break
                d2 = dx * dx + (cy - y) ** 2
                if best < 0 or d2 < best or (d2 == best and j < unvisited[best_rank][2]):
                    best, best_rank = d2, rank
        x, y, j = unvisited.pop(best_rank)
        route.append(j)
    if progress is not None:
        progress(n, n)
    if numpy_in:
        numpy = sys.modules["numpy"]
        return numpy.array(route, dtype=numpy.int64)
    return route
