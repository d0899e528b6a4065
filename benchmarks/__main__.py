"""``python -m benchmarks``: every row of SPEC.md "Performance", side by side, in one run.

Each row times the Rust backend and its baseline in the same process, one after the
other, and prints both times and the ratio with its target. A missed target is
reported, never an error: the exit status is 0 whatever the ratios, 1 when a row
could not run or gave a wrong answer, 2 for bad usage or a build that is not release.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import os
import subprocess
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import legacy_app
from benchmarks import mypyc_baseline, rows
from benchmarks.report import Comparison, cores_notes, save_json, table
from benchmarks.timing import THREADS_VARIABLE, busy_text, machine, other_work

EXIT_REFUSED = 2


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description='Time every row of SPEC.md "Performance" against its baseline.',
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smaller inputs, for a smoke run (the targets are stated for the full sizes)",
    )
    parser.add_argument(
        "--json", metavar="OUT", type=Path, help="also save every number (each repeat) as JSON"
    )
    parser.add_argument(
        "--allow-debug",
        action="store_true",
        help="run on a build that is not release (its ratios say little)",
    )
    parser.add_argument(
        "--no-mypyc", action="store_true", help="skip the mypyc-compiled baseline (row 8)"
    )
    return parser.parse_args(argv)


def _progress(message: str) -> None:
    # Progress goes to stderr, so that stdout holds only the report.
    print(f"... {message}", file=sys.stderr, flush=True)


def _build_profile() -> str | None:
    """The Cargo profile of the importable ``rust_ext``, ``None`` when there is none."""
    try:
        import rust_ext
    except ImportError:
        return None
    return rust_ext.BUILD_PROFILE


def _built_from() -> str:
    """Which extension file is timed, when it was built, and the checkout's commit."""
    import rust_ext

    path = Path(rust_ext.__file__ or "")
    try:
        built = datetime.datetime.fromtimestamp(path.stat().st_mtime).isoformat(timespec="seconds")
    except OSError:
        built = "unknown"
    try:
        commit = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=path.parent,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "not a git checkout"
    # Others may rebuild the extension between runs: the file's time tells which build.
    return f"{path.name} modified {built}; checkout at {commit}"


def _header(profile: str, sizes: rows.Sizes, quick: bool) -> list[str]:
    lines = [f"legacy_app benchmarks, {datetime.datetime.now().isoformat(timespec='seconds')}"]
    lines += [f"  {key}: {value}" for key, value in machine().items()]
    lines.append(f"  rust_ext: {profile} build, {_built_from()}")
    lines.append(f"  random seed: {rows.SEED}")
    if profile != "release":
        lines.append("  WARNING: not a release build; these ratios do not measure the product.")
    lines.append(f"  before the run: {busy_text(other_work())}")
    if quick:
        lines.append(
            f"  QUICK sizes ({sizes.big_points:,} / {sizes.small_points:,} points, "
            f"{sizes.lines:,} lines, {sizes.sleepers:,} sleeps): "
            "the targets are for the full sizes."
        )
    return lines


def _method(sizes: rows.Sizes) -> list[str]:
    return [
        "Times are the best of their repeats (every repeat is in --json): per call with "
        f"timeit, best of {sizes.repeats} loops of >= 0.2 s;",
        f"{sizes.big_points:,}-point and {sizes.lines:,}-line rows best of "
        f"{sizes.big_repeats}, their pure-Python baselines {sizes.slow_repeats} run(s); "
        f"{sizes.small_points:,}-point baselines best of 3.",
        'Ratio: "the time" = ours / baseline; "faster" and "throughput" = baseline / ours.',
        "Rows 8/*: the pure-Python backend compiled with mypyc, for reference (no target).",
    ]


def _run_rows(bench: rows.Bench, sizes: rows.Sizes) -> tuple[list[Comparison], list[str]]:
    """Every row in SPEC.md's order; a row that fails is reported and the rest still run."""
    big = bench.points(sizes.big_points)
    steps: list[tuple[str, Callable[[], list[Comparison]]]] = [
        ("1", lambda: rows.point_calls(bench)),
        ("2", lambda: rows.against_scipy(bench, big)),
        ("3", lambda: rows.small_batches(bench)),
        ("4", lambda: rows.points_file(bench)),
        ("5", lambda: rows.thread_scaling(bench, big)),
        ("6", lambda: rows.gil_release(bench, big)),
        ("7", lambda: rows.concurrent_sleeps(bench)),
    ]
    comparisons: list[Comparison] = []
    errors: list[str] = []
    for row, step in steps:
        try:
            comparisons += step()
        # Any failure of one row is a real error to report, but not a reason to
        # throw away the other rows' numbers; the exit status still says it failed.
        except Exception as error:  # noqa: BLE001
            traceback.print_exc()
            errors.append(f"row {row}: {type(error).__name__}: {error}")
    # The mypyc reference rows go last, after the rows SPEC.md sets targets for.
    comparisons.sort(key=lambda comparison: comparison.row.startswith("8/"))
    return comparisons, errors


def _summary(comparisons: list[Comparison]) -> list[str]:
    judged = [comparison for comparison in comparisons if comparison.met is not None]
    missed = [comparison for comparison in judged if not comparison.met]
    lines = [
        f"Targets met: {len(judged) - len(missed)} of {len(judged)}. "
        # Other work on the machine slows the parallel rows most; say how busy it was.
        f"After the run: {busy_text(other_work())}."
    ]
    lines += [
        f"  MISSED row {c.row}: {c.work} vs {c.baseline}: ratio {c.ratio:.3g}, "
        f"target {c.target.describe()}"
        for c in missed
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks; the exit status is 0 whatever the ratios."""
    arguments = _arguments(argv)
    profile = _build_profile()
    if profile is None:
        print("rust_ext is not importable: build it first (make bench).", file=sys.stderr)
        return EXIT_REFUSED
    # Checked before anything is timed: a debug build is many times slower, and its
    # ratios would say nothing about what users run.
    if profile != "release" and not arguments.allow_debug:
        print(
            f"rust_ext was built with the {profile!r} profile; benchmarks need a release "
            "build.\nBuild one with `make bench`, or `LEGACY_APP_PROFILE=release pip "
            "install -e .`, or pass --allow-debug to time this build anyway.",
            file=sys.stderr,
        )
        return EXIT_REFUSED
    sizes = rows.QUICK if arguments.quick else rows.FULL
    header = _header(profile, sizes, arguments.quick)
    print("\n".join(header), flush=True)
    if THREADS_VARIABLE in os.environ:
        print(f"  note: {THREADS_VARIABLE} is unset for the all-cores measurements.")

    mypyc_module = None
    mypyc_summary = "mypyc baseline skipped (--no-mypyc)"
    if not arguments.no_mypyc:
        _progress("mypyc baseline: building or reusing the compiled pure-Python backend")
        baseline = mypyc_baseline.load()
        mypyc_module, mypyc_summary = baseline.module, baseline.summary
    print(f"  {mypyc_summary}", flush=True)

    bench = rows.Bench(
        sizes=sizes,
        rust=legacy_app.load_backend("rust"),
        python=legacy_app.load_backend("python"),
        mypyc=mypyc_module,
        progress=_progress,
        rng=np.random.default_rng(rows.SEED),
    )
    comparisons, errors = _run_rows(bench, sizes)

    print()
    print(table(comparisons))
    print()
    print("\n".join(_method(sizes) + cores_notes(comparisons)))
    print("\n".join(_summary(comparisons)))
    for error in errors:
        print(f"ERROR {error}")
    if arguments.json is not None:
        document: dict[str, Any] = {
            "header": header,
            "machine": machine(),
            "build_profile": profile,
            "quick": arguments.quick,
            "sizes": dataclasses.asdict(sizes),
            "seed": rows.SEED,
            "mypyc": mypyc_summary,
            "rows": [comparison.as_json() for comparison in comparisons],
            "errors": errors,
        }
        save_json(arguments.json, document)
        print(f"Saved {arguments.json}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
