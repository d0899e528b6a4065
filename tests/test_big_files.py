"""Big files (docs/contract.md "Points files"): ten million lines load in memory proportional to the
points, not to the file, measured in a child process of its own
(``python -m tests.test_big_files load-memory FILE``).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

import legacy_app
from tests import children
from tests.children import MB, peak_rss, rss


def child_load_memory(path: str) -> int:
    api = legacy_app.load_backend("rust")
    base = rss()
    start = time.perf_counter()
    points = api.load_points(path)
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {"points": len(points), "base": base, "after": rss(), "peak": peak_rss(), "s": seconds}
        )
    )
    return 0


@pytest.mark.slow
def test_ten_million_lines_load_in_memory_bounded_by_the_points(big_points_file: Path) -> None:
    """docs/contract.md: memory proportional to the points, not to the file. Beyond the result
    (a Point object and a list slot per point), loading holds the core's 8-byte points;
    reading the whole 215 MB file at once would show above that."""
    report = children.run_child(__name__, "load-memory", str(big_points_file), timeout=600)
    n = report["points"]
    result = report["after"] - report["base"]
    transient = report["peak"] - report["after"]
    print(
        f"10M lines ({big_points_file.stat().st_size / MB:.0f} MB) in {report['s']:.1f} s: "
        f"peak {report['peak'] / MB:.0f} MB, {(report['peak'] - report['base']) / MB:.0f} MB "
        f"above the start; the result holds {result / MB:.0f} MB, loading "
        f"{transient / MB:.0f} MB more for a moment"
    )
    assert n == 10_000_000
    assert result < 100 * n
    assert transient < 8 * n + 64 * MB
    assert transient < big_points_file.stat().st_size


if __name__ == "__main__":
    children.main({"load-memory": child_load_memory})
