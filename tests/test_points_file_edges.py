"""Odd paths and files for load_points and PointSet.load (docs/contract.md "Points files",
"HelloIOError"): names that
are not UTF-8, empty files, directories, a FIFO fed slowly, and files that grow or shrink
while they are read; under both backends.
"""

from __future__ import annotations

import errno
import os
import pickle
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from legacy_app import HelloIOError, PointsFormatError
from tests.conftest import Loader, Outcome
from tests.files import appended_meanwhile, fifo_fed


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
