"""The legacy pure-Python implementation: the reference the Rust backend is tested against.

Nothing here imports ``rust_ext``; it is also the fallback where no Rust toolchain exists.
It serves every name of the contract (``legacy_app._contract.Backend``), which mypy checks.
"""

from legacy_app._python.batch import closest_pair, greedy_route, nearest_neighbors, path_length
from legacy_app._python.hello import fact, say_hello, throws_error
from legacy_app._python.point import Point
from legacy_app._python.points_file import load_points
from legacy_app._python.sleep import print_sleep

__all__ = [
    "Point",
    "closest_pair",
    "fact",
    "greedy_route",
    "load_points",
    "nearest_neighbors",
    "path_length",
    "print_sleep",
    "say_hello",
    "throws_error",
]
