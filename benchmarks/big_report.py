"""``python -m benchmarks.big_report [POINTS]``: the whole ``legacy-app report`` on a file
of POINTS uniform points (default a hundred million, about 2.1 GB, written to a
temporary directory and removed afterwards) against its kernels' floor, with its peak
memory: the contract's 100-million-point row, kept out of ``make bench`` for its size
(``make bench-big``).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks import shapes
from benchmarks.columnar_rows import BYTES_PER_POINT, Floor, run_command, write_points_file
from benchmarks.rows import SEED

HUNDRED_MILLION = 100_000_000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.big_report")
    parser.add_argument("points", nargs="?", type=int, default=HUNDRED_MILLION)
    parser.add_argument(
        "--directory", type=Path, help="where to write the points file (default: a temporary one)"
    )
    arguments = parser.parse_args(argv)
    import legacy_app

    rust = legacy_app.load_backend("rust")
    count = arguments.points
    with tempfile.TemporaryDirectory(prefix="legacy-app-big-", dir=arguments.directory) as name:
        path = Path(name) / "uniform.csv"
        started = time.perf_counter()
        rng = np.random.default_rng(SEED)
        block = 1_000_000
        with path.open("wb"):
            pass
        for start in range(0, count, block):
            points = shapes.uniform(rng, min(block, count - start))
            write_points_file(path, points, append=True)
        print(
            f"wrote {count:,} points ({path.stat().st_size / 1e9:.2f} GB) in "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )
        started = time.perf_counter()
        output, peak = run_command(["report", str(path), "--json"])
        report_seconds = time.perf_counter() - started
        report = json.loads(output)
        print(f"legacy-app report: {report_seconds:.1f} s, peak {peak / 2**30:.2f} GiB", flush=True)
        for step, seconds in report["timings"].items():
            print(f"  {step:<20}{seconds:8.2f} s")
        floor = Floor(path, rust)
        started = time.perf_counter()
        floor.run()
        floor_seconds = time.perf_counter() - started
        print(f"its kernels (polars read, nearest_neighbors, greedy_route): {floor_seconds:.1f} s")
    per_point = peak / count
    ratio = report_seconds / floor_seconds
    print(
        f"report / kernels: {ratio:.2f}x the time (target <= 1.5x); peak memory "
        f"{per_point:.1f} bytes a point (target <= {BYTES_PER_POINT})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
