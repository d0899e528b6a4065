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
import datetime
import json
import math
import signal
import sys
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import legacy_app
from legacy_app.errors import HelloError
from legacy_app.output import (
    OutputError,
    atomic_output,
    emit,
    output_to,
    quiet_stdout,
    standard_output_document,
)
from legacy_app.report import build_report, format_report, point_columns, shadow_figures

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
# An output file given as this means standard output, as for most Unix tools.
STANDARD_OUTPUT = "-"


class UsageError(Exception):
    """Bad input from the command line: reported with exit status 2."""


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
        "--svg",
        metavar="OUT",
        help="draw the points and the route (an SVG picture); - writes it to standard "
        "output, and the report to standard error",
    )

    verify = commands.add_parser(
        "verify",
        parents=[backend],
        help="both backends on FILE, function by function: agreement and times",
        description="Load FILE under both backends and run every batch function on it: "
        "per function, agree or the first difference, and both times. Exit status 0 when "
        "all agree, 1 otherwise. Always both backends, whatever --backend says. The "
        "pure-Python side is slow: about half a minute for 100,000 points, twenty minutes "
        "or more for a million (see --max-points).",
    )
    verify.add_argument("file", type=Path, metavar="FILE", help="points file, one x,y a line")
    verify.add_argument("--json", action="store_true", help="print machine-readable JSON")
    verify.add_argument(
        "--max-points",
        type=positive,
        metavar="N",
        help="run the batch functions and PointSet questions on every k-th point, at most N "
        "of them (default: all); the loaders still read the whole file",
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
            print(
                f"legacy-app: verify runs both backends: --backend {name} changes nothing",
                file=sys.stderr,
            )
        return run_verify(args.file, args.json, args.max_points)
    if args.command == "report" and args.svg == STANDARD_OUTPUT and args.json:
        raise UsageError("--svg - and --json would both write to standard output: choose one")
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
        picture = (
            standard_output_document()
            if args.svg == STANDARD_OUTPUT
            else atomic_output(Path(args.svg))
        )
        with picture as out:
            write_picture(
                out,
                point_columns(report["points"]),
                report["route"],
                name=path.name,
                route_length=report["greedy_route_length"],
                closest_pair=None if pair is None else (pair["i"], pair["j"], pair["distance"]),
            )
    del report["points"], report["route"]
    if args.svg == STANDARD_OUTPUT:
        print(format_report(report), file=sys.stderr)
    else:
        emit(json.dumps(report, indent=2) if args.json else format_report(report))


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
