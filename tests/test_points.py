"""docs/contract.md "The API": Point, its coordinates, distance, text, equality, hashing,
pickling and subclassing, under both backends."""

from __future__ import annotations

import copy
import math
import pickle
from types import ModuleType
from typing import Any, ClassVar

import pytest

import legacy_app

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
