"""The ``legacy-app`` command (also ``python -m legacy_app``).

Exit status: 0 on success, 1 on a ``HelloError`` (its message on stderr, no
traceback), 2 on bad usage. Output files are written whole or not at all.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any, TextIO, TypeVar

import legacy_app
from legacy_app.errors import HelloError

T = TypeVar("T")

EXIT_OK = 0
EXIT_HELLO_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """Bad input from the command line: reported with exit status 2."""


def sample_path() -> Path:
    """The sample points file shipped inside the package."""
    return Path(str(resources.files("legacy_app") / "data" / "sample_points.csv"))


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[TextIO]:
    """Write ``path`` through a temporary file beside it, renamed into place on success,
    so that an error or Ctrl-C midway leaves no half-written file behind."""
    directory = path.parent if str(path.parent) else Path(".")
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        # mkstemp makes the file private (0600); give it the mode open() would have.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


Progress = Callable[[int, int], None]


class Steps:
    """Times each step of the report; for people, a progress bar on stderr per step."""

    def __init__(self, show: bool) -> None:
        self.timings: dict[str, float] = {}
        self.show = show

    def run(self, name: str, work: Callable[[Progress], T]) -> T:
        """Run ``work``, handing it a ``progress(done, total)`` callback for its bar."""
        bar: Any = None
        if self.show:
            from tqdm import tqdm

            # disable=None: a bar only where stderr is a terminal, never in logs or pipes.
            bar = tqdm(desc=name, file=sys.stderr, unit="pt", leave=False, disable=None)

        def progress(done: int, total: int) -> None:
            if bar is not None:
                bar.total = total
                bar.update(done - bar.n)

        start = time.perf_counter()
        try:
            return work(progress)
        finally:
            self.timings[name] = time.perf_counter() - start
            if bar is not None:
                bar.close()


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
    return "\n".join(lines)


def write_svg(out: TextIO, points: Sequence[Any], route: Sequence[int], size: int = 1000) -> None:
    """Draw the points and the route, scaled to a ``size``-unit square."""
    if points:
        min_x = min(p.x for p in points)
        min_y = min(p.y for p in points)
        span = max(max(p.x for p in points) - min_x, max(p.y for p in points) - min_y, 1)
    else:
        min_x = min_y = span = 1
    scale = (size - 20) / span

    def at(k: int) -> str:
        p = points[k]
        # SVG's y grows downwards; flip it so the drawing reads like a map.
        return f"{10 + (p.x - min_x) * scale:.1f} {size - 10 - (p.y - min_y) * scale:.1f}"

    out.write(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'width="{size}" height="{size}">\n'
        f'<rect width="{size}" height="{size}" fill="white"/>\n'
    )
    if len(route) > 1:
        out.write('<path fill="none" stroke="#4062bb" stroke-width="0.4" d="M')
        out.write(" L".join(at(k) for k in route))
        out.write('"/>\n')
    if points:
        # Every point as a zero-length round-capped segment: one element, not a million.
        out.write('<path stroke="#d1495b" stroke-width="2.5" stroke-linecap="round" d="')
        out.write(" ".join(f"M{at(k)}h0" for k in range(len(points))))
        out.write('"/>\n')
    out.write("</svg>\n")


def coordinate(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"not a finite number of seconds: {text!r}")
    return value


def make_parser() -> argparse.ArgumentParser:
    backend = argparse.ArgumentParser(add_help=False)
    backend.add_argument(
        "--backend",
        choices=legacy_app.BACKENDS,
        default=argparse.SUPPRESS,
        help="the implementation to use (default: LEGACY_APP_BACKEND, else Rust when built)",
    )
    parser = argparse.ArgumentParser(
        prog="legacy-app",
        description="Points, distances, nearest neighbours and routes.",
        parents=[backend],
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    report = commands.add_parser(
        "report", parents=[backend], help="the main job: figures for a points file"
    )
    report.add_argument(
        "file", nargs="?", type=Path, help="points file, one x,y a line (default: the sample)"
    )
    report.add_argument("--json", action="store_true", help="print machine-readable JSON")
    report.add_argument("--svg", type=Path, metavar="OUT", help="draw the points and the route")

    commands.add_parser("hello", parents=[backend], help="print Hello world!")
    fact = commands.add_parser("fact", parents=[backend], help="print N!")
    fact.add_argument("n", type=coordinate, metavar="N")
    dist = commands.add_parser("dist", parents=[backend], help="distance between two points")
    for name in ("x1", "y1", "x2", "y2"):
        dist.add_argument(name, type=coordinate, metavar=name.upper())
    sleep = commands.add_parser("sleep", parents=[backend], help="sleep, saying so")
    sleep.add_argument("seconds", type=seconds, metavar="SECONDS")
    commands.add_parser("fail", parents=[backend], help="raise AppleStuckInThroat")
    return parser


def run(args: argparse.Namespace) -> int:
    name: str | None = getattr(args, "backend", None)
    try:
        api: ModuleType = legacy_app if name is None else legacy_app.load_backend(name)
    except ImportError as error:
        raise UsageError(str(error)) from None
    backend = name or legacy_app.BACKEND
    if args.command == "report":
        path = args.file if args.file is not None else sample_path()
        report = build_report(api, backend, path, show_progress=not args.json)
        if args.svg is not None:
            with atomic_output(args.svg) as out:
                write_svg(out, report["points"], report["route"])
        del report["points"], report["route"]
        if args.json:
            print(json.dumps(report, indent=2))
        else:
            print(format_report(report))
    elif args.command == "hello":
        api.say_hello()
    elif args.command == "fact":
        print(api.fact(args.n))
    elif args.command == "dist":
        print(api.Point(args.x1, args.y1).dist(api.Point(args.x2, args.y2)))
    elif args.command == "sleep":
        if args.seconds < 0:
            raise UsageError(f"SECONDS must not be negative, got {args.seconds}")
        asyncio.run(api.print_sleep(datetime.timedelta(seconds=args.seconds)))
    elif args.command == "fail":
        api.throws_error()
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; return its exit status."""
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        return run(args)
    except HelloError as error:
        print(f"legacy-app: {error}", file=sys.stderr)
        return EXIT_HELLO_ERROR
    except (UsageError, ValueError, TypeError, IndexError, OverflowError) as error:
        parser.print_usage(sys.stderr)
        print(f"legacy-app: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("legacy-app: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
