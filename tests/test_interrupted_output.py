"""The command never loses data (SPEC.md "The command"): ``report --svg OUT`` replaces OUT
whole or not at all, whether the report fails midway or Ctrl-C stops it at any moment.
"""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from tests import children

OLD_SVG = "<svg>the drawing of the last run</svg>\n"


def report_with_svg(points: Path, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        children.command_argv("report", str(points), "--svg", str(out)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=children.child_env("rust"),
        cwd=children.SUITE,
    )


def others(directory: Path, *known: Path) -> list[Path]:
    """The files of ``directory`` but ``known``: temporary files, here."""
    names = {path.name for path in known}
    return sorted(path for path in directory.iterdir() if path.name not in names)


def assert_old_output_intact(out: Path, points: Path) -> None:
    assert out.read_text() == OLD_SVG
    assert others(out.parent, out, points) == []


@pytest.fixture
def many_points(tmp_path: Path) -> Path:
    """300,000 points: seconds of work, and about a second to draw."""
    path = tmp_path / "points.csv"
    rng = np.random.default_rng(300)
    block = rng.integers(0, 10**6, size=(300_000, 2), dtype=np.int64)
    path.write_text("".join(f"{x},{y}\n" for x, y in block.tolist()))
    return path


def test_report_error_midway_keeps_the_old_output(many_points: Path) -> None:
    with open(many_points, "a") as out:
        out.write("1,2,3\n")
    svg = many_points.parent / "route.svg"
    svg.write_text(OLD_SVG)
    process = report_with_svg(many_points, svg)
    _, err = process.communicate(timeout=300)
    assert process.returncode == 1
    assert (
        err.decode()
        == f"legacy-app: Hello Error: {many_points}:300001: expected 2 fields, found 3\n"
    )
    assert_old_output_intact(svg, many_points)


@pytest.mark.parametrize("moment", ["while computing", "while drawing"])
def test_report_interrupted_keeps_the_old_output(many_points: Path, moment: str) -> None:
    svg = many_points.parent / "route.svg"
    svg.write_text(OLD_SVG)
    process = report_with_svg(many_points, svg)
    try:
        if moment == "while computing":
            # Once the extension is loaded, the command is a moment from its real work.
            deadline = time.monotonic() + 60
            while "rust_ext" not in Path(f"/proc/{process.pid}/maps").read_text():
                assert time.monotonic() < deadline
                time.sleep(0.01)
            time.sleep(0.3)
            assert process.poll() is None, "the report ended before Ctrl-C: make it longer"
            process.send_signal(signal.SIGINT)
        else:
            # The drawing has begun once its temporary file exists.
            deadline = time.monotonic() + 300
            while not others(svg.parent, svg, many_points):
                assert process.poll() is None, "the report ended before it drew anything"
                assert time.monotonic() < deadline
                time.sleep(0.002)
            assert process.poll() is None, "the report ended before Ctrl-C: make it longer"
            process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130
    assert err.decode() == "legacy-app: interrupted\n"
    assert_old_output_intact(svg, many_points)
