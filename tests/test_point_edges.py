"""Point at its edges (docs/contract.md "The API"): comparisons with other types, weak
references, Points whose ``__init__`` never ran or failed, subclasses that shadow ``x``,
the class's name in the interpreter's messages, and pickles across backends; under both
backends.
"""

from __future__ import annotations

import copy
import functools
import gc
import pickle
import weakref
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
import pytest

import legacy_app
from tests.fuzz_checker import serving

BATCH = ["nearest_neighbors", "closest_pair", "path_length", "greedy_route"]


def test_compared_with_a_numpy_array_numpy_answers(api: ModuleType) -> None:
    """``__eq__``/``__ne__`` give NotImplemented, so NumPy's elementwise answer stands."""
    ne = api.Point(1, 2) != np.array([1, 2])
    eq = api.Point(1, 2) == np.array([1, 2])
    assert isinstance(ne, np.ndarray)
    assert isinstance(eq, np.ndarray)
    assert ne.tolist() == [True, True]
    assert eq.tolist() == [False, False]


def test_compared_with_other_types(api: ModuleType) -> None:
    p = api.Point(1, 2)
    assert p != 5
    assert not p == 5  # noqa: SIM201 - == itself is under test
    assert p.__eq__(5) is NotImplemented
    assert p.__ne__(5) is NotImplemented
    assert p.__ne__((1, 2)) is NotImplemented
    assert p.__ne__(api.Point(1, 2)) is False
    assert p.__ne__(api.Point(2, 1)) is True


def test_a_subclass_that_overrides_eq_gets_ne_from_it(api: ModuleType) -> None:
    """As Python's default ``__ne__`` does: the inverse of the class's own ``__eq__``,
    its NotImplemented passed on, its exception raised."""

    class Column(api.Point):  # type: ignore[name-defined,misc]  # a class chosen at run time
        def __eq__(self, other: object) -> Any:
            if isinstance(other, Column):
                return self.x == other.x
            if other == "anything":
                return "yes"
            if other == "broken":
                raise LookupError("no opinion")
            return NotImplemented

        __hash__ = None  # type: ignore[assignment]

    a, b, c = Column(1, 2), Column(1, 3), Column(2, 2)
    assert not a != b  # noqa: SIM202 - != itself is under test
    assert a != c
    assert a.__ne__(b) is False
    # Column's NotImplemented, then the plain Point's own answer.
    assert a.__ne__(api.Point(1, 2)) is NotImplemented
    assert not api.Point(1, 2) != a  # noqa: SIM202
    assert a.__ne__("anything") is False
    with pytest.raises(LookupError, match="no opinion"):
        a != "broken"  # noqa: B015 - raising is the point
    # Neither operand answers: identity decides, as for any object.
    assert a.__ne__(7) is NotImplemented
    assert a != 7


def test_the_other_operands_comparison_is_consulted(api: ModuleType) -> None:
    class Opinionated:
        def __eq__(self, other: object) -> bool:
            return True

        def __ne__(self, other: object) -> bool:
            return False

        __hash__ = None  # type: ignore[assignment]

    assert api.Point(1, 2) == Opinionated()
    assert not api.Point(1, 2) != Opinionated()  # noqa: SIM202 - != itself is under test


def test_weak_references(api: ModuleType) -> None:
    p = api.Point(1, 2)
    ref = weakref.ref(p)
    assert ref() is p
    cache: weakref.WeakValueDictionary[str, Any] = weakref.WeakValueDictionary()
    cache["p"] = p
    del p
    gc.collect()
    assert ref() is None
    assert "p" not in cache


def uninitialised_base(api: ModuleType) -> Any:
    return api.Point.__new__(api.Point)


def uninitialised_subclass(api: ModuleType) -> Any:
    class Lazy(api.Point):  # type: ignore[name-defined,misc]  # a class chosen at run time
        def __init__(self) -> None:
            """Forgets to call ``super().__init__``."""

    return Lazy()


def batch_call(name: str, api: ModuleType, p: Any) -> object:
    return getattr(api, name)([api.Point(3, 4), p])


USES: dict[str, Callable[[ModuleType, Any], object]] = {
    "x": lambda api, p: p.x,
    "y": lambda api, p: p.y,
    "dist": lambda api, p: p.dist(api.Point(3, 4)),
    "dist to it": lambda api, p: api.Point(3, 4).dist(p),
    "str": lambda api, p: str(p),
    "repr": lambda api, p: repr(p),
    # What pickle asks of the Point (its class, local here, could not be pickled anyway).
    "pickle": lambda api, p: p.__reduce_ex__(pickle.HIGHEST_PROTOCOL),
    "copy": lambda api, p: copy.copy(p),
    **{name: functools.partial(batch_call, name) for name in BATCH},
}


@pytest.mark.parametrize("use", list(USES))
@pytest.mark.parametrize("make", [uninitialised_base, uninitialised_subclass])
def test_a_point_whose_init_never_ran_is_an_attribute_error(
    api: ModuleType, make: Callable[[ModuleType], Any], use: str
) -> None:
    """Never a silent (0, 0)."""
    with pytest.raises(AttributeError):
        USES[use](api, make(api))


@pytest.mark.parametrize(
    ("x", "y", "error"),
    [
        (5, -1, ValueError),
        (5, 2**32, ValueError),
        (5, "6", TypeError),
        (5, None, TypeError),
        (-1, 6, ValueError),
    ],
)
def test_a_failed_init_leaves_the_point_as_it_was(
    api: ModuleType, x: Any, y: Any, error: type[Exception]
) -> None:
    class Pixel(api.Point):  # type: ignore[name-defined,misc]  # a class chosen at run time
        pass

    points: list[Any] = [api.Point(1, 2), Pixel(1, 2)]
    for p in points:
        with pytest.raises(error):
            p.__init__(x, y)
        assert (p.x, p.y) == (1, 2)
        assert repr(p) == "Point(x=1, y=2)"


@pytest.mark.parametrize("field", ["x", "y"])
def test_a_failed_setter_leaves_the_point_as_it_was(api: ModuleType, field: str) -> None:
    p = api.Point(1, 2)
    for value in (-1, 2**32, "7", 7.0, None):
        with pytest.raises((ValueError, TypeError)):
            setattr(p, field, value)
        assert (p.x, p.y) == (1, 2)


def shadowing_class(api: ModuleType) -> Any:
    class Shadowed(api.Point):  # type: ignore[name-defined,misc]  # a class chosen at run time
        """Says x is 0, whatever was stored."""

        @property
        def x(self) -> int:
            return 0

    return Shadowed


def test_batch_functions_read_the_stored_coordinates(api: ModuleType) -> None:
    """As ``dist`` does: a subclass's property that shadows ``x`` is not consulted."""
    shadowed = shadowing_class(api)(10, 0)
    assert shadowed.x == 0
    origin, near = api.Point(0, 0), api.Point(9, 0)
    points = [shadowed, origin, near]
    assert shadowed.dist(origin) == 10.0
    assert api.path_length(points) == 10.0 + 9.0
    assert api.nearest_neighbors(points) == ([2, 2, 0], [1.0, 9.0, 1.0])
    assert api.closest_pair(points) == (0, 2, 1.0)
    assert api.greedy_route(points, 1) == [1, 2, 0]


def test_greedy_route_start_none_is_a_type_error(api: ModuleType) -> None:
    points = [api.Point(0, 0), api.Point(1, 1)]
    with pytest.raises(TypeError, match=r"^start must be an int, not NoneType$"):
        api.greedy_route(points, None)
    with pytest.raises(TypeError, match=r"^start must be an int, not NoneType$"):
        api.greedy_route(points, start=None)


# The interpreter's messages name the class Point, as for the legacy class.

MESSAGES: dict[str, tuple[Callable[[Any], object], type[Exception], str]] = {
    "p < p": (
        lambda p: p < p,
        TypeError,
        "'<' not supported between instances of 'Point' and 'Point'",
    ),
    "p <= 1": (
        lambda p: p <= 1,
        TypeError,
        "'<=' not supported between instances of 'Point' and 'int'",
    ),
    "len(p)": (len, TypeError, "object of type 'Point' has no len()"),
    "hash(p)": (hash, TypeError, "unhashable type: 'Point'"),
    "iter(p)": (iter, TypeError, "'Point' object is not iterable"),
    "p[0]": (lambda p: p[0], TypeError, "'Point' object is not subscriptable"),
    "p + 1": (lambda p: p + 1, TypeError, "unsupported operand type(s) for +: 'Point' and 'int'"),
    "p()": (lambda p: p(), TypeError, "'Point' object is not callable"),
    "p.z": (lambda p: p.z, AttributeError, "'Point' object has no attribute 'z'"),
}


@pytest.mark.parametrize("expression", list(MESSAGES))
def test_the_interpreters_messages_say_point(api: ModuleType, expression: str) -> None:
    use, error, message = MESSAGES[expression]
    with pytest.raises(error) as raised:
        use(api.Point(1, 2))
    assert str(raised.value) == message


def test_the_class_is_shown_by_its_public_place(api: ModuleType) -> None:
    assert repr(api.Point) == "<class 'legacy_app.Point'>"


@pytest.mark.thread_unsafe(reason="points legacy_app's names at one backend, then the other")
@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
@pytest.mark.parametrize(("writer", "reader"), [("rust", "python"), ("python", "rust")])
def test_pickles_load_across_backends(writer: str, reader: str, protocol: int) -> None:
    apis = {name: legacy_app.load_backend(name) for name in legacy_app.BACKENDS}
    with serving(apis[writer]):
        data = pickle.dumps([apis[writer].Point(4294967295, 7), apis[writer].Point(0, 1)], protocol)
    assert b"legacy_app" in data
    with serving(apis[reader]):
        loaded = pickle.loads(data)
    assert [type(p) for p in loaded] == [apis[reader].Point] * 2
    assert [(p.x, p.y) for p in loaded] == [(4294967295, 7), (0, 1)]
