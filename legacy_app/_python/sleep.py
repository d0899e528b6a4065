"""``print_sleep`` and the Rust-``Debug`` formatting of durations it prints."""

from __future__ import annotations

import asyncio
import datetime
import sys
import time
from typing import Any

NANOS_PER_SEC = 1_000_000_000
NANOS_PER_MILLI = 1_000_000
NANOS_PER_MICRO = 1_000


def _decimal(integer: int, fraction: int, divisor: int, unit: str) -> str:
    """Like Rust's ``fmt_decimal`` with no precision: all significant fraction digits."""
    if fraction == 0:
        return f"{integer}{unit}"
    width = len(str(divisor)) - 1
    digits = f"{fraction:0{width}d}".rstrip("0")
    return f"{integer}.{digits}{unit}"


def format_duration(nanos: int) -> str:
    """Format a non-negative number of nanoseconds as Rust's ``Debug`` for ``Duration``."""
    seconds, sub = divmod(nanos, NANOS_PER_SEC)
    if seconds > 0:
        return _decimal(seconds, sub, NANOS_PER_SEC, "s")
    if sub >= NANOS_PER_MILLI:
        return _decimal(sub // NANOS_PER_MILLI, sub % NANOS_PER_MILLI, NANOS_PER_MILLI, "ms")
    if sub >= NANOS_PER_MICRO:
        return _decimal(sub // NANOS_PER_MICRO, sub % NANOS_PER_MICRO, NANOS_PER_MICRO, "µs")
    return f"{sub}ns"


# The base class's own descriptors: a timedelta subclass is read by its stored value,
# whatever properties it overrides.
_STORED: dict[str, Any] = {
    name: vars(datetime.timedelta)[name] for name in ("days", "seconds", "microseconds")
}
# The longest sleep Rust's Duration holds (u64 seconds), which bounds both backends.
MAX_NANOS = (2**64 - 1) * NANOS_PER_SEC + NANOS_PER_SEC - 1


def timedelta_nanos(duration: datetime.timedelta) -> int:
    """The exact length of ``duration`` in nanoseconds, from its stored fields."""
    days, seconds, micros = (
        int(_STORED[name].__get__(duration, datetime.timedelta))
        for name in ("days", "seconds", "microseconds")
    )
    return (days * 86_400 + seconds) * NANOS_PER_SEC + micros * NANOS_PER_MICRO


async def print_sleep(duration: datetime.timedelta) -> None:
    """Announce, sleep without blocking the event loop, then say how long it took.

    Prints ``🌙 Night night! Sleeping for {duration}``, waits on the running event loop's
    own timer, then prints ``🌞 I'm awake after {elapsed}`` (durations as Rust's ``Debug``
    shows them). Raises ``ValueError`` for a negative ``duration``, ``TypeError`` for
    anything but a ``datetime.timedelta``, and ``OverflowError`` for one longer than
    Rust's ``Duration`` holds.
    """
    if not isinstance(duration, datetime.timedelta):
        raise TypeError(
            f"print_sleep() argument must be a datetime.timedelta, not {type(duration).__name__}"
        )
    nanos = timedelta_nanos(duration)
    if nanos < 0:
        text = datetime.timedelta.__str__(duration)
        raise ValueError(f"print_sleep() duration must not be negative, got {text}")
    if nanos > MAX_NANOS:
        raise OverflowError(f"print_sleep() duration is too long for a Duration, got {nanos}ns")
    sys.stdout.write(f"🌙 Night night! Sleeping for {format_duration(nanos)}\n")
    start = time.monotonic_ns()
    await asyncio.sleep(nanos / NANOS_PER_SEC)
    elapsed = time.monotonic_ns() - start
    sys.stdout.write(f"🌞 I'm awake after {format_duration(elapsed)}\n")
