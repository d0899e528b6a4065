"""docs/contract.md "Points files" (and "HelloIOError"): what ``load_points`` and
``PointSet.load`` accept and reject, with the same messages and line numbers, on every
file the fuzzers draw and every file of the fuzz corpus; odd paths and files (names that
are not UTF-8, empty files, directories, FIFOs fed slowly, pipes, files that grow or
shrink while they are read); and ``PointSet.load``'s progress in bytes; under both
backends.

One file per area of the contract: a new case about reading a points file goes here,
with either loader.
"""

from __future__ import annotations

import bisect
import contextlib
import errno
import functools
import json
import os
import pickle
import pty
import random
import select
import signal
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import IO, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import legacy_app
from legacy_app import HelloIOError, PointsFormatError
from tests import children
from tests.conftest import LOADERS, Loader, Outcome, outcome
from tests.files import appended_meanwhile, fifo_fed
from tests.fuzz_strategies import any_bytes, points_texts

MAX = 2**32 - 1
# The Rust reader's chunk size (legacy_core's CHUNK_BYTES): lines are put across it.
CHUNK = 1 << 20


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "points.csv"
    path.write_bytes(data)
    return path


def coordinates(points: Any) -> list[tuple[int, int]]:
    return [(p.x, p.y) for p in points]


def load_coordinates(load: Loader, path: object) -> list[tuple[int, int]]:
    return coordinates(load(path))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", []),
        (b"1,2", [(1, 2)]),
        (b"1,2\n3,4\n", [(1, 2), (3, 4)]),
        (b"1,2\r\n3,4\r\n", [(1, 2), (3, 4)]),
        (b"\xef\xbb\xbf1,2\n", [(1, 2)]),
        (b"\xef\xbb\xbfx,y\n1,2\n", [(1, 2)]),
        (b"x,y\n1,2\n", [(1, 2)]),
        (b" x , y \n1,2\n", [(1, 2)]),
        (b"\n\n1,2\n\n", [(1, 2)]),
        (b"# comment\n1,2\n#3,4\n", [(1, 2)]),
        (b" \t1\t,  2 \n", [(1, 2)]),
        (b"0,4294967295\n", [(0, MAX)]),
        (b"007,000\n", [(7, 0)]),
        (b"   \n\t\n", []),
    ],
)
def test_accepts(
    api: ModuleType, load: Loader, tmp_path: Path, data: bytes, expected: list[tuple[int, int]]
) -> None:
    points = load(write(tmp_path, data))
    assert all(type(p) is api.Point for p in points)
    assert coordinates(points) == expected


@pytest.mark.parametrize(
    ("data", "line", "reason"),
    [
        (b"1,2\n3\n", 2, "expected 2 fields, found 1"),
        (b"1,2,3\n", 1, "expected 2 fields, found 3"),
        (b"1;2\n", 1, "expected 2 fields, found 1"),
        (b"a,1\n", 1, "x is not a number"),
        (b"1,b\n", 1, "y is not a number"),
        (b"1,\n", 1, "y is not a number"),
        (b"+1,1\n", 1, "x is not a number"),
        (b"1_0,1\n", 1, "x is not a number"),
        (b"1.5,1\n", 1, "x is not a number"),
        ("\u0663,1\n".encode(), 1, "x is not a number"),
        ("\uff11,1\n".encode(), 1, "x is not a number"),
        (b"1 2,1\n", 1, "x is not a number"),
        (b"-1,1\n", 1, "x is negative"),
        (b"1,-0\n", 1, "y is negative"),
        (b"4294967296,1\n", 1, "x is above 4294967295"),
        (b"1," + b"9" * 5000 + b"\n", 1, "y is above 4294967295"),
        (b"1,2\n\xff\xfe,1\n", 2, "not valid UTF-8"),
        (b"1,2\n\xed\xa0\x80,1\n", 2, "not valid UTF-8"),
        (b"1,2\nx,y\n", 2, "x is not a number"),
        (b"1,2\r\r\n", 1, "y is not a number"),
        (b"1,2\n \xef\xbb\xbf3,4\n", 2, "x is not a number"),
        (b"x,y,z\n", 1, "expected 2 fields, found 3"),
    ],
)
def test_rejects(
    api: ModuleType, load: Loader, tmp_path: Path, data: bytes, line: int, reason: str
) -> None:
    path = write(tmp_path, data)
    with pytest.raises(legacy_app.PointsFormatError) as info:
        load(path)
    assert (info.value.path, info.value.line, info.value.reason) == (str(path), line, reason)
    assert str(info.value) == f"Hello Error: {path}:{line}: {reason}"


def test_path_kinds(api: ModuleType, load: Loader, tmp_path: Path) -> None:
    path = write(tmp_path, b"1,2\n")
    for kind in (path, str(path), os.fsencode(path)):
        assert coordinates(load(kind)) == [(1, 2)]


@pytest.mark.parametrize("given", [3, None, 1.5])
def test_not_a_path(api: ModuleType, load: Loader, given: object) -> None:
    with pytest.raises(TypeError, match=r"expected str, bytes or os\.PathLike object"):
        load(given)


def test_non_utf8_path_name(api: ModuleType, load: Loader, tmp_path: Path) -> None:
    name = os.fsencode(tmp_path) + b"/caf\xe9.csv"
    with open(name, "wb") as out:
        out.write(b"5,6\n")
    assert coordinates(load(name)) == [(5, 6)]
    missing = os.fsencode(tmp_path) + b"/\xff.csv"
    with pytest.raises(legacy_app.HelloIOError) as info:
        load(missing)
    assert info.value.filename == os.fsdecode(missing)


def test_read_error_midway(api: ModuleType, load: Loader) -> None:
    # Opening /proc/self/mem works, reading its first page fails with EIO: an I/O
    # error after the open, which even root cannot read past.
    with pytest.raises(legacy_app.HelloIOError) as info:
        load("/proc/self/mem")
    assert info.value.errno == 5
    assert str(info.value) == "Hello Error: Input/output error (os error 5): '/proc/self/mem'"


def test_shipped_sample_loads(api: ModuleType, load: Loader) -> None:
    from legacy_app.cli import sample_path

    points = load(sample_path())
    assert len(points) == 100_000


@pytest.mark.thread_unsafe(reason="switches the process's garbage collector off and on")
def test_garbage_collector_state_is_kept(api: ModuleType, load: Loader, tmp_path: Path) -> None:
    import gc

    path = write(tmp_path, b"1,2\n3,4\n")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"1,2\nx\n")
    assert gc.isenabled()
    load(path)
    with pytest.raises(legacy_app.PointsFormatError):
        load(bad)
    assert gc.isenabled()
    gc.disable()
    try:
        load(path)
        assert not gc.isenabled()
    finally:
        gc.enable()


# ----------------------------------------------------------------------------------------
# Ctrl-C while load_points waits for a writer that has gone silent (docs/contract.md "At the runtime
# edges": signals). The loader runs in a child whose SIGINT handler is Python's default
# one, set explicitly: a test run started in the background inherits SIGINT ignored.

LOADER = """
import json, signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)
import legacy_app
api = legacy_app.load_backend(sys.argv[1])
load = api.load_points if sys.argv[3] == "load_points" else api.PointSet.load
print("loading", flush=True)
try:
    points = load(sys.argv[2])
except KeyboardInterrupt:
    print(json.dumps({"interrupted_at": time.monotonic()}), flush=True)
else:
    print(json.dumps({"points": len(points)}), flush=True)
"""

# A few lines, or more than a chunk: then the Rust reader is past its first chunk when
# the writer stops.
WRITTEN = {
    "a-few-lines": b"1,2\n3,4\n5,",
    "over-a-chunk": b"".join(b"%d,%d\n" % (k, 2 * k) for k in range(200_000)) + b"7,",
}


def start_loader(backend: str, path: str, loader: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", LOADER, backend, path, loader],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def next_line(stream: IO[bytes], timeout: float) -> bytes:
    """The next line the loader prints, read byte by byte (no buffer keeps what follows)."""
    deadline = time.monotonic() + timeout
    line = b""
    while not line.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        ready, _, _ = select.select([stream], [], [], max(remaining, 0))
        if not ready:
            raise TimeoutError(f"no line from the loader within {timeout} s (so far {line!r})")
        byte = os.read(stream.fileno(), 1)
        if not byte:
            raise EOFError(f"the loader ended (so far {line!r})")
        line += byte
    return line


def feed(out: IO[bytes] | int, data: bytes) -> threading.Thread:
    """Write ``data`` from a thread (more than a pipe holds would block), then stay silent."""

    def write() -> None:
        with contextlib.suppress(BrokenPipeError):
            if isinstance(out, int):
                view = memoryview(data)
                while view:
                    view = view[os.write(out, view) :]
            else:
                out.write(data)
                out.flush()

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    return writer


def interrupt_latency(loader: subprocess.Popen[bytes], writer: threading.Thread) -> float:
    """Ctrl-C the loader once it waits for more; how long KeyboardInterrupt took. The
    writer stays open meanwhile: the load can only end by the signal."""
    assert loader.stdout is not None
    assert next_line(loader.stdout, timeout=60) == b"loading\n"
    writer.join(timeout=30)
    # Time to read what was written and block in the next read.
    time.sleep(0.5)
    sent = time.monotonic()
    loader.send_signal(signal.SIGINT)
    try:
        report: dict[str, Any] = json.loads(next_line(loader.stdout, timeout=30))
    except (TimeoutError, EOFError) as error:
        pytest.fail(f"Ctrl-C did not interrupt load_points: {error}")
    assert "interrupted_at" in report, report
    return float(report["interrupted_at"]) - sent


@contextlib.contextmanager
def fifo_writer(path: Path, timeout: float) -> Iterator[int]:
    """Open the FIFO at ``path`` for writing once its reader has opened it."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            break
        except OSError:  # ENXIO: no reader yet
            if time.monotonic() > deadline:
                pytest.fail("the loader never opened the FIFO")
            time.sleep(0.01)
    os.set_blocking(fd, True)
    try:
        yield fd
    finally:
        os.close(fd)


@pytest.mark.process
@pytest.mark.thread_unsafe(reason="times Ctrl-C sent to a child process")
@pytest.mark.parametrize("loader_name", LOADERS)
@pytest.mark.parametrize("written", list(WRITTEN))
def test_ctrl_c_while_a_fifo_writer_is_silent(
    api: ModuleType, tmp_path: Path, written: str, loader_name: str
) -> None:
    fifo = tmp_path / "points.fifo"
    os.mkfifo(fifo)
    loader = start_loader(legacy_app.BACKEND, str(fifo), loader_name)
    try:
        with fifo_writer(fifo, timeout=60) as fd:
            latency = interrupt_latency(loader, feed(fd, WRITTEN[written]))
    finally:
        loader.kill()
        loader.communicate()
    assert latency < 1.0


@pytest.mark.process
@pytest.mark.thread_unsafe(reason="times Ctrl-C sent to a child process")
@pytest.mark.parametrize("loader_name", LOADERS)
@pytest.mark.parametrize("written", list(WRITTEN))
def test_ctrl_c_while_stdin_is_a_silent_pipe(
    api: ModuleType, written: str, loader_name: str
) -> None:
    loader = start_loader(legacy_app.BACKEND, "/dev/stdin", loader_name)
    assert loader.stdin is not None
    try:
        latency = interrupt_latency(loader, feed(loader.stdin, WRITTEN[written]))
    finally:
        loader.kill()
        loader.communicate()
    assert latency < 1.0


@pytest.mark.process
@pytest.mark.parametrize("loader_name", LOADERS)
def test_one_ctrl_d_ends_what_is_typed_at_a_terminal(api: ModuleType, loader_name: str) -> None:
    """``load_points("/dev/stdin")`` at a terminal: the lines, then Ctrl-D once, as for
    any program (a reader that reads again after the end waits for a second one)."""
    keyboard, terminal = pty.openpty()
    try:
        # A terminal as a person types at it: line by line, Ctrl-D the end of input.
        attributes = termios.tcgetattr(terminal)
        attributes[3] |= termios.ICANON
        attributes[6][termios.VEOF] = b"\x04"
        termios.tcsetattr(terminal, termios.TCSANOW, attributes)
        loader = subprocess.Popen(
            [sys.executable, "-c", LOADER, legacy_app.BACKEND, "/dev/stdin", loader_name],
            stdin=terminal,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    finally:
        os.close(terminal)
    assert loader.stdout is not None
    try:
        assert next_line(loader.stdout, timeout=60) == b"loading\n"
        os.write(keyboard, b"1,2\n3,4\n\x04")
        try:
            report = json.loads(next_line(loader.stdout, timeout=30))
        except TimeoutError:
            pytest.fail(f"{loader_name} was still reading after one Ctrl-D")
    finally:
        loader.kill()
        loader.communicate()
        os.close(keyboard)
    assert report == {"points": 2}


# ----------------------------------------------------------------------------------------
# The Rust reader's fast path and chunks against the line-by-line Python reference, on
# files of a few chunks with unusual lines anywhere, at chunk boundaries in particular;
# with one thread (read, then make the objects) and two (parsed beside the objects); and
# PointSet.load of each backend, which keeps columns instead, against the same.

unusual_lines = st.one_of(
    st.sampled_from(
        [
            b"",
            b"# a comment, with commas",
            b" \t",
            b"x,y",
            b"\xef\xbb\xbf1,2",
            b"1,2\r",
            b"1,2\r\r",
            b" 7 ,\t8\t",
            b"0000000000000000000000042,7",
            b"4294967295,4294967295",
            b"4294967296,1",
            b"1 2,3",
            b"-1,2",
            b"1,-0",
            b"+1,2",
            b"1,",
            b",1",
            b"1,2,3",
            b"\xff,1",
            b"\xed\xa0\x80,1",
            "\u0663,1".encode(),
        ]
    ),
    st.binary(max_size=12),
)
# Mostly good lines, so that most files load whole and the points themselves are compared.
mostly_good = st.one_of(
    st.sampled_from([b"", b"# c", b" 7 ,\t8\t", b"1,2\r", b"00000000000000000001,3"]),
    unusual_lines,
)
positions = st.one_of(
    st.integers(0, 3 * CHUNK),
    st.tuples(st.integers(1, 3), st.integers(-48, 48)).map(lambda at: at[0] * CHUNK + at[1]),
)


def common_lines(seed: int, size: int) -> list[bytes]:
    """Lines of the usual shape, numbers of every length, about ``size`` bytes in all."""
    rng = random.Random(seed)
    lines = []
    total = 0
    while total < size:
        x = rng.getrandbits(32) >> rng.randrange(32)
        y = rng.getrandbits(32) >> rng.randrange(32)
        line = b"%d,%d%s" % (x, y, b"\r\n" if rng.random() < 0.1 else b"\n")
        lines.append(line)
        total += len(line)
    return lines


@contextlib.contextmanager
def threads_env(threads: str) -> Iterator[None]:
    saved = os.environ.get("LEGACY_APP_THREADS")
    os.environ["LEGACY_APP_THREADS"] = threads
    try:
        yield
    finally:
        if saved is None:
            del os.environ["LEGACY_APP_THREADS"]
        else:
            os.environ["LEGACY_APP_THREADS"] = saved


# Slow (files of a few megabytes, both loaders, both backends): once, in the main
# environment; the reader is the same compiled code on every Python.
@pytest.mark.slow
@pytest.mark.thread_unsafe(reason="sets LEGACY_APP_THREADS in os.environ")
@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    inserted=st.lists(st.tuples(positions, st.one_of(mostly_good, unusual_lines)), max_size=5),
    threads=st.sampled_from(["1", "2"]),
    newline_at_end=st.booleans(),
)
def test_rust_reads_like_python_across_chunks(
    python_api: ModuleType,
    rust_api: ModuleType,
    seed: int,
    inserted: list[tuple[int, bytes]],
    threads: str,
    newline_at_end: bool,
) -> None:
    lines = common_lines(seed, int(2.5 * CHUNK))
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    # From the last insertion back, so that earlier positions stay where they were.
    for at, text in sorted(inserted, reverse=True):
        k = bisect.bisect_left(starts, at)
        lines.insert(k, text + b"\n")
    data = b"".join(lines)
    if not newline_at_end:
        data = data[:-1]
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "p.csv")
        with open(path, "wb") as out:
            out.write(data)
        expected = outcome(lambda: coordinates(python_api.load_points(path)))
        with threads_env(threads):
            for api in (rust_api, python_api):
                for load in (api.load_points, api.PointSet.load):
                    assert outcome(functools.partial(load_coordinates, load, path)) == expected


@pytest.mark.process
@pytest.mark.parametrize("bad_line", [None, b"1,2,3"])
def test_a_fifo_of_several_chunks_reads_like_the_file(
    api: ModuleType, load: Loader, tmp_path: Path, bad_line: bytes | None
) -> None:
    """A FIFO is read on the calling thread, whatever the threads allowed, a regular
    file (with two threads) on a helper: the same points, or the same first error."""
    lines = common_lines(7, int(2.5 * CHUNK))
    for k, text in enumerate([b"# c", b" 7 ,\t8\t", b"1,2\r", b"", b"00042,7"]):
        lines.insert(len(lines) * (k + 1) // 6, text + b"\n")
    if bad_line is not None:
        lines.insert(len(lines) * 5 // 6, bad_line + b"\n")
    data = b"".join(lines)
    regular = tmp_path / "regular.csv"
    regular.write_bytes(data)
    fifo = tmp_path / "points.fifo"
    os.mkfifo(fifo)

    def write() -> None:
        # A reader that stops at the bad line closes the FIFO before the end.
        with contextlib.suppress(BrokenPipeError), open(fifo, "wb") as out:
            out.write(data)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()

    def outcome_of(path: Path) -> tuple[Any, ...]:
        try:
            return ("points", coordinates(load(path)))
        except legacy_app.PointsFormatError as error:
            return ("error", error.line, error.reason)

    from_fifo = outcome_of(fifo)
    writer.join(timeout=30)
    assert from_fifo == outcome_of(regular)
    assert from_fifo[0] == ("points" if bad_line is None else "error")


def coordinates_of(points: Sequence[Any]) -> list[tuple[int, int]]:
    return [(p.x, p.y) for p in points]


def test_paths_with_non_utf8_bytes(api: ModuleType, load: Loader, tmp_path: Path) -> None:
    directory = os.fsencode(tmp_path) + b"/dir-\xfe"
    os.mkdir(directory)
    name = directory + b"/points-\xff.csv"
    with open(name, "wb") as out:
        out.write(b"1,2\n3,4\n")
    for path in (name, os.fsdecode(name), Path(os.fsdecode(name))):
        assert coordinates_of(load(path)) == [(1, 2), (3, 4)]

    missing = directory + b"/missing-\xff.csv"
    with pytest.raises(HelloIOError) as raised:
        load(missing)
    assert raised.value.errno == errno.ENOENT
    assert raised.value.filename == os.fsdecode(missing)
    assert str(raised.value) == (
        f"Hello Error: No such file or directory (os error 2): {os.fsdecode(missing)!r}"
    )

    bad = directory + b"/bad-\xff.csv"
    with open(bad, "wb") as out:
        out.write(b"1,2\n\xff,3\n")
    with pytest.raises(PointsFormatError) as format_error:
        load(bad)
    assert (format_error.value.path, format_error.value.line) == (os.fsdecode(bad), 2)
    assert format_error.value.reason == "not valid UTF-8"
    for error in (raised.value, format_error.value):
        again = pickle.loads(pickle.dumps(error))
        assert (type(again), str(again)) == (type(error), str(error))


@pytest.mark.parametrize(
    "data", [b"", b"\xef\xbb\xbf", b"\n", b"\r\n\r\n", b"x,y", b"x,y\r\n", b"# nothing\n", b" \t"]
)
def test_empty_files(api: ModuleType, load: Loader, tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(data)
    assert list(load(path)) == []
    assert list(load(os.devnull)) == []


def test_a_directory_is_a_hello_io_error(api: ModuleType, load: Loader, tmp_path: Path) -> None:
    with pytest.raises(HelloIOError) as raised:
        load(tmp_path)
    assert raised.value.errno == errno.EISDIR
    assert str(raised.value) == f"Hello Error: Is a directory (os error 21): {str(tmp_path)!r}"


def load_outcome(load: Loader, path: Path) -> Outcome:
    """What loading did, with no file name in it (to compare a FIFO with a file)."""
    try:
        return ("points", coordinates_of(load(path)))
    except PointsFormatError as error:
        return ("error", error.line, error.reason)


@pytest.mark.process
@pytest.mark.parametrize(
    "text",
    [
        b"x,y\n1,2\n33,44\n",
        b"1,2\n33,44\n5,6",  # the writer stops at the end of a line without its newline
        b"1,2\n33,44\n5,",  # ... or in the middle of a line
        b"1,2\r\n" * 50_000,  # more than a pipe holds
    ],
)
def test_a_fifo_fed_slowly_by_a_thread(
    api: ModuleType, load: Loader, tmp_path: Path, text: bytes
) -> None:
    regular = tmp_path / "regular.csv"
    regular.write_bytes(text)
    # Pieces of three bytes (lines and fields cut anywhere), or large ones for the big file.
    size = 3 if len(text) < 100 else 65_536
    chunks = [text[k : k + size] for k in range(0, len(text), size)]
    with fifo_fed(tmp_path / "fifo", chunks, pause=0.002):
        from_fifo = load_outcome(load, tmp_path / "fifo")
    assert from_fifo == load_outcome(load, regular)


def assert_loaded_a_prefix(load: Loader, path: Path, lines: list[str], at_least: int) -> None:
    """Loading a file that changed meanwhile gives the points of some prefix of its lines,
    the last possibly cut short, or a PointsFormatError at the cut: never anything else."""
    outcome = load_outcome(load, path)
    if outcome[0] == "error":
        _, line, reason = outcome
        assert at_least < line <= len(lines)
        assert reason in ("expected 2 fields, found 1", "y is not a number")
        return
    points: list[tuple[int, int]] = outcome[1]
    assert at_least <= len(points) <= len(lines)
    if points:
        *whole, (x, y) = points
        assert whole == [tuple(map(int, line.split(","))) for line in lines[: len(whole)]]
        assert lines[len(whole)].startswith(f"{x},{y}")


def numbered_lines(count: int, offset: int = 0) -> list[str]:
    return [f"{k * 7919 % 100_003},{k}" for k in range(offset, offset + count)]


@pytest.mark.process
def test_a_file_growing_while_it_is_read(api: ModuleType, load: Loader, tmp_path: Path) -> None:
    path = tmp_path / "growing.csv"
    lines = numbered_lines(100_000)
    path.write_text("".join(line + "\n" for line in lines))
    more = numbered_lines(200_000, offset=len(lines))
    pieces = ["".join(line + "\n" for line in more[k : k + 500]) for k in range(0, len(more), 500)]
    with appended_meanwhile(path, [piece.encode() for piece in pieces]):
        assert_loaded_a_prefix(load, path, lines + more, at_least=len(lines))
    # Once still, the file loads whole.
    assert len(load(path)) == len(lines) + len(more)


@pytest.mark.process
def test_a_file_truncated_while_it_is_read(api: ModuleType, load: Loader, tmp_path: Path) -> None:
    path = tmp_path / "shrinking.csv"
    lines = numbered_lines(300_000)
    text = "".join(line + "\n" for line in lines)
    path.write_text(text)

    def truncate() -> None:
        time.sleep(0.02)
        # Cut in the middle of a line, to half the file.
        os.truncate(path, len(text) // 2 + 3)

    cutter = threading.Thread(target=truncate)
    cutter.start()
    try:
        assert_loaded_a_prefix(load, path, lines, at_least=0)
    finally:
        cutter.join(timeout=60)


CORPUS = children.TESTS / "fuzz_corpus"
Calls = list[tuple[int, int]]


def loaded_alike(path: str | Path) -> None:
    """``PointSet.load`` and ``load_points`` of each backend: the same outcome."""
    loaders = {
        f"{name} {loader}": load
        for name in legacy_app.BACKENDS
        for loader, load in load_functions(legacy_app.load_backend(name)).items()
    }
    outcomes = {
        name: outcome(functools.partial(load_coordinates, load, path))
        for name, load in loaders.items()
    }
    assert outcomes == dict.fromkeys(loaders, outcomes["python load_points"])


def load_functions(api: ModuleType) -> dict[str, Loader]:
    return {"load_points": api.load_points, "PointSet.load": api.PointSet.load}


@given(st.one_of(points_texts(), any_bytes()))
def test_the_fuzzers_files_load_as_load_points_loads_them(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "p.csv")
        with open(path, "wb") as out:
            out.write(data)
        loaded_alike(path)


@pytest.mark.parametrize(
    "path",
    sorted(p for p in CORPUS.iterdir() if p.suffix != ".expr" and p.name != "README.md"),
    ids=lambda p: p.name,
)
def test_the_corpus_loads_as_load_points_loads_it(path: Path) -> None:
    loaded_alike(path)


# Progress in bytes.


def recorded(api: ModuleType, path: str | Path) -> tuple[list[Any], Calls]:
    calls: Calls = []
    points = api.PointSet.load(path, progress=lambda done, total: calls.append((done, total)))
    return coordinates(points), calls


def assert_bytes_counted(calls: Calls, size: int, regular: bool) -> None:
    assert calls, "progress was never called"
    dones = [done for done, _ in calls]
    assert dones == sorted(dones)
    assert all(0 <= done <= total for done, total in calls)
    if regular:
        # The size at open, for a file that did not change.
        assert {total for _, total in calls} == {size}
    assert calls[-1] == (size, size)


@pytest.mark.parametrize("lines", [0, 1, 3, 200_000])
def test_progress_counts_the_bytes_of_a_regular_file(
    api: ModuleType, tmp_path: Path, lines: int
) -> None:
    path = tmp_path / "points.csv"
    path.write_bytes(b"\xef\xbb\xbfx,y\r\n" + b"".join(b"%d,%d\n" % (k, k) for k in range(lines)))
    points, calls = recorded(api, path)
    assert len(points) == lines
    assert_bytes_counted(calls, path.stat().st_size, regular=True)


def test_progress_stops_at_a_bad_line(api: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(b"1,2\n" * 100_000 + b"1,x\n" + b"3,4\n" * 100_000)
    calls: Calls = []
    with pytest.raises(legacy_app.PointsFormatError, match=r":100001: y is not a number$"):
        api.PointSet.load(path, progress=lambda done, total: calls.append((done, total)))
    size = path.stat().st_size
    assert all(0 <= done <= total == size for done, total in calls)


def test_load_progress_errors_propagate(api: ModuleType, tmp_path: Path) -> None:
    class Stop(Exception):
        pass

    def stop(done: int, total: int) -> None:
        raise Stop

    path = tmp_path / "points.csv"
    path.write_bytes(b"1,2\n" * 300_000)
    with pytest.raises(Stop):
        api.PointSet.load(path, progress=stop)
    # The file was closed, and loads again.
    assert len(api.PointSet.load(path)) == 300_000


@pytest.mark.process
@pytest.mark.parametrize("size", [0, 10, 2_000_000])
def test_progress_counts_what_a_fifo_gave(api: ModuleType, tmp_path: Path, size: int) -> None:
    data = b"".join(b"%d,7\n" % k for k in range(size // 8))
    pieces = [data[k : k + 100_000] for k in range(0, len(data), 100_000)]
    with fifo_fed(tmp_path / "fifo", pieces, pause=0.001):
        points, calls = recorded(api, tmp_path / "fifo")
    assert len(points) == size // 8
    assert_bytes_counted(calls, len(data), regular=False)


PIPED = """
import json, sys, legacy_app
calls = []
points = legacy_app.PointSet.load("/dev/stdin", progress=lambda d, t: calls.append([d, t]))
print(json.dumps({"points": len(points), "calls": calls}))
"""


@pytest.mark.process
@pytest.mark.parametrize("backend", legacy_app.BACKENDS)
def test_progress_counts_what_a_pipe_gave(backend: str) -> None:
    data = b"".join(b"%d,%d\n" % (k, k) for k in range(300_000))
    done = subprocess.run(
        [sys.executable, "-c", PIPED],
        input=data,
        capture_output=True,
        env=children.child_env(backend),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()
    report = children.report_of(done.stdout.decode())
    assert report["points"] == 300_000
    assert_bytes_counted([(d, t) for d, t in report["calls"]], len(data), regular=False)


@pytest.mark.process
def test_progress_of_a_file_growing_while_it_is_read(api: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "growing.csv"
    path.write_bytes(b"1,2\n" * 200_000)
    with appended_meanwhile(path, [b"3,4\n" * 1000] * 200):
        points, calls = recorded(api, path)
    dones = [done for done, _ in calls]
    assert dones == sorted(dones)
    assert all(0 <= done <= total for done, total in calls)
    # Whatever was read in the end is all there is to read.
    assert calls[-1] == (4 * len(points), 4 * len(points))
