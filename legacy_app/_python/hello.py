"""The small functions: ``say_hello``, ``fact`` and ``throws_error``."""

from __future__ import annotations

import math
import operator
import sys
from typing import NoReturn

from legacy_app.errors import AppleStuckInThroat

# The largest argument fact() takes: the size of a machine word, as math.factorial.
FACT_MAX = 2**63 - 1


def say_hello() -> None:
    """Write ``Hello world!`` through ``sys.stdout``."""
    sys.stdout.write("Hello world!\n")


def fact(n: int) -> int:
    """Return ``n!`` exactly."""
    try:
        number = operator.index(n)
    except TypeError:
        raise TypeError(f"fact() argument must be an int, not {type(n).__name__}") from None
    if number < 0:
        raise ValueError(f"fact() argument must not be negative, got {number}")
    if number > FACT_MAX:
        raise OverflowError(f"fact() argument must not exceed {FACT_MAX}, got {number}")
    return math.factorial(number)


def throws_error() -> NoReturn:
    """Raise ``AppleStuckInThroat``."""
    raise AppleStuckInThroat()
