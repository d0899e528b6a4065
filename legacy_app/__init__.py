"""legacy_app: points, distances, nearest neighbours, routes, and the HelloError family.

The public names are served by one of two backends with the same contract: the
compiled Rust extension ``rust_ext`` or the pure-Python reference in
``legacy_app._python``. ``LEGACY_APP_BACKEND`` chooses (``auto``, the default, takes
Rust when it is importable; ``rust``; ``python``; ``shadow``: the reference answers and
Rust runs beside it, compared, see ``legacy_app.shadow``) and ``BACKEND`` says which is
in use.
"""

from __future__ import annotations

import importlib
import os
import warnings
from types import ModuleType
from typing import TYPE_CHECKING

from legacy_app.errors import AppleStuckInThroat, HelloError, HelloIOError, PointsFormatError

BACKENDS = ("rust", "python")


def load_backend(name: str) -> ModuleType:
    """The module serving the public names for backend ``name`` (``rust``, ``python`` or
    ``shadow``).

    ``rust`` and ``shadow`` raise ``ImportError`` saying how to build the extension when
    it is missing.
    """
    if name == "shadow":
        shadow = importlib.import_module("legacy_app.shadow")
        shadow.require_candidate()
        return shadow
    if name not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)} or shadow, got {name!r}")
    return importlib.import_module(f"legacy_app._{name}")


def _choose_backend() -> tuple[str, ModuleType]:
    requested = os.environ.get("LEGACY_APP_BACKEND", "auto").strip().lower() or "auto"
    if requested == "auto":
        try:
            return "rust", load_backend("rust")
        except ImportError as error:
            # Installed without a Rust toolchain: work, but say it once, and how to fix it.
            warnings.warn(
                f"legacy_app runs on its pure-Python backend, much slower than Rust: "
                f"{error.__cause__ or error}. Build the extension with `pip install -e .` "
                f"(needs cargo), or set LEGACY_APP_BACKEND=python to silence this warning.",
                RuntimeWarning,
                stacklevel=2,
            )
            return "python", load_backend("python")
    if requested not in (*BACKENDS, "shadow"):
        raise ImportError(
            "LEGACY_APP_BACKEND must be auto, rust or python, or shadow to compare the two, "
            f"got {requested!r}"
        )
    return requested, load_backend(requested)


if TYPE_CHECKING:
    # Both backends keep the reference's contract, so its annotations type the API.
    from legacy_app._python import (
        Point,
        closest_pair,
        fact,
        greedy_route,
        load_points,
        nearest_neighbors,
        path_length,
        print_sleep,
        say_hello,
        throws_error,
    )

    BACKEND: str
else:
    BACKEND, _backend = _choose_backend()
    Point = _backend.Point
    closest_pair = _backend.closest_pair
    fact = _backend.fact
    greedy_route = _backend.greedy_route
    load_points = _backend.load_points
    nearest_neighbors = _backend.nearest_neighbors
    path_length = _backend.path_length
    print_sleep = _backend.print_sleep
    say_hello = _backend.say_hello
    throws_error = _backend.throws_error
    del _backend

__all__ = [
    "BACKEND",
    "AppleStuckInThroat",
    "HelloError",
    "HelloIOError",
    "Point",
    "PointsFormatError",
    "closest_pair",
    "fact",
    "greedy_route",
    "load_backend",
    "load_points",
    "nearest_neighbors",
    "path_length",
    "print_sleep",
    "say_hello",
    "throws_error",
]
