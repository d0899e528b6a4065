"""docs/contract.md "Point sets", at the edges: result types without NumPy or with a
``numpy`` that is not NumPy, no Python object kept a point, pickles written under one
backend and loaded under the other, subclasses and weak references; under both backends.
"""

from __future__ import annotations

import copy
import gc
import json
import math
import pickle
import sys
import tracemalloc
import types
import weakref
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

import legacy_app
from tests import children
from tests.conftest import outcome

SQUARE = [(0, 0), (3, 4), (10, 0), (10, 1), (4, 4)]


def pts(api: ModuleType, coords: list[tuple[int, int]]) -> list[Any]:
    return [api.Point(x, y) for x, y in coords]


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
