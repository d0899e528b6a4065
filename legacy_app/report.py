"""The figures of ``legacy-app report``: each step timed, with a progress bar for people."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

from legacy_app.progress import Progress, ProgressBar

T = TypeVar("T")

# Where the greedy route starts: the first point of the file.
ROUTE_START = 0


class Steps:
    """Times each step of the report; for people, a progress bar on stderr per step."""

    def __init__(self, show: bool) -> None:
        self.timings: dict[str, float] = {}
        self.show = show

    def run(self, name: str, work: Callable[[Progress], T], unit: str = "pt") -> T:
        """Run ``work``, handing it a ``progress(done, total)`` callback for its bar."""
        with ProgressBar(name, self.show, unit) as progress:
            start = time.perf_counter()
            try:
                return work(progress)
            finally:
                self.timings[name] = time.perf_counter() - start


def build_report(api: ModuleType, backend: str, path: Path, show_progress: bool) -> dict[str, Any]:
    """Every figure of ``legacy-app report`` for the points in ``path``.

    The points stay a ``PointSet`` from the file to the last figure: loaded once, with no
    Python object a point (under Rust), its spatial index built by the first question
    and reused by the next; the closest pair is the least of the nearest neighbours,
    which the set keeps, and the route's length is measured through its indices.
    """
    steps = Steps(show_progress)
    points = steps.run(
        "load points", lambda progress: api.PointSet.load(path, progress=progress), unit="B"
    )
    report: dict[str, Any] = {"file": str(path), "backend": backend, "count": len(points)}
    report.update(steps.run("summary", lambda _: summary(points)))
    report["closest_pair"] = report["nearest_neighbor_distance"] = None
    report["greedy_route_length"] = 0.0
    report["greedy_route_start"] = ROUTE_START if len(points) else None
    # The route of fewer than two points visits them in order (the picture draws it).
    route: Sequence[int] = range(len(points))
    if len(points) >= 2:
        distances = steps.run(
            "nearest neighbours", lambda progress: points.nearest_neighbors(progress=progress)
        )[1]
        report["nearest_neighbor_distance"] = {
            "min": float(min(distances)),
            "mean": exact_sum(backend, distances) / len(distances),
            "max": float(max(distances)),
        }
        del distances
        i, j, distance = steps.run("closest pair", lambda progress: points.closest_pair())
        report["closest_pair"] = {"i": int(i), "j": int(j), "distance": float(distance)}
        route = steps.run(
            "greedy route", lambda progress: points.greedy_route(ROUTE_START, progress=progress)
        )
        report["greedy_route_length"] = float(
            steps.run("route length", lambda _: points.path_length(route))
        )
    report["timings"] = steps.timings
    report["route"] = route
    report["points"] = points
    return report


def summary(points: Any) -> dict[str, Any]:
    """Bounding box and centroid, from the set's own exact figures."""
    bounds = points.bounds
    if bounds is None:
        return {"bounding_box": None, "centroid": None}
    min_x, min_y, max_x, max_y = bounds
    return {
        "bounding_box": {"min_x": min_x, "min_y": min_y, "max_x": max_x, "max_y": max_y},
        "centroid": list(points.centroid),
    }


def point_columns(points: Any) -> Any:
    """The points of a ``PointSet`` as the picture takes them: an ``(n, 2)`` array, or
    where NumPy is missing, a column of xs and one of ys."""
    try:
        return points.to_numpy()
    except ImportError:
        return [p.x for p in points], [p.y for p in points]


def exact_sum(backend: str, values: Sequence[float]) -> float:
    """``math.fsum(values)``, by the extension when Rust serves the report (a NumPy array
    of ten million distances takes Python about a second)."""
    if backend == "rust":
        import rust_ext

        return rust_ext._fsum(values)
    return math.fsum(values)


def format_report(report: dict[str, Any]) -> str:
    """The report for people."""
    lines = [
        f"file               {report['file']}",
        f"backend            {report['backend']}",
        f"points             {report['count']:,}",
    ]
    box = report["bounding_box"]
    if box is not None:
        lines.append(
            f"bounding box       ({box['min_x']}, {box['min_y']}) .. "
            f"({box['max_x']}, {box['max_y']})"
        )
        cx, cy = report["centroid"]
        lines.append(f"centroid           ({cx:.2f}, {cy:.2f})")
    pair = report["closest_pair"]
    if pair is not None:
        lines.append(
            f"closest pair       #{pair['i']} and #{pair['j']}, distance {pair['distance']:.6g}"
        )
        nn = report["nearest_neighbor_distance"]
        lines.append(
            f"nearest neighbour  min {nn['min']:.6g}  mean {nn['mean']:.6g}  max {nn['max']:.6g}"
        )
    start = report["greedy_route_start"]
    route_from = "" if start is None else f" from point #{start}"
    lines.append(f"greedy route       length {report['greedy_route_length']:.6g}{route_from}")
    lines.append("time per step")
    for name, seconds in report["timings"].items():
        lines.append(f"  {name:<19}{seconds * 1000:8.1f} ms")
    if "shadow" in report:
        from legacy_app.verify import format_speedup

        lines.append("shadow: the Python reference answered, Rust ran beside it")
        for name, figures in report["shadow"].items():
            lines.append(
                f"  {name:<27}{figures['compared']} compared, {figures['mismatches']} differ, "
                f"Rust speed-up {format_speedup(figures['speedup'])}"
            )
    return "\n".join(lines)


def shadow_figures() -> dict[str, dict[str, Any]]:
    """What the shadow backend compared during the report, per function it ran."""
    from legacy_app import shadow

    return {
        name: {**figures._asdict(), "speedup": figures.speedup}
        for name, figures in shadow.report().items()
        if figures.calls
    }
