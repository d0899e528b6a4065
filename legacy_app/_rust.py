"""The Rust backend: the public names as served by the compiled ``rust_ext`` module.

It serves every name of the contract (``legacy_app._contract.Backend``), which mypy
checks against the stubs of ``rust_ext``.
"""

from __future__ import annotations

import asyncio
import datetime

try:
    import rust_ext
except ImportError as error:
    raise ImportError(
        "legacy_app's Rust backend needs the compiled rust_ext module, which is not "
        "importable here. Build it with `pip install -e .` from the checkout (this needs "
        "a Rust toolchain: cargo on PATH), or use LEGACY_APP_BACKEND=python."
    ) from error

try:
    PointSet = rust_ext.PointSet
except AttributeError as error:
    # An extension built before PointSet existed (an editable install not rebuilt since
    # a pull): unusable here, as a missing one is, and the message says how to fix it.
    raise ImportError(
        "the compiled rust_ext module is older than legacy_app (it has no PointSet). "
        "Rebuild it with `pip install -e .` from the checkout, or use "
        "LEGACY_APP_BACKEND=python."
    ) from error

Point = rust_ext.Point
closest_pair = rust_ext.closest_pair
fact = rust_ext.fact
greedy_route = rust_ext.greedy_route
load_points = rust_ext.load_points
nearest_neighbors = rust_ext.nearest_neighbors
path_length = rust_ext.path_length
say_hello = rust_ext.say_hello
throws_error = rust_ext.throws_error


async def print_sleep(duration: datetime.timedelta) -> None:
    """Announce, sleep without blocking the event loop, then say how long it took.

    Prints ``🌙 Night night! Sleeping for {duration}``, waits on the running event loop's
    own timer, then prints ``🌞 I'm awake after {elapsed}`` (durations as Rust's ``Debug``
    shows them). Raises ``ValueError`` for a negative ``duration``, ``TypeError`` for
    anything but a ``datetime.timedelta``, and ``OverflowError`` for one longer than
    Rust's ``Duration`` holds.
    """
    # A coroutine function of Python's own, so inspect, asyncio, send/throw/close and
    # the "never awaited" warning behave as for the reference; the running loop's
    # timer wakes it (no thread of ours). Rust checks, times, formats and prints.
    nap = rust_ext.Nap.announce(duration)
    await asyncio.sleep(nap.seconds)
    nap.wake()
