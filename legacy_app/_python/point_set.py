"""``PointSet``: many points held as two columns of unsigned 32-bit ints, asked questions.

The reference of the columnar path: the columns are ``array.array`` of 4-byte unsigned
ints, so a set keeps no Python object a point (a ``Point`` is made only when one is
read). Its questions are the batch functions' own code (``batch`` reads a ``PointSet``'s
columns directly), so each answer is, by construction, the module function's answer on
the same points. This backend keeps no index between questions.
"""

from __future__ import annotations

import copy
import operator
import sys
from array import array
from collections.abc import Iterable, Iterator, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, SupportsIndex, overload

from legacy_app._python import batch, points_file
from legacy_app._python.point import Point

if TYPE_CHECKING:
    import os

    import numpy as np
    import numpy.typing as npt
    from typing_extensions import Self

    from legacy_app._contract import IntegerArray, Progress

    # mypy sees a Sequence of Points; at run time the class is registered as one (below),
    # as the Rust class is, so both have the same bases and metaclass.
    _SequenceOfPoints = Sequence[Point]
else:
    _SequenceOfPoints = object

# The array typecode of a 4-byte unsigned int: "I" wherever CPython runs today.
U32 = next(code for code in "IL" if array(code).itemsize == 4)
LITTLE_ENDIAN = sys.byteorder == "little"

INDEX_OUT_OF_RANGE = "PointSet index out of range"
BAD_COLUMNS = "PointSet columns must be little-endian u32 bytes of equal length"


def numpy_module() -> ModuleType | None:
    """NumPy, imported if need be; ``None`` when it is not installed, or when what imports
    as ``numpy`` is not NumPy (its ``ndarray`` is not a type: a stub, a mock)."""
    try:
        import numpy
    except ImportError:
        return None
    return numpy if isinstance(getattr(numpy, "ndarray", None), type) else None


def _loaded_ndarray() -> type | None:
    """``numpy.ndarray`` if NumPy is already imported (it is never imported just to ask)."""
    numpy = sys.modules.get("numpy")
    ndarray = getattr(numpy, "ndarray", None)
    return ndarray if isinstance(ndarray, type) else None


def _index(value: object, message: str) -> int:
    """``operator.index(value)``; a value that is not an int-like is ``TypeError(message)``
    (what its own ``__index__`` raises otherwise goes through)."""
    try:
        return operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"{message}, not {type(value).__name__}") from None


class PointSet(_SequenceOfPoints):
    """Points held as two columns of ``u32``, immutable, asked questions.

    ``PointSet(points)`` copies a sequence of ``Point``, an ``(n, 2)`` NumPy array of
    non-negative ints or another ``PointSet``, with the batch functions' checks;
    ``PointSet.load(path)`` reads a points file. A read-only sequence of ``Point``.
    """

    __slots__ = ("__weakref__", "_xs", "_ys")
    _xs: array[int]
    _ys: array[int]

    # Immutable, but compared by value like a NumPy array: unhashable, as an array is.
    __hash__ = None  # type: ignore[assignment]

    # Built in __new__, as Python's immutable types (and PyO3's #[new]) are: calling
    # __init__ again on a set cannot change it.
    def __new__(cls, points: Sequence[Point] | IntegerArray | PointSet) -> Self:
        if isinstance(points, PointSet):
            return cls._from_arrays(array(U32, points._xs), array(U32, points._ys))
        # The batch functions' reading: the same checks, errors and messages.
        (xs, ys), _ = batch._read(points, "PointSet")
        return cls._from_arrays(array(U32, xs), array(U32, ys))

    @classmethod
    def _from_arrays(cls, xs: array[int], ys: array[int]) -> Self:
        """A set of ``cls`` that owns ``xs`` and ``ys`` (nobody changes them after)."""
        self = object.__new__(cls)
        self._xs = xs
        self._ys = ys
        return self

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, progress: Progress = None) -> Self:
        """Read a points file, with ``load_points``' rules and errors, into a set.

        ``progress(done, total)`` counts bytes: ``total`` is the file's size for a regular
        file (the bytes read so far for a pipe), and the last call has ``done == total``.
        """
        xs: array[int] = array(U32)
        ys: array[int] = array(U32)
        for x, y in points_file.read_coordinates(path, progress):
            xs.append(x)
            ys.append(y)
        return cls._from_arrays(xs, ys)

    @classmethod
    def _from_columns(cls, xs: bytes, ys: bytes) -> Self:
        """The set whose columns are ``xs`` and ``ys``, little-endian ``u32`` (pickles)."""
        for data in (xs, ys):
            if not isinstance(data, bytes):
                raise TypeError(f"PointSet columns must be bytes, not {type(data).__name__}")
        if len(xs) != len(ys) or len(xs) % 4:
            raise ValueError(BAD_COLUMNS)
        columns = []
        for data in (xs, ys):
            column: array[int] = array(U32)
            column.frombytes(data)
            if not LITTLE_ENDIAN:
                column.byteswap()
            columns.append(column)
        return cls._from_arrays(*columns)

    def _column_bytes(self) -> tuple[bytes, bytes]:
        """The columns as little-endian ``u32`` bytes: what a pickle holds."""
        if LITTLE_ENDIAN:
            return self._xs.tobytes(), self._ys.tobytes()
        swapped = []
        for column in (self._xs, self._ys):
            little = array(U32, column)
            little.byteswap()
            swapped.append(little.tobytes())
        return swapped[0], swapped[1]

    # The sequence.

    def __len__(self) -> int:
        return len(self._xs)

    @overload
    def __getitem__(self, index: SupportsIndex) -> Point: ...
    @overload
    def __getitem__(self, index: slice) -> Self: ...
    def __getitem__(self, index: SupportsIndex | slice) -> Point | Self:
        if isinstance(index, slice):
            return self._from_arrays(self._xs[index], self._ys[index])
        k = _index(index, "PointSet indices must be integers or slices")
        n = len(self._xs)
        if k < 0:
            k += n
        if not 0 <= k < n:
            raise IndexError(INDEX_OUT_OF_RANGE)
        return Point(self._xs[k], self._ys[k])

    def __iter__(self) -> Iterator[Point]:
        return map(Point, self._xs, self._ys)

    def __reversed__(self) -> Iterator[Point]:
        return map(Point, reversed(self._xs), reversed(self._ys))

    def _positions(self, value: object, start: int = 0, stop: int | None = None) -> Iterator[int]:
        """Where ``value``, a Point, is stored, by its stored coordinates (as ``==`` and
        the batch functions read a Point); nowhere for anything else."""
        if not isinstance(value, Point):
            return
        x, y = value._x, value._y
        xs, ys = self._xs, self._ys
        for k in range(start, len(xs) if stop is None else stop):
            if xs[k] == x and ys[k] == y:
                yield k

    def __contains__(self, value: object) -> bool:
        return next(self._positions(value), None) is not None

    def index(
        self, value: object, start: SupportsIndex = 0, stop: SupportsIndex = sys.maxsize
    ) -> int:
        """The first position of ``value`` in ``[start:stop]``; ``ValueError`` if absent."""
        first, last, _ = slice(start, stop).indices(len(self))
        found = next(self._positions(value, first, last), None)
        if found is None:
            raise ValueError("PointSet.index(x): x not in PointSet")
        return found

    def count(self, value: object) -> int:
        """How many times ``value`` is stored."""
        return sum(1 for _ in self._positions(value))

    # Summaries, exact: Python ints, and one correctly rounded division.

    @property
    def bounds(self) -> tuple[int, int, int, int] | None:
        """``(min_x, min_y, max_x, max_y)``, or ``None`` for an empty set."""
        if not self._xs:
            return None
        return min(self._xs), min(self._ys), max(self._xs), max(self._ys)

    @property
    def centroid(self) -> tuple[float, float] | None:
        """``(sum(xs) / n, sum(ys) / n)``, or ``None`` for an empty set."""
        n = len(self._xs)
        if not n:
            return None
        return sum(self._xs) / n, sum(self._ys) / n

    # The questions: the module functions' answers on these points.

    def nearest_neighbors(
        self, *, progress: Progress = None
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """For each point, the index of its nearest other point and that distance."""
        return batch.nearest_neighbors(self, progress=progress)

    def closest_pair(self, *, progress: Progress = None) -> tuple[np.int64, np.int64, np.float64]:
        """The closest pair ``(i, j, distance)`` with ``i < j``; ties: the smallest ``(i, j)``."""
        return batch.closest_pair(self, progress=progress)

    def greedy_route(self, start: int = 0, *, progress: Progress = None) -> npt.NDArray[np.int64]:
        """A nearest-neighbour tour from ``start``; ties: the lowest index."""
        return batch.greedy_route(self, start, progress=progress)

    def path_length(
        self, order: Sequence[SupportsIndex] | IntegerArray | None = None
    ) -> np.float64:
        """The length of the path through the points in ``order`` (indices, as a list
        takes them; default: as stored), correctly rounded."""
        if order is None:
            return batch.path_length(self)
        indices = self._indices(order)
        batch.check_threads()
        total: np.float64 = batch.path_total(
            self._xs, self._ys, indices, numpy_module() is not None
        )
        return total

    def _indices(self, order: object) -> list[int]:
        """``order`` as indices in ``0 .. n``, as a list would take them."""
        n = len(self._xs)
        items: Iterable[object]
        if type(order) is _loaded_ndarray() and order.ndim == 1 and order.dtype.kind in "iu":  # type: ignore[attr-defined]
            items = order.tolist()  # type: ignore[attr-defined]
        else:
            try:
                items = iter(order)  # type: ignore[call-overload]
            except TypeError:
                raise TypeError(
                    f"order must be a sequence of integers, not {type(order).__name__}"
                ) from None
        indices = []
        for item in items:
            k = _index(item, "PointSet indices must be integers")
            if k < 0:
                k += n
            if not 0 <= k < n:
                raise IndexError(INDEX_OUT_OF_RANGE)
            indices.append(k)
        return indices

    def to_numpy(self) -> npt.NDArray[np.uint32]:
        """The points as a new ``(n, 2)`` ``uint32`` array."""
        numpy = numpy_module()
        if numpy is None:
            raise ImportError("PointSet.to_numpy needs NumPy, which is not installed")
        result = numpy.empty((len(self._xs), 2), dtype=numpy.uint32)
        result[:, 0] = numpy.frombuffer(self._xs, dtype=numpy.uint32)
        result[:, 1] = numpy.frombuffer(self._ys, dtype=numpy.uint32)
        return result  # type: ignore[no-any-return]

    # Comparison, text, pickles, copies.

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PointSet):
            return NotImplemented
        return self._xs == other._xs and self._ys == other._ys

    def __repr__(self) -> str:
        n = len(self._xs)
        return f"{type(self).__name__}({n} point{'' if n == 1 else 's'})"

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle by reference to the class (``legacy_app.PointSet``, see below), with the
        columns as little-endian ``u32`` bytes; a subclass's attributes travel as state."""
        arguments = self._column_bytes()
        state = getattr(self, "__dict__", None)
        if state:
            return (type(self)._from_columns, arguments, state)
        return (type(self)._from_columns, arguments)

    def __copy__(self) -> Self:
        # The columns are never changed, so the copy shares them.
        copied = self._from_arrays(self._xs, self._ys)
        state = getattr(self, "__dict__", None)
        if state:
            copied.__dict__.update(state)
        return copied

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        copied = self._from_arrays(self._xs, self._ys)
        state = getattr(self, "__dict__", None)
        if state:
            copied.__dict__.update(copy.deepcopy(state, memo))
        return copied


# Pickles and reprs of the class name the public place, not this private module.
PointSet.__module__ = "legacy_app"
Sequence.register(PointSet)
