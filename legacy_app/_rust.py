"""The Rust backend: the public names as served by the compiled ``rust_ext`` module.

It serves every name of the contract (``legacy_app._contract.Backend``), which mypy
checks against the stubs of ``rust_ext``.
"""

from __future__ import annotations

try:
    import rust_ext
except ImportError as error:
    raise ImportError(
        "legacy_app's Rust backend needs the compiled rust_ext module, which is not "
        "importable here. Build it with `pip install -e .` from the checkout (this needs "
        "a Rust toolchain: cargo on PATH), or use LEGACY_APP_BACKEND=python."
    ) from error

Point = rust_ext.Point
closest_pair = rust_ext.closest_pair
fact = rust_ext.fact
greedy_route = rust_ext.greedy_route
load_points = rust_ext.load_points
nearest_neighbors = rust_ext.nearest_neighbors
path_length = rust_ext.path_length
print_sleep = rust_ext.print_sleep
say_hello = rust_ext.say_hello
throws_error = rust_ext.throws_error
