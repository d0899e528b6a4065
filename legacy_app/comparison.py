"""What "the same outcome" means between the two backends: the one definition.

The shadow backend, ``legacy-app verify`` and the differential tests all compare with
:func:`outcome` (or :func:`attempt`), so a result the tests accept is a result the shadow
backend accepts, and the reverse.
"""

from __future__ import annotations

import math
import re
import struct
import sys
from array import array
from collections.abc import Callable, Mapping, Sequence
from types import ModuleType
from typing import Any, NamedTuple, cast

from legacy_app import _python as reference
from legacy_app._numpy import imported_numpy

# Where the Rust backend's names live; imported by others, only looked up here.
CANDIDATE_MODULE = "legacy_app._rust"

Outcome = tuple[Any, ...]

# How the interpreter words a call with the wrong arguments, which PyO3 words a little
# differently ("takes 1 positional arguments"): the contract lets that wording differ.
CALLING_CONVENTION = re.compile(
    r"takes \d+ positional|takes no arguments|got an unexpected keyword|missing \d+ required"
    r"|takes no keyword arguments|got multiple values"
)


def outcome(call: Callable[[], object]) -> Outcome:
    """What ``call`` does, in a form two backends are compared by with ``==``: what it
    returned (see :func:`comparable`), or the type and message of what it raised.

    ``KeyboardInterrupt`` and ``SystemExit`` are the user's, not outcomes: they propagate.
    """
    return attempt(call)[0]


def attempt(call: Callable[[], object]) -> tuple[Outcome, object]:
    """:func:`outcome` of ``call``, and what it returned or raised (to show a difference)."""
    try:
        result = call()
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:  # noqa: BLE001 - a panic is an outcome to compare too
        return raised(error), error
    return returned(result), result


def returned(value: object) -> Outcome:
    """The outcome of a call that returned ``value``."""
    return ("returned", comparable(value))


def raised(error: BaseException) -> Outcome:
    """The outcome of a call that raised ``error``: its exact type and its message."""
    try:
        message = str(error)
    except Exception:  # noqa: BLE001 - an exception whose str() fails is still an outcome
        message = f"<{type(error).__name__} with a failing __str__>"
    if isinstance(error, TypeError) and CALLING_CONVENTION.search(message):
        message = "<wrong arguments for the call>"
    return ("raised", type(error), message)


def comparable(value: object) -> object:
    """``value`` in a form where ``==`` means the same result to the last bit.

    Floats compare by their bits (so ``-0.0`` differs from ``0.0`` and a NaN equals a
    NaN), ints by value and never equal to a float or a bool, Points of either backend
    by their coordinates, ``PointSet``s of either backend by their points, NumPy arrays
    by dtype, shape and bytes, lists and tuples item by item (a list is never equal to a
    tuple); anything else by its ``repr``.
    """
    kind = type(value)
    if value is None or kind is bool or kind is str or kind is bytes:
        return (kind.__name__, value)
    if kind is int:
        return ("int", value)
    if kind is float:
        return ("float", _float_bits(cast(float, value)))
    if kind is list or kind is tuple:
        return (kind.__name__, _comparable_items(cast(Sequence[object], value)))
    point = _point_coordinates(value)
    if point is not None:
        return ("Point", *point)
    columns = _point_set_columns(value)
    if columns is not None:
        return ("PointSet", *columns)
    numpy = imported_numpy()
    if numpy is not None:
        if isinstance(value, numpy.ndarray):
            return _comparable_array(value)
        if isinstance(value, numpy.generic):
            return ("numpy", value.dtype.str, value.tobytes())
    return ("repr", kind.__qualname__, repr(value))


def _float_bits(value: float) -> bytes:
    return struct.pack("<d", value)


def _comparable_items(items: Sequence[object]) -> object:
    # Fast forms for the long lists the batch functions return (a million items).
    kinds = {type(item) for item in items}
    if kinds <= {int}:
        return ("ints", tuple(items))
    if kinds == {float}:
        return ("floats", array("d", cast(Sequence[float], items)).tobytes())
    if len(kinds) == 1:
        (kind,) = kinds
        if kind in _point_classes():
            x, y = kind.x, kind.y  # type: ignore[attr-defined]
            return ("Points", tuple((x.__get__(p, kind), y.__get__(p, kind)) for p in items))
    return tuple(comparable(item) for item in items)


def _comparable_array(value: Any) -> object:
    numpy = sys.modules["numpy"]
    if value.dtype.hasobject:
        return ("ndarray", "object", value.shape, comparable(value.tolist()))
    native = numpy.ascontiguousarray(value, dtype=value.dtype.newbyteorder("="))
    return ("ndarray", native.dtype.str, native.shape, native.tobytes())


def _point_classes() -> tuple[type, ...]:
    """The Point classes of the reference and, once it is imported, of the Rust backend."""
    return _classes("Point")


def _classes(name: str) -> tuple[type, ...]:
    """The classes called ``name`` of the reference and, once it is imported, of the Rust
    backend."""
    classes: list[type] = [getattr(reference, name)]
    candidate = sys.modules.get(CANDIDATE_MODULE)
    rust_class = getattr(candidate, name, None)
    if isinstance(rust_class, type) and rust_class not in classes:
        classes.append(rust_class)
    return tuple(classes)


def _point_set_columns(value: object) -> tuple[bytes, bytes] | None:
    """The columns of a ``PointSet`` of either backend, as its pickle holds them."""
    if not isinstance(value, _classes("PointSet")):
        return None
    columns: tuple[bytes, bytes] = cast(Any, value).__reduce__()[1]
    return columns


def _point_coordinates(value: object) -> tuple[int, int] | None:
    """The stored coordinates of a Point of either backend (a subclass's own ``x`` or
    ``y`` property is not consulted, as the batch functions do not consult it)."""
    for kind in _point_classes():
        if isinstance(value, kind):
            x, y = kind.x, kind.y  # type: ignore[attr-defined]
            return x.__get__(value, kind), y.__get__(value, kind)
    return None


class Difference(NamedTuple):
    """Where two results first differ, and both values there, shortly."""

    where: str
    reference: str
    candidate: str


def first_difference(reference_value: object, candidate_value: object) -> Difference | None:
    """The first place where two results differ, or ``None`` when they are the same."""
    return _difference(reference_value, candidate_value, "")


def _difference(left: object, right: object, where: str) -> Difference | None:
    if comparable(left) == comparable(right):
        return None
    numpy = imported_numpy()
    if (
        numpy is not None
        and isinstance(left, numpy.ndarray)
        and isinstance(right, numpy.ndarray)
        and left.shape == right.shape
        and left.dtype == right.dtype
        and not left.dtype.hasobject
    ):
        return _array_difference(numpy, left, right, where)
    left_columns, right_columns = _point_set_columns(left), _point_set_columns(right)
    if left_columns is not None and right_columns is not None:
        return _point_set_difference(left_columns, right_columns, where)
    if type(left) is type(right) and type(left) in (list, tuple):
        left_items = cast(Sequence[object], left)
        right_items = cast(Sequence[object], right)
        for index, (a, b) in enumerate(zip(left_items, right_items)):
            found = _difference(a, b, f"{where}[{index}]")
            if found is not None:
                return found
        if len(left_items) != len(right_items):
            return Difference(
                f"{where} length", f"{len(left_items):,} items", f"{len(right_items):,} items"
            )
    return Difference(where, short(left), short(right))


def _array_difference(numpy: ModuleType, left: Any, right: Any, where: str) -> Difference:
    itemsize = max(left.dtype.itemsize, 1)
    a = numpy.ascontiguousarray(left, dtype=left.dtype.newbyteorder("="))
    b = numpy.ascontiguousarray(right, dtype=right.dtype.newbyteorder("="))
    differs = (
        a.view(numpy.uint8).reshape(-1, itemsize) != b.view(numpy.uint8).reshape(-1, itemsize)
    ).any(axis=1)
    flat = int(numpy.flatnonzero(differs)[0])
    index = numpy.unravel_index(flat, left.shape)
    at = ", ".join(str(int(i)) for i in index)
    return Difference(f"{where}[{at}]", short(a.flat[flat].item()), short(b.flat[flat].item()))


def _point_set_difference(
    left: tuple[bytes, bytes], right: tuple[bytes, bytes], where: str
) -> Difference:
    """The first point where two sets differ (by their columns), or their lengths."""
    left_points = zip(*(memoryview(column).cast("I") for column in left))
    right_points = zip(*(memoryview(column).cast("I") for column in right))
    for index, (a, b) in enumerate(zip(left_points, right_points)):
        if a != b:
            # The columns are little-endian: read the differing point as such.
            return Difference(f"{where}[{index}]", _le_point(left, index), _le_point(right, index))
    counts = [len(columns[0]) // 4 for columns in (left, right)]
    left_count, right_count = (f"{n:,} point{'' if n == 1 else 's'}" for n in counts)
    return Difference(f"{where} length", left_count, right_count)


def _le_point(columns: tuple[bytes, bytes], index: int) -> str:
    x, y = (struct.unpack_from("<I", column, 4 * index)[0] for column in columns)
    return f"({x}, {y})"


def short(value: object, items: int = 3) -> str:
    """A one-line form of ``value`` for a log line: long lists, arrays and numbers cut."""
    try:
        return _short(value, items)
    except Exception:  # noqa: BLE001 - a value that cannot describe itself is still logged
        return f"<{type(value).__name__}>"


def _short(value: object, items: int) -> str:
    numpy = imported_numpy()
    if numpy is not None and isinstance(value, numpy.ndarray):
        if value.ndim == 0 or value.dtype.hasobject:
            return f"array(shape={value.shape}, dtype={value.dtype})"
        head = _short(value[: items + 1].tolist(), items)
        return f"array({head}, shape={value.shape}, dtype={value.dtype})"
    if type(value) in (list, tuple):
        sequence = cast(Sequence[object], value)
        shown = [short(item, items) for item in sequence[:items]]
        if len(sequence) > items:
            shown.append(f"... {len(sequence) - items:,} more")
        text = ", ".join(shown)
        if type(value) is tuple:
            return f"({text},)" if len(sequence) == 1 else f"({text})"
        return f"[{text}]"
    if type(value) is int and value.bit_length() > 128:
        digits = int(value.bit_length() * math.log10(2)) + 1
        return f"<int of about {digits:,} digits>"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def describe(result: Outcome, value: object, printed: str | None = None) -> str:
    """An outcome for people: ``returned [0, 2, ...]`` or ``raised ValueError: ...``."""
    if result[0] == "raised":
        text = f"raised {result[1].__name__}: {result[2]}"
    else:
        text = f"returned {short(value)}"
    if printed is not None:
        text += f" and printed {printed!r}"
    return text


def outcome_of_value(value: object) -> Outcome:
    """The outcome of a call that returned ``value``, or raised it if it is an exception
    (no public function returns one)."""
    return raised(value) if isinstance(value, BaseException) else returned(value)


def arguments(args: Sequence[object], kwargs: Mapping[str, object]) -> str:
    """A short form of a call's arguments, for a log line."""
    parts = [short(value) for value in args]
    parts += [f"{key}={short(value)}" for key, value in kwargs.items()]
    return ", ".join(parts)
