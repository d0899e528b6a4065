"""The public API's one contract: its names and exact types, which both backends implement.

``Backend`` describes a module serving the public names; ``PUBLIC_NAMES`` is read from
it, so the list exists once. ``legacy_app`` types its public names from ``Backend``, so
a caller gets these types whichever backend runs, and the end of this module has mypy
prove that ``legacy_app._python`` (the reference) and ``legacy_app._rust`` (the stubs of
``rust_ext``) each implement it: neither can drift from the contract unnoticed.

A new public name is declared here, implemented in ``_python`` and in Rust (with its
stub), and typed in ``legacy_app/__init__.py``; mypy and tests/test_typing.py name
whatever is missing. NumPy is imported for mypy only: the package works without it, and
so do its types (see ``IntegerArray``).
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, Optional, Protocol, TypeVar, overload

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    from typing_extensions import Self

# Called now and then with (points done, points in all), last with (n, n).
Progress = Optional[Callable[[int, int], object]]


class IntegerArray(Protocol):
    """An ``(n, 2)`` NumPy array of non-negative ints (the shape is checked when called).

    Described by its members, not as ``numpy.ndarray``: where NumPy is not installed,
    mypy reads NumPy's types as ``Any``, and an ``ndarray`` parameter would then accept
    anything at all; this one still accepts only objects with these members.
    """

    @property
    def dtype(self) -> np.dtype[np.integer[Any]]: ...
    @property
    def shape(self) -> tuple[int, ...]: ...
    def __len__(self) -> int: ...


class PointLike(Protocol):
    """What every backend's ``Point`` class offers its instances' users."""

    x: int
    y: int

    def dist(self, other: Self) -> float: ...


# Each backend has its own Point class, and its batch functions take only those Points.
PointT = TypeVar("PointT", bound=PointLike)


class Backend(Protocol[PointT]):
    """A module serving every public name of ``legacy_app``, with these signatures.

    Points are any sequence of the backend's ``Point``, or an ``(n, 2)`` NumPy array of
    non-negative ints, in which case the results are NumPy too (``int64`` indices,
    ``float64`` distances).
    """

    # The class: declared by its constructor, which mypy then checks in each backend.
    def Point(self, x: int, y: int) -> PointT: ...

    def say_hello(self) -> None: ...

    def fact(self, n: int) -> int: ...

    def throws_error(self) -> NoReturn: ...

    def load_points(self, path: str | os.PathLike[str]) -> list[PointT]: ...

    async def print_sleep(self, duration: datetime.timedelta) -> None: ...

    @overload
    def nearest_neighbors(
        self, points: Sequence[PointT], *, progress: Progress = None
    ) -> tuple[list[int], list[float]]: ...
    @overload
    def nearest_neighbors(
        self, points: IntegerArray, *, progress: Progress = None
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]: ...

    @overload
    def closest_pair(
        self, points: Sequence[PointT], *, progress: Progress = None
    ) -> tuple[int, int, float]: ...
    @overload
    def closest_pair(
        self, points: IntegerArray, *, progress: Progress = None
    ) -> tuple[np.int64, np.int64, np.float64]: ...

    @overload
    def path_length(self, points: Sequence[PointT]) -> float: ...
    @overload
    def path_length(self, points: IntegerArray) -> np.float64: ...

    @overload
    def greedy_route(
        self, points: Sequence[PointT], start: int = 0, *, progress: Progress = None
    ) -> list[int]: ...
    @overload
    def greedy_route(
        self, points: IntegerArray, start: int = 0, *, progress: Progress = None
    ) -> npt.NDArray[np.int64]: ...


# The one list of public names, in the order Backend declares them.
PUBLIC_NAMES: tuple[str, ...] = tuple(name for name in vars(Backend) if not name.startswith("_"))


if TYPE_CHECKING:
    # mypy proves here that each backend, and legacy_app itself, implement the contract.
    import legacy_app
    import rust_ext
    from legacy_app import _python, _rust, shadow

    _reference: Backend[_python.Point] = _python
    _compiled: Backend[rust_ext.Point] = _rust
    _shadow: Backend[_python.Point] = shadow
    _public: Backend[legacy_app.Point] = legacy_app
