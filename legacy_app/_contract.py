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
from collections.abc import Callable, Iterator, Sequence
from typing import (
    TYPE_CHECKING,
    Any,
    NoReturn,
    Optional,
    Protocol,
    SupportsIndex,
    TypeVar,
    overload,
)

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    from typing_extensions import Self

# Called first with (0, n), now and then with (done, n), last with (n, n): points for the
# questions, bytes for PointSet.load.
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
PointT_co = TypeVar("PointT_co", bound=PointLike, covariant=True)
PointT_contra = TypeVar("PointT_contra", bound=PointLike, contravariant=True)


class PointSetLike(Protocol[PointT_co]):
    """What every backend's ``PointSet`` offers its instances' users: a read-only sequence
    of the backend's Points, asked questions whose answers are NumPy's (the typed form;
    without NumPy they are the lists and floats of the module functions)."""

    def __len__(self) -> int: ...
    @overload
    def __getitem__(self, index: SupportsIndex) -> PointT_co: ...
    @overload
    def __getitem__(self, index: slice) -> Self: ...
    def __iter__(self) -> Iterator[PointT_co]: ...
    def __reversed__(self) -> Iterator[PointT_co]: ...
    def __contains__(self, value: object) -> bool: ...
    def index(self, value: object, start: SupportsIndex = 0, stop: SupportsIndex = ...) -> int: ...
    def count(self, value: object) -> int: ...
    @property
    def bounds(self) -> tuple[int, int, int, int] | None: ...
    @property
    def centroid(self) -> tuple[float, float] | None: ...
    def nearest_neighbors(
        self, *, progress: Progress = None
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]: ...
    def closest_pair(
        self, *, progress: Progress = None
    ) -> tuple[np.int64, np.int64, np.float64]: ...
    def greedy_route(
        self, start: int = 0, *, progress: Progress = None
    ) -> npt.NDArray[np.int64]: ...
    def path_length(
        self, order: Sequence[SupportsIndex] | IntegerArray | None = None
    ) -> np.float64: ...
    def to_numpy(self) -> npt.NDArray[np.uint32]: ...
    def __reduce__(self) -> tuple[Any, ...]: ...


# Each backend has its own PointSet class too.
PointSetT = TypeVar("PointSetT", bound="PointSetLike[Any]")


class PointSetClass(Protocol[PointT_contra, PointSetT]):
    """What every backend's ``PointSet`` class offers: its constructor and classmethods."""

    def __call__(self, points: Sequence[PointT_contra] | IntegerArray | PointSetT) -> PointSetT: ...
    def load(self, path: str | os.PathLike[str], *, progress: Progress = None) -> PointSetT: ...
    def _from_columns(self, xs: bytes, ys: bytes) -> PointSetT: ...


class Backend(Protocol[PointT, PointSetT]):
    """A module serving every public name of ``legacy_app``, with these signatures.

    Points are any sequence of the backend's ``Point``, an ``(n, 2)`` NumPy array of
    non-negative ints, or the backend's ``PointSet``; for the last two the results are
    NumPy too (``int64`` indices, ``float64`` distances).
    """

    # The class: declared by its constructor, which mypy then checks in each backend.
    def Point(self, x: int, y: int) -> PointT: ...

    # A class with classmethods: a property (which a plain annotation would not be), so
    # that it is in vars(Backend), and so in PUBLIC_NAMES, like every other name.
    @property
    def PointSet(self) -> PointSetClass[PointT, PointSetT]: ...

    def say_hello(self) -> None: ...

    def fact(self, n: int) -> int: ...

    def throws_error(self) -> NoReturn: ...

    def load_points(self, path: str | os.PathLike[str]) -> list[PointT]: ...

    async def print_sleep(self, duration: datetime.timedelta) -> None: ...

    # A PointSet is a Sequence of Points whose answers are NumPy's: its overloads come first.
    @overload
    def nearest_neighbors(
        self, points: PointSetT, *, progress: Progress = None
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]: ...
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
        self, points: PointSetT, *, progress: Progress = None
    ) -> tuple[np.int64, np.int64, np.float64]: ...
    @overload
    def closest_pair(
        self, points: Sequence[PointT], *, progress: Progress = None
    ) -> tuple[int, int, float]: ...
    @overload
    def closest_pair(
        self, points: IntegerArray, *, progress: Progress = None
    ) -> tuple[np.int64, np.int64, np.float64]: ...

    @overload
    def path_length(self, points: PointSetT) -> np.float64: ...
    @overload
    def path_length(self, points: Sequence[PointT]) -> float: ...
    @overload
    def path_length(self, points: IntegerArray) -> np.float64: ...

    @overload
    def greedy_route(
        self, points: PointSetT, start: int = 0, *, progress: Progress = None
    ) -> npt.NDArray[np.int64]: ...
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

    _reference: Backend[_python.Point, _python.PointSet] = _python
    _compiled: Backend[rust_ext.Point, rust_ext.PointSet] = _rust
    _shadow: Backend[_python.Point, shadow.PointSet] = shadow
    _public: Backend[legacy_app.Point, legacy_app.PointSet] = legacy_app
