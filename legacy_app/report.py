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


class Steps:
    """Times each step of the report; for people, a progress bar on stderr per step."""

    def __init__(self, show: bool) -> None:
        self.timings: dict[str, float] = {}
        self.show = show

    def run(self, name: str, work: Callable[[Progress], T]) -> T:
        """Run ``work``, handing it a ``progress(done, total)`` callback for its bar."""
        with ProgressBar(name, self.show) as progress:
            start = time.perf_counter()
            try:
                return work(progress)
            finally:
                self.timings[name] = time.perf_counter() - start


def build_report(api: ModuleType, backend: str, path: Path, show_progress: bool) -> dict[str, Any]:
    """Every figure of ``legacy-app report`` for the points in ``path``."""
    steps = Steps(show_progress)
    points = steps.run("load points", lambda _: api.load_points(path))
    report: dict[str, Any] = {"file": str(path), "backend": backend, "count": len(points)}
    report.update(steps.run("summary", lambda _: summary(points)))
    report["closest_pair"] = report["nearest_neighbor_distance"] = None
    report["greedy_route_length"] = 0.0
    route: list[int] = list(range(len(points)))
    if len(points) >= 2:
        i, j, distance = steps.run(
            "closest pair", lambda progress: api.closest_pair(points, progress=progress)
        )
        report["closest_pair"] = {"i": i, "j": j, "distance": distance}
        _, distances = steps.run(
            "nearest neighbours", lambda progress: api.nearest_neighbors(points, progress=progress)
        )
        report["nearest_neighbor_distance"] = {
            "min": min(distances),
            "mean": math.fsum(distances) / len(distances),
            "max": max(distances),
        }
        route = list(
            steps.run("greedy route", lambda progress: api.greedy_route(points, progress=progress))
        )
        report["greedy_route_length"] = api.path_length([points[k] for k in route])
    report["timings"] = steps.timings
    report["route"] = route
    report["points"] = points
    return report


def summary(points: Sequence[Any]) -> dict[str, Any]:
    """Bounding box and centroid."""
    if not points:
        return {"bounding_box": None, "centroid": None}
    xs = [p.x for p in points]
    ys = [p.y for p in points]
    return {
        "bounding_box": {"min_x": min(xs), "min_y": min(ys), "max_x": max(xs), "max_y": max(ys)},
        "centroid": [sum(xs) / len(xs), sum(ys) / len(ys)],
    }


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
    lines.append(f"greedy route       length {report['greedy_route_length']:.6g} from point #0")
    lines.append("time per step")
    for name, seconds in report["timings"].items():
        lines.append(f"  {name:<19}{seconds * 1000:8.1f} ms")
    if "shadow" in report:
        from legacy_app.verify import format_speedup

        lines.append("shadow: the Python reference answered, Rust ran beside it")
        for name, figures in report["shadow"].items():
            lines.append(
                f"  {name:<19}{figures['compared']} compared, {figures['mismatches']} differ, "
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
