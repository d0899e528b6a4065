"""The comparisons the benchmarks make, printed as tables and saved as JSON."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from benchmarks.timing import Timing

# How a row states its target, in the contract's own words (docs/contract.md):
# "time": our time as a fraction of the baseline's (at most 0.5x its time);
# "faster": the baseline's time over ours (at least 2x faster);
# "throughput": the same quotient, for the same work done concurrently.
Measure = Literal["time", "faster", "throughput"]

_MEASURE_WORDS: dict[Measure, str] = {
    "time": "the time",
    "faster": "faster",
    "throughput": "throughput",
}


@dataclass(frozen=True)
class Target:
    """What the contract asks of one row; ``limit`` ``None`` marks an informative row."""

    measure: Measure
    limit: float | None = None
    # "1.2x faster than numpy.loadtxt" and "never slower" read as plain inequalities.
    strict: bool = False

    def describe(self) -> str:
        """The target as printed, e.g. ``<= 0.5x the time`` or ``>= 2x faster``."""
        if self.limit is None:
            return "(info)"
        if self.measure == "time":
            sign = "<" if self.strict else "<="
        else:
            sign = ">" if self.strict else ">="
        return f"{sign} {self.limit:,g}x {_MEASURE_WORDS[self.measure]}"

    def met_by(self, ratio: float) -> bool | None:
        """Whether ``ratio`` meets the target; ``None`` for an informative row."""
        if self.limit is None:
            return None
        if self.measure == "time":
            return ratio < self.limit if self.strict else ratio <= self.limit
        return ratio > self.limit if self.strict else ratio >= self.limit


@dataclass(frozen=True)
class Comparison:
    """One line of the table: our time against one baseline's, both medians of their runs."""

    row: str
    work: str
    ours: Timing
    baseline: str
    theirs: Timing
    target: Target
    per_call: bool = False
    # Whether the row's point is parallel work, so the notes say how many cores it used.
    parallel: bool = False

    @property
    def ratio(self) -> float:
        """Ours over theirs for a "time" target, theirs over ours otherwise."""
        if self.target.measure == "time":
            return self.ours.median / self.theirs.median
        return self.theirs.median / self.ours.median

    @property
    def met(self) -> bool | None:
        """Whether the target is met; ``None`` for an informative row."""
        return self.target.met_by(self.ratio)

    def as_json(self) -> dict[str, Any]:
        """Everything behind the line, every repeat included."""
        return {
            "row": self.row,
            "work": self.work,
            "ours_seconds": self.ours.median,
            "ours_runs": list(self.ours.runs),
            "ours_cpu": list(self.ours.cpu),
            "ours_page_faults": list(self.ours.faults),
            "baseline": self.baseline,
            "baseline_seconds": self.theirs.median,
            "baseline_runs": list(self.theirs.runs),
            "baseline_cpu": list(self.theirs.cpu),
            "baseline_page_faults": list(self.theirs.faults),
            "per_call": self.per_call,
            "ours_cores_busy": self.ours.cores_busy,
            "baseline_cores_busy": self.theirs.cores_busy,
            "ratio": self.ratio,
            "ratio_means": _MEASURE_WORDS[self.target.measure],
            "target": self.target.describe(),
            "met": self.met,
        }


@dataclass(frozen=True)
class ScalingStep:
    """One size of the scaling table: our time, and a peer's when there is one."""

    work: str
    count: int
    ours: Timing
    peer: Timing | None = None

    def per_point(self) -> float:
        """Nanoseconds a point."""
        return self.ours.median / self.count * 1e9

    def as_json(self) -> dict[str, Any]:
        """Every repeat behind the line."""
        return {
            "work": self.work,
            "points": self.count,
            "ours_seconds": self.ours.median,
            "ours_runs": list(self.ours.runs),
            "peer_seconds": None if self.peer is None else self.peer.median,
            "peer_runs": None if self.peer is None else list(self.peer.runs),
        }


@dataclass(frozen=True)
class ShapeTime:
    """``nearest_neighbors`` on one input shape, next to the uniform input's time."""

    shape: str
    ours: Timing
    uniform: Timing

    @property
    def relative(self) -> float:
        """The shape's time over the uniform input's."""
        return self.ours.median / self.uniform.median


def seconds_text(seconds: float) -> str:
    """A duration in the unit that keeps it between 1 and 1000."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.4g} {unit}"
    return f"{seconds / 1e-9:.4g} ns"


def ratio_text(ratio: float) -> str:
    """A ratio with as many digits as it needs, never in exponent form."""
    if ratio >= 100:
        return f"{ratio:,.0f}x"
    if ratio >= 10:
        return f"{ratio:.1f}x"
    return f"{ratio:.2f}x" if ratio >= 0.1 else f"{ratio:.3g}x"


def _met_text(met: bool | None) -> str:
    return {True: "yes", False: "NO", None: "-"}[met]


def render(header: Sequence[str], lines: Sequence[Sequence[str]], right: set[int]) -> str:
    """A plain-text table, columns padded to their widest cell, ``right`` ones right-aligned."""
    everything = [list(header), *(list(line) for line in lines)]
    widths = [max(len(line[column]) for line in everything) for column in range(len(header))]
    rendered = []
    for number, line in enumerate(everything):
        cells = [
            cell.rjust(width) if column in right and number else cell.ljust(width)
            for column, (cell, width) in enumerate(zip(line, widths))
        ]
        rendered.append("  ".join(cells).rstrip())
        if number == 0:
            rendered.append("  ".join("-" * width for width in widths))
    return "\n".join(rendered)


def table(comparisons: Sequence[Comparison]) -> str:
    """The comparisons, one line each."""
    header = ["row", "work", "ours", "baseline", "baseline time", "ratio", "target", "met"]
    lines = []
    for comparison in comparisons:
        suffix = "/call" if comparison.per_call else ""
        words = _MEASURE_WORDS[comparison.target.measure]
        lines.append(
            [
                comparison.row,
                comparison.work,
                seconds_text(comparison.ours.median) + suffix,
                comparison.baseline,
                seconds_text(comparison.theirs.median) + suffix,
                f"{ratio_text(comparison.ratio)} {words}",
                comparison.target.describe(),
                _met_text(comparison.met),
            ]
        )
    # Times read best right-aligned, so their digits line up.
    return render(header, lines, {2, 4})


def scaling_table(steps: Sequence[ScalingStep], peer: str) -> str:
    """Time, time a point, and each step's growth over n log n's (1.00: exactly n log n)."""
    header = ["work", "points", "time", "ns/point", "step vs n log n", peer]
    lines = []
    previous: dict[str, ScalingStep] = {}
    for step in steps:
        before = previous.get(step.work)
        growth = "-"
        if before is not None:
            expected = step.count * math.log(step.count) / (before.count * math.log(before.count))
            growth = f"{step.ours.median / before.ours.median / expected:.2f}"
        previous[step.work] = step
        lines.append(
            [
                step.work,
                f"{step.count:,}",
                seconds_text(step.ours.median),
                f"{step.per_point():.0f}",
                growth,
                "-" if step.peer is None else seconds_text(step.peer.median),
            ]
        )
    return render(header, lines, {1, 2, 3, 4, 5})


def shapes_line(shapes: Sequence[ShapeTime]) -> str:
    """Each shape's time relative to the uniform input's, on one line."""
    return ", ".join(f"{shape.shape} {shape.relative:.2f}x" for shape in shapes)


def cores_notes(comparisons: Sequence[Comparison]) -> list[str]:
    """For the parallel rows, how many cores each side kept busy (CPU time / wall time)
    and how many pages it faulted in a run (new memory, which costs kernel time)."""
    notes = []
    for comparison in comparisons:
        ours, theirs = comparison.ours, comparison.theirs
        if not comparison.parallel or ours.cores_busy is None or theirs.cores_busy is None:
            continue
        notes.append(
            f"  row {comparison.row}: cores busy (CPU / wall) ours {ours.cores_busy:.2f}, "
            f"the baseline {theirs.cores_busy:.2f}; page faults a run (median) ours "
            f"{ours.median_faults or 0:,.0f}, the baseline {theirs.median_faults or 0:,.0f}"
        )
    return notes


def save_json(path: Path, document: dict[str, Any]) -> None:
    """Write ``document`` to ``path`` whole: a temporary file renamed into place."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
    partial.replace(path)
