"""SPEC.md "The typed boundary": the stubs constrain calls into Rust, mypy says so,
and stubtest keeps the stubs true to the compiled module."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "setup.cfg"


def mypy(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "calls.py"
    script.write_text(textwrap.dedent(source))
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--config-file",
            str(CONFIG),
            "--no-incremental",
            str(script),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


WRONG_CALLS = {
    "Point": 'rust_ext.Point("a", 1)',
    "fact": "rust_ext.fact(1.5)",
    "dist as str": "rust_ext.Point(1, 2).dist(rust_ext.Point(3, 4)).upper()",
    "dist of a tuple": "rust_ext.Point(1, 2).dist((3, 4))",
    "load_points of an int": "rust_ext.load_points(3)",
    "print_sleep of a float": "rust_ext.Nap.announce(1.5)",
    "greedy_route start": 'rust_ext.greedy_route([rust_ext.Point(1, 2)], start="0")',
    "nearest of tuples": "rust_ext.nearest_neighbors([(1, 2), (3, 4)])",
    "x set to str": 'target = rust_ext.Point(1, 2)\ntarget.x = "5"',
    "legacy_app.Point": 'legacy_app.Point("a", 1)',
    "legacy_app.fact": "legacy_app.fact(1.5)",
}


def test_every_wrong_call_is_reported(tmp_path: Path) -> None:
    # One mypy run over a file with one wrong call per function; each is checked by line.
    header = "import legacy_app\nimport rust_ext\n\n\ndef f() -> None:\n"
    lines, where = [], {}
    for name, call in WRONG_CALLS.items():
        for part in call.splitlines():
            lines.append("    " + part)
        where[name] = header.count("\n") + len(lines)
    done = mypy(tmp_path, header + "\n".join(lines) + "\n")
    assert done.returncode == 1, done.stdout
    reported = {int(line.split(":")[1]) for line in done.stdout.splitlines() if ": error:" in line}
    missed = [name for name, line in where.items() if line not in reported]
    assert not missed, done.stdout


def test_right_calls_pass(tmp_path: Path) -> None:
    done = mypy(
        tmp_path,
        """
        import asyncio
        import datetime

        import numpy as np
        import numpy.typing as npt

        import legacy_app
        import rust_ext

        p: rust_ext.Point = rust_ext.Point(1, 2)
        d: float = p.dist(rust_ext.Point(3, 4))
        n: int = rust_ext.fact(20)
        pts: list[rust_ext.Point] = rust_ext.load_points("points.csv")
        idx, dists = rust_ext.nearest_neighbors(pts)
        first: int = idx[0]
        arr = np.zeros((3, 2), dtype=np.uint32)
        aidx, adist = rust_ext.nearest_neighbors(arr)
        as_array: npt.NDArray[np.int64] = aidx
        i, j, dd = rust_ext.closest_pair(pts)
        route: list[int] = rust_ext.greedy_route(pts, start=0)
        length: float = rust_ext.path_length(pts)
        nap: rust_ext.Nap = rust_ext.Nap.announce(datetime.timedelta(seconds=0))
        seconds: float = nap.seconds
        nap.wake()
        asyncio.run(legacy_app.print_sleep(datetime.timedelta(seconds=0)))
        q = legacy_app.Point(1, 2)
        e: float = q.dist(legacy_app.Point(0, 0))
        """,
    )
    assert done.returncode == 0, done.stdout


def test_stubtest_passes() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "rust_ext", "--mypy-config-file", str(CONFIG)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
