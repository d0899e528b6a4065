# Annotations of the compiled module `rust_ext` (rust_ext/src/lib.rs), hand-written:
# mypy checks every call into Rust against them, and `python -m mypy.stubtest rust_ext`
# checks them against the built module. They hold signatures only, no code.

import datetime
import os
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, Protocol, final, overload

import numpy as np
import numpy.typing as npt
from typing_extensions import Self, disjoint_base

# "dev" or "release": the Cargo profile the module was built with.
BUILD_PROFILE: str

__all__ = [
    "BUILD_PROFILE",
    "Nap",
    "Point",
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
    """A point with integer coordinates ``x`` and ``y`` in ``0 ..= 2**32 - 1``."""

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

def say_hello() -> None: ...
def fact(n: int) -> int: ...
def throws_error() -> NoReturn: ...
def load_points(path: str | os.PathLike[str]) -> list[Point]: ...

@final
class Nap:
    """One ``print_sleep`` call: ``legacy_app``'s ``async def print_sleep`` drives it."""

    @staticmethod
    def announce(duration: datetime.timedelta) -> Nap: ...
    @property
    def seconds(self) -> float: ...
    def wake(self) -> None: ...

# Points for the batch functions: a sequence of Points, or an (n, 2) NumPy integer array,
# in which case the results are NumPy too.
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
def nearest_neighbors(
    points: Sequence[Point], *, progress: _Progress = None
) -> tuple[list[int], list[float]]: ...
@overload
def nearest_neighbors(
    points: _IntArray, *, progress: _Progress = None
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]: ...
@overload
def closest_pair(
    points: Sequence[Point], *, progress: _Progress = None
) -> tuple[int, int, float]: ...
@overload
def closest_pair(
    points: _IntArray, *, progress: _Progress = None
) -> tuple[np.int64, np.int64, np.float64]: ...
@overload
def path_length(points: Sequence[Point]) -> float: ...
@overload
def path_length(points: _IntArray) -> np.float64: ...
@overload
def greedy_route(
    points: Sequence[Point], start: int = 0, *, progress: _Progress = None
) -> list[int]: ...
@overload
def greedy_route(
    points: _IntArray, start: int = 0, *, progress: _Progress = None
) -> npt.NDArray[np.int64]: ...

# Private: the picture's route thinning (legacy_app.picture): the indices of the route's
# vertices that are drawn, and the merge length they were thinned at.
def _thin_route(
    vertices: npt.NDArray[np.int32], merge: int, limit: int
) -> tuple[npt.NDArray[np.int64], int]: ...
