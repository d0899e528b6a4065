"""docs/contract.md "Errors": one family, the same classes and messages from both backends."""

from __future__ import annotations

import errno
import pickle
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

import legacy_app
from legacy_app import errors

ALL = [errors.HelloError, errors.HelloIOError, errors.AppleStuckInThroat, errors.PointsFormatError]


def test_hierarchy() -> None:
    assert errors.HelloError.__bases__ == (Exception,)
    assert errors.HelloIOError.__bases__ == (errors.HelloError, OSError)
    assert errors.AppleStuckInThroat.__bases__ == (errors.HelloError,)
    assert errors.PointsFormatError.__bases__ == (errors.HelloError, ValueError)


def test_reexported_from_legacy_app() -> None:
    for cls in ALL:
        assert getattr(legacy_app, cls.__name__) is cls


def raised_by(api: ModuleType, tmp_path: Path) -> list[BaseException]:
    """One instance of each error class, as the backend raises it."""
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2\n3,four\n")
    caught: list[BaseException] = []
    calls: list[Callable[[], object]] = [
        lambda: api.throws_error(),
        lambda: api.load_points(tmp_path / "missing.csv"),
        lambda: api.load_points(bad),
        lambda: api.load_points(tmp_path),
    ]
    for call in calls:
        with pytest.raises(legacy_app.HelloError) as info:
            call()
        caught.append(info.value)
    return caught


def test_rust_raises_the_very_same_classes(api: ModuleType, tmp_path: Path) -> None:
    kinds = [type(e) for e in raised_by(api, tmp_path)]
    assert kinds == [
        errors.AppleStuckInThroat,
        errors.HelloIOError,
        errors.PointsFormatError,
        errors.HelloIOError,
    ]


def test_messages_start_with_hello_error(api: ModuleType, tmp_path: Path) -> None:
    for error in raised_by(api, tmp_path):
        assert str(error).startswith("Hello Error: ")


def test_io_error_attributes(api: ModuleType, tmp_path: Path) -> None:
    missing = tmp_path / "pts.csv"
    with pytest.raises(legacy_app.HelloIOError) as info:
        api.load_points(missing)
    error = info.value
    assert isinstance(error, OSError)
    assert isinstance(error, legacy_app.HelloError)
    assert error.errno == errno.ENOENT
    assert error.strerror == "No such file or directory"
    assert error.filename == str(missing)
    assert str(error) == f"Hello Error: No such file or directory (os error 2): '{missing}'"
    # except clauses written for OSError keep working
    with pytest.raises(OSError, match=r"^Hello Error: No such file"):
        api.load_points(missing)


def test_directory_is_an_io_error(api: ModuleType, tmp_path: Path) -> None:
    with pytest.raises(legacy_app.HelloIOError) as info:
        api.load_points(tmp_path)
    assert info.value.errno == errno.EISDIR
    assert str(info.value) == f"Hello Error: Is a directory (os error 21): '{tmp_path}'"


def test_format_error_attributes(api: ModuleType, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2\n3,four\n")
    with pytest.raises(legacy_app.PointsFormatError) as info:
        api.load_points(bad)
    error = info.value
    assert isinstance(error, ValueError)
    assert (error.path, error.line, error.reason) == (str(bad), 2, "y is not a number")
    assert str(error) == f"Hello Error: {bad}:2: y is not a number"


def test_every_error_pickles(api: ModuleType, tmp_path: Path) -> None:
    for error in raised_by(api, tmp_path):
        for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
            copy = pickle.loads(pickle.dumps(error, protocol))
            assert type(copy) is type(error)
            assert str(copy) == str(error)
            assert copy.args == error.args
            for name in ("errno", "strerror", "filename", "path", "line", "reason"):
                assert getattr(copy, name, None) == getattr(error, name, None)


def test_classes_made_directly() -> None:
    assert str(errors.AppleStuckInThroat()) == "Hello Error: 🍏🍏"
    io_error = errors.HelloIOError(2, "No such file or directory", "pts.csv")
    assert str(io_error) == "Hello Error: No such file or directory (os error 2): 'pts.csv'"
    assert (
        str(errors.PointsFormatError("p.csv", 3, "x is negative"))
        == "Hello Error: p.csv:3: x is negative"
    )
