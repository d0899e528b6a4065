"""docs/contract.md "Point sets": a ``PointSet`` built from Points, arrays or another set;
read as a sequence of Points; its bounds, centroid and questions against the module
functions on the same points; ``==``, ``hash``, ``repr``, pickles (also written under one
backend and loaded under the other) and copies; result types without NumPy or with a
``numpy`` that is not NumPy; no Python object kept a point; subclasses and weak
references; under both backends.

One file per area of the contract: a new case about a ``PointSet`` goes here, except
reading it from a file (``PointSet.load``), which is in test_points_file.py with
``load_points``.
"""

from __future__ import annotations

import collections.abc
import copy
import gc
import json
import math
import operator
import pickle
import struct
import sys
import tracemalloc
import types
import weakref
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import legacy_app
from tests import children
from tests.conftest import outcome
from tests.fuzz_checker import Index

MAX = 2**32 - 1
SQUARE = [(0, 0), (3, 4), (10, 0), (10, 1), (4, 4)]
# Ties everywhere: duplicates, equal distances, a line.
TIES = [(5, 5), (5, 5), (6, 5), (4, 5), (5, 6), (5, 4), (5, 5), (0, 0), (MAX, MAX), (MAX, 0)]
QUESTIONS = ("nearest_neighbors", "closest_pair", "path_length", "greedy_route")


def pts(api: ModuleType, coords: list[tuple[int, int]]) -> list[Any]:
    return [api.Point(x, y) for x, y in coords]


def coords_of(points: Any) -> list[tuple[int, int]]:
    return [(p.x, p.y) for p in points]


def array_of(coords: list[tuple[int, int]]) -> Any:
    return np.array(coords, dtype=np.int64).reshape(-1, 2)


# Building.


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda api, c: pts(api, c), id="list of Points"),
        pytest.param(lambda api, c: tuple(pts(api, c)), id="tuple of Points"),
        pytest.param(lambda api, c: iter(pts(api, c)), id="iterator of Points"),
        pytest.param(lambda api, c: array_of(c), id="int64 array"),
        pytest.param(lambda api, c: array_of(c).astype(np.uint32), id="uint32 array"),
        pytest.param(lambda api, c: array_of(c).astype(">u8")[::-1][::-1], id="byte-swapped"),
        pytest.param(lambda api, c: np.asfortranarray(array_of(c)), id="Fortran order"),
        pytest.param(lambda api, c: api.PointSet(pts(api, c)), id="PointSet"),
    ],
)
@pytest.mark.parametrize("coords", [[], [(7, 8)], SQUARE, TIES], ids=["0", "1", "5", "ties"])
def test_built_from_whatever_the_batch_functions_take(
    api: ModuleType, make: Callable[[ModuleType, list[tuple[int, int]]], Any], coords: Any
) -> None:
    ps = api.PointSet(make(api, coords))
    assert type(ps) is api.PointSet
    assert len(ps) == len(coords)
    assert coords_of(ps) == coords
    assert all(type(p) is api.Point for p in ps)


def test_built_from_a_copy(api: ModuleType) -> None:
    points = pts(api, SQUARE)
    array = array_of(SQUARE)
    from_points, from_array = api.PointSet(points), api.PointSet(array)
    points[0].x = 99
    array[0, 0] = 99
    assert coords_of(from_points) == coords_of(from_array) == SQUARE
    assert coords_of(api.PointSet(from_points)) == SQUARE


def test_stored_coordinates_are_read(api: ModuleType) -> None:
    """As the batch functions read them: a subclass's own ``x`` is not consulted."""
    shadowed = type("Shadowed", (api.Point,), {"x": property(lambda self: 0)})
    assert coords_of(api.PointSet([shadowed(5, 6)])) == [(5, 6)]


BAD_POINTS: list[Any] = [
    pytest.param(lambda api: [(1, 2)], id="tuple item"),
    pytest.param(lambda api: [api.Point(1, 2), 5], id="int item"),
    pytest.param(lambda api: [api.Point(1, 2), None], id="None item"),
    pytest.param(lambda api: [api.Point.__new__(api.Point)], id="Point whose __init__ never ran"),
    pytest.param(lambda api: 5, id="not iterable"),
    pytest.param(lambda api: None, id="None"),
    pytest.param(lambda api: "ab", id="str"),
    pytest.param(lambda api: np.zeros((3, 2)), id="float array"),
    pytest.param(lambda api: np.zeros((3,), dtype=np.int64), id="shape (3,)"),
    pytest.param(lambda api: np.zeros((2, 3), dtype=np.int64), id="shape (2, 3)"),
    pytest.param(lambda api: np.array([[1, -1]]), id="negative"),
    pytest.param(lambda api: np.array([[MAX + 1, 0]]), id="above 2**32 - 1"),
    pytest.param(lambda api: np.ma.array(np.zeros((2, 2), dtype=np.int64)), id="masked array"),
    pytest.param(lambda api: np.zeros((2, 2), dtype=object), id="object array"),
]


@pytest.mark.parametrize("bad", BAD_POINTS)
def test_bad_points_raise_what_the_batch_functions_raise(
    api: ModuleType, bad: Callable[[ModuleType], Any]
) -> None:
    built = outcome(lambda: api.PointSet(bad(api)))
    assert built[0] == "raised"
    # path_length reads any number of points, so it raises only what reading raises.
    assert built == outcome(lambda: api.path_length(bad(api)))


def test_immutable(api: ModuleType) -> None:
    ps = api.PointSet(pts(api, SQUARE))
    with pytest.raises(TypeError, match="'PointSet' object does not support item assignment"):
        ps[0] = api.Point(1, 1)
    with pytest.raises(TypeError, match="'PointSet' object doesn't support item deletion"):
        del ps[0]
    for attribute in ("bounds", "centroid", "anything"):
        with pytest.raises(AttributeError):
            setattr(ps, attribute, None)
    # Built by the constructor alone: calling __init__ again changes nothing.
    ps.__init__(pts(api, [(1, 1)]))
    assert coords_of(ps) == SQUARE
    point = ps[0]
    point.x = 77
    assert ps[0].x == 0


# A sequence of Points.


def test_a_read_only_sequence_of_points(api: ModuleType) -> None:
    ps = api.PointSet(pts(api, SQUARE))
    assert isinstance(ps, collections.abc.Sequence)
    assert len(ps) == 5
    assert (ps[0].x, ps[0].y) == (0, 0)
    assert (ps[-1].x, ps[-1].y) == (4, 4)
    assert (ps[-5].x, ps[-5].y) == (0, 0)
    assert type(ps[0]) is api.Point
    assert ps[0] is not ps[0]
    assert coords_of(reversed(ps)) == SQUARE[::-1]
    assert coords_of(iter(ps)) == SQUARE
    assert list(ps) == pts(api, SQUARE)


@pytest.mark.parametrize("index", [5, -6, 2**63, -(2**63) - 1, 2**100, -(2**100)])
def test_index_out_of_range(api: ModuleType, index: int) -> None:
    ps = api.PointSet(pts(api, SQUARE))
    with pytest.raises(IndexError, match=r"^PointSet index out of range$"):
        ps[index]
    with pytest.raises(IndexError, match=r"^PointSet index out of range$"):
        api.PointSet([])[0]


@pytest.mark.parametrize("index", [True, np.int64(-1), np.uint8(2), Index(3)])
def test_int_likes_index(api: ModuleType, index: Any) -> None:
    ps = api.PointSet(pts(api, SQUARE))
    assert coords_of([ps[index]]) == [SQUARE[operator.index(index)]]


@pytest.mark.parametrize(
    ("index", "kind"),
    [
        ("0", "str"),
        (1.0, "float"),
        (None, "NoneType"),
        ((0, 1), "tuple"),
        (np.float64(0), "float64"),
    ],
)
def test_index_of_a_wrong_type(api: ModuleType, index: Any, kind: str) -> None:
    ps = api.PointSet(pts(api, SQUARE))
    with pytest.raises(
        TypeError, match=f"^PointSet indices must be integers or slices, not {kind}$"
    ):
        ps[index]


slice_bounds = st.one_of(
    st.none(),
    st.integers(-14, 14),
    st.sampled_from([2**63, -(2**63), 2**100, -(2**100)]),
)


@given(st.integers(0, 12), slice_bounds, slice_bounds, slice_bounds)
def test_slices_with_any_step_are_copies(
    n: int, start: int | None, stop: int | None, step: int | None
) -> None:
    coords = [(k, k * k) for k in range(n)]
    for name in legacy_app.BACKENDS:
        api = legacy_app.load_backend(name)
        ps = api.PointSet(array_of(coords))
        index = slice(start, stop, step)
        if step == 0:
            with pytest.raises(ValueError, match=r"^slice step cannot be zero$"):
                ps[index]
            continue
        part = ps[index]
        assert type(part) is api.PointSet
        assert coords_of(part) == coords[index]
        # Its answers index from 0 within it.
        if len(part) >= 2:
            assert part.closest_pair() == api.closest_pair(array_of(coords[index]))


def test_contains_index_and_count_by_coordinates(api: ModuleType) -> None:
    ps = api.PointSet(pts(api, TIES))
    pixel = type("Pixel", (api.Point,), {})
    assert api.Point(5, 5) in ps
    assert pixel(MAX, 0) in ps
    assert api.Point(1, 1) not in ps
    assert (5, 5) not in ps
    assert None not in ps
    assert ps.count(api.Point(5, 5)) == 3
    assert ps.count((5, 5)) == 0
    assert ps.index(api.Point(5, 5)) == 0
    assert ps.index(api.Point(5, 5), 1) == 1
    assert ps.index(api.Point(5, 5), 2) == 6
    assert ps.index(api.Point(5, 5), -4) == 6
    assert ps.index(api.Point(MAX, 0), 0, 100) == 9
    assert ps.index(api.Point(5, 5), Index(2), np.int64(7)) == 6
    for args in [(api.Point(5, 5), 7), (api.Point(5, 5), 2, 6), (api.Point(1, 1),), ((5, 5),)]:
        with pytest.raises(ValueError, match=r"^PointSet\.index\(x\): x not in PointSet$"):
            ps.index(*args)
    with pytest.raises(AttributeError):
        api.Point.__new__(api.Point) in ps  # noqa: B015 - raising is the point


# Bounds and centroid: exact.


def test_bounds_and_centroid(api: ModuleType) -> None:
    ps = api.PointSet(pts(api, SQUARE))
    assert ps.bounds == (0, 0, 10, 4)
    assert ps.centroid == (27 / 5, 9 / 5)
    assert [type(v) for v in ps.bounds] == [int] * 4
    assert [type(v) for v in ps.centroid] == [float] * 2
    assert api.PointSet([]).bounds is None
    assert api.PointSet([]).centroid is None
    one = api.PointSet([api.Point(MAX, 3)])
    assert one.bounds == (MAX, 3, MAX, 3)
    assert one.centroid == (float(MAX), 3.0)


def test_centroid_is_exact_past_2_to_the_53(api: ModuleType) -> None:
    """Sums above 2**53, where adding floats would round: one division of exact ints."""
    many = 3 * 2**20
    xs = struct.pack("<I", MAX) * many + struct.pack("<I", 7)
    ys = struct.pack("<I", 7) + struct.pack("<I", MAX) * (many - 1) + struct.pack("<I", 1)
    ps = api.PointSet._from_columns(xs, ys)
    n = many + 1
    sum_x, sum_y = MAX * many + 7, MAX * (many - 1) + 8
    assert sum_x > 2**53
    # The data are chosen so that rounding the sum first gives another answer.
    assert float(sum_x) / n != sum_x / n
    assert ps.centroid == (sum_x / n, sum_y / n)
    assert ps.bounds == (7, 1, MAX, MAX)


# The questions: the module functions' answers on the same points.


def answers(api: ModuleType, points: Any, start: int = 0) -> list[Any]:
    calls: list[Callable[[], object]] = [
        lambda: api.nearest_neighbors(points),
        lambda: api.closest_pair(points),
        lambda: api.path_length(points),
        lambda: api.greedy_route(points, start),
    ]
    return [outcome(call) for call in calls]


def asked(ps: Any, start: int = 0) -> list[Any]:
    calls: list[Callable[[], object]] = [
        ps.nearest_neighbors,
        ps.closest_pair,
        ps.path_length,
        lambda: ps.greedy_route(start),
    ]
    return [outcome(call) for call in calls]


@pytest.mark.parametrize(
    "coords",
    [[], [(1, 2)], [(1, 2), (1, 2)], SQUARE, TIES, [(k, 0) for k in range(50)]],
    ids=["0", "1", "2 equal", "square", "ties", "line"],
)
def test_questions_answer_as_the_module_functions(api: ModuleType, coords: Any) -> None:
    array = array_of(coords)
    ps = api.PointSet(array)
    expected = answers(api, array)
    assert asked(ps) == expected
    assert answers(api, ps) == expected
    # Asked again (the index is kept), and in another order.
    assert asked(ps)[::-1] == expected[::-1]
    if len(coords) >= 2:
        assert asked(ps, len(coords) - 1) == answers(api, array, len(coords) - 1)


def test_result_types_are_numpys(api: ModuleType) -> None:
    ps = api.PointSet(pts(api, SQUARE))
    indices, distances = ps.nearest_neighbors()
    assert (indices.dtype, distances.dtype) == (np.int64, np.float64)
    assert [type(v) for v in ps.closest_pair()] == [np.int64, np.int64, np.float64]
    assert type(ps.path_length()) is np.float64
    assert type(ps.path_length([0, 1])) is np.float64
    assert ps.greedy_route().dtype == np.int64
    assert type(api.path_length(ps)) is np.float64


@pytest.mark.parametrize(
    ("start", "error", "message"),
    [
        ("0", TypeError, "start must be an int, not str"),
        (None, TypeError, "start must be an int, not NoneType"),
        (1.0, TypeError, "start must be an int, not float"),
        (5, IndexError, "start 5 out of range for 5 points"),
        (-1, IndexError, "start -1 out of range for 5 points"),
        (2**100, IndexError, f"start {2**100} out of range for 5 points"),
    ],
)
def test_greedy_route_start_errors(
    api: ModuleType, start: Any, error: type[Exception], message: str
) -> None:
    ps = api.PointSet(pts(api, SQUARE))
    with pytest.raises(error, match=f"^{message}$"):
        ps.greedy_route(start)
    assert outcome(lambda: ps.greedy_route(start)) == outcome(
        lambda: api.greedy_route(array_of(SQUARE), start)
    )


def test_start_takes_int_likes(api: ModuleType) -> None:
    ps = api.PointSet(pts(api, SQUARE))
    for start in (np.int64(2), Index(2), True):
        assert ps.greedy_route(start).tolist() == api.greedy_route(pts(api, SQUARE), start)


@pytest.mark.parametrize("question", QUESTIONS[:2] + QUESTIONS[3:])
def test_progress_from_0_to_n(api: ModuleType, question: str) -> None:
    n = 10_000
    rng = np.random.default_rng(8)
    ps = api.PointSet(rng.integers(0, 1000, size=(n, 2)))
    seen: list[tuple[int, int]] = []
    getattr(ps, question)(progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, n)
    assert seen[-1] == (n, n)
    assert all(total == n for _, total in seen)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_progress_errors_propagate(api: ModuleType) -> None:
    class Stop(Exception):
        pass

    def stop(done: int, total: int) -> None:
        raise Stop

    ps = api.PointSet(pts(api, SQUARE))
    for question in ("nearest_neighbors", "closest_pair", "greedy_route"):
        with pytest.raises(Stop):
            getattr(ps, question)(progress=stop)
    # And the set answers as before.
    assert asked(ps) == answers(api, array_of(SQUARE))


# path_length(order)


ORDERS: list[Any] = [
    [],
    [3],
    [0, 1, 2, 3, 4],
    [4, 3, 2, 1, 0],
    [0, 0, 0],
    [-1, -5, 2, 2, -3],
    (1, 3),
    range(5),
    [True, False],
    [np.int8(1), np.uint64(4), Index(-2)],
    np.array([4, -1, 0, 2], dtype=np.int64),
    np.array([4, 0, 2], dtype=np.uint8),
    np.array([1, 2, 3], dtype=">i2"),
    np.array([0, 1, 2, 3, 4, 0], dtype=np.int32)[::2],
]


@pytest.mark.parametrize("order", ORDERS)
def test_path_length_in_an_order(api: ModuleType, order: Any) -> None:
    points = pts(api, TIES[:5])
    ps = api.PointSet(points)
    reordered = [points[operator.index(k)] for k in order]
    expected = api.path_length(reordered)
    length = ps.path_length(order)
    assert type(length) is np.float64
    assert length.hex() == expected.hex()


@pytest.mark.parametrize("order", [[5], [0, -6], [2**63], [-(2**100)], np.array([0, 5])])
def test_path_length_index_out_of_range(api: ModuleType, order: Any) -> None:
    ps = api.PointSet(pts(api, SQUARE))
    with pytest.raises(IndexError, match=r"^PointSet index out of range$"):
        ps.path_length(order)


@pytest.mark.parametrize(
    ("order", "message"),
    [
        (["0"], "PointSet indices must be integers, not str"),
        ([0, 1.0], "PointSet indices must be integers, not float"),
        ([None], "PointSet indices must be integers, not NoneType"),
        ([[0, 1]], "PointSet indices must be integers, not list"),
        ("01", "PointSet indices must be integers, not str"),
        (np.array([0.0, 1.0]), "PointSet indices must be integers, not float64"),
        (np.array([[0, 1]]), "PointSet indices must be integers, not ndarray"),
        (5, "order must be a sequence of integers, not int"),
        (np.int64(3), "order must be a sequence of integers, not int64"),
        (1.5, "order must be a sequence of integers, not float"),
    ],
)
def test_path_length_order_of_a_wrong_type(api: ModuleType, order: Any, message: str) -> None:
    ps = api.PointSet(pts(api, SQUARE))
    with pytest.raises(TypeError, match=f"^{message}$"):
        ps.path_length(order)


def test_path_length_order_the_first_bad_index_decides(api: ModuleType) -> None:
    ps = api.PointSet(pts(api, SQUARE))
    with pytest.raises(IndexError):
        ps.path_length([0, 9, "x"])
    with pytest.raises(TypeError):
        ps.path_length([0, "x", 9])


# to_numpy


def test_to_numpy_is_a_new_uint32_array(api: ModuleType) -> None:
    ps = api.PointSet(pts(api, [*SQUARE, (MAX, MAX)]))
    array = ps.to_numpy()
    assert array.dtype == np.uint32
    assert array.shape == (6, 2)
    assert array.tolist() == [list(c) for c in [*SQUARE, (MAX, MAX)]]
    array[0, 0] = 42
    assert ps[0].x == 0
    assert ps.to_numpy() is not ps.to_numpy()
    assert api.PointSet([]).to_numpy().shape == (0, 2)


# ==, hash, repr, copies, pickles


def test_equality_is_by_points_in_order(api: ModuleType) -> None:
    ps = api.PointSet(pts(api, SQUARE))
    assert ps == api.PointSet(array_of(SQUARE))
    assert ps == ps[:]
    assert (ps != ps[:]) is False
    assert ps != ps[::-1]
    assert ps != ps[:4]
    assert api.PointSet([]) == api.PointSet(np.zeros((0, 2), dtype=np.uint8))
    # Another type: NotImplemented, so the other side (or identity) decides.
    assert ps.__eq__(pts(api, SQUARE)) is NotImplemented
    assert ps.__ne__(5) is NotImplemented
    assert ps != pts(api, SQUARE)
    assert ps != 5
    assert not ps == SQUARE  # noqa: SIM201 - == itself is under test


def test_unhashable(api: ModuleType) -> None:
    with pytest.raises(TypeError, match="unhashable type: 'PointSet'"):
        hash(api.PointSet([]))


def test_repr_names_the_count(api: ModuleType) -> None:
    assert repr(api.PointSet(pts(api, SQUARE))) == "PointSet(5 points)"
    assert repr(api.PointSet(pts(api, [(1, 2)]))) == "PointSet(1 point)"
    assert repr(api.PointSet([])) == "PointSet(0 points)"
    assert str(api.PointSet([])) == "PointSet(0 points)"


def test_copies_are_equal_sets(api: ModuleType) -> None:
    ps = api.PointSet(pts(api, TIES))
    ps.closest_pair()  # an index, where the backend keeps one
    for copied in (copy.copy(ps), copy.deepcopy(ps), copy.deepcopy([ps, ps])[0]):
        assert type(copied) is api.PointSet
        assert copied == ps
        assert asked(copied) == asked(ps)


def little_endian_u32(values: list[int]) -> bytes:
    return struct.pack(f"<{len(values)}I", *values)


def test_pickles_by_reference_with_little_endian_columns(api: ModuleType) -> None:
    ps = api.PointSet(pts(api, TIES))
    ps.nearest_neighbors()
    constructor, arguments = ps.__reduce__()
    assert constructor == legacy_app.PointSet._from_columns
    assert arguments == (
        little_endian_u32([x for x, _ in TIES]),
        little_endian_u32([y for _, y in TIES]),
    )
    assert api.PointSet.__module__ == "legacy_app"
    assert api.PointSet.__qualname__ == "PointSet"
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        again = pickle.loads(pickle.dumps(ps, protocol))
        assert type(again) is api.PointSet
        assert again == ps
        assert asked(again) == asked(ps)
    both = pickle.loads(pickle.dumps([ps, ps]))
    assert both[0] is both[1]


@pytest.mark.parametrize(
    ("xs", "ys"),
    [
        (b"\x00" * 3, b"\x00" * 3),
        (b"\x00" * 4, b""),
        (b"", b"\x00" * 8),
        (b"\x00" * 5, b"\x00" * 5),
    ],
)
def test_columns_of_the_wrong_length(api: ModuleType, xs: bytes, ys: bytes) -> None:
    with pytest.raises(
        ValueError, match=r"^PointSet columns must be little-endian u32 bytes of equal length$"
    ):
        api.PointSet._from_columns(xs, ys)


def test_columns_must_be_bytes(api: ModuleType) -> None:
    assert coords_of(api.PointSet._from_columns(b"", b"")) == []
    assert coords_of(api.PointSet._from_columns(little_endian_u32([MAX]), b"\x01\0\0\0")) == [
        (MAX, 1)
    ]
    for xs, ys in [(bytearray(4), b"\0" * 4), (b"\0" * 4, memoryview(b"\0" * 4)), ("ab", "ab")]:
        with pytest.raises(TypeError, match=r"^PointSet columns must be"):
            api.PointSet._from_columns(xs, ys)


def test_path_length_order_of_numpy_bools(api: ModuleType) -> None:
    """NumPy's bools are ints to ``operator.index`` in older NumPy (1.x), not in newer: as
    a list takes them, under both backends."""
    ps = api.PointSet(pts(api, SQUARE))
    order = np.array([True, False])
    try:
        operator.index(order[0])
    except TypeError:
        with pytest.raises(TypeError, match=r"^PointSet indices must be integers, not bool"):
            ps.path_length(order)
    else:
        assert ps.path_length(order) == ps.path_length([1, 0])


# Result types: NumPy's where NumPy imports and is NumPy, the module functions' list
# forms otherwise.

PLAIN_QUESTIONS = """
import json, math, sys
import legacy_app
P = legacy_app.Point
points = [P(x, y) for x, y in COORDINATES]
ps = legacy_app.PointSet(points)
QUESTIONS
def shown(call):
    try:
        value = call()
    except BaseException as error:
        return f"{type(error).__name__}: {error}"
    return [type(value).__name__, repr(value)]
answers = {
    "nearest_neighbors": shown(ps.nearest_neighbors),
    "closest_pair": shown(ps.closest_pair),
    "path_length": shown(ps.path_length),
    "path_length order": shown(lambda: ps.path_length([4, 0, 2])),
    "greedy_route": shown(lambda: ps.greedy_route(2)),
    "module nearest_neighbors": shown(lambda: legacy_app.nearest_neighbors(ps)),
    "module closest_pair": shown(lambda: legacy_app.closest_pair(ps)),
    "module path_length": shown(lambda: legacy_app.path_length(ps)),
    "module greedy_route": shown(lambda: legacy_app.greedy_route(ps, 2)),
    "to_numpy": shown(ps.to_numpy),
    "bounds": shown(lambda: ps.bounds),
    "centroid": shown(lambda: ps.centroid),
    "numpy imported": "numpy" in sys.modules and sys.modules["numpy"] is not None,
}
print(json.dumps(answers))
"""
# How NumPy is missing, or is not NumPy.
NOT_NUMPY = {
    "not installed": "sys.modules['numpy'] = None",
    "a stub whose ndarray is not a type": (
        "import types; fake = types.ModuleType('numpy'); fake.ndarray = 'not a type'; "
        "sys.modules['numpy'] = fake"
    ),
    "a mock whose ndarray is a function": (
        "import types; fake = types.ModuleType('numpy'); fake.ndarray = lambda *a: None; "
        "sys.modules['numpy'] = fake"
    ),
}


@pytest.mark.parametrize("backend", legacy_app.BACKENDS)
@pytest.mark.parametrize("how", list(NOT_NUMPY))
def test_without_numpy_the_answers_are_the_lists_of_the_module_functions(
    backend: str, how: str, python_api: ModuleType
) -> None:
    code = PLAIN_QUESTIONS.replace("QUESTIONS", NOT_NUMPY[how])
    code = code.replace("COORDINATES", json.dumps(SQUARE))
    done = children.run_code(code, timeout=60, backend=backend)
    assert done.returncode == 0, done.stderr[-3000:]
    answers = children.report_of(done.stdout)
    points = pts(python_api, SQUARE)
    reordered = [points[k] for k in (4, 0, 2)]

    def shown(value: object) -> list[str]:
        return [type(value).__name__, repr(value)]

    nearest = shown(python_api.nearest_neighbors(points))
    pair = shown(python_api.closest_pair(points))
    length = shown(python_api.path_length(points))
    route = shown(python_api.greedy_route(points, 2))
    assert answers == {
        "nearest_neighbors": nearest,
        "closest_pair": pair,
        "path_length": length,
        "path_length order": shown(python_api.path_length(reordered)),
        "greedy_route": route,
        "module nearest_neighbors": nearest,
        "module closest_pair": pair,
        "module path_length": length,
        "module greedy_route": route,
        "to_numpy": "ImportError: PointSet.to_numpy needs NumPy, which is not installed",
        "bounds": ["tuple", "(0, 0, 10, 4)"],
        "centroid": ["tuple", "(5.4, 1.8)"],
        "numpy imported": how != "not installed",
    }


@pytest.mark.parametrize("how", ["missing", "not NumPy"])
def test_numpy_leaving_after_the_set_was_made(
    api: ModuleType, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """Whether NumPy is there is asked at each question, not remembered."""
    points = pts(api, SQUARE)
    ps = api.PointSet(points)
    assert type(ps.path_length()) is np.float64
    expected = [
        outcome(lambda: api.nearest_neighbors(points)),
        outcome(lambda: api.closest_pair(points)),
        outcome(lambda: api.path_length(points)),
        outcome(lambda: api.greedy_route(points)),
    ]
    fake = types.ModuleType("numpy")
    fake.ndarray = "not a type"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "numpy", None if how == "missing" else fake)
    assert [
        outcome(ps.nearest_neighbors),
        outcome(ps.closest_pair),
        outcome(ps.path_length),
        outcome(ps.greedy_route),
    ] == expected
    assert type(ps.path_length([1, 0])) is float
    with pytest.raises(ImportError, match=r"^PointSet\.to_numpy needs NumPy"):
        ps.to_numpy()
    assert ps[1:3] == api.PointSet._from_columns(*ps[1:3].__reduce__()[1])


# No Python object kept a point.

N = 100_000


def build(api: ModuleType, how: str, path: Path) -> Any:
    # Far apart in x and close in y, so that the reference's sweep answers at once.
    rng = np.random.default_rng(12)
    xs = np.arange(N, dtype=np.int64) * 40_000
    array = np.stack([xs, rng.integers(0, 1000, size=N)], axis=1)
    if how == "array":
        return lambda: api.PointSet(array)
    if how == "points":
        points = [api.Point(x, y) for x, y in array.tolist()]
        return lambda: api.PointSet(points)
    path.write_text("".join(f"{x},{y}\n" for x, y in array.tolist()))
    return lambda: api.PointSet.load(path)


@pytest.mark.parametrize("how", ["array", "points", "file"])
def test_no_python_object_is_kept_a_point(api: ModuleType, how: str, tmp_path: Path) -> None:
    make = build(api, how, tmp_path / "points.csv")
    gc.collect()
    blocks = sys.getallocatedblocks()
    objects = len(gc.get_objects())
    tracemalloc.start()
    try:
        ps = make()
        gc.collect()
        kept, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(ps) == N
    # The columns, 8 bytes a point (under Rust, outside Python's allocator), and a few
    # small objects; a Python object a point would be 32 bytes or more, and a block each.
    assert kept < 10 * N + 65_536
    assert sys.getallocatedblocks() - blocks < 1_000
    assert len(gc.get_objects()) - objects < 100
    ps.closest_pair()
    gc.collect()
    assert sys.getallocatedblocks() - blocks < 1_000


# Pickles across backends.

DUMP = """
import pickle, sys, legacy_app
ps = legacy_app.PointSet([legacy_app.Point(4294967295, 7), legacy_app.Point(1, 2)])
ps.closest_pair()
with open(sys.argv[1], "wb") as out:
    pickle.dump([ps, ps[::-1], legacy_app.PointSet([])], out)
"""
LOAD = """
import pickle, sys, legacy_app
with open(sys.argv[1], "rb") as given:
    sets = pickle.load(given)
assert all(type(ps) is legacy_app.PointSet for ps in sets), [type(ps) for ps in sets]
print(legacy_app.BACKEND, [[(p.x, p.y) for p in ps] for ps in sets], sets[0].closest_pair())
"""


@pytest.mark.parametrize(
    ("writer", "reader"),
    [("python", "rust"), ("rust", "python"), ("python", "python"), ("rust", "rust")],
)
def test_pickles_load_under_either_backend(writer: str, reader: str, tmp_path: Path) -> None:
    path = str(tmp_path / "sets.pickle")
    argv = f"import sys; sys.argv[1:] = [{path!r}]\n"
    dumped = children.run_code(argv + DUMP, timeout=120, backend=writer)
    assert dumped.returncode == 0, dumped.stderr
    loaded = children.run_code(argv + LOAD, timeout=120, backend=reader)
    assert loaded.returncode == 0, loaded.stderr
    distance = math.sqrt((2**32 - 2) ** 2 + 5**2)
    assert loaded.stdout == (
        f"{reader} [[(4294967295, 7), (1, 2)], [(1, 2), (4294967295, 7)], []] "
        f"(np.int64(0), np.int64(1), np.float64({distance!r}))\n"
    )


# Subclasses and weak references.


def test_weak_references(api: ModuleType) -> None:
    ps = api.PointSet(pts(api, SQUARE))
    ref = weakref.ref(ps)
    assert ref() is ps
    del ps
    gc.collect()
    assert ref() is None


def test_subclasses_keep_their_class_and_attributes(api: ModuleType) -> None:
    tagged: Any = type("Tagged", (api.PointSet,), {"__module__": __name__})
    globals()["Tagged"] = tagged  # where pickle finds it
    try:
        ps = tagged(pts(api, SQUARE))
        ps.tag = "mine"
        assert repr(ps) == "Tagged(5 points)"
        assert ps == api.PointSet(pts(api, SQUARE))
        for again in (pickle.loads(pickle.dumps(ps)), copy.copy(ps), copy.deepcopy(ps)):
            assert type(again) is tagged
            assert again.tag == "mine"
            assert again == ps
        assert type(ps[1:]) is tagged
        assert type(tagged.load(Path(__file__).parent / "fuzz_corpus" / "empty.csv")) is tagged
    finally:
        del globals()["Tagged"]
