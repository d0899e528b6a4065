"""The ``legacy-app`` command (also ``python -m legacy_app``).

Exit status: 0 on success; 1 on a ``HelloError``, an output that cannot be written, or
(``verify``) a disagreement between the backends; 2 on bad usage; 130 on Ctrl-C; 141 when
the reader of standard output went away (``| head``), quietly, as a Unix tool killed by
SIGPIPE. An unexpected internal error is not bad usage: it shows its traceback.
Output files are written whole or not at all.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import math
import os
import secrets
import signal
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from importlib import resources
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any, TextIO, TypeVar

import legacy_app
from legacy_app.errors import HelloError
from legacy_app.progress import Progress, ProgressBar

T = TypeVar("T")

EXIT_OK = 0
EXIT_HELLO_ERROR = 1
EXIT_OUTPUT_ERROR = 1
EXIT_BACKENDS_DIFFER = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_CLOSED_PIPE = 128 + getattr(signal, "SIGPIPE", 13)

# --backend: the two implementations, or the reference with Rust compared beside it.
BACKEND_CHOICES = (*legacy_app.BACKENDS, "shadow")


class UsageError(Exception):
    """Bad input from the command line: reported with exit status 2."""


class OutputError(Exception):
    """An output that cannot be written: reported with exit status 1, no traceback."""


def sample_path() -> Path:
    """The sample points file shipped inside the package."""
    return Path(str(resources.files("legacy_app") / "data" / "sample_points.csv"))


def from_command_line(call: Callable[..., T], *args: Any) -> T:
    """``call(*args)`` where the arguments came from the command line: what the call
    rejects as a bad value is bad usage, not an internal error."""
    try:
        return call(*args)
    except HelloError:
        raise
    except (ValueError, OverflowError) as error:
        raise UsageError(str(error)) from None


@contextlib.contextmanager
def output_to(name: str) -> Iterator[None]:
    """Report a failed write to ``name`` as an ``OutputError`` (a closed pipe stays one)."""
    try:
        yield
    except (BrokenPipeError, HelloError):
        raise
    except OSError as error:
        reason = error.strerror or str(error)
        raise OutputError(f"cannot write {name}: {reason}") from None


def emit(text: str) -> None:
    """Print ``text`` and a newline on standard output."""
    with output_to("standard output"):
        print(text)


# Temporary files not yet renamed into place or removed. Ctrl-C removes them first thing
# (see interrupts_remove_temporaries): there is no moment at which one can be left behind.
_temporaries: set[str] = set()


def _remove_temporary(name: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(name)
    _temporaries.discard(name)


def _remove_temporaries() -> None:
    for name in list(_temporaries):
        _remove_temporary(name)


@contextlib.contextmanager
def interrupts_remove_temporaries() -> Iterator[None]:
    """While this lasts, Ctrl-C removes the temporary files before it interrupts anything.

    A handler runs at whatever point the interpreter notices the signal: right after the
    file is created, before a ``try`` is entered, in the middle of cleaning up. Removing
    the files from the handler itself leaves no such gap.
    """
    previous = (
        signal.getsignal(signal.SIGINT)
        if threading.current_thread() is threading.main_thread()
        else None
    )
    if not callable(previous):
        # Another thread (signals reach the main one only), or SIGINT ignored or not
        # Python's: then no KeyboardInterrupt can come, and the finally clause suffices.
        yield
        return
    interrupted = previous

    def on_interrupt(signum: int, frame: FrameType | None) -> Any:
        _remove_temporaries()
        return interrupted(signum, frame)

    signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _create_temporary(target: str) -> tuple[int, str]:
    """A new file beside ``target``, private to this call, registered before it exists."""
    directory, name = os.path.split(target)
    while True:
        temporary = os.path.join(directory, f".{name}.{secrets.token_hex(8)}.tmp")
        _temporaries.add(temporary)
        try:
            # 0o666 less the umask, as open() makes a new file.
            return os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), temporary
        except FileExistsError:
            _temporaries.discard(temporary)  # 64 random bits: never, in practice
        except BaseException:
            _remove_temporary(temporary)
            raise


def written_in_place(path: Path) -> bool:
    """Whether ``path`` is a device, FIFO or the like: written directly, never replaced."""
    if os.path.abspath(path).startswith(("/dev/", "/proc/")):
        # /dev/stdout is a link to wherever standard output goes, a regular file too.
        return True
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False  # not there yet: created like a regular file


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[TextIO]:
    """Write ``path`` whole or not at all.

    A regular file is written through a temporary file beside it and renamed into place
    on success (through a symlink, the link's target is replaced and the link kept), so
    an error or Ctrl-C at any moment leaves the old file and no temporary behind. A
    device or FIFO (``/dev/null``, ``/dev/stdout``) is written directly.
    """
    with output_to(str(path)):
        if written_in_place(path):
            with open(path, "w", encoding="utf-8", newline="\n") as out:
                yield out
            return
        target = os.path.realpath(path)
        with interrupts_remove_temporaries():
            temporary = ""
            try:
                fd, temporary = _create_temporary(target)
                with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
                    yield out
                    out.flush()
                    os.fsync(out.fileno())
                with contextlib.suppress(FileNotFoundError):
                    # Replacing a file keeps its permissions, as editing it in place would.
                    os.chmod(temporary, stat.S_IMODE(os.stat(target).st_mode))
                os.replace(temporary, target)
            finally:
                # After the rename the name is gone and this finds nothing to remove.
                _remove_temporary(temporary)


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


def positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"not a positive integer: {text!r}")
    return value


def make_parser() -> argparse.ArgumentParser:
    backend = argparse.ArgumentParser(add_help=False)
    backend.add_argument(
        "--backend",
        choices=BACKEND_CHOICES,
        default=argparse.SUPPRESS,
        help="the implementation to use (default: LEGACY_APP_BACKEND, else Rust when built); "
        "shadow: the pure-Python reference answers, Rust runs beside it and is compared",
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
    report.add_argument(
        "--svg", type=Path, metavar="OUT", help="draw the points and the route (an SVG picture)"
    )

    verify = commands.add_parser(
        "verify",
        help="both backends on FILE, function by function: agreement and times",
        description="Load FILE under both backends and run every batch function on it: "
        "per function, agree or the first difference, and both times. Exit status 0 when "
        "all agree, 1 otherwise. Always both backends (no --backend). The pure-Python side "
        "is slow: about half a minute for 100,000 points, twenty minutes or more for a "
        "million (see --max-points).",
    )
    verify.add_argument("file", type=Path, metavar="FILE", help="points file, one x,y a line")
    verify.add_argument("--json", action="store_true", help="print machine-readable JSON")
    verify.add_argument(
        "--max-points",
        type=positive,
        metavar="N",
        help="run the batch functions on every k-th point, at most N of them (default: all); "
        "load_points still reads the whole file",
    )

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


def decimal(number: int) -> str:
    """``number`` in full, however many digits (no integer-to-string digit limit)."""
    set_limit = getattr(sys, "set_int_max_str_digits", None)
    if set_limit is None:
        return str(number)  # a Python without the limit
    limit = sys.get_int_max_str_digits()
    set_limit(0)
    try:
        return str(number)
    finally:
        set_limit(limit)


def run(args: argparse.Namespace) -> int:
    name: str | None = getattr(args, "backend", None)
    if args.command == "verify":
        if name is not None:
            raise UsageError("verify always runs both backends: --backend does not apply")
        return run_verify(args.file, args.json, args.max_points)
    try:
        api: ModuleType = legacy_app if name is None else legacy_app.load_backend(name)
    except ImportError as error:
        raise UsageError(str(error)) from None
    backend = name or legacy_app.BACKEND
    if args.command == "report":
        run_report(api, backend, args)
    elif args.command == "hello":
        with output_to("standard output"):
            api.say_hello()
    elif args.command == "fact":
        emit(decimal(from_command_line(api.fact, args.n)))
    elif args.command == "dist":
        a = from_command_line(api.Point, args.x1, args.y1)
        b = from_command_line(api.Point, args.x2, args.y2)
        emit(repr(a.dist(b)))
    elif args.command == "sleep":
        if args.seconds < 0:
            raise UsageError(f"SECONDS must not be negative, got {args.seconds}")
        duration = from_command_line(datetime.timedelta, 0, args.seconds)
        with output_to("standard output"):
            asyncio.run(api.print_sleep(duration))
    elif args.command == "fail":
        api.throws_error()
    return EXIT_OK


def run_report(api: ModuleType, backend: str, args: argparse.Namespace) -> None:
    path = args.file if args.file is not None else sample_path()
    report = build_report(api, backend, path, show_progress=not args.json)
    if backend == "shadow":
        report["shadow"] = shadow_figures()
    if args.svg is not None:
        from legacy_app.picture import write_picture

        pair = report["closest_pair"]
        with atomic_output(args.svg) as out:
            write_picture(
                out,
                report["points"],
                report["route"],
                name=path.name,
                route_length=report["greedy_route_length"],
                closest_pair=None if pair is None else (pair["i"], pair["j"], pair["distance"]),
            )
    del report["points"], report["route"]
    emit(json.dumps(report, indent=2) if args.json else format_report(report))


def shadow_figures() -> dict[str, dict[str, Any]]:
    """What the shadow backend compared during the report, per function it ran."""
    from legacy_app import shadow

    return {
        name: {**figures._asdict(), "speedup": figures.speedup}
        for name, figures in shadow.report().items()
        if figures.calls
    }


def run_verify(path: Path, as_json: bool, max_points: int | None) -> int:
    from legacy_app import verify

    try:
        python = legacy_app.load_backend("python")
        rust = legacy_app.load_backend("rust")
    except ImportError as error:
        raise UsageError(str(error)) from None
    if not as_json:
        emit(f"verify {path}: every function under both backends")
        emit(verify.HEADER)
    checks = []
    for check in verify.verify(path, python, rust, show_progress=True, max_points=max_points):
        checks.append(check)
        if not as_json:
            emit(verify.format_check(check))
            with output_to("standard output"):
                sys.stdout.flush()  # row by row: the Python side can take minutes
    count = verify.point_count(checks)
    agree = all(check.agree for check in checks)
    if as_json:
        document = {
            "file": str(path),
            "points": count,
            "batch_stride": None if count is None else verify.stride(count, max_points),
            "agree": agree,
            "functions": [check.as_json() for check in checks],
        }
        emit(json.dumps(document, indent=2))
    else:
        emit(verify.format_summary(checks, count, max_points))
    return EXIT_OK if agree else EXIT_BACKENDS_DIFFER


def quiet_stdout() -> None:
    """Point standard output at /dev/null, so the interpreter's last flush cannot fail."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; return its exit status."""
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        status = run(args)
        with output_to("standard output"):
            sys.stdout.flush()
        return status
    except HelloError as error:
        print(f"legacy-app: {error}", file=sys.stderr)
        return EXIT_HELLO_ERROR
    except OutputError as error:
        quiet_stdout()
        print(f"legacy-app: {error}", file=sys.stderr)
        return EXIT_OUTPUT_ERROR
    except UsageError as error:
        parser.print_usage(sys.stderr)
        print(f"legacy-app: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader went away (| head): nothing more to say, and nowhere to say it.
        quiet_stdout()
        return EXIT_CLOSED_PIPE
    except KeyboardInterrupt:
        print("legacy-app: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
