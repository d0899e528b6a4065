"""legacy_app: points, distances, nearest neighbours, routes, and the HelloError family.

The public names are served by one of two backends with the same contract: the
compiled Rust extension ``rust_ext`` or the pure-Python reference in
``legacy_app._python``. ``LEGACY_APP_BACKEND`` chooses (``auto``, the default, takes
Rust when it is importable; ``rust``; ``python``; ``shadow``: the reference answers and
Rust runs beside it, compared, see ``legacy_app.shadow``) and ``BACKEND`` says which is
in use. The names and their types are one contract, ``legacy_app._contract``, which
mypy checks every backend against.
"""

from __future__ import annotations

import importlib
import os
import warnings
from types import ModuleType
from typing import TYPE_CHECKING

from legacy_app import _contract
from legacy_app.errors import AppleStuckInThroat as AppleStuckInThroat
from legacy_app.errors import HelloError as HelloError
from legacy_app.errors import HelloIOError as HelloIOError
from legacy_app.errors import PointsFormatError as PointsFormatError

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
    from legacy_app import _python
    from legacy_app._contract import Backend
    from legacy_app._python import Point as Point
    from legacy_app._python import PointSet as PointSet

    BACKEND: str
    # Each name has the contract's type (Backend's signatures, exactly), whichever
    # backend serves it; mypy proves both backends implement Backend (_contract.py).
    _served: Backend[Point, PointSet] = _python
    closest_pair = _served.closest_pair
    fact = _served.fact
    greedy_route = _served.greedy_route
    load_points = _served.load_points
    nearest_neighbors = _served.nearest_neighbors
    path_length = _served.path_length
    print_sleep = _served.print_sleep
    say_hello = _served.say_hello
    throws_error = _served.throws_error
else:
    BACKEND, _backend = _choose_backend()
    globals().update({name: getattr(_backend, name) for name in _contract.PUBLIC_NAMES})
    del _backend
    # For `import *` and help(). mypy cannot read a list built at runtime: it takes the
    # exports from the definitions above and the `import ... as` lines instead.
    __all__ = [
        "BACKEND",
        *sorted(
            [
                "AppleStuckInThroat",
                "HelloError",
                "HelloIOError",
                "PointsFormatError",
                "load_backend",
                *_contract.PUBLIC_NAMES,
            ]
        ),
    ]
