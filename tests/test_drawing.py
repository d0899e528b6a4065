"""The picture drawn from columns is the same, byte for byte, whichever path draws it.

``legacy_app.drawing`` decides what is drawn with NumPy (the route's thinning in
``rust_ext``), with NumPy but without ``rust_ext``, or point by point without NumPy. The
last is the picture's rules as they were first written, one point at a time, so the
others are checked against it: on points of several shapes, routed by each backend, at
the real size limits and at small ones that make every thinning loop run.
"""

from __future__ import annotations

import array
import io
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from legacy_app import cli, drawing, picture
from tests.children import BLOCK_RUST, run_code

Array = npt.NDArray[np.int64]
TOP = 2**32 - 1


def halves(rng: np.random.Generator, n: int) -> Array:
    """A span of 16,000: the fine grid's scale is 1/2, so odd coordinates round a half."""
    points = rng.integers(0, 16_001, size=(n, 2))
    points[:2] = [[0, 0], [16_000, 16_000]]
    return points


SHAPES: dict[str, Callable[[np.random.Generator, int], Array]] = {
    "uniform": lambda rng, n: rng.integers(0, TOP + 1, size=(n, 2)),
    "small square, duplicates": lambda rng, n: rng.integers(0, 40, size=(n, 2)),
    "clusters": lambda rng, n: (
        rng.integers(0, 5, size=(n, 1)) * 10**8 + rng.integers(0, 3_000, size=(n, 2))
    ),
    "vertical line": lambda rng, n: np.column_stack(
        [np.full(n, 7), rng.integers(0, 10**6, size=n)]
    ),
    "horizontal line at the top": lambda rng, n: np.column_stack(
        [rng.integers(0, 10**6, size=n), np.full(n, TOP)]
    ),
    "lattice": lambda rng, n: np.column_stack([np.arange(n) % 37 * 3, np.arange(n) // 37 * 3]),
    "one point": lambda rng, n: np.full((n, 2), 12_345),
    "corners": lambda rng, n: rng.integers(0, 2, size=(n, 2)) * TOP,
    "halves": halves,
}
# (DOT_LIMIT, ROUTE_VERTEX_LIMIT): the real ones, then small enough to thin 2,000 points.
LIMITS = {
    "real limits": (drawing.DOT_LIMIT, drawing.ROUTE_VERTEX_LIMIT),
    "small limits": (300, 500),
    "tiny limits": (3, 2),
}


@contextmanager
def without(monkeypatch: pytest.MonkeyPatch, *modules: str) -> Iterator[None]:
    """``import`` of these modules fails inside, as where they are not installed."""
    with monkeypatch.context() as patch:
        for module in modules:
            patch.setitem(sys.modules, module, None)
        yield


def draw(points: Any, route: Any, pair: tuple[Any, Any, Any] | None) -> str:
    out = io.StringIO()
    picture.write_picture(
        out, points, route, name="shape.csv", route_length=1234.5, closest_pair=pair
    )
    return out.getvalue()


def route_and_pair(
    api: ModuleType, points: npt.NDArray[np.uint32]
) -> tuple[Any, tuple[Any, Any, Any] | None]:
    if len(points) == 0:
        return np.zeros(0, dtype=np.int64), None
    pair = api.closest_pair(points) if len(points) >= 2 else None
    return api.greedy_route(points), pair


@pytest.mark.parametrize("limits", LIMITS.values(), ids=LIMITS.keys())
@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
def test_every_path_draws_the_rules_picture(
    api: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    shape: Callable[[np.random.Generator, int], Array],
    limits: tuple[int, int],
) -> None:
    monkeypatch.setattr(drawing, "DOT_LIMIT", limits[0])
    monkeypatch.setattr(drawing, "ROUTE_VERTEX_LIMIT", limits[1])
    points = shape(np.random.default_rng(17), 2_000).astype(np.uint32)
    route, pair = route_and_pair(api, points)
    xs, ys = points[:, 0].tolist(), points[:, 1].tolist()
    with without(monkeypatch, "numpy", "rust_ext"):
        rules = draw((xs, ys), route.tolist(), pair)
    assert draw(points, route, pair) == rules
    # Columns as a compact Python point set may hold them, and the route as a list.
    assert draw((array.array("I", xs), array.array("I", ys)), route.tolist(), pair) == rules
    with without(monkeypatch, "rust_ext"):
        assert draw(points, route, pair) == rules


@pytest.mark.parametrize("count", [0, 1, 2, 3])
def test_tiny_inputs_draw_alike(
    api: ModuleType, monkeypatch: pytest.MonkeyPatch, count: int
) -> None:
    points = np.array([[5, 9], [5, 9], [0, 2**32 - 1]][:count], dtype=np.uint32).reshape(-1, 2)
    route, pair = route_and_pair(api, points)
    xs, ys = points[:, 0].tolist(), points[:, 1].tolist()
    with without(monkeypatch, "numpy", "rust_ext"):
        rules = draw((xs, ys), route.tolist(), pair)
    assert draw(points, route, pair) == rules
    with without(monkeypatch, "rust_ext"):
        assert draw(points, route, pair) == rules


def test_the_route_thinning_in_rust_is_the_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    rust_ext = pytest.importorskip("rust_ext")
    rng = np.random.default_rng(3)
    for merge, limit in [(5, 10**6), (5, 40), (1, 7), (3, 1)]:
        walk = rng.integers(-20, 21, size=(3_000, 2)).cumsum(axis=0).astype(np.int32)
        for vertices in (walk, walk[::3], np.asfortranarray(walk), walk[:1], walk[:0]):
            kept, merged = rust_ext._thin_route(vertices, merge, limit)
            assert (kept.tolist(), merged) == drawing.thin_route(vertices.tolist(), merge, limit)
    with pytest.raises(ValueError, match="zero"):
        rust_ext._thin_route(walk, 0, 10)
    with pytest.raises(ValueError, match="zero"):
        rust_ext._thin_route(walk, 5, 0)
    with pytest.raises(ValueError, match=r"\(m, 2\)"):
        rust_ext._thin_route(walk[:, :1], 5, 10)
    with pytest.raises(TypeError):
        rust_ext._thin_route(walk.astype(np.int64), 5, 10)


def test_points_must_be_n_by_2() -> None:
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        draw(np.zeros((4, 3), dtype=np.uint32), [0, 1, 2, 3], None)


REPORT_WITHOUT_NUMPY_OR_RUST = (
    BLOCK_RUST
    + """
sys.modules["numpy"] = None
from legacy_app.cli import main
sys.exit(main(["report", "--json", POINTS, "--svg", OUT]))
"""
)


def test_the_command_draws_the_same_without_numpy_or_rust(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The report's picture on a machine with neither NumPy nor the extension."""
    points = tmp_path / "points.csv"
    rng = np.random.default_rng(8)
    points.write_text("".join(f"{x},{y}\n" for x, y in rng.integers(0, 5_000, (600, 2)).tolist()))
    with_both, without_either = tmp_path / "with.svg", tmp_path / "without.svg"
    assert cli.main(["report", "--json", str(points), "--svg", str(with_both)]) == 0
    capsys.readouterr()
    code = REPORT_WITHOUT_NUMPY_OR_RUST.replace("POINTS", repr(str(points))).replace(
        "OUT", repr(str(without_either))
    )
    done = run_code(code, timeout=120, backend="python")
    assert done.returncode == 0, done.stderr[-3000:]
    assert without_either.read_text() == with_both.read_text()
