"""``Point``: a mutable pair of unsigned 32-bit coordinates."""

from __future__ import annotations

import math
import operator
from typing import TYPE_CHECKING, Any, SupportsIndex

MAX_COORDINATE = 2**32 - 1


def coordinate(field: str, value: SupportsIndex) -> int:
    """Check one coordinate: an int (anything with ``__index__``) in ``0 ..= 2**32 - 1``."""
    try:
        # int() drops subclasses (bool, IntEnum) so that repr() shows a plain number.
        number = int(operator.index(value))
    except TypeError:
        raise TypeError(f"{field} must be an int, not {type(value).__name__}") from None
    if not 0 <= number <= MAX_COORDINATE:
        raise ValueError(f"{field} must be between 0 and {MAX_COORDINATE}, got {number}")
    return number


class Point:
    """A point with integer coordinates ``x`` and ``y`` in ``0 ..= 2**32 - 1``.

    Mutable, so unhashable. Compared by coordinates. A coordinate out of range raises
    ``ValueError`` naming the field and the value; one that is not an int, ``TypeError``.
    """

    __slots__ = ("__weakref__", "_x", "_y")
    # Mutable, so unhashable: hash(p) raises TypeError.
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, x: int, y: int) -> None:
        # Both checked before either is stored: a failed __init__ changes nothing.
        checked = coordinate("x", x), coordinate("y", y)
        self._x, self._y = checked

    if not TYPE_CHECKING:
        # Hidden from type checkers: a __getattr__ would let any attribute of a Point
        # type-check.

        def __getattr__(self, name: str) -> Any:
            # Only reached when normal lookup fails: for a coordinate (the property, or
            # the slot it reads), that is a Point whose __init__ never ran
            # (Point.__new__(Point), a subclass __init__ that skips super().__init__).
            if name in ("x", "y", "_x", "_y"):
                field = name[-1]
                raise AttributeError(
                    f"{type(self).__name__} has no {field}: Point.__init__ never ran"
                )
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def x(self) -> int:
        """The horizontal coordinate."""
        return self._x

    @x.setter
    def x(self, value: int) -> None:
        self._x = coordinate("x", value)

    @property
    def y(self) -> int:
        """The vertical coordinate."""
        return self._y

    @y.setter
    def y(self, value: int) -> None:
        self._y = coordinate("y", value)

    def dist(self, other: Point) -> float:
        """Euclidean distance: the exact integer sum of squares, rounded once, then sqrt."""
        if not isinstance(other, Point):
            raise TypeError(f"dist() argument must be a Point, not {type(other).__name__}")
        return math.sqrt((self._x - other._x) ** 2 + (self._y - other._y) ** 2)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Point):
            return NotImplemented
        return self._x == other._x and self._y == other._y

    def __str__(self) -> str:
        return f"Point {{x = {self._x}, y = {self._y}}}"

    def __repr__(self) -> str:
        return f"Point(x={self._x}, y={self._y})"

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle by reference to the class; a subclass's attributes travel as state."""
        # By reference to the class (legacy_app.Point for the base class, see below),
        # so a pickle written under one backend loads under the other; a subclass's
        # instance attributes travel as state.
        state = getattr(self, "__dict__", None)
        if state:
            return (type(self), (self._x, self._y), state)
        return (type(self), (self._x, self._y))


# Pickles and reprs of the class name the public place, not this private module.
Point.__module__ = "legacy_app"
