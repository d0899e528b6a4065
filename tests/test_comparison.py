"""The one comparison of outcomes (``legacy_app.comparison``): what counts as the same
result or exception under both backends, and how a difference is shown."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import legacy_app._python as reference
import legacy_app._rust as rust
from legacy_app import comparison


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (0.0, -0.0),
        (1, 1.0),
        (1, True),
        ([1, 2], (1, 2)),
        ([1.5], [1.5000000000000002]),
        (np.array([1, 2], dtype=np.int64), np.array([1, 2], dtype=np.int32)),
        (np.array([1, 2]), np.array([[1, 2]])),
        (np.int64(3), 3),
        (reference.Point(1, 2), (1, 2)),
        ("a", b"a"),
        (reference.PointSet([reference.Point(1, 2)]), [reference.Point(1, 2)]),
        (reference.PointSet([reference.Point(1, 2)]), reference.PointSet([])),
        (
            reference.PointSet(np.array([[1, 2], [3, 4]])),
            reference.PointSet(np.array([[3, 4], [1, 2]])),
        ),
    ],
)
def test_different_things_differ(a: object, b: object) -> None:
    assert comparison.outcome(lambda: a) != comparison.outcome(lambda: b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (math.nan, float("nan")),
        (reference.Point(1, 2), rust.Point(1, 2)),
        ([reference.Point(1, 2)], [rust.Point(1, 2)]),
        (np.array([1, 2], dtype=">i8"), np.array([1, 2], dtype="<i8")),
        (np.arange(6)[::2], np.array([0, 2, 4])),
        ((np.int64(1), np.float64(0.5)), (np.int64(1), np.float64(0.5))),
        (2**200, 2**200),
        (reference.PointSet([reference.Point(1, 2)]), rust.PointSet([rust.Point(1, 2)])),
        (reference.PointSet(np.array([[0, 2**32 - 1]])), rust.PointSet(np.array([[0, 2**32 - 1]]))),
    ],
)
def test_the_same_things_agree(a: object, b: object) -> None:
    assert comparison.outcome(lambda: a) == comparison.outcome(lambda: b)


def test_exceptions_compare_by_type_and_message() -> None:
    def raising(error: BaseException) -> Any:
        def call() -> None:
            raise error

        return comparison.outcome(call)

    assert raising(ValueError("x")) == raising(ValueError("x"))
    assert raising(ValueError("x")) != raising(ValueError("y"))
    assert raising(ValueError("x")) != raising(TypeError("x"))
    # The interpreter's own wording of a wrong call may differ between backends.
    assert raising(TypeError("f() takes 1 positional argument but 2 were given")) == raising(
        TypeError("f() takes 1 positional arguments but 2 were given")
    )
    with pytest.raises(KeyboardInterrupt):
        raising(KeyboardInterrupt())


def test_first_difference() -> None:
    assert comparison.first_difference([1, 2, 3], [1, 2, 3]) is None
    assert comparison.first_difference(([0, 1], [1.0, 2.5]), ([0, 1], [1.0, 2.0])) == (
        "[1][1]",
        "2.5",
        "2.0",
    )
    assert comparison.first_difference([1, 2], [1, 2, 3]) == (" length", "2 items", "3 items")
    a = np.arange(10).reshape(5, 2)
    b = a.copy()
    b[3, 1] = 99
    assert comparison.first_difference(a, b) == ("[3, 1]", "7", "99")
    assert comparison.first_difference([reference.Point(1, 2)], [rust.Point(1, 3)]) == (
        "[0]",
        "Point(x=1, y=2)",
        "Point(x=1, y=3)",
    )
    assert comparison.first_difference(3, 4.0) == ("", "3", "4.0")


def test_first_difference_of_point_sets() -> None:
    left = reference.PointSet(np.array([[1, 2], [3, 4], [2**32 - 1, 6]]))
    assert comparison.first_difference(left, rust.PointSet(left.to_numpy())) is None
    changed = left.to_numpy()
    changed[2, 0] = 5
    assert comparison.first_difference(left, rust.PointSet(changed)) == (
        "[2]",
        "(4294967295, 6)",
        "(5, 6)",
    )
    assert comparison.first_difference([left], [left[:1]]) == ("[0] length", "3 points", "1 point")
