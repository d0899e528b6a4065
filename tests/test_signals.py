"""Signals and cancellation (docs/contract.md "At the edges of the runtime", "signals"):
Ctrl-C during any long call raises KeyboardInterrupt within a second and leaves the
interpreter working (a PointSet interrupted in its first question answers the next), also
while ``load_points`` or ``PointSet.load`` waits on a FIFO, a pipe or a terminal,
and while ``legacy-app report`` reads a slow pipe; a cancelled print_sleep leaves
nothing running.

Each Ctrl-C goes to a child process (``python -m tests.test_signals interrupt ...``) that
sets up Ctrl-C's handler itself, so these tests pass in a suite started in the background.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import fcntl
import json
import os
import pty
import signal
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

import legacy_app
from tests import children
from tests.children import Child, Discard, thread_names
from tests.fuzz_checker import plain

# Child processes, signals or threads for seconds: out of the edit loop (make test-fast).
pytestmark = pytest.mark.process


def on_a_vertical_line(rng: np.random.Generator, n: int) -> Any:
    """``n`` points with one x: the shape that degrades a grid or a tree split on x."""
    return np.stack([np.full(n, 7, dtype=np.int64), rng.integers(0, 2**32, n)], axis=1)


def along_a_band(rng: np.random.Generator, n: int) -> Any:
    """``n`` points far apart in x and close in y: what the reference's sweep answers in
    a second or two (about ten microseconds a point), and still long for a Ctrl-C."""
    xs = np.arange(n, dtype=np.int64) * 20_000
    return np.stack([xs, rng.integers(0, 1000, n)], axis=1)


def a_crowd_and_strays(rng: np.random.Generator, n: int) -> Any:
    """Nine points in ten on a unit lattice, the rest spread over the whole range: the
    route finds the crowd and tours it on a grid of its own (rust_ext/core/src/route/crowd.rs)."""
    side = int(np.sqrt(n)) + 1
    k = rng.permutation(side * side)[:n]
    points = np.stack([2**31 + k % side, 2**31 + k // side], axis=1).astype(np.int64)
    points[::10] = rng.integers(0, 2**32, size=(len(points[::10]), 2))
    return points


# How long after the call reports itself under way the child sends itself Ctrl-C: the
# calls below last far longer than that, whatever the machine, so the signal always
# lands inside them.
SIGNAL_AFTER = 0.05


def child_interrupt(call: str, path: str, phase: str) -> int:
    """Start a long call, saying "ready" just before; report when Ctrl-C arrived.

    ``phase`` "started" or "searching": the child sends itself SIGINT from a timer,
    SIGNAL_AFTER seconds after the call's progress callback first reports (0, n) (the
    call is building its index) or first reports points done (it is searching). Any
    other phase: the parent sends the signal.
    """
    api = legacy_app.load_backend(legacy_app.BACKEND)
    rng = np.random.default_rng(3)
    sent: list[float] = []
    armed: list[int] = []
    # The PointSet asked, and its points: asked again once interrupted.
    made: list[tuple[Any, Any]] = []

    def point_set(size: int) -> Any:
        """A set that takes its backend long to answer: under Rust a large one, under the
        reference one it answers in a second (so that it can be asked again)."""
        rust = legacy_app.BACKEND == "rust"
        array = rng.integers(0, 2**32, size=(size, 2)) if rust else along_a_band(rng, 100_000)
        points = api.PointSet(array)
        made.append((points, array))
        return points

    def send() -> None:
        sent.append(time.monotonic())
        os.kill(os.getpid(), signal.SIGINT)

    def progress(done: int, total: int) -> None:
        # Python code: a signal here would be seen at once, so the timer fires later,
        # while the call is back in Rust.
        if not armed and (phase == "started" or (phase == "searching" and done > 0)):
            armed.append(done)
            threading.Timer(SIGNAL_AFTER, send).start()

    long_calls: dict[str, Callable[[], object]] = {
        "nearest_neighbors": lambda: api.nearest_neighbors(
            rng.integers(0, 2**32, size=(8_000_000, 2), dtype=np.int64), progress=progress
        ),
        "closest_pair": lambda: api.closest_pair(
            rng.integers(0, 2**32, size=(8_000_000, 2), dtype=np.uint32), progress=progress
        ),
        "greedy_route": lambda: api.greedy_route(
            rng.integers(0, 2**32, size=(2_000_000, 2), dtype=np.int64), progress=progress
        ),
        "greedy_route-crowd": lambda: api.greedy_route(
            a_crowd_and_strays(rng, 4_000_000), progress=progress
        ),
        "nearest_neighbors-vertical": lambda: api.nearest_neighbors(
            on_a_vertical_line(rng, 8_000_000), progress=progress
        ),
        "closest_pair-vertical": lambda: api.closest_pair(
            on_a_vertical_line(rng, 8_000_000), progress=progress
        ),
        "load_points": lambda: api.load_points(path),
        "PointSet.load": lambda: api.PointSet.load(path, progress=progress),
        "PointSet.nearest_neighbors": lambda: point_set(8_000_000).nearest_neighbors(
            progress=progress
        ),
        "PointSet.closest_pair": lambda: point_set(8_000_000).closest_pair(progress=progress),
        "PointSet.greedy_route": lambda: point_set(2_000_000).greedy_route(progress=progress),
        "fact": lambda: api.fact(2**40),
        "print_sleep": lambda: asyncio.run(api.print_sleep(datetime.timedelta(seconds=60))),
    }
    work = long_calls[call]
    print("ready", flush=True)
    start = time.monotonic()
    try:
        with contextlib.redirect_stdout(Discard()):
            work()
    except KeyboardInterrupt:
        caught = time.monotonic()
    else:
        print(json.dumps({"finished_after": time.monotonic() - start}))
        return 0
    # Nothing keeps running: fact's worker thread stops too.
    deadline = time.monotonic() + 2
    while "legacy-app-fact" in thread_names() and time.monotonic() < deadline:
        time.sleep(0.01)
    workers = [name for name in thread_names() if name == "legacy-app-fact"]
    # And the interpreter works on.
    alive = (
        api.fact(20) == 2432902008176640000
        and api.closest_pair([api.Point(0, 0), api.Point(3, 4)]) == (0, 1, 5.0)
        and len(api.load_points(os.devnull)) == 0
        and len(api.PointSet.load(os.devnull)) == 0
    )
    if made:
        # Nothing half-built is left: the same set answers as the module function.
        points, array = made[0]
        alive = alive and plain(points.closest_pair()) == plain(api.closest_pair(array))
    report = {"caught_at": caught, "workers": workers, "alive": alive}
    if sent:
        report["sent_at"] = sent[0]
    print(json.dumps(report))
    return 0


def interrupt(call: str, path: str = "", after: str | float = 0.5, backend: str = "rust") -> float:
    """Ctrl-C a child in the middle of ``call``: ``after`` seconds into it, or, for
    ``after`` "started" or "searching", from the child itself in that phase of the call
    (see ``child_interrupt``). Returns the latency from the signal to KeyboardInterrupt."""
    phase = after if isinstance(after, str) else "timed"
    argv = children.child_argv(__name__, "interrupt", call, path, phase)
    with Child(argv, children.child_env(backend)) as child:
        child.wait_for("ready", timeout=120)
        sent = time.monotonic()
        if not isinstance(after, str):
            time.sleep(after)
            sent = time.monotonic()
            os.kill(child.process.pid, signal.SIGINT)
        try:
            status, report, err = child.finish(timeout=30)
        except subprocess.TimeoutExpired:
            pytest.fail(f"Ctrl-C did not interrupt {call} within 30 s")
    assert status == 0, err
    assert "finished_after" not in report, f"{call} was over before Ctrl-C: make it longer"
    # Both clocks are CLOCK_MONOTONIC, shared by the processes of one machine.
    latency = float(report["caught_at"]) - float(report.get("sent_at", sent))
    print(f"Ctrl-C during {call} ({after}): KeyboardInterrupt after {latency * 1000:.0f} ms")
    assert report["alive"]
    assert report["workers"] == []
    return latency


@pytest.mark.parametrize(
    ("call", "after"),
    [
        # "started": while the index (or the route's grid) is being built.
        pytest.param("nearest_neighbors", "started", id="nearest_neighbors-indexing"),
        pytest.param("nearest_neighbors", "searching", id="nearest_neighbors-searching"),
        pytest.param("closest_pair", "started", id="closest_pair-indexing"),
        pytest.param("closest_pair", "searching", id="closest_pair-searching"),
        pytest.param("greedy_route", "started", id="greedy_route-indexing"),
        pytest.param("greedy_route", "searching", id="greedy_route-routing"),
        # A crowd with strays: its own grid is built, then toured beside the strays' tree.
        pytest.param("greedy_route-crowd", "started", id="greedy_route-crowd-indexing"),
        pytest.param("greedy_route-crowd", "searching", id="greedy_route-crowd-routing"),
        pytest.param("fact", 0.5, id="fact"),
        pytest.param("print_sleep", 0.5, id="print_sleep"),
        # Points on one vertical line: no input shape slows the signal checks.
        pytest.param(
            "nearest_neighbors-vertical", "started", id="nearest_neighbors-vertical-indexing"
        ),
        pytest.param("nearest_neighbors-vertical", "searching", id="nearest_neighbors-vertical"),
        pytest.param("closest_pair-vertical", "searching", id="closest_pair-vertical"),
    ],
)
def test_ctrl_c_interrupts_long_calls_within_a_second(call: str, after: str | float) -> None:
    assert interrupt(call, after=after) < 1.0


@pytest.mark.parametrize("question", ["nearest_neighbors", "closest_pair", "greedy_route"])
@pytest.mark.parametrize("phase", ["started", "searching"])
@pytest.mark.parametrize("backend", legacy_app.BACKENDS)
def test_ctrl_c_interrupts_a_point_sets_questions_within_a_second(
    backend: str, question: str, phase: str
) -> None:
    """While the first question builds the set's index ("started") or searches with it;
    the set then answers again, as the module function does."""
    assert interrupt(f"PointSet.{question}", after=phase, backend=backend) < 1.0


@pytest.mark.parametrize("backend", legacy_app.BACKENDS)
@pytest.mark.parametrize(
    ("loader", "after"),
    [
        # 0.2 s in: ten million lines take the Rust backend about a second here (it
        # makes a Point each), and the signal must land while it reads, not after.
        ("load_points", 0.2),
        # Columns load in a fifth of a second: the signal is armed by the load's own
        # first report of bytes read, so it lands inside it on any machine.
        ("PointSet.load", "searching"),
    ],
)
def test_ctrl_c_interrupts_load_points_within_a_second(
    big_points_file: Path, loader: str, after: str | float, backend: str
) -> None:
    assert interrupt(loader, str(big_points_file), after=after, backend=backend) < 1.0


@contextlib.contextmanager
def waiting_source(kind: str, directory: Path) -> Iterator[str]:
    """A path that a reader waits on: a FIFO nobody opened for writing (the reader waits
    in ``open``), a FIFO whose writer says nothing, or a terminal where nobody types."""
    if kind == "terminal":
        keyboard, screen = pty.openpty()
        try:
            yield os.ttyname(screen)
        finally:
            os.close(keyboard)
            os.close(screen)
        return
    fifo = directory / "fifo"
    os.mkfifo(fifo)
    if kind == "fifo without a writer":
        yield str(fifo)
        return
    # Opened for reading and writing, so that opening does not wait for a reader.
    writer = os.open(fifo, os.O_RDWR)
    try:
        yield str(fifo)
    finally:
        os.close(writer)


@pytest.mark.parametrize("backend", legacy_app.BACKENDS)
@pytest.mark.parametrize("loader", ["load_points", "PointSet.load"])
@pytest.mark.parametrize("kind", ["fifo without a writer", "silent fifo", "terminal"])
def test_ctrl_c_while_load_points_waits_for_input(
    backend: str, loader: str, kind: str, tmp_path: Path
) -> None:
    """The Python backend gets this from the interpreter (a read interrupted by a signal
    runs the handler); the Rust one must look for signals while it waits."""
    with waiting_source(kind, tmp_path) as path:
        assert interrupt(loader, path, after=0.5, backend=backend) < 1.0


def unread_bytes(pipe: int) -> int:
    """How many bytes written to ``pipe`` its reader has not read yet."""
    count = fcntl.ioctl(pipe, termios.FIONREAD, struct.pack("i", 0))
    return int(struct.unpack("i", count)[0])


@pytest.mark.parametrize("backend", legacy_app.BACKENDS)
def test_ctrl_c_while_the_command_reads_a_slow_pipe(backend: str) -> None:
    """``producer | legacy-app report /dev/stdin``, the producer writing a line now and
    then: Ctrl-C ends the command within a second, with status 130 and one line."""
    process = subprocess.Popen(
        children.command_argv("report", "/dev/stdin", "--backend", backend),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=children.child_env(backend),
        cwd=children.SUITE,
    )
    assert process.stdin is not None
    pipe = process.stdin.fileno()
    stop = threading.Event()

    def produce() -> None:
        with contextlib.suppress(BrokenPipeError, ValueError, OSError):
            while not stop.wait(0.1):
                os.write(pipe, b"1,2\n")

    try:
        os.write(pipe, b"x,y\n1,2\n")
        # The command is reading the points once it has drained the pipe.
        deadline = time.monotonic() + 60
        while unread_bytes(pipe) > 0:
            assert process.poll() is None, process.communicate()[1].decode()
            assert time.monotonic() < deadline, "the command never read its input"
            time.sleep(0.01)
        producer = threading.Thread(target=produce, daemon=True)
        producer.start()
        time.sleep(0.3)
        sent = time.monotonic()
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{backend}: Ctrl-C did not stop the command within 10 s")
        latency = time.monotonic() - sent
    finally:
        stop.set()
        if process.poll() is None:
            process.kill()
        _, err = process.communicate(timeout=30)
    print(f"{backend}: the command ended {latency * 1000:.0f} ms after Ctrl-C")
    assert process.returncode == 130, err.decode()
    assert err.decode() == "legacy-app: interrupted\n"
    assert latency < 1.0


def pending_handles(loop: asyncio.AbstractEventLoop) -> list[Any]:
    """The callbacks the loop still holds (private attributes, read with care)."""
    ready = list(getattr(loop, "_ready", ()))
    scheduled = list(getattr(loop, "_scheduled", ()))
    return [handle for handle in ready + scheduled if not handle.cancelled()]


async def test_cancelled_print_sleep_leaves_nothing_running(
    api: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    loop = asyncio.get_running_loop()
    problems: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _, context: problems.append(context))
    sleeps = [api.print_sleep(datetime.timedelta(milliseconds=100)) for _ in range(100)]
    tasks = [asyncio.ensure_future(sleep) for sleep in sleeps]
    timed = [
        asyncio.ensure_future(
            asyncio.wait_for(api.print_sleep(datetime.timedelta(seconds=5)), 0.01)
        )
        for _ in range(100)
    ]
    await asyncio.sleep(0.02)
    for task in tasks:
        task.cancel()
    outcomes = await asyncio.gather(*tasks, *timed, return_exceptions=True)
    assert all(isinstance(o, asyncio.CancelledError) for o in outcomes[:100])
    assert all(isinstance(o, asyncio.TimeoutError) for o in outcomes[100:])
    # Past the end of every sleep: a timer left behind would fire now.
    await asyncio.sleep(0.2)
    assert asyncio.all_tasks() == {asyncio.current_task()}
    assert pending_handles(loop) == []
    assert problems == []
    assert "awake" not in capsys.readouterr().out


if __name__ == "__main__":
    children.main({"interrupt": child_interrupt})
