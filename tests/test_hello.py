"""docs/contract.md "The API": say_hello, fact and throws_error under both backends."""

from __future__ import annotations

import contextlib
import io
import math
from types import ModuleType
from typing import Any

import pytest

import legacy_app


def test_say_hello_writes_through_sys_stdout(
    api: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    assert api.say_hello() is None
    assert capsys.readouterr().out == "Hello world!\n"
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        api.say_hello()
    assert buffer.getvalue() == "Hello world!\n"


@pytest.mark.parametrize("n", [0, 1, 2, 5, 20, 21, 100, 1000, 5000])
def test_fact_is_exact(api: ModuleType, n: int) -> None:
    result = api.fact(n)
    assert type(result) is int
    assert result == math.factorial(n)


def test_fact_keyword_and_int_likes(api: ModuleType) -> None:
    assert api.fact(n=5) == 120
    assert api.fact(True) == 1


@pytest.mark.parametrize("n", [-1, -(2**70)])
def test_fact_negative(api: ModuleType, n: int) -> None:
    with pytest.raises(ValueError, match=f"^fact\\(\\) argument must not be negative, got {n}$"):
        api.fact(n)


def test_fact_too_large(api: ModuleType) -> None:
    with pytest.raises(OverflowError, match="must not exceed 9223372036854775807"):
        api.fact(2**63)


@pytest.mark.parametrize("n", [1.5, 2.0, "3", None])
def test_fact_type_error(api: ModuleType, n: Any) -> None:
    with pytest.raises(
        TypeError, match=f"^fact\\(\\) argument must be an int, not {type(n).__name__}$"
    ):
        api.fact(n)


def test_throws_error(api: ModuleType) -> None:
    with pytest.raises(legacy_app.AppleStuckInThroat) as caught:
        api.throws_error()
    assert str(caught.value) == "Hello Error: 🍏🍏"
    assert type(caught.value) is legacy_app.errors.AppleStuckInThroat
    assert isinstance(caught.value, legacy_app.HelloError)
