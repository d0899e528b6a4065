"""``python -m benchmarks``: every row of the contract's performance table (docs/contract.md,
"Performance"), side by side, in one run.

Each row times the Rust backend and its baselines in the same process, taking turns,
and prints the median times and the ratio with its target. The ablation rows follow
(``benchmarks/ablation.py``): the rows the sparse grid and the SWAR line parser touch,
with each of them switched off. A missed target is
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
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import legacy_app
from benchmarks import ablation, columnar_rows, kernel_rows, mypyc_baseline, rows, shapes
from benchmarks.report import (
    Comparison,
    ScalingStep,
    ShapeTime,
    cores_notes,
    save_json,
    scaling_table,
    shapes_line,
    table,
)
from benchmarks.timing import THREADS_VARIABLE, OthersMeter, busy_text, machine, other_work

EXIT_REFUSED = 2


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description='Time every row of the performance table (docs/contract.md, "Performance") '
        "against its baselines.",
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
        "--no-mypyc", action="store_true", help="skip the mypyc-compiled baseline (rows m*)"
    )
    parser.add_argument(
        "--no-ablation",
        action="store_true",
        help="skip the ablation rows (python -m benchmarks.ablation), which build the "
        "extension twice more",
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
        "Times are medians. Rows 1-3: per call, the sides' timeit loops of whole calls "
        f"(>= {sizes.loop_seconds:g} s, the collector off) taking turns, "
        f"{sizes.per_call_repeats} rounds.",
        "Other rows: one call a run, the sides taking turns in rotating order, each run after "
        f"a full collection; {sizes.repeats} rounds (the pure-Python loader "
        f"{sizes.slow_repeats},",
        f"rows 8-9 {sizes.parallel_repeats}, scaling {sizes.scaling_repeats}). Every run is in "
        "--json. Ratio: 'the time' = ours / baseline; 'faster', 'throughput' = baseline / ours.",
        "Each row first checks its answers: ours exactly (against the baseline, the Numba "
        "grids or a known answer); the k-d trees'",
        "neighbours must be exactly as near as ours. The k-d tree times include building the "
        "tree; the Numba grids are compiled (and checked) first.",
        "Rows 1-3 pass lists of Points; rows 4-6, 8, 9 and the scaling table an (n, 2) int64 "
        f"NumPy array. Clustered: {shapes.CLUSTERS:,} centres, rounded normal offsets, sigma "
        f"{shapes.CLUSTER_SIGMA:g}.",
        "Row 7c: load_points makes its Points with the collector paused, so they all sit in "
        "the youngest generation and the next",
        "allocations pay one collection over them (7c: gc.collect(0) right after the call). "
        "The pure-Python loader pays its collections in its own time.",
        "Row 10: print_sleep prints two lines each; the asyncio side is an async def writing "
        "the same two lines around asyncio.sleep(0.1);",
        "both sides write to an io.StringIO, in a fresh event loop (asyncio.run), timed from "
        "creating the coroutines to the last one done.",
        "Rows m*: the pure-Python backend compiled with mypyc, for reference (no target).",
    ]


@dataclass
class Results:
    """Everything the run measured, and the rows that could not run."""

    comparisons: list[Comparison] = dataclasses.field(default_factory=list)
    shapes: list[ShapeTime] = dataclasses.field(default_factory=list)
    scaling: list[ScalingStep] = dataclasses.field(default_factory=list)
    memory: list[columnar_rows.Memory] = dataclasses.field(default_factory=list)
    errors: list[str] = dataclasses.field(default_factory=list)

    def attempt(self, row: str, step: Callable[[], None]) -> None:
        """Run ``step``; a failure is reported and counted, and the other rows still run."""
        try:
            step()
        # Any failure of one row is a real error to report, but not a reason to
        # throw away the other rows' numbers; the exit status still says it failed.
        except Exception as error:  # noqa: BLE001
            traceback.print_exc()
            self.errors.append(f"row {row}: {type(error).__name__}: {error}")


def _row_order(comparison: Comparison) -> tuple[int, int, str]:
    """The contract's order; each mypyc reference row at the end."""
    row = comparison.row
    digits = "".join(character for character in row.lstrip("m") if character.isdigit())
    return (row.startswith("m"), int(digits or 0), row)


def _run_rows(bench: rows.Bench) -> Results:
    """Every row in the contract's order; a row that fails is reported, the rest still run."""
    results = Results()
    found: dict[str, kernel_rows.Uniform] = {}

    def extend(more: list[Comparison]) -> None:
        results.comparisons.extend(more)

    def peers_rows() -> None:
        comparisons, uniform = kernel_rows.against_peers(bench)
        extend(comparisons)
        found["uniform"] = uniform

    def shape_rows() -> None:
        comparisons, relative = kernel_rows.input_shapes(bench, found["uniform"].points)
        extend(comparisons)
        results.shapes.extend(relative)

    def scaling_rows() -> None:
        results.scaling.extend(kernel_rows.scaling(bench))

    results.attempt("1", lambda: extend(rows.point_calls(bench)))
    results.attempt("2", lambda: extend(rows.small_batches(bench)))
    results.attempt("3", lambda: extend(rows.searches(bench)))
    results.attempt("Numba", lambda: kernel_rows.prepare_peers(bench))
    results.attempt("4", peers_rows)
    if "uniform" in found:
        uniform = found["uniform"]
        results.attempt("5", shape_rows)
        results.attempt("6", lambda: extend(kernel_rows.greedy_tour(bench, uniform.points)))
    results.attempt("7", lambda: extend(rows.points_file(bench)))
    if "uniform" in found:
        uniform = found["uniform"]
        results.attempt(
            "8", lambda: extend(rows.thread_scaling(bench, uniform.points, uniform.answer))
        )
        results.attempt(
            "9", lambda: extend(rows.gil_release(bench, uniform.points, uniform.answer))
        )
    results.attempt("10", lambda: extend(rows.concurrent_sleeps(bench)))
    results.attempt("11", lambda: extend(kernel_rows.crafted_shapes(bench)))

    def columnar_rows_() -> None:
        comparisons, memory = columnar_rows.columnar(bench, found["uniform"].points)
        extend(comparisons)
        results.memory.extend(memory)

    if "uniform" in found:
        results.attempt("12-15", columnar_rows_)
    results.attempt("scaling", scaling_rows)
    results.comparisons.sort(key=_row_order)
    return results


def _summary(comparisons: list[Comparison], others: OthersMeter) -> list[str]:
    judged = [comparison for comparison in comparisons if comparison.met is not None]
    missed = [comparison for comparison in judged if not comparison.met]
    during = others.cores()
    # Other work on the machine slows the parallel rows most; say how busy it was.
    during_text = "n/a" if during is None else f"{during:.2f} cores on average"
    lines = [
        f"Targets met: {len(judged) - len(missed)} of {len(judged)}. "
        f"Other processes during the rows: {during_text}"
        + (
            "; WARNING: run again on a quieter machine."
            if during is not None and during > 0.25
            else "."
        )
        + f" After the run: {busy_text(other_work())}."
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
    started = time.perf_counter()
    others = OthersMeter.start()
    results = _run_rows(bench)
    comparisons, errors = results.comparisons, results.errors

    print()
    print(table(comparisons))
    if results.memory:
        print()
        print("| row | work | peak memory | target | met |")
        print("|---|---|--:|---|---|")
        print("\n".join(memory.line() for memory in results.memory))
    if results.shapes:
        print()
        print(
            f"nearest_neighbors, {rows.count_text(sizes.big_points)} points, each shape's time "
            f"over uniform's (same rounds): {shapes_line(results.shapes)}"
        )
    if results.scaling:
        print()
        print(scaling_table(results.scaling, "Numba grid"))
    print()
    print("\n".join(_method(sizes) + cores_notes(comparisons)))
    print("\n".join(_summary(comparisons, others)))
    print(f"The rows took {time.perf_counter() - started:.0f} s.")
    for error in errors:
        print(f"ERROR {error}")
    # After the main rows, whose timings its builds and children would disturb.
    ablated = None
    if not arguments.no_ablation:
        print(flush=True)
        ablated = ablation.run(arguments.quick, _progress)
        print("\n".join(ablated.lines()))
        errors = errors + ablated.errors
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
            "shapes_over_uniform": {shape.shape: shape.relative for shape in results.shapes},
            "scaling": [step.as_json() for step in results.scaling],
            "memory": [memory.as_json() for memory in results.memory],
            "ablation": None if ablated is None else ablated.as_json(),
            "errors": errors,
        }
        save_json(arguments.json, document)
        print(f"Saved {arguments.json}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
