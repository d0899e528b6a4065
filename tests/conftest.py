"""The backend fixture: every test that takes ``api`` runs once per backend."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

import legacy_app
from legacy_app._contract import PUBLIC_NAMES as CONTRACT_NAMES

# The one definition of "the same outcome", shared with the shadow backend.
from legacy_app.comparison import Outcome, outcome

# The differential properties run 2,000 examples each in CI, fewer while editing, and a
# handful in `make test-fast`, the edit loop (a smoke test of each property, not a search).
settings.register_profile(
    "ci", max_examples=2_000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=200, deadline=None)
settings.register_profile("fast", max_examples=10, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

__all__ = ["LOADERS", "PUBLIC_NAMES", "Loader", "Outcome", "outcome"]

# Every public name, from the one list (legacy_app._contract); tests parametrize on it.
PUBLIC_NAMES: list[str] = list(CONTRACT_NAMES)


@pytest.fixture(params=legacy_app.BACKENDS)
def api(request: pytest.FixtureRequest) -> Iterator[ModuleType]:
    """The public API as served by one backend.

    ``legacy_app``'s own names point at that backend for the test too, so what
    resolves through ``legacy_app`` (pickles of ``legacy_app.Point``) sees it.
    """
    module = legacy_app.load_backend(request.param)
    # A patch of its own, not the ``monkeypatch`` fixture: it is made before the test
    # starts, so a test taking ``api`` may still run in many threads at once
    # (pytest-run-parallel runs no test that takes ``monkeypatch`` in parallel).
    with pytest.MonkeyPatch.context() as patch:
        for name in PUBLIC_NAMES:
            patch.setattr(legacy_app, name, getattr(module, name))
        patch.setattr(legacy_app, "BACKEND", request.param)
        yield module


# The two loaders of a points file, which follow one set of rules: a test of those rules
# that takes ``load`` runs with each, under each backend.
LOADERS = ("load_points", "PointSet.load")
Loader = Callable[[Any], Sequence[Any]]


@pytest.fixture(params=LOADERS)
def load(request: pytest.FixtureRequest, api: ModuleType) -> Loader:
    """One backend's ``load_points`` or ``PointSet.load``: the points of a file."""
    loader: Loader = api.load_points if request.param == "load_points" else api.PointSet.load
    return loader


@pytest.fixture(scope="session")
def python_api() -> ModuleType:
    return legacy_app.load_backend("python")


@pytest.fixture(scope="session")
def rust_api() -> ModuleType:
    return legacy_app.load_backend("rust")


@pytest.fixture(scope="session")
def big_points_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ten million lines (about 215 MB): a million random points, ten times over."""
    import numpy as np

    path = tmp_path_factory.mktemp("big") / "ten-million.csv"
    rng = np.random.default_rng(10)
    block = rng.integers(0, 2**32, size=(1_000_000, 2), dtype=np.int64)
    text = "".join(f"{x},{y}\n" for x, y in block.tolist()).encode()
    with open(path, "wb") as out:
        for _ in range(10):
            out.write(text)
    return path
