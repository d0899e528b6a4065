"""The rows of the contract's "Performance" table for the columnar path: the whole
``legacy-app report`` on ten million points against the project's own kernels, its
picture, loading a points file into a ``PointSet``, and a ``PointSet``'s three
questions against the module functions.

The command runs as a user runs it, a process of its own, timed from start to exit
with its peak resident memory (``wait4``'s ``ru_maxrss``); its kernels' floor is timed
in this process, in the same rounds.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import shapes
from benchmarks.checks import ResultMismatch, same
from benchmarks.report import Comparison, Target
from benchmarks.rows import Bench, count_text
from benchmarks.timing import Work, interleaved

POLARS = "polars.read_csv into an (n, 2) array"
LOADTXT = 'numpy.loadtxt(delimiter=",", dtype=int64)'
# The report's memory target: bytes of peak resident memory a point.
BYTES_PER_POINT = 100


@dataclass(frozen=True)
class Memory:
    """A whole command's peak resident memory against its bytes-a-point target."""

    row: str
    work: str
    peaks: tuple[int, ...]
    points: int
    limit: float

    @property
    def per_point(self) -> float:
        return max(self.peaks) / self.points

    @property
    def met(self) -> bool:
        return self.per_point <= self.limit

    def line(self) -> str:
        verdict = "yes" if self.met else "NO"
        return (
            f"| {self.row} | {self.work} | {max(self.peaks) / 2**20:,.0f} MiB peak "
            f"({self.per_point:.1f} bytes a point) | <= {self.limit:g} bytes a point | {verdict} |"
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "work": self.work,
            "peak_bytes": list(self.peaks),
            "points": self.points,
            "bytes_per_point": self.per_point,
            "limit": self.limit,
            "met": self.met,
        }


# The command is started by this small launcher, which reports the command's peak. A
# child's ru_maxrss counts what the process it was forked (or vforked) from held when it
# called exec: measured straight from this process, which holds the benchmark's arrays, a
# 600 MB report read as 1.8 GB. The launcher holds about 10 MB, an upper bound on the error.
_LAUNCHER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
with open(sys.argv[1], "w") as peak:
    peak.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_command(arguments: list[str]) -> tuple[str, int]:
    """Run ``python -m legacy_app ARGUMENTS`` (Rust backend); its stdout and peak RSS."""
    command = [sys.executable, "-m", "legacy_app", *arguments, "--backend", "rust"]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        with tempfile.NamedTemporaryFile("r") as peak:
            launcher = [sys.executable, "-c", _LAUNCHER, peak.name, *command]
            returncode = subprocess.run(launcher, stdout=out, stderr=err, check=False).returncode
            # wait4's ru_maxrss: the command's own peak resident set, in KiB.
            peak_bytes = int(peak.read() or 0) * 1024
        out.seek(0)
        err.seek(0)
        if returncode != 0:
            raise ResultMismatch(
                f"legacy-app {' '.join(arguments)} exited {returncode}: "
                f"{err.read().decode(errors='replace')[-2000:]}"
            )
        return out.read().decode(), peak_bytes


def write_points_file(path: Path, points: shapes.Points, append: bool = False) -> None:
    """One ``x,y`` a line, fast enough for a hundred million points."""
    block = 1_000_000
    with path.open("ab" if append else "wb") as out:
        for start in range(0, len(points), block):
            rows = points[start : start + block]
            text = np.char.add(np.char.add(rows[:, 0].astype(str), ","), rows[:, 1].astype(str))
            out.write(("\n".join(text.tolist()) + "\n").encode())


def read_with_polars(path: Path) -> Any:
    """The file as an ``(n, 2)`` array, read by polars (on every core)."""
    import polars

    frame = polars.read_csv(
        path,
        has_header=False,
        new_columns=["x", "y"],
        schema_overrides={"x": polars.UInt32, "y": polars.UInt32},
    )
    return frame.to_numpy()


@dataclass
class Floor:
    """What the report's figures cost the project's kernels, given the file: polars
    reads it, then all-nearest and the greedy route on the array."""

    path: Path
    rust: Any
    answers: dict[str, Any] = field(default_factory=dict)

    def run(self) -> tuple[Any, Any]:
        points = read_with_polars(self.path)
        neighbours = self.rust.nearest_neighbors(points)
        route = self.rust.greedy_route(points)
        if not self.answers:
            self.answers = {"points": points, "distances": neighbours[1], "route": route}
        return neighbours, route


def _check_report(label: str, output: str, floor: Floor) -> None:
    """The report's figures are the kernels' on the same points."""
    report = json.loads(output)
    distances, route = floor.answers["distances"], floor.answers["route"]
    expected = {
        "count": len(distances),
        "min": float(distances.min()),
        "max": float(distances.max()),
        "length": float(floor.rust.path_length(floor.answers["points"][route])),
    }
    found = {
        "count": report["count"],
        "min": report["nearest_neighbor_distance"]["min"],
        "max": report["nearest_neighbor_distance"]["max"],
        "length": report["greedy_route_length"],
    }
    same(label, found, expected)


def report_rows(bench: Bench, directory: Path) -> tuple[list[Comparison], list[Memory]]:
    """Row 12: the whole ``legacy-app report`` on ``report_points`` uniform points against
    its kernels' floor, its peak memory, and row 13: the same with ``--svg``."""
    count = bench.sizes.report_points
    path = directory / "uniform.csv"
    bench.progress(f"rows 12-13: writing {count:,} uniform points")
    write_points_file(path, shapes.uniform(bench.rng, count))
    floor = Floor(path, bench.rust)
    outputs: dict[str, list[str]] = {"report": [], "svg": []}
    peaks: dict[str, list[int]] = {"report": [], "svg": []}

    def command(name: str, arguments: list[str]) -> Callable[[], None]:
        def run() -> None:
            output, peak = run_command(arguments)
            outputs[name].append(output)
            peaks[name].append(peak)

        return run

    picture = directory / "picture.svg"
    works = {
        "floor": Work(floor.run),
        "report": Work(command("report", ["report", str(path), "--json"])),
        "svg": Work(command("svg", ["report", str(path), "--json", "--svg", str(picture)])),
    }
    bench.progress(f"rows 12-13: legacy-app report on {count:,} points, and its kernels")
    timings = interleaved(works, bench.sizes.slow_repeats)
    for name, runs in outputs.items():
        _check_report(f"row 12, {name}", runs[0], floor)
    work = f"legacy-app report, {count_text(count)} uniform points (whole process)"
    comparisons = [
        Comparison(
            "12",
            work,
            timings["report"],
            "its kernels: " + POLARS + ", nearest_neighbors, greedy_route",
            timings["floor"],
            Target("time", 1.5),
            parallel=True,
        ),
        Comparison(
            "13",
            f"legacy-app report --svg, {count_text(count)} uniform points",
            timings["svg"],
            "the same report without --svg",
            timings["report"],
            Target("time", 1.5),
            parallel=True,
        ),
    ]
    memory = [
        Memory("12m", work, tuple(peaks["report"]), count, BYTES_PER_POINT),
        Memory("13m", "the same with --svg", tuple(peaks["svg"]), count, BYTES_PER_POINT),
    ]
    return comparisons, memory


def load_rows(bench: Bench, directory: Path) -> list[Comparison]:
    """Row 14: ``PointSet.load`` against polars and ``numpy.loadtxt`` on the same file."""
    count = bench.sizes.report_points
    path = directory / "uniform.csv"
    if not path.exists():
        write_points_file(path, shapes.uniform(bench.rng, count))
    point_set = bench.rust.PointSet
    bench.progress(f"row 14: PointSet.load, {count:,} lines, against polars and numpy.loadtxt")
    expected = read_with_polars(path)

    def check(name: str) -> Callable[[Any], None]:
        def compare(result: Any) -> None:
            array = result.to_numpy() if hasattr(result, "to_numpy") else result
            same(f"row 14, {name}", np.asarray(array, dtype=np.int64), expected.astype(np.int64))

        return compare

    works = {
        "ours": Work(lambda: point_set.load(path), check("PointSet.load")),
        "polars": Work(lambda: read_with_polars(path)),
        "loadtxt": Work(
            lambda: np.loadtxt(path, delimiter=",", dtype=np.int64),
            check("numpy.loadtxt"),
            repeats=bench.sizes.slow_repeats,
        ),
    }
    timings = interleaved(works, bench.sizes.repeats)
    work = f"PointSet.load, {count_text(count)} lines"
    return [
        Comparison("14a", work, timings["ours"], POLARS, timings["polars"], Target("time", 1)),
        Comparison("14b", work, timings["ours"], LOADTXT, timings["loadtxt"], Target("faster", 5)),
    ]


def point_set_rows(bench: Bench, points: shapes.Points) -> list[Comparison]:
    """Row 15: a ``PointSet`` built from an array and asked nearest neighbours, closest
    pair and route, against the three module functions on the same array."""
    rust = bench.rust
    bench.progress(f"row 15: a PointSet of {len(points):,} points and its three questions")

    def with_a_set() -> tuple[Any, Any, Any]:
        point_set = rust.PointSet(points)
        return (
            point_set.nearest_neighbors(),
            point_set.closest_pair(),
            point_set.greedy_route(),
        )

    def with_functions() -> tuple[Any, Any, Any]:
        return (
            rust.nearest_neighbors(points),
            rust.closest_pair(points),
            rust.greedy_route(points),
        )

    expected = with_functions()
    works = {
        "set": Work(with_a_set, lambda result: same("row 15", result, expected)),
        "functions": Work(with_functions),
    }
    timings = interleaved(works, bench.sizes.repeats)
    return [
        Comparison(
            "15",
            f"PointSet({count_text(len(points))} array) + its 3 questions, building included",
            timings["set"],
            "the 3 module functions on the array",
            timings["functions"],
            Target("time", 0.8),
            parallel=True,
        )
    ]


def columnar(bench: Bench, uniform: shapes.Points) -> tuple[list[Comparison], list[Memory]]:
    """Rows 12-15, their files in a temporary directory removed afterwards."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="legacy-app-bench-") as name:
        directory = Path(name)
        comparisons, memory = report_rows(bench, directory)
        comparisons += load_rows(bench, directory)
    comparisons += point_set_rows(bench, uniform)
    bench.progress(f"rows 12-15 took {time.perf_counter() - started:.0f} s")
    return comparisons, memory
