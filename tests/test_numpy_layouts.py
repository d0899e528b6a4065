"""NumPy arrays of every memory layout, masked arrays, and no NumPy at all (docs/contract.md "Public
API", the batch functions; "At the edges of the runtime", "no panics"), under both backends.

An array of any layout gives the same results as a contiguous copy of it: strided,
Fortran-ordered, byte-swapped, unaligned (a packed record's field), broadcast (stride 0),
read-only, reversed, of every integer dtype. A masked array is a TypeError saying masks
are not supported. Without NumPy importable, sequences of Points work unchanged.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
import pytest

import legacy_app
from tests import children
from tests.fuzz_checker import packed, plain

BATCH = ["nearest_neighbors", "closest_pair", "path_length", "greedy_route"]
INT_DTYPES = ["int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64"]


def base(n: int) -> Any:
    """``n`` points in a small square (ties and twins), values that fit every dtype."""
    return np.random.default_rng(n).integers(0, 100, size=(n, 2), dtype=np.int64)


def unaligned(array: Any) -> Any:
    """A C-contiguous copy of ``array`` one byte off its natural alignment."""
    raw = np.zeros(array.nbytes + 1, dtype=np.uint8)
    view = raw[1:].view(array.dtype).reshape(array.shape)
    view[...] = array
    return view


def read_only(array: Any) -> Any:
    copy = array.copy()
    copy.flags.writeable = False
    return copy


def reversed_rows(array: Any) -> Any:
    """The same rows in the same order, stored backwards: negative row strides."""
    return np.ascontiguousarray(array[::-1])[::-1]


def reversed_columns(array: Any) -> Any:
    return np.ascontiguousarray(array[:, ::-1])[:, ::-1]


def every_other_column(array: Any) -> Any:
    wide = np.zeros((len(array), 5), dtype=array.dtype)
    wide[:, 1:5:2] = array
    return wide[:, 1:5:2]


def broadcast(array: Any) -> Any:
    """Every row the same (row stride 0), read-only, as ``np.broadcast_to`` makes it."""
    return np.broadcast_to(array[3], array.shape)


def as_type(array: Any, dtype: str, strided: bool = False) -> Any:
    converted = array.astype(dtype)
    return every_other_column(converted) if strided else converted


LAYOUTS: dict[str, Callable[[Any], Any]] = {
    "packed record field, unaligned": lambda a: packed(a.astype("<u4")),
    "packed record field, big-endian": lambda a: packed(a.astype(">i8")),
    "packed record field, uint16": lambda a: packed(a.astype("<u2")),
    "unaligned contiguous": unaligned,
    "unaligned big-endian": lambda a: unaligned(a.astype(">u8")),
    "byte-swapped int32": lambda a: a.astype(">i4"),
    "byte-swapped uint64": lambda a: a.astype(">u8"),
    "byte-swapped uint16": lambda a: a.astype(">u2"),
    "Fortran order": np.asfortranarray,
    "transposed view": lambda a: np.ascontiguousarray(a.T).T,
    "reversed rows": reversed_rows,
    "reversed columns": reversed_columns,
    "reversed, byte-swapped": lambda a: reversed_rows(a.astype(">i4")),
    "every other row": lambda a: np.repeat(a, 2, axis=0)[::2],
    "every other column": every_other_column,
    "a slice": lambda a: np.concatenate([a[:1], a, a[:1]])[1:-1],
    "broadcast, stride 0": broadcast,
    "read-only": read_only,
    **{f"dtype {dtype}": functools.partial(as_type, dtype=dtype) for dtype in INT_DTYPES},
    **{
        f"dtype {dtype}, strided": functools.partial(as_type, dtype=dtype, strided=True)
        for dtype in INT_DTYPES
    },
}


def results(api: ModuleType, points: Any) -> dict[str, object]:
    """Every batch function on ``points``, with progress, as plain values."""
    answers: dict[str, object] = {}
    for name in BATCH:
        calls: list[tuple[int, int]] = []
        kwargs: dict[str, Any] = {}
        if name != "path_length":
            kwargs["progress"] = lambda done, total, calls=calls: calls.append((done, total))
        answers[name] = plain(getattr(api, name)(points, **kwargs))
        if calls:
            n = len(points)
            assert calls[-1] == (n, n), f"{name}: progress ended at {calls[-1]}"
            assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    return answers


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_every_layout_gives_the_results_of_a_contiguous_copy(api: ModuleType, layout: str) -> None:
    array = LAYOUTS[layout](base(300))
    contiguous = np.array(array, dtype=np.int64, order="C")
    assert contiguous.flags.c_contiguous
    assert contiguous.flags.aligned
    assert results(api, array) == results(api, contiguous)


@pytest.mark.parametrize(
    "layout", ["packed record field, unaligned", "unaligned big-endian", "reversed, byte-swapped"]
)
def test_big_arrays_of_odd_layouts(rust_api: ModuleType, layout: str) -> None:
    """Enough rows to go parallel, and to be read in more than one stretch."""
    array = LAYOUTS[layout](np.random.default_rng(7).integers(0, 2**15, size=(300_000, 2)))
    contiguous = np.array(array, dtype=np.int64, order="C")
    for name in BATCH:
        got, expected = getattr(rust_api, name)(array), getattr(rust_api, name)(contiguous)
        assert plain(got) == plain(expected), name


def test_the_packed_field_is_what_it_should_be() -> None:
    """The layout the tests above rely on: 9-byte rows, unaligned 4-byte elements."""
    view = LAYOUTS["packed record field, unaligned"](base(5))
    assert view.strides == (9, 4)
    assert not view.flags.aligned
    assert view.tolist() == base(5).tolist()


@pytest.mark.parametrize(
    "masked",
    [
        pytest.param(lambda a: np.ma.array(a), id="no mask"),
        pytest.param(lambda a: np.ma.array(a, mask=np.zeros_like(a, dtype=bool)), id="none masked"),
        pytest.param(lambda a: np.ma.masked_equal(a, a[0, 0]), id="some masked"),
        pytest.param(lambda a: np.ma.array(a.astype(">u4"))[::-1], id="byte-swapped, reversed"),
    ],
)
@pytest.mark.parametrize("name", BATCH)
def test_a_masked_array_is_a_type_error(
    api: ModuleType, name: str, masked: Callable[[Any], Any]
) -> None:
    # Both backends will say the same; "mask" is what any wording must name.
    with pytest.raises(TypeError, match="mask"):
        getattr(api, name)(masked(base(20)))


NO_NUMPY = """
import json, sys
sys.modules["numpy"] = None
import legacy_app
P = legacy_app.Point
coordinates = COORDINATES
points = [P(x, y) for x, y in coordinates]
answers = {}
for name in ("nearest_neighbors", "closest_pair", "path_length", "greedy_route"):
    for form in ("list", "tuple", "iterator"):
        given = {"list": points, "tuple": tuple(points), "iterator": iter(points)}[form]
        try:
            answers[f"{name} {form}"] = repr(getattr(legacy_app, name)(given))
        except BaseException as error:
            answers[f"{name} {form}"] = f"{type(error).__module__}.{type(error).__name__}: {error}"
print(json.dumps(answers))
"""


@pytest.mark.thread_unsafe(reason="runs child processes")
@pytest.mark.parametrize("backend", legacy_app.BACKENDS)
def test_without_numpy_sequences_of_points_work(backend: str, python_api: ModuleType) -> None:
    """NumPy not importable (``sys.modules["numpy"] = None``, as a blocked import does)."""
    coordinates = base(50).tolist()
    code = NO_NUMPY.replace("COORDINATES", json.dumps(coordinates))
    done = children.run_code(code, timeout=60, backend=backend)
    assert done.returncode == 0, done.stderr[-3000:]
    answers = children.report_of(done.stdout)
    points = [python_api.Point(x, y) for x, y in coordinates]
    forms: dict[str, Callable[[list[Any]], Any]] = {"list": list, "tuple": tuple, "iterator": iter}
    expected = {
        f"{name} {form}": repr(getattr(python_api, name)(given(points)))
        for name in BATCH
        for form, given in forms.items()
    }
    panics = {call: answer for call, answer in answers.items() if "PanicException" in answer}
    assert panics == {}
    assert answers == expected


# Stand-ins under the name numpy (docs/contract.md "At the edges of the runtime", partial
# NumPy): Points in a list never notice them, and an object of a stand-in's own
# "ndarray" is refused as any non-sequence is. Each in a process where no array has
# been read yet (Rust has not loaded NumPy's C API: that load is what panicked), then
# again after a real array was.
STAND_INS = """
import json, sys, types
from unittest import mock
import legacy_app

def stand_ins():
    yield "stub", types.ModuleType("numpy")
    stub = types.ModuleType("numpy")
    stub.ndarray = type("ndarray", (), {})
    yield "stub with an ndarray class", stub
    yield "mock", mock.MagicMock()
    yield "ndarray is object", types.SimpleNamespace(ndarray=object)

def outcome(call):
    try:
        return "returned " + repr(call())
    except BaseException as error:
        return f"{type(error).__module__}.{type(error).__name__}: {error}"

points = [legacy_app.Point(0, 0), legacy_app.Point(3, 4), legacy_app.Point(1, 1)]
answers = {}
for moment in ("before any array", "after an array"):
    if moment == "after an array":
        sys.modules.pop("numpy", None)
        import numpy
        legacy_app.nearest_neighbors(numpy.array([[0, 0], [3, 4]]))
    for kind, stand_in in stand_ins():
        sys.modules["numpy"] = stand_in
        ndarray = getattr(stand_in, "ndarray", None)
        for name in ("nearest_neighbors", "closest_pair", "path_length", "greedy_route"):
            call = f"{moment}, {kind}, {name}"
            function = getattr(legacy_app, name)
            answers[f"{call}, list"] = outcome(lambda: function(points))
            if isinstance(ndarray, type) and ndarray is not object:
                answers[f"{call}, its array"] = outcome(lambda: function(ndarray()))
print(json.dumps(answers))
"""


@pytest.mark.parametrize("backend", [*legacy_app.BACKENDS, "shadow"])
def test_a_stand_in_for_numpy_changes_nothing_for_points(
    backend: str, python_api: ModuleType
) -> None:
    done = children.run_code(STAND_INS, timeout=120, backend=backend)
    assert done.returncode == 0, done.stderr[-3000:]
    # The shadow backend, too, prepares and compares every call without a complaint.
    assert "shadow:" not in done.stderr
    answers = children.report_of(done.stdout)
    points = [python_api.Point(x, y) for x, y in [(0, 0), (3, 4), (1, 1)]]
    results = {name: "returned " + repr(getattr(python_api, name)(points)) for name in BATCH}
    refused = (
        "builtins.TypeError: points must be a NumPy array or a sequence of Points, not ndarray"
    )
    expected = {
        call: refused if call.endswith("its array") else results[call.split(", ")[2]]
        for call in answers
    }
    assert answers == expected
    assert len(answers) == 2 * (4 * 4 + 4)  # two moments: every stand-in, and its array


@pytest.mark.parametrize(
    "name", ["nearest_neighbors", "closest_pair", "path_length", "greedy_route", "PointSet"]
)
def test_more_points_than_32_bit_indices_hold_is_an_overflow_error(
    api: ModuleType, name: str
) -> None:
    """2**32 rows that take 8 bytes (a broadcast array): refused from the shape, before a
    row is read, with the same OverflowError under both backends."""
    rows = np.broadcast_to(np.zeros((1, 2), dtype=np.uint32), (2**32, 2))
    with pytest.raises(OverflowError) as raised:
        getattr(api, name)(rows)
    assert str(raised.value) == f"{name}() takes at most 4294967294 points, got 4294967296"
