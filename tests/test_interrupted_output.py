"""The command never loses data (docs/contract.md "The command"): ``report --svg OUT`` replaces OUT
whole or not at all, whether the report fails midway or Ctrl-C stops it at any moment.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any

import numpy as np
import pytest

from legacy_app.output import atomic_output
from tests import children

# Child processes, signals or threads for seconds: out of the edit loop (make test-fast).
pytestmark = pytest.mark.process

OLD_SVG = "<svg>the drawing of the last run</svg>\n"
NEW_SVG = "<svg>this run's drawing</svg>\n"


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


def wait_for_the_drawing(process: subprocess.Popen[bytes], svg: Path, points: Path) -> None:
    """Return once the drawing has written its first bytes, with the command stopped
    (SIGSTOP) there, so that it cannot move on between this look and a signal."""
    deadline = time.monotonic() + 300
    while True:
        assert process.poll() is None, "the report ended before it drew anything"
        assert time.monotonic() < deadline
        with contextlib.suppress(FileNotFoundError):
            if any(path.stat().st_size > 0 for path in others(svg.parent, svg, points)):
                process.send_signal(signal.SIGSTOP)
                break
        time.sleep(0.002)
    # Renamed into place in the instant before it stopped: the drawing is too short.
    assert others(svg.parent, svg, points), "the drawing ended before Ctrl-C: make it longer"
    assert svg.read_text() == OLD_SVG


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
            # Ctrl-C in the middle of writing, not at the instant the temporary file
            # appears: that instant is test_atomic_output_survives_ctrl_c_at_every_step's.
            wait_for_the_drawing(process, svg, many_points)
            process.send_signal(signal.SIGINT)
            process.send_signal(signal.SIGCONT)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130
    assert err.decode() == "legacy-app: interrupted\n"
    assert_old_output_intact(svg, many_points)


# Ctrl-C at every moment of atomic_output, in this process, one moment a run.


class CtrlCAtStep:
    """Within the block, a Ctrl-C arriving just before the ``step``-th bytecode
    instruction run in any Python function the block calls: the moment the interpreter
    would run SIGINT's handler. Steps where a real SIGINT would wait (blocked by
    ``pthread_sigmask``) move it to the first step where it no longer waits; the handler
    in place at that moment runs (an ignored SIGINT is lost), as with a real signal."""

    def __init__(self, step: float) -> None:
        self.step = step
        self.steps = 0
        self.arrived = False
        self.delivered = False
        self.where = ""

    def __enter__(self) -> CtrlCAtStep:
        # Python 3.12 turns opcode events on at ``settrace`` only if some frame has asked
        # for them before: this one asks (it has no trace function, so it sees none).
        frame = sys._getframe()
        frame.f_trace_opcodes = True
        sys.settrace(self.call)
        frame.f_trace_opcodes = False
        return self

    def __exit__(self, *_: object) -> None:
        sys.settrace(None)

    def call(self, frame: FrameType, event: str, arg: Any) -> Any:
        # Python 3.13 turns a frame's opcode events on only if it already has its tracer.
        frame.f_trace = self.instruction
        frame.f_trace_opcodes = True
        return self.instruction

    def instruction(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event != "opcode" or self.delivered:
            return self.instruction
        if self.steps == self.step:
            self.arrived = True
            if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
                self.delivered = True
        waiting = self.arrived and not self.delivered
        if waiting and signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, []):
            self.delivered = True
            code = frame.f_code
            self.where = f"{Path(code.co_filename).name}:{frame.f_lineno} ({code.co_name})"
            handler = signal.getsignal(signal.SIGINT)
            if callable(handler):
                handler(signal.SIGINT, frame)
        self.steps += 1
        return self.instruction


def write_new_drawing(out_path: Path) -> None:
    with atomic_output(out_path) as out:
        out.write(NEW_SVG)


def test_atomic_output_survives_ctrl_c_at_every_step(tmp_path: Path) -> None:
    """Ctrl-C before any one instruction of writing an output (creating the temporary file,
    writing, renaming, cleaning up): the output is the old one or the new one, whole, and
    no temporary file is left behind. One run per instruction, in order."""
    out = tmp_path / "route.svg"
    umask = os.umask(0o022)
    os.umask(umask)
    saved = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with CtrlCAtStep(float("inf")) as counting:
            write_new_drawing(out)
        steps = counting.steps
        assert steps > 50, "the tracer saw no instructions"
        problems: list[str] = []
        for step in range(steps):
            out.write_text(OLD_SVG)
            ctrl_c = CtrlCAtStep(step)
            try:
                with ctrl_c:
                    write_new_drawing(out)
            except KeyboardInterrupt:
                pass
            finally:
                # A Ctrl-C between reading the umask and setting it back leaves it at 0:
                # of no consequence to a command that ends, but to the next run here.
                os.umask(umask)
            left = [path.name for path in others(tmp_path, out)]
            text = out.read_text()
            if left or text not in (OLD_SVG, NEW_SVG):
                problems.append(
                    f"Ctrl-C at step {step}, {ctrl_c.where}: output {text!r}, left behind {left}"
                )
            for path in others(tmp_path, out):
                path.unlink()
    finally:
        signal.signal(signal.SIGINT, saved)
    print(f"Ctrl-C at each of {steps} steps of atomic_output: {len(problems)} lost something")
    assert problems == [], "\n".join(problems[:10])
