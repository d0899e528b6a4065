"""Threads on shared objects (docs/contract.md, "At the edges of the runtime", threads):
every public function and class used from many threads at once over shared Points,
inputs and files, under both backends. On inputs that no thread changes, every thread
gets what one thread alone gets; where threads change them meanwhile, no call crashes
or raises, every answer has the right shape, and every coordinate read is one that was
written. Never ``RuntimeError: Already borrowed``, never a ``PanicException``, never a
deadlock. Each stress runs in a child process (``tests/stress.py``).

A class that holds points is one more entry in ``SHARED_FORMS`` (made from an array) and
``CLASS_CALLS`` (what its methods answer); one whose instances change in place, one more
in ``CHANGERS``. The threads ask each shared object its first question together (what
they get is compared with the answers of objects of their own), so that whatever an
object builds on first use is built while they race.
"""

from __future__ import annotations

import copy
import functools
import gc
import math
import pickle
import re
import sys
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import legacy_app
from legacy_app.comparison import attempt, describe, outcome
from tests import children
from tests.stress import (
    THREADS,
    Array,
    Calls,
    Lines,
    alone,
    contended,
    finish,
    hammer,
    points_file,
    run_stress,
    served,
    size_for,
    tie_heavy,
    while_changed,
    with_progress,
)

# Child processes, signals or threads for seconds: out of the edit loop (make test-fast).
pytestmark = pytest.mark.process

# The coordinates that threads write: few, so that every distance a reader may see is
# known (DISTANCES), and both ends of the range.
VALUES = (0, 1, 2, 3, 1_000, 65_536, 2**31 - 1, 2**32 - 1)
DISTANCES = frozenset(
    math.sqrt((x1 - x2) ** 2 + (y1 - y2) ** 2)
    for x1 in VALUES
    for x2 in VALUES
    for y1 in VALUES
    for y2 in VALUES
)


def of_values(size: int, seed: int = 7) -> Array:
    """``size`` points whose coordinates are all in ``VALUES``."""
    return np.random.default_rng(seed).choice(np.array(VALUES, dtype=np.int64), size=(size, 2))


def run(backend: str, *args: str, **env: str) -> None:
    run_stress(__name__, backend, *args, **env)


# ---------------------------------------------------------------------------------------
# What threads share, and what they ask of it.

# The forms a batch function reads points from, each made from an (n, 2) array.
SHARED_FORMS: dict[str, Callable[[Any, Array], Any]] = {
    "list of Points": lambda api, array: [api.Point(x, y) for x, y in array.tolist()],
    "tuple of Points": lambda api, array: tuple(api.Point(x, y) for x, y in array.tolist()),
    "NumPy array": lambda api, array: array,
    "PointSet": lambda api, array: api.PointSet(array),
}


def batch_calls(api: Any, points: Any) -> dict[str, Callable[[], object]]:
    """Every batch function on ``points``, with and without ``progress``, and refusing."""
    return {
        "nearest_neighbors": lambda: api.nearest_neighbors(points),
        "nearest_neighbors, progress": lambda: with_progress(api.nearest_neighbors, points),
        "closest_pair": lambda: api.closest_pair(points),
        "closest_pair, progress": lambda: with_progress(api.closest_pair, points),
        "path_length": lambda: api.path_length(points),
        "greedy_route": lambda: api.greedy_route(points),
        "greedy_route from 5, progress": lambda: with_progress(api.greedy_route, points, 5),
        "greedy_route out of range": lambda: api.greedy_route(points, len(points)),
    }


class Pixel(legacy_app.Point):
    """A subclass with an attribute of its own, as callers write them."""

    def __init__(self, x: int, y: int, label: str = "pixel") -> None:
        super().__init__(x, y)
        self.label = label


# The Point classes whose instances threads share, and change.
POINT_CLASSES: dict[str, Callable[[Any], Callable[[int, int], Any]]] = {
    "Point": lambda api: api.Point,
    "Point subclass": lambda api: Pixel,
}


def point_calls(api: Any, p: Any, q: Any) -> Calls:
    """What threads ask of two shared Points: every method, and the batch functions."""
    return {
        "x": lambda: p.x,
        "y": lambda: p.y,
        "dist": lambda: p.dist(q),
        "dist from the other": lambda: q.dist(p),
        "dist to a non-Point": lambda: p.dist(5),
        "==": lambda: p == q,
        "!=": lambda: p != q,
        "str": lambda: str(p),
        "repr": lambda: repr(p),
        "hash": lambda: hash(p),
        "pickle": lambda: pickle.loads(pickle.dumps(p)),
        "copy": lambda: copy.copy(p),
        "deepcopy": lambda: copy.deepcopy(p),
        "weakref": lambda: weakref.ref(p)() is p,
        "path_length": lambda: api.path_length([p, q]),
        "nearest_neighbors": lambda: api.nearest_neighbors([p, q]),
        "closest_pair": lambda: api.closest_pair([p, q]),
        "greedy_route": lambda: api.greedy_route([p, q], 1),
    }


def point_pair(name: str) -> Callable[[Any], Calls]:
    """The calls on two shared Points of class ``POINT_CLASSES[name]``."""

    def calls(api: Any) -> Calls:
        make = POINT_CLASSES[name](api)
        return point_calls(api, make(3, 4), make(2**32 - 1, 0))

    return calls


def point_set_calls(api: Any) -> Calls:
    """What threads ask of one shared PointSet: every question (the first of which builds
    its index under Rust), the sequence, summaries, pickles and copies."""
    points = api.PointSet(tie_heavy(int(size_for(legacy_app.BACKEND, rust=3000, python=60))))
    order = list(range(len(points) - 1, -1, -7))
    return {
        "nearest_neighbors": lambda: points.nearest_neighbors(),
        "closest_pair": lambda: points.closest_pair(),
        "greedy_route from 5": lambda: points.greedy_route(5),
        "path_length": lambda: points.path_length(),
        "path_length of an order": lambda: points.path_length(order),
        "bounds": lambda: points.bounds,
        "centroid": lambda: points.centroid,
        "len, item, slice": lambda: (len(points), points[17], points[::-5].closest_pair()),
        "in, count": lambda: (points[3] in points, points.count(points[3])),
        "pickle": lambda: pickle.loads(pickle.dumps(points)) == points,
        "copy": lambda: copy.copy(points) == points,
        "module function": lambda: api.nearest_neighbors(points),
        "to_numpy": lambda: points.to_numpy(),
    }


# Each public class: what threads ask of shared instances of it, made anew at each call.
CLASS_CALLS: dict[str, Callable[[Any], Calls]] = {name: point_pair(name) for name in POINT_CLASSES}
CLASS_CALLS["PointSet"] = point_set_calls


# ---------------------------------------------------------------------------------------
# Shared objects no thread changes: every thread gets what one thread gets.


def child_batch(form: str, size: str, rounds: str) -> int:
    contended()
    api = served()
    array = tie_heavy(int(size))
    # The expected answers from objects of their own, so that the threads ask the shared
    # ones their first question together (an index built on first use is built then).
    expected = alone(batch_calls(api, SHARED_FORMS[form](api, array)))
    points = SHARED_FORMS[form](api, array)
    finish(hammer(batch_calls(api, points), int(rounds), expected))


@pytest.mark.parametrize("form", list(SHARED_FORMS))
@pytest.mark.parametrize("backend", legacy_app.BACKENDS)
def test_batch_functions_on_shared_points_answer_as_on_one_thread(backend: str, form: str) -> None:
    run(backend, "batch", form, size_for(backend, rust=20_000, python=600), "1")


def child_methods(class_name: str, rounds: str) -> int:
    contended()
    api = served()
    # As above: the threads ask the shared objects their first questions together.
    expected = alone(CLASS_CALLS[class_name](api))
    finish(hammer(CLASS_CALLS[class_name](api), int(rounds), expected))


@pytest.mark.parametrize("class_name", list(CLASS_CALLS))
@pytest.mark.parametrize("backend", legacy_app.BACKENDS)
def test_methods_of_shared_objects_answer_as_on_one_thread(backend: str, class_name: str) -> None:
    run(backend, "methods", class_name, "200")


def child_functions(folder: str, points: str, rounds: str) -> int:
    """The functions that take no points: factorials (the big one on a thread of its own
    under Rust), errors, printing, Points made and refused, and one file loaded by every
    thread at once (in chunks, parsed on a helper thread when more than one is allowed)."""
    contended()
    api = served()
    # Comment lines between the points: more than one chunk (1 MiB) of the Rust
    # reader, with few Points to compare.
    array = tie_heavy(int(points))
    good = points_file(Path(folder, "good.csv"), array, comments=True)
    # A bad line at the very end: every chunk before it is read first.
    bad = points_file(Path(folder, "bad.csv"), array, last_line="12,-3\n", comments=True)
    calls: dict[str, Callable[[], object]] = {
        "fact(0)": lambda: api.fact(0),
        "fact(30)": lambda: api.fact(30),
        "fact(10_000)": lambda: api.fact(10_000),
        "fact(-1)": lambda: api.fact(-1),
        "fact(1.5)": lambda: api.fact(1.5),
        "throws_error": lambda: api.throws_error(),
        "say_hello": lambda: api.say_hello(),
        "Point(3, 4)": lambda: api.Point(3, 4),
        "Point(-1, 0)": lambda: api.Point(-1, 0),
        "Point('a', 0)": lambda: api.Point("a", 0),
        "load_points": lambda: api.load_points(str(good)),
        "load_points of a Path": lambda: api.load_points(good),
        "load_points, a bad line": lambda: api.load_points(bad),
        "load_points, no file": lambda: api.load_points(Path(folder, "missing.csv")),
    }
    output = Lines()
    saved, sys.stdout = sys.stdout, output
    try:
        report = hammer(calls, int(rounds))
    finally:
        sys.stdout = saved
    # Once on one thread first, then by every thread in every round: one write a line.
    said = 1 + THREADS * int(rounds)
    if output.written != ["Hello world!\n"] * said:
        report["problems"].append(f"{said} greetings expected, got {output.written[:3]}...")
    # load_points rests the collector while it makes Points: it must always restart it.
    if not gc.isenabled():
        report["problems"].append("the garbage collector was left disabled")
    finish(report)


@pytest.mark.parametrize("cap", ["all cores", "1"])
@pytest.mark.parametrize("backend", legacy_app.BACKENDS)
def test_every_other_function_answers_as_on_one_thread(
    backend: str, cap: str, tmp_path: Path
) -> None:
    points = size_for(backend, rust=20_000, python=5_000)
    env = {} if cap == "all cores" else {"LEGACY_APP_THREADS": cap}
    run(backend, "functions", str(tmp_path), points, "2", **env)


# ---------------------------------------------------------------------------------------
# Shared Points that threads set while others read them.


class ReadsPoint:
    """An int-like whose ``__index__`` first reads a Point (perhaps the one being set)."""

    def __init__(self, point: Any, value: int, seen: list[tuple[int, int]]) -> None:
        self.point = point
        self.value = value
        self.seen = seen

    def __index__(self) -> int:
        self.seen.append((self.point.x, self.point.y))
        return self.value


def point_read_problems(api: Any, p: Any, q: Any) -> list[str]:
    """What is wrong with one read of every kind of ``p`` and ``q``, Points that other
    threads are setting to coordinates of ``VALUES``."""
    problems: list[str] = []

    def expect(what: str, ok: bool, value: object) -> None:
        if not ok:
            problems.append(f"{what}: {value!r}")

    def shown(text: str, pattern: str) -> bool:
        found = re.fullmatch(pattern, text)
        return found is not None and {int(group) for group in found.groups()} <= set(VALUES)

    x, y = p.x, p.y
    expect("x and y", x in VALUES and y in VALUES, (x, y))
    text = str(p)
    expect("str", shown(text, r"Point \{x = (\d+), y = (\d+)\}"), text)
    text = repr(q)
    expect("repr", shown(text, r"Point\(x=(\d+), y=(\d+)\)"), text)
    for what, distance in [("dist", p.dist(q)), ("path_length", api.path_length([q, p]))]:
        expect(what, distance in DISTANCES, distance)
    same, differ = p == q, p != q
    expect("== and !=", same in (True, False) and differ in (True, False), (same, differ))
    for what, made in [("pickle", pickle.loads(pickle.dumps(p))), ("copy", copy.copy(q))]:
        expect(what, type(made) is type(p) and {made.x, made.y} <= set(VALUES), made)
    # Each Point is read once per call: both distances are the same one.
    indices, distances = api.nearest_neighbors([p, q])
    ok = indices == [1, 0] and distances[0] == distances[1] and distances[0] in DISTANCES
    expect("nearest_neighbors", ok, (indices, distances))
    pair = api.closest_pair([p, q])
    expect("closest_pair", pair[:2] == (0, 1) and pair[2] in DISTANCES, pair)
    route = api.greedy_route([p, q], 1)
    expect("greedy_route", route == [1, 0], route)
    return problems


# Writes a Point refuses, with the exception they raise on a Point of the same class no
# other thread uses; a shared Point refuses them alike, and keeps its coordinates.
REFUSED: dict[str, Callable[[Any], object]] = {
    "x = -1": lambda point: setattr(point, "x", -1),
    "y = 2**32": lambda point: setattr(point, "y", 2**32),
    "x = 'a'": lambda point: setattr(point, "x", "a"),
    "y = None": lambda point: setattr(point, "y", None),
    "__init__(0, -5)": lambda point: point.__init__(0, -5),
    "__init__(2**40, 0)": lambda point: point.__init__(2**40, 0),
}


def child_writers(class_name: str, rounds: str) -> int:
    """Writers set two shared Points through setters, ``__init__``, int-likes that read
    the Point being set, and values the Point refuses; readers read both all the while."""
    contended()
    api = served()
    make = POINT_CLASSES[class_name](api)
    p, q = make(VALUES[1], VALUES[2]), make(VALUES[3], VALUES[4])
    refusals = {
        name: outcome(functools.partial(write, make(0, 0))) for name, write in REFUSED.items()
    }
    problems: list[str] = []
    seen_by_int_likes: list[tuple[int, int]] = []

    def write(k: int) -> None:
        for i, value in enumerate(VALUES):
            other = VALUES[(i + k) % len(VALUES)]
            p.x = value
            q.y = other
            p.y = ReadsPoint(p, other, seen_by_int_likes)
            q.__init__(ReadsPoint(q, other, seen_by_int_likes), value)
            for name, refuse in REFUSED.items():
                got, error = attempt(functools.partial(refuse, p))
                if got != refusals[name]:
                    problems.append(f"{name}: {describe(got, error)}")

    def read(k: int) -> None:
        for _ in range(int(rounds)):
            problems.extend(point_read_problems(api, p, q))

    report = while_changed(3, write, read)
    problems.extend(point_read_problems(api, p, q))
    outside = sorted({pair for pair in seen_by_int_likes if not set(pair) <= set(VALUES)})
    if outside:
        problems.append(f"int-likes saw {outside[:5]}")
    report["problems"] += sorted(set(problems))
    finish(report)


@pytest.mark.parametrize("class_name", list(POINT_CLASSES))
@pytest.mark.parametrize("backend", legacy_app.BACKENDS)
def test_setters_and_readers_on_shared_points(backend: str, class_name: str) -> None:
    """Each coordinate read is one that some setter or ``__init__`` stored there, or the
    one before; a refused value is never seen, and each refusal raises as usual."""
    run(backend, "writers", class_name, "150")


# ---------------------------------------------------------------------------------------
# Batch calls on points that threads change meanwhile.


def change_point(api: Any, points: Any, k: int, x: int, y: int) -> None:
    """Set the ``k``-th Point of a list, or put a new one in its place."""
    if (x + y) % 2:
        points[k] = api.Point(x, y)
    else:
        points[k].x = x
        points[k].y = y


# The shared forms that can change in place, and how a thread changes the k-th point.
CHANGERS: dict[str, Callable[[Any, Any, int, int, int], None]] = {
    "list of Points": change_point,
    "NumPy array": lambda api, array, k, x, y: array.__setitem__(k, (x, y)),
}


def right_shape(name: str, value: Any, n: int) -> bool:
    """Whether ``value`` is an answer of the right shape for ``batch_calls``' call
    ``name`` over ``n`` points whose coordinates are all in ``VALUES``."""
    if name == "greedy_route out of range":
        expected = f"start {n} out of range for {n} points"
        return isinstance(value, IndexError) and str(value) == expected
    if isinstance(value, BaseException):
        return False
    if name.endswith(", progress"):
        answer, verdict = value
        return bool(verdict == (True, [(n, n)])) and right_shape(name.split(",")[0], answer, n)
    if name == "nearest_neighbors":
        indices, distances = (list(part) for part in value)
        return (
            len(indices) == len(distances) == n
            and all(0 <= j < n and j != i for i, j in enumerate(indices))
            and set(map(float, distances)) <= DISTANCES
        )
    if name == "closest_pair":
        i, j, distance = value
        return bool(0 <= i < j < n) and float(distance) in DISTANCES
    if name == "path_length":
        return math.isfinite(value) and value >= 0
    if name.startswith("greedy_route"):
        start = 5 if "from 5" in name else 0
        return sorted(value) == list(range(n)) and value[0] == start
    raise AssertionError(f"no shape known for {name}")


def child_changing(form: str, size: str, rounds: str) -> int:
    """Readers make every batch call on shared points while changers set them."""
    contended()
    api = served()
    n = int(size)
    points = SHARED_FORMS[form](api, of_values(n))
    calls = batch_calls(api, points)
    problems: list[str] = []

    def change(k: int) -> None:
        rng = np.random.default_rng(k)
        for at, x, y in rng.integers(0, [n, len(VALUES), len(VALUES)], size=(64, 3)).tolist():
            CHANGERS[form](api, points, at, VALUES[x], VALUES[y])

    def read(k: int) -> None:
        for _ in range(int(rounds)):
            for name, call in calls.items():
                got, value = attempt(call)
                if not right_shape(name, value, n):
                    problems.append(f"{name}: {describe(got, value)}")

    report = while_changed(2, change, read)
    report["problems"] += sorted(set(problems))
    finish(report)


@pytest.mark.parametrize("form", list(CHANGERS))
@pytest.mark.parametrize("backend", legacy_app.BACKENDS)
def test_batch_calls_while_other_threads_change_the_points(backend: str, form: str) -> None:
    """No serial order defines the values here: no crash, no exception, the right shape,
    and only distances that the coordinates written can give."""
    run(backend, "changing", form, size_for(backend, rust=20_000, python=400), "1")


if __name__ == "__main__":
    children.main(
        {
            "batch": child_batch,
            "methods": child_methods,
            "functions": child_functions,
            "writers": child_writers,
            "changing": child_changing,
        }
    )
