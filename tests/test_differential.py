"""The Rust backend against the pure-Python reference, on generated inputs.

Each property feeds the same input to both backends and requires the same outcome:
the same result (bit for bit, compared through repr), or the same exception type
with the same message. The CI profile runs 2,000 examples per property.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import functools
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.conftest import outcome

P = __import__("legacy_app._python", fromlist=["_python"])
R = __import__("legacy_app._rust", fromlist=["_rust"])

MAX = 2**32 - 1

edge_ints = st.sampled_from([0, 1, MAX - 1, MAX, MAX + 1, -1, 2**63, -(2**63), 2**64, 2**100])
coordinates = st.one_of(edge_ints, st.integers(0, MAX), st.integers(-(2**70), 2**70))
in_range = st.one_of(st.sampled_from([0, 1, MAX - 1, MAX]), st.integers(0, MAX))
wrong_types = st.one_of(
    st.floats(allow_nan=True),
    st.text(max_size=3),
    st.none(),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.just(np.int64(5)),
    st.just(np.uint32(MAX)),
    st.just(np.float64(1.0)),
)
anything = st.one_of(coordinates, wrong_types)


def same(call: Callable[[ModuleType], Any]) -> None:
    assert outcome(lambda: call(P)) == outcome(lambda: call(R))


@given(anything, anything)
@example(MAX, MAX)
@example(-1, 0)
@example(1.5, 0)
def test_point_construction(x: Any, y: Any) -> None:
    same(lambda api: api.Point(x, y))


@given(in_range, in_range, anything)
def test_point_setters(x: int, y: int, value: Any) -> None:
    def set_both(api: ModuleType) -> str:
        p = api.Point(x, y)
        for field in ("x", "y"):
            try:
                setattr(p, field, value)
            except (TypeError, ValueError) as error:
                return f"{type(error).__name__}: {error} / {p!r}"
        return repr(p)

    same(set_both)


@given(in_range, in_range, in_range, in_range)
@example(0, 0, MAX, MAX)
@example(MAX, 0, 0, MAX)
def test_dist_str_repr_eq(x1: int, y1: int, x2: int, y2: int) -> None:
    def describe(api: ModuleType) -> tuple[Any, ...]:
        a, b = api.Point(x1, y1), api.Point(x2, y2)
        return (a.dist(b).hex(), b.dist(a).hex(), str(a), repr(b), a == b, a != b, a == (x1, y1))

    same(describe)


not_ints = st.one_of(
    st.floats(allow_nan=True), st.text(max_size=3), st.none(), st.just(np.float64(2.0))
)


@given(
    st.one_of(
        st.integers(-50, 400), st.sampled_from([2**63, 2**64, -(2**70)]), st.booleans(), not_ints
    )
)
def test_fact(n: Any) -> None:
    same(lambda api: api.fact(n))


# Points files from fragments that exercise every rule, joined in any order.
fragments = st.sampled_from(
    [
        "1,2",
        "0,0",
        "4294967295,4294967295",
        "4294967296,1",
        "-1,5",
        "-0,1",
        "+1,1",
        " 3 ,\t4 ",
        "x,y",
        " x , y ",
        "#c",
        "  # c",
        "",
        "   ",
        "\t",
        "1,2,3",
        "1",
        ",",
        "1,",
        ",1",
        "a,b",
        "1_0,1",
        "٣,1",
        "１,1",
        "1.5,1",
        "0x1,1",
        "1 2,3",
        "00000000000000000001,2",
        "9" * 30 + ",1",
    ]
)
endings = st.sampled_from(["\n", "\r\n", "\r", ""])


@st.composite
def points_files(draw: st.DrawFn) -> bytes:
    lines = draw(st.lists(st.tuples(fragments, endings), max_size=8))
    data = "".join(text + end for text, end in lines).encode()
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    if draw(st.integers(0, 9)) == 0:
        cut = draw(st.integers(0, len(data)))
        data = (
            data[:cut]
            + draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00", b"\xc3\xa9"]))
            + data[cut:]
        )
    return data


@given(st.one_of(points_files(), st.binary(max_size=40)))
def test_load_points(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "p.csv")
        with open(path, "wb") as out:
            out.write(data)

        def load(api: ModuleType) -> Any:
            return [(p.x, p.y) for p in api.load_points(path)]

        same(load)


@st.composite
def point_sets(draw: st.DrawFn) -> list[tuple[int, int]]:
    side = draw(st.sampled_from([0, 1, 3, 10, 1000, MAX]))
    coordinate = st.integers(0, side)
    coords = draw(st.lists(st.tuples(coordinate, coordinate), max_size=40))
    repeat: bool = draw(st.booleans())
    if coords and repeat:  # repeats: ties at distance 0
        coords += draw(st.lists(st.sampled_from(coords), max_size=5))
    return coords


def batch(api: ModuleType, coords: list[tuple[int, int]], start: Any, as_numpy: bool) -> Any:
    points: Any = (
        np.array(coords, dtype=np.int64).reshape(-1, 2)
        if as_numpy
        else [api.Point(x, y) for x, y in coords]
    )
    results = []
    calls: list[Callable[[], Any]] = [
        lambda: api.nearest_neighbors(points),
        lambda: api.closest_pair(points),
        lambda: api.path_length(points),
        lambda: api.greedy_route(points, start),
    ]
    for call in calls:
        result = outcome(call)
        if as_numpy and result[0] == "returned":
            value = call()
            result = ("returned", repr(value), [type(v).__name__ for v in np.atleast_1d(value)][:1])
        results.append(result)
    return results


@given(
    point_sets(),
    st.one_of(st.integers(-2, 45), st.sampled_from([2**70]), st.just(1.0)),
    st.booleans(),
)
def test_batch_functions(coords: list[tuple[int, int]], start: Any, as_numpy: bool) -> None:
    assert batch(P, coords, start, as_numpy) == batch(R, coords, start, as_numpy)


indices = st.one_of(
    st.integers(-45, 45),
    st.sampled_from([2**63, -(2**63) - 1, 2**64, True]),
    st.just(np.int64(-1)),
    st.just(np.uint8(3)),
)
orders = st.one_of(
    st.none(),
    st.lists(indices, max_size=8),
    st.lists(st.integers(0, 3), max_size=8).map(lambda order: np.array(order, dtype=np.int32)),
    st.lists(st.one_of(indices, wrong_types), max_size=3),
    wrong_types,
)


def asked(api: ModuleType, source: Any, start: Any, order: Any, part: slice) -> list[Any]:
    """Everything a PointSet of ``source`` answers, as outcomes."""
    calls: list[Callable[[Any], object]] = [
        len,
        repr,
        lambda ps: ps.bounds,
        lambda ps: ps.centroid,
        lambda ps: ps.nearest_neighbors(),
        lambda ps: ps.closest_pair(),
        lambda ps: ps.path_length(),
        lambda ps: ps.greedy_route(start),
        lambda ps: ps.path_length(order),
        lambda ps: ps.to_numpy(),
        lambda ps: [(p.x, p.y) for p in ps[part]],
        lambda ps: ps[part].closest_pair(),
        lambda ps: ps == api.PointSet(ps.to_numpy()[::-1]),
    ]
    made = outcome(lambda: api.PointSet(source))
    if made[0] == "raised":
        return [made]
    ps = api.PointSet(source)
    return [outcome(functools.partial(call, ps)) for call in calls]


@given(
    point_sets(),
    st.one_of(st.integers(-2, 45), st.sampled_from([2**70]), st.just(1.0)),
    orders,
    st.slices(50),
    st.booleans(),
)
def test_point_set_questions(
    coords: list[tuple[int, int]], start: Any, order: Any, part: slice, as_numpy: bool
) -> None:
    """A PointSet under both backends: the same answers, which are the module functions'
    on the same points."""
    array = np.array(coords, dtype=np.int64).reshape(-1, 2)

    def source(api: ModuleType) -> Any:
        return array if as_numpy else [api.Point(x, y) for x, y in coords]

    python = asked(P, source(P), start, order, part)
    assert python == asked(R, source(R), start, order, part)
    module = [
        outcome(lambda: P.nearest_neighbors(array)),
        outcome(lambda: P.closest_pair(array)),
        outcome(lambda: P.path_length(array)),
        outcome(lambda: P.greedy_route(array, start)),
    ]
    assert python[4:8] == module


@given(
    st.sampled_from(
        [
            "int8",
            "int16",
            "int32",
            "int64",
            "uint8",
            "uint16",
            "uint32",
            "uint64",
            "float64",
            "bool",
        ]
    ),
    st.lists(st.integers(-(2**63), 2**63 - 1), min_size=0, max_size=12),
    st.sampled_from([(-1, 2), (2, -1), (-1,), (2, 2, -1)]),
)
def test_numpy_arrays(dtype: str, values: list[int], shape: tuple[int, ...]) -> None:
    info = np.iinfo(dtype) if dtype not in ("float64", "bool") else None
    if info is not None:
        values = [min(max(v, int(info.min)), int(info.max)) for v in values]
    array = np.array(values, dtype=dtype)
    with contextlib.suppress(ValueError):
        array = array.reshape(shape)
    same(lambda api: [repr(r) for r in api.nearest_neighbors(array)])
    same(lambda api: repr(api.path_length(array)))


def night_line(api: ModuleType, duration: datetime.timedelta) -> str:
    """The first line print_sleep prints, then cancelled without waiting."""
    import contextlib
    import io

    buffer = io.StringIO()

    async def main() -> None:
        task = asyncio.ensure_future(api.print_sleep(duration))
        await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    with contextlib.redirect_stdout(buffer):
        asyncio.run(main())
    # Only the first line: a very short sleep may end, and print, before the cancel.
    return buffer.getvalue().splitlines()[0]


@pytest.mark.thread_unsafe(reason="redirects the process's sys.stdout")
@given(
    st.one_of(
        st.timedeltas(min_value=datetime.timedelta(0), max_value=datetime.timedelta(days=1000)),
        st.integers(0, 10**7).map(lambda us: datetime.timedelta(microseconds=us)),
    )
)
def test_print_sleep_formats_durations_alike(duration: datetime.timedelta) -> None:
    assert night_line(P, duration) == night_line(R, duration)


def pickle_in(backend: str, code: str) -> bytes:
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        env={**os.environ, "LEGACY_APP_BACKEND": backend},
        timeout=120,
        check=True,
    )
    return done.stdout


DUMP = (
    "import pickle, sys, legacy_app\n"
    "from legacy_app import errors\n"
    "things = [legacy_app.Point(4294967295, 7), [legacy_app.Point(1, 2)] * 2,\n"
    "          errors.HelloIOError(2, 'No such file or directory', 'p.csv'),\n"
    "          errors.PointsFormatError('p.csv', 3, 'x is negative'),\n"
    "          errors.AppleStuckInThroat()]\n"
    "sys.stdout.buffer.write(pickle.dumps(things))\n"
)
LOAD = (
    "import pickle, sys, legacy_app\n"
    "things = pickle.loads(sys.stdin.buffer.read())\n"
    "p = things[0]\n"
    "assert type(p) is legacy_app.Point and (p.x, p.y) == (4294967295, 7), p\n"
    "assert things[1][0] is things[1][1]\n"
    "errors = things[2:]\n"
    "print(legacy_app.BACKEND, [str(e) for e in errors], [type(e).__name__ for e in errors])\n"
)


@pytest.mark.thread_unsafe(reason="runs child processes")
def test_pickles_cross_backends_both_ways() -> None:
    for writer, reader in (
        ("python", "rust"),
        ("rust", "python"),
        ("rust", "rust"),
        ("python", "python"),
    ):
        data = pickle_in(writer, DUMP)
        done = subprocess.run(
            [sys.executable, "-c", LOAD],
            input=data,
            capture_output=True,
            env={**os.environ, "LEGACY_APP_BACKEND": reader},
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.decode().startswith(reader)
        assert (
            "Hello Error: No such file or directory (os error 2): 'p.csv'" in done.stdout.decode()
        )
