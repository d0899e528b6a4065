"""``fact``: exact factorials."""

from __future__ import annotations

import math
import operator

# The largest argument fact() takes: the size of a machine word, as math.factorial.
FACT_MAX = 2**63 - 1


def fact(n: int) -> int:
    """Return ``n!`` exactly, for any ``n >= 0`` (arbitrary precision).

    Raises ``ValueError`` for a negative ``n``, ``OverflowError`` beyond ``2**63 - 1`` (as
    ``math.factorial``), and ``TypeError`` for anything but an int.
    """
    try:
        number = operator.index(n)
    except TypeError:
        raise TypeError(f"fact() argument must be an int, not {type(n).__name__}") from None
    if number < 0:
        raise ValueError(f"fact() argument must not be negative, got {number}")
    if number > FACT_MAX:
        raise OverflowError(f"fact() argument must not exceed {FACT_MAX}, got {number}")
    return math.factorial(number)
