"""``python -m benchmarks.ablation``: does each of the core's fast paths earn its place?

Two components of ``legacy_core`` exist only to be fast: the sparse Z-order grid
(``sparse.rs``, searched by ``nearest/sparse.rs``), which answers all-nearest on
clustered, diagonal and few-lines inputs in place of the bucket tree, and the SWAR fast
path of the points-file parser (``points_file/chunk.rs``). Each has a test-only Cargo
feature that turns it off (``ablate-sparse``, ``ablate-swar``; the answers stay the
same). This builds the extension three times (as usual, and with each feature), then
times the Performance rows each component touches with the normal build and the ablated
one taking turns, every run in a fresh child process that imports ``rust_ext`` from the
build's own directory.

A component earns its place in a row when switching it off makes the row slower by more
than the row's own noise: the median difference is larger than the max-min spread of
the normal build's runs. ``make bench`` runs this after the main rows.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import gc
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import shapes
from benchmarks.columnar_rows import write_points_file
from benchmarks.report import render, save_json, seconds_text
from benchmarks.rows import FULL, QUICK, SEED, Sizes, count_text
from benchmarks.timing import THREADS_VARIABLE, OthersMeter, Timing, busy_text, machine, other_work

CHECKOUT = Path(__file__).resolve().parents[1]
CARGO_TOML = CHECKOUT / "rust_ext" / "Cargo.toml"
# The name CPython imports an abi3 extension module by (rust_ext is built abi3-py39).
MODULE_FILE = "rust_ext.abi3.so"

NORMAL = "normal"
SPARSE = "ablate-sparse"
SWAR = "ablate-swar"
# The component each feature turns off, as the table names it.
COMPONENTS = {SPARSE: "the sparse Z-order grid", SWAR: "the SWAR line parser"}

ROUNDS = 5
QUICK_ROUNDS = 3

EARNS = "earns its place"
NO_GAIN = "no measurable gain"

# The inputs a child can make, by the names the Performance rows give them.
SHAPES: dict[str, shapes.Shape] = {
    "clustered": shapes.clustered,
    **shapes.TARGET_SHAPES,
    **shapes.INFO_SHAPES,
    **shapes.CRAFTED_SHAPES,
}
# Row 11's shapes the sparse grid answers (asked of the index, `Index::kind`, on these
# very inputs at 100,000 and 1,000,000 points); clumps of 11 go to the uniform grid.
# A shape it does not answer only reads about 1.00x below.
SPARSE_CRAFTED = (
    "sample spread, one point elsewhere",
    "sample spread, a dense square elsewhere",
    "sample spread, clumps of 24 elsewhere",
)


# Why a row is timed although the component cannot make it faster: what it costs there.
TREE_NOTE = "the tree answers; the sparse grid's own count, which turns it down, is its cost"
ROUTE_NOTE = "the route never asks the sparse grid, but its index builds one"


class AblationError(Exception):
    """A build failed, a child failed, or the two builds disagreed on an answer."""


@dataclass(frozen=True)
class Task:
    """What one child times: a function of the build on one seeded input, or a file."""

    function: str
    shape: str = ""
    count: int = 0
    seed: int = 0
    path: str = ""


@dataclass(frozen=True)
class Row:
    """A Performance row (or rows timing the same call) and the switch that touches it."""

    row: str
    work: str
    switch: str
    task: Task
    # Why the row is here when the component cannot make it faster.
    note: str = ""


@dataclass(frozen=True)
class Measured:
    """One row's runs with the normal build and with the component switched off."""

    row: Row
    normal: Timing
    ablated: Timing

    @property
    def ratio(self) -> float:
        """The switched-off median over the normal one: above 1, the component helps."""
        return self.ablated.median / self.normal.median

    @property
    def spread(self) -> float:
        """The normal build's max-min over its runs: the row's own noise."""
        return max(self.normal.runs) - min(self.normal.runs)

    @property
    def earns(self) -> bool:
        """Switching the component off makes the row slower by more than its noise."""
        return self.ablated.median - self.normal.median > self.spread

    @property
    def faster_without(self) -> bool:
        """Switched off, the row is faster by more than the ablated runs' own spread."""
        spread = max(self.ablated.runs) - min(self.ablated.runs)
        return self.normal.median - self.ablated.median > spread

    def verdict(self) -> str:
        if self.earns:
            return EARNS
        return NO_GAIN + (" (faster without it)" if self.faster_without else "")

    def line(self) -> list[str]:
        return [
            self.row.row,
            self.row.work + (" *" if self.row.note else ""),
            COMPONENTS[self.row.switch].removeprefix("the "),
            seconds_text(self.normal.median),
            seconds_text(self.ablated.median),
            f"{self.ratio:.2f}x",
            seconds_text(self.spread),
            seconds_text(self.normal.best),
            seconds_text(self.ablated.best),
            self.verdict(),
        ]

    def as_json(self) -> dict[str, Any]:
        return {
            "row": self.row.row,
            "work": self.row.work,
            "note": self.row.note,
            "switch": self.row.switch,
            "component": COMPONENTS[self.row.switch],
            "task": dataclasses.asdict(self.row.task),
            "normal_runs": list(self.normal.runs),
            "ablated_runs": list(self.ablated.runs),
            "normal_median": self.normal.median,
            "ablated_median": self.ablated.median,
            "ratio": self.ratio,
            "normal_spread": self.spread,
            "normal_min": self.normal.best,
            "ablated_min": self.ablated.best,
            "verdict": self.verdict(),
        }


@dataclass
class Ablation:
    """Everything one run measured, and what could not run."""

    quick: bool
    rounds: int
    builds: dict[str, float] = dataclasses.field(default_factory=dict)
    measured: list[Measured] = dataclasses.field(default_factory=list)
    busy_before: float | None = None
    busy_during: float | None = None
    seconds: float = 0.0
    errors: list[str] = dataclasses.field(default_factory=list)

    def decisions(self) -> dict[str, list[Measured]]:
        """Each switch's rows, in the table's order."""
        rows: dict[str, list[Measured]] = {switch: [] for switch in COMPONENTS}
        for measured in self.measured:
            rows[measured.row.switch].append(measured)
        return rows

    def lines(self) -> list[str]:
        """The table, what it decides for each component, and how it was measured."""
        builds = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in self.builds.items())
        lines = [
            "Ablation: the rows each fast path touches, with it (normal) and switched off "
            f"(a test-only build), {self.rounds} interleaved rounds, each run a fresh process.",
            f"  release builds (seconds to build): {builds or 'none'}",
            f"  before the rows: {busy_text(self.busy_before)}",
        ]
        if self.quick:
            lines.append("  QUICK sizes and rounds: a smoke run, not a verdict.")
        header = [
            "row",
            "work",
            "switched off",
            "normal",
            "off",
            "off/normal",
            "spread (normal)",
            "min normal",
            "min off",
            "verdict",
        ]
        lines += ["", render(header, [m.line() for m in self.measured], {3, 4, 5, 6, 7, 8}), ""]
        lines.append(
            "normal, off: medians; spread: max-min of the normal build's runs; a component "
            f"{EARNS} in a row when off - normal > spread."
        )
        notes: dict[str, list[str]] = {}
        for measured in self.measured:
            if measured.row.note:
                notes.setdefault(measured.row.note, []).append(measured.row.row)
        lines += [f"  * {', '.join(rows)}: {note}." for note, rows in notes.items()]
        for switch, rows in self.decisions().items():
            if not rows:
                continue
            earning = [m.row.row for m in rows if m.earns]
            rule = (
                f"kept by the rule ({EARNS} in {'rows' if len(earning) > 1 else 'row'} "
                f"{', '.join(earning)})"
                if earning
                else "to be removed by the rule (no row measurably slower without it)"
            )
            lines.append(f"  {COMPONENTS[switch]} ({switch}): {rule}.")
        during = "n/a" if self.busy_during is None else f"{self.busy_during:.2f} cores"
        lines.append(
            f"Other processes during the rows: {during} on average"
            + (
                "; WARNING: a busy machine widens every spread."
                if self.busy_during is not None and self.busy_during > 0.25
                else "."
            )
            + f" The ablation took {self.seconds:.0f} s, builds included."
        )
        lines += [f"ERROR {error}" for error in self.errors]
        return lines

    def as_json(self) -> dict[str, Any]:
        return {
            "quick": self.quick,
            "rounds": self.rounds,
            "seed": SEED,
            "build_seconds": self.builds,
            "busy_before": self.busy_before,
            "busy_during": self.busy_during,
            "seconds": self.seconds,
            "rows": [measured.as_json() for measured in self.measured],
            "components": {
                switch: {
                    "component": COMPONENTS[switch],
                    "earns_in": [m.row.row for m in rows if m.earns],
                    "rows": [m.row.row for m in rows],
                }
                for switch, rows in self.decisions().items()
            },
            "errors": self.errors,
        }


def _seed(shape: str, count: int) -> int:
    """One seed per input, so that both builds, and a route and its search, get the same."""
    return SEED ^ zlib.crc32(f"{shape}/{count}".encode())


def _search(row: str, function: str, shape: str, count: int, note: str = "") -> Row:
    work = f"{function}, {count_text(count)} {shape}"
    return Row(row, work, SPARSE, Task(function, shape, count, _seed(shape, count)), note)


def rows_for(sizes: Sizes, lines_file: Path, big_file: Path) -> list[Row]:
    """Every Performance row a switch touches, named as the main table names it."""
    big = sizes.big_points
    rows = [
        _search("4d-f", "nearest_neighbors", "clustered", big),
        _search("5b", "nearest_neighbors", f"{shapes.COLUMNS} vertical lines", big),
        _search("5e", "nearest_neighbors", "diagonal", big),
        _search("5f", "nearest_neighbors", "mixed density", big, TREE_NOTE),
    ]
    # Row 11's letters, as kernel_rows.crafted_shapes gives them.
    letters = iter("abcdefghijklmnopqrstuvwxyz")
    for count in sizes.crafted:
        for name in shapes.CRAFTED_SHAPES:
            for function in ("nearest_neighbors", "greedy_route"):
                letter = next(letters)
                if name not in SPARSE_CRAFTED:
                    continue
                # The route never asks the sparse grid; its index still builds one.
                note = ROUTE_NOTE if function == "greedy_route" else ""
                rows.append(_search(f"11{letter}", function, name, count, note))
    rows += [
        Row(
            "7a-b",
            f"load_points, {count_text(sizes.lines)} lines",
            SWAR,
            Task("load_points", path=str(lines_file)),
        ),
        Row(
            "14a-b",
            f"PointSet.load, {count_text(sizes.report_points)} lines",
            SWAR,
            Task("PointSet.load", path=str(big_file)),
        ),
    ]
    return rows


def build(feature: str | None, into: Path) -> Path:
    """Build ``rust_ext`` in release, with ``feature``, and copy it to ``into``.

    The command, features and environment are setuptools-rust's for ``make bench``'s own
    install, in the same target directory: the normal build is then already up to date
    and the ablated ones rebuild only the two crates. Cargo rebuilds the extension
    whenever the features change, so the next release install relinks it once.
    """
    features = ["pyo3/extension-module"] + ([feature] if feature else [])
    command = [
        "cargo",
        "rustc",
        "--lib",
        "--release",
        "--message-format=json-render-diagnostics",
        "--manifest-path",
        str(CARGO_TOML),
        "--features",
        " ".join(features),
        "--crate-type",
        "cdylib",
    ]
    environment = {
        **os.environ,
        "PYO3_PYTHON": os.environ.get("PYO3_PYTHON", sys.executable),
        "PYTHON_SYS_EXECUTABLE": os.environ.get("PYTHON_SYS_EXECUTABLE", sys.executable),
        "PYO3_BUILD_EXTENSION_MODULE": "1",
    }
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, env=environment, timeout=3600, check=False
        )
    except FileNotFoundError as error:
        raise AblationError("cargo is not on PATH: the ablation builds the extension") from error
    if done.returncode != 0:
        raise AblationError(f"{' '.join(command)} failed:\n{done.stderr[-4000:]}")
    library = None
    for message in done.stdout.splitlines():
        artifact = json.loads(message)
        if artifact.get("reason") != "compiler-artifact":
            continue
        if artifact["target"]["name"] == "rust_ext":
            library = next(iter(artifact["filenames"]), None)
    if library is None:
        raise AblationError(f"{' '.join(command)} named no rust_ext library")
    into.mkdir(parents=True, exist_ok=True)
    module = into / MODULE_FILE
    shutil.copyfile(library, module)
    return module


def _child_environment() -> dict[str, str]:
    environment = dict(os.environ)
    # Every child on all cores, as a user's call runs by default.
    environment.pop(THREADS_VARIABLE, None)
    return environment


def run_child(directory: Path, task: Task, check: bool) -> dict[str, Any]:
    """One timed run of ``task`` in a fresh process on the build in ``directory``."""
    request = json.dumps({**dataclasses.asdict(task), "check": check})
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.ablation", "--child", str(directory), request],
        cwd=CHECKOUT,
        env=_child_environment(),
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if done.returncode != 0:
        raise AblationError(f"the child timing {task} failed:\n{done.stderr[-4000:]}")
    try:
        report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError) as error:
        raise AblationError(f"the child timing {task} printed {done.stdout[-2000:]!r}") from error
    return report


def measure(row: Row, builds: dict[str, Path], rounds: int) -> Measured:
    """``rounds`` runs of each build, taking turns, the first of them in alternate rounds;
    the first run of each also returns a digest of its answer, which must agree."""
    sides = {NORMAL: builds[NORMAL], row.switch: builds[row.switch]}
    runs: dict[str, list[float]] = {name: [] for name in sides}
    digests: dict[str, str] = {}
    names = list(sides)
    for round_number in range(rounds):
        order = names if round_number % 2 == 0 else names[::-1]
        for name in order:
            report = run_child(sides[name], row.task, check=round_number == 0)
            if report["profile"] != "release":
                raise AblationError(f"{sides[name]}: a {report['profile']} build, not release")
            runs[name].append(report["seconds"])
            if report["digest"] is not None:
                digests[name] = report["digest"]
    if len(set(digests.values())) != 1:
        raise AblationError(f"row {row.row}, {row.work}: the builds' answers differ: {digests}")
    return Measured(row, Timing(tuple(runs[NORMAL])), Timing(tuple(runs[row.switch])))


@contextmanager
def _others_meter(result: Ablation) -> Iterator[None]:
    """How busy other processes kept the machine: ``OthersMeter`` counts the children's
    CPU time as someone else's, so it is taken off here."""
    meter = OthersMeter.start()
    children = _children_cpu()
    started = time.perf_counter()
    try:
        yield
    finally:
        cores = meter.cores()
        own = (_children_cpu() - children) / max(time.perf_counter() - started, 1e-9)
        result.busy_during = None if cores is None else max(cores - own, 0.0)


def _children_cpu() -> float:
    times = os.times()
    return times.children_user + times.children_system


def run(quick: bool, progress: Callable[[str], None]) -> Ablation:
    """Build, then time every row; a row that fails is reported and the others still run."""
    sizes = QUICK if quick else FULL
    result = Ablation(quick=quick, rounds=QUICK_ROUNDS if quick else ROUNDS)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="legacy-app-ablation-") as name:
        directory = Path(name)
        builds: dict[str, Path] = {}
        # The normal build first: after make bench's install it is already up to date.
        for feature in (None, SPARSE, SWAR):
            label = feature or NORMAL
            progress(f"ablation: release build, {label}")
            begun = time.perf_counter()
            try:
                builds[label] = build(feature, directory / label).parent
            except AblationError as error:
                result.errors.append(f"ablation build {label}: {error}")
                result.seconds = time.perf_counter() - started
                return result
            result.builds[label] = time.perf_counter() - begun
        rng = np.random.default_rng(SEED)
        lines_file, big_file = directory / "lines.csv", directory / "big.csv"
        progress(f"ablation: writing {sizes.lines:,} and {sizes.report_points:,} lines")
        write_points_file(lines_file, shapes.uniform(rng, sizes.lines))
        write_points_file(big_file, shapes.uniform(rng, sizes.report_points))
        result.busy_before = other_work()
        with _others_meter(result):
            for row in rows_for(sizes, lines_file, big_file):
                progress(f"ablation: row {row.row}, {row.work}, {row.switch}")
                try:
                    result.measured.append(measure(row, builds, result.rounds))
                # As in the main rows: one row's failure is reported, and the others run.
                except Exception as error:  # noqa: BLE001
                    traceback.print_exc()
                    result.errors.append(f"ablation row {row.row}: {error}")
    result.seconds = time.perf_counter() - started
    return result


# The child: what one run does, in a process of its own.


def _digest(*arrays: Any) -> str:
    hasher = hashlib.sha256()
    for array in arrays:
        hasher.update(np.ascontiguousarray(array).tobytes())
    return hasher.hexdigest()


def _work(rust_ext: Any, task: Task) -> tuple[Callable[[], Any], Callable[[Any], str]]:
    """The call to time on the task's input, and a digest of its answer."""
    if task.function in {"nearest_neighbors", "greedy_route"}:
        points = SHAPES[task.shape](np.random.default_rng(task.seed), task.count)
        function = getattr(rust_ext, task.function)
        return (lambda: function(points)), (
            lambda answer: _digest(*answer) if isinstance(answer, tuple) else _digest(answer)
        )
    if task.function == "load_points":
        return (lambda: rust_ext.load_points(task.path)), (
            lambda answer: _digest(np.array([(p.x, p.y) for p in answer], dtype=np.int64))
        )
    if task.function == "PointSet.load":
        return (lambda: rust_ext.PointSet.load(task.path)), (
            lambda answer: _digest(answer.to_numpy())
        )
    raise AblationError(f"no such task: {task.function}")


def child(directory: Path, request: str) -> None:
    """Import ``rust_ext`` from ``directory``, make the input, warm up, time one call,
    print the seconds (and, when asked, a digest of the answer) as JSON."""
    sys.path.insert(0, str(directory))
    import rust_ext

    expected = directory / MODULE_FILE
    if Path(rust_ext.__file__ or "") != expected:
        raise AblationError(f"imported {rust_ext.__file__}, not {expected}")
    fields = json.loads(request)
    check = bool(fields.pop("check"))
    call, digest = _work(rust_ext, Task(**fields))
    answer = call()
    digested = digest(answer) if check else None
    del answer
    # As the main rows: each run starts from a clean heap, the collector on.
    gc.collect()
    start = time.perf_counter()
    answer = call()
    seconds = time.perf_counter() - start
    del answer
    print(json.dumps({"seconds": seconds, "digest": digested, "profile": rust_ext.BUILD_PROFILE}))


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.ablation",
        description="Time the Performance rows that the sparse grid and the SWAR line parser "
        "touch, with each switched off (a test-only build) and on, side by side.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="smaller inputs and 3 rounds: a smoke run"
    )
    parser.add_argument("--json", metavar="OUT", type=Path, help="also save every run as JSON")
    # Internal: one timed run, in a fresh process, on the build in DIRECTORY.
    parser.add_argument("--child", nargs=2, metavar=("DIRECTORY", "TASK"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def _progress(message: str) -> None:
    print(f"... {message}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ablation alone; the exit status is 1 when a build or a row failed."""
    arguments = _arguments(argv)
    if arguments.child is not None:
        child(Path(arguments.child[0]), arguments.child[1])
        return 0
    header = [f"legacy_app ablation, {datetime.datetime.now().isoformat(timespec='seconds')}"]
    header += [f"  {key}: {value}" for key, value in machine().items()]
    print("\n".join(header), flush=True)
    result = run(arguments.quick, _progress)
    print("\n".join(result.lines()))
    if arguments.json is not None:
        save_json(arguments.json, {"header": header, "machine": machine(), **result.as_json()})
        print(f"Saved {arguments.json}")
    return 1 if result.errors else 0


if __name__ == "__main__":
    sys.exit(main())
