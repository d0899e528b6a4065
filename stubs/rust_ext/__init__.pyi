# Annotations of the compiled module `rust_ext` (rust_ext/src/lib.rs), hand-written:
# mypy checks every call into Rust against them, and `python -m mypy.stubtest rust_ext`
# checks them against the built module. They hold signatures and docstrings (the facts
# help() gives, for readers of the stubs), no code.

import datetime
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NoReturn, Protocol, SupportsIndex, final, overload

import numpy as np
import numpy.typing as npt
from typing_extensions import Self, disjoint_base

# "dev" or "release": the Cargo profile the module was built with.
BUILD_PROFILE: str

__all__ = [
    "BUILD_PROFILE",
    "Nap",
    "Point",
    "PointSet",
    "_fsum",
    "_thin_route",
    "closest_pair",
    "fact",
    "greedy_route",
    "load_points",
    "nearest_neighbors",
    "path_length",
    "say_hello",
    "throws_error",
]

@disjoint_base
class Point:
    """A point with integer coordinates ``x`` and ``y`` in ``0 ..= 2**32 - 1``: ``ValueError``
    for one out of range, ``TypeError`` for one that is not an int."""

    __hash__: None  # type: ignore[assignment]  # mutable, so unhashable, as in Python
    def __new__(cls, *_args: Any, **_kwargs: Any) -> Self: ...
    def __init__(self, x: int, y: int) -> None: ...
    @property
    def x(self) -> int: ...
    @x.setter
    def x(self, value: int) -> None: ...
    @property
    def y(self) -> int: ...
    @y.setter
    def y(self, value: int) -> None: ...
    def dist(self, other: Point) -> float: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __ne__(self, value: object, /) -> bool: ...
    def __reduce__(self) -> tuple[Any, ...]: ...

def say_hello() -> None:
    """Write ``Hello world!`` and a newline through ``sys.stdout``."""

def fact(n: int) -> int:
    """``n!`` exactly. ``ValueError`` for a negative ``n``, ``OverflowError`` beyond ``2**63 - 1``,
    ``TypeError`` for anything but an int."""

def throws_error() -> NoReturn:
    """Raise ``AppleStuckInThroat("Hello Error: 🍏🍏")``."""

def load_points(path: str | os.PathLike[str]) -> list[Point]:
    """The points of a file, one ``x,y`` a line. ``HelloIOError`` when it cannot be read,
    ``PointsFormatError`` naming the first bad line."""

@final
class Nap:
    """One ``print_sleep`` call: ``legacy_app``'s ``async def print_sleep`` drives it."""

    @staticmethod
    def announce(duration: datetime.timedelta) -> Nap: ...
    @property
    def seconds(self) -> float: ...
    def wake(self) -> None: ...

# Points for the batch functions: a sequence of Points, an (n, 2) NumPy integer array or
# a PointSet, in which case the results are NumPy too (the typed form: without NumPy, a
# PointSet's are lists and floats). A PointSet's overloads come first; mypy calls the
# overlap unsafe (a PointSet typed as a plain Sequence is typed as getting lists): the
# answers follow the object, not the type it was passed as.
class _IntArray(Protocol):
    # An array by its members, not as np.ndarray: where NumPy is not installed, mypy
    # reads NumPy's types as Any, and an ndarray parameter would accept anything at all.
    @property
    def dtype(self) -> np.dtype[np.integer[Any]]: ...
    @property
    def shape(self) -> tuple[int, ...]: ...
    def __len__(self) -> int: ...

# Called now and then with (done, total) by the long batch functions.
_Progress = Callable[[int, int], object] | None

@overload
def nearest_neighbors(  # type: ignore[overload-overlap]
    points: PointSet, *, progress: _Progress = None
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Each point's nearest other point and that distance; ties: the lowest index. NumPy
    arrays for an array, or a ``PointSet`` with NumPy installed. ``progress(done, total)``:
    first ``(0, n)``, last ``(n, n)``. ``ValueError`` for fewer than 2 points or a
    coordinate out of range, ``TypeError`` for points of the wrong type."""

@overload
def nearest_neighbors(
    points: Sequence[Point], *, progress: _Progress = None
) -> tuple[list[int], list[float]]: ...
@overload
def nearest_neighbors(
    points: _IntArray, *, progress: _Progress = None
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]: ...
@overload
def closest_pair(  # type: ignore[overload-overlap]
    points: PointSet, *, progress: _Progress = None
) -> tuple[np.int64, np.int64, np.float64]:
    """``(i, j, distance)``, ``i < j``; ties: the smallest ``(i, j)``. NumPy scalars for an
    array, or a ``PointSet`` with NumPy installed. ``progress`` as for ``nearest_neighbors``.
    ``ValueError`` for fewer than 2 points, ``TypeError`` for points of the wrong type."""

@overload
def closest_pair(
    points: Sequence[Point], *, progress: _Progress = None
) -> tuple[int, int, float]: ...
@overload
def closest_pair(
    points: _IntArray, *, progress: _Progress = None
) -> tuple[np.int64, np.int64, np.float64]: ...
@overload
def path_length(points: PointSet) -> np.float64:
    """The sum of the distances between consecutive points, as ``math.fsum`` rounds it; a
    NumPy ``float64`` for an array, or a ``PointSet`` with NumPy installed. ``ValueError``
    for a coordinate out of range, ``TypeError`` for points of the wrong type."""

@overload
def path_length(points: Sequence[Point]) -> float: ...
@overload
def path_length(points: _IntArray) -> np.float64: ...
@overload
def greedy_route(  # type: ignore[overload-overlap]
    points: PointSet, start: int = 0, *, progress: _Progress = None
) -> npt.NDArray[np.int64]:
    """The nearest-neighbour tour from ``start``; ties: the lowest index. A NumPy array for
    an array, or a ``PointSet`` with NumPy installed. ``progress`` as for
    ``nearest_neighbors``. ``IndexError`` for ``start`` out of range, ``TypeError`` for a
    ``start`` that is not an int or points of the wrong type."""

@overload
def greedy_route(
    points: Sequence[Point], start: int = 0, *, progress: _Progress = None
) -> list[int]: ...
@overload
def greedy_route(
    points: _IntArray, start: int = 0, *, progress: _Progress = None
) -> npt.NDArray[np.int64]: ...

@disjoint_base
class PointSet(Sequence[Point]):
    """Points held as two columns of ``u32``, immutable, asked questions: ``PointSet(points)``
    copies Points, an ``(n, 2)`` NumPy array or another set, ``PointSet.load(path)`` reads a
    points file. Answers are NumPy's when NumPy is installed, else lists and numbers."""

    # Compared by value like a NumPy array, and like one unhashable.
    __hash__: None  # type: ignore[assignment]
    def __new__(cls, points: Sequence[Point] | _IntArray | PointSet) -> Self: ...
    @classmethod
    def load(cls, path: str | os.PathLike[str], *, progress: _Progress = None) -> Self: ...
    @classmethod
    def _from_columns(cls, xs: bytes, ys: bytes) -> Self: ...
    def __len__(self) -> int: ...
    @overload
    def __getitem__(self, index: SupportsIndex, /) -> Point: ...
    @overload
    def __getitem__(self, index: slice, /) -> Self: ...
    def __iter__(self) -> Iterator[Point]: ...
    def __reversed__(self) -> Iterator[Point]: ...
    def __contains__(self, value: object, /) -> bool: ...
    def index(self, value: object, start: SupportsIndex = 0, stop: SupportsIndex = ...) -> int: ...
    def count(self, value: object) -> int: ...
    @property
    def bounds(self) -> tuple[int, int, int, int] | None: ...
    @property
    def centroid(self) -> tuple[float, float] | None: ...
    def nearest_neighbors(
        self, *, progress: _Progress = None
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]: ...
    def closest_pair(
        self, *, progress: _Progress = None
    ) -> tuple[np.int64, np.int64, np.float64]: ...
    def greedy_route(
        self, start: int = 0, *, progress: _Progress = None
    ) -> npt.NDArray[np.int64]: ...
    def path_length(
        self, order: Sequence[SupportsIndex] | _IntArray | None = None
    ) -> np.float64: ...
    def to_numpy(self) -> npt.NDArray[np.uint32]: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __ne__(self, value: object, /) -> bool: ...
    def __reduce__(self) -> tuple[Any, ...]: ...
    def __copy__(self) -> Self: ...
    def __deepcopy__(self, memo: dict[int, Any], /) -> Self: ...

# Private: the picture's route thinning (legacy_app.picture): the indices of the route's
# vertices that are drawn, and the merge length they were thinned at.
def _thin_route(
    vertices: npt.NDArray[np.int32], merge: int, limit: int
) -> tuple[npt.NDArray[np.int64], int]: ...

# Private: math.fsum of a float64 array (or any iterable of floats), for the report.
def _fsum(values: npt.NDArray[np.float64] | Sequence[float]) -> float: ...
