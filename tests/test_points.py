"""docs/contract.md "The API", ``Point``: its coordinates, distance, text, equality and
hashing, comparisons with other types, weak references, pickles (across backends too),
copies, subclasses (also those that shadow ``x`` or override ``__eq__``), Points whose
``__init__`` never ran or failed, and the class's name in the interpreter's messages;
under both backends.

One file per area of the contract: a new case about ``Point`` goes here, whether it is
the common path or an edge.
"""

from __future__ import annotations

import copy
import functools
import gc
import math
import pickle
import weakref
from collections.abc import Callable
from types import ModuleType
from typing import Any, ClassVar

import numpy as np
import pytest

import legacy_app
from tests.fuzz_checker import serving

MAX = 2**32 - 1


def test_coordinates_read_and_write(api: ModuleType) -> None:
    p = api.Point(1, 2)
    assert (p.x, p.y) == (1, 2)
    p.x, p.y = MAX, 0
    assert (p.x, p.y) == (MAX, 0)
    assert type(p.x) is int


@pytest.mark.parametrize("value", [0, 1, 2**31, MAX])
def test_accepts_the_full_range(api: ModuleType, value: int) -> None:
    p = api.Point(value, value)
    assert p.x == p.y == value


@pytest.mark.parametrize("field", ["x", "y"])
@pytest.mark.parametrize("value", [-1, MAX + 1, -(2**64), 2**100])
def test_out_of_range_names_field_and_value(api: ModuleType, field: str, value: int) -> None:
    args = {"x": 0, "y": 0, field: value}
    message = f"{field} must be between 0 and {MAX}, got {value}"
    with pytest.raises(ValueError, match=f"^{message}$"):
        api.Point(**args)
    p = api.Point(5, 6)
    with pytest.raises(ValueError, match=f"^{message}$"):
        setattr(p, field, value)
    assert (p.x, p.y) == (5, 6)


@pytest.mark.parametrize("value", ["1", 1.0, None, [1], 1 + 0j])
def test_not_an_int_is_a_type_error(api: ModuleType, value: Any) -> None:
    name = type(value).__name__
    with pytest.raises(TypeError, match=f"^x must be an int, not {name}$"):
        api.Point(value, 0)
    p = api.Point(0, 0)
    with pytest.raises(TypeError, match=f"^y must be an int, not {name}$"):
        p.y = value


def test_int_like_values_are_accepted(api: ModuleType) -> None:
    import numpy as np

    p = api.Point(True, np.uint32(MAX))
    assert repr(p) == f"Point(x=1, y={MAX})"


def test_missing_arguments(api: ModuleType) -> None:
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'y'"):
        api.Point(1)


def test_dist_is_bit_exact(api: ModuleType) -> None:
    cases = [((0, 0), (3, 4)), ((0, 0), (MAX, MAX)), ((MAX, 0), (0, MAX)), ((7, 7), (7, 7))]
    for (x1, y1), (x2, y2) in cases:
        expected = math.sqrt((x1 - x2) ** 2 + (y1 - y2) ** 2)
        assert api.Point(x1, y1).dist(api.Point(x2, y2)) == expected
    assert api.Point(0, 0).dist(api.Point(MAX, MAX)) == 6074000998.537886


@pytest.mark.parametrize("other", [(1, 2), None, "Point(1, 2)"])
def test_dist_needs_a_point(api: ModuleType, other: Any) -> None:
    with pytest.raises(
        TypeError, match=f"^dist\\(\\) argument must be a Point, not {type(other).__name__}$"
    ):
        api.Point(1, 2).dist(other)


def test_str_and_repr(api: ModuleType) -> None:
    p = api.Point(1, 1)
    assert str(p) == "Point {x = 1, y = 1}"
    assert repr(p) == "Point(x=1, y=1)"
    assert str(api.Point(MAX, 0)) == f"Point {{x = {MAX}, y = 0}}"


def test_equality(api: ModuleType) -> None:
    assert api.Point(1, 2) == api.Point(1, 2)
    assert api.Point(1, 2) != api.Point(2, 1)
    assert api.Point(1, 2) != (1, 2)
    assert api.Point(1, 2) != (1, 2)
    assert api.Point(1, 2).__eq__((1, 2)) is NotImplemented
    with pytest.raises(TypeError):
        _ = api.Point(1, 2) < api.Point(2, 3)


def test_unhashable(api: ModuleType) -> None:
    with pytest.raises(TypeError, match="unhashable type"):
        hash(api.Point(1, 2))
    assert api.Point.__hash__ is None
    with pytest.raises(TypeError):
        {api.Point(1, 2)}


def test_class_is_named_by_its_public_place(api: ModuleType) -> None:
    assert api.Point.__module__ == "legacy_app"
    assert api.Point.__name__ == api.Point.__qualname__ == "Point"


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickle_round_trip_by_reference(api: ModuleType, protocol: int) -> None:
    p = api.Point(MAX, 7)
    data = pickle.dumps(p, protocol=protocol)
    assert b"legacy_app" in data
    assert b"Point" in data
    assert b"_python" not in data
    assert b"rust_ext" not in data
    q = pickle.loads(data)
    assert type(q) is api.Point
    assert q == p
    assert q is not p


def test_copy_and_deepcopy(api: ModuleType) -> None:
    p = api.Point(3, 4)
    for q in (copy.copy(p), copy.deepcopy(p)):
        assert q == p
        assert q is not p
        q.x = 9
        assert p.x == 3


class _Pixels:
    """Subclasses made per backend; module-level names so pickle can find them."""

    classes: ClassVar[dict[str, type]] = {}


def pixel_class(api: ModuleType) -> Any:
    name = api.__name__.rsplit(".", 1)[-1]
    if name not in _Pixels.classes:

        class Pixel(api.Point):  # type: ignore[name-defined,misc]  # a class chosen at run time
            def __init__(self, x: int, y: int, color: str = "black") -> None:
                super().__init__(x, y)
                self.color = color

            def brightness(self) -> int:
                return 255 if self.color == "white" else 0

        Pixel.__qualname__ = f"Pixel{name}"
        globals()[Pixel.__qualname__] = Pixel
        _Pixels.classes[name] = Pixel
    return _Pixels.classes[name]


def test_subclass_with_own_init_methods_and_attributes(api: ModuleType) -> None:
    Pixel = pixel_class(api)
    px = Pixel(1, 2, color="white")
    assert (px.x, px.y, px.color, px.brightness()) == (1, 2, "white", 255)
    assert isinstance(px, api.Point)
    assert isinstance(px, legacy_app.Point)
    assert px.dist(api.Point(4, 6)) == 5.0
    assert px == api.Point(1, 2)
    px.x = 10
    assert px.x == 10
    with pytest.raises(ValueError, match=r"^x must be between"):
        Pixel(-1, 0)


def test_subclass_pickles_with_its_attributes(api: ModuleType) -> None:
    Pixel = pixel_class(api)
    px = Pixel(1, 2, color="white")
    px.extra = [1, 2]
    for q in (pickle.loads(pickle.dumps(px)), copy.deepcopy(px)):
        assert type(q) is Pixel
        assert (q.x, q.y, q.color, q.extra) == (1, 2, "white", [1, 2])


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
