"""``print_sleep`` and the Rust-``Debug`` formatting of durations it prints."""

from __future__ import annotations

import asyncio
import datetime
import sys
import time

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


def timedelta_nanos(duration: datetime.timedelta) -> int:
    """The exact length of ``duration`` in nanoseconds."""
    whole_seconds = duration.days * 86_400 + duration.seconds
    return whole_seconds * NANOS_PER_SEC + duration.microseconds * NANOS_PER_MICRO


async def print_sleep(duration: datetime.timedelta) -> None:
    """Announce, sleep without blocking the event loop, then say how long it took."""
    if not isinstance(duration, datetime.timedelta):
        raise TypeError(
            f"print_sleep() argument must be a datetime.timedelta, not {type(duration).__name__}"
        )
    if duration < datetime.timedelta(0):
        raise ValueError(f"print_sleep() duration must not be negative, got {duration}")
    sys.stdout.write(f"🌙 Night night! Sleeping for {format_duration(timedelta_nanos(duration))}\n")
    start = time.monotonic_ns()
    await asyncio.sleep(duration.total_seconds())
    elapsed = time.monotonic_ns() - start
    sys.stdout.write(f"🌞 I'm awake after {format_duration(elapsed)}\n")
