"""Points files (docs/contract.md, "Points files") read line by line, for both loaders."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from typing import BinaryIO

from legacy_app._python.batch import PROGRESS_EVERY, Progress, check_threads
from legacy_app._python.point import MAX_COORDINATE, Point
from legacy_app.errors import HelloIOError, PointsFormatError

BOM = b"\xef\xbb\xbf"
BLANKS = " \t"


def _field(name: str, text: str) -> int | str:
    """The value of one field, or the reason it is not a coordinate."""
    text = text.strip(BLANKS)
    if text.isascii() and text.isdigit():
        # Compare by length first: int() refuses strings of over 4,300 digits.
        significant = text.lstrip("0")
        if len(significant) > len(str(MAX_COORDINATE)):
            return f"{name} is above {MAX_COORDINATE}"
        value = int(significant or "0")
        if value > MAX_COORDINATE:
            return f"{name} is above {MAX_COORDINATE}"
        return value
    if text[:1] == "-" and text[1:].isascii() and text[1:].isdigit():
        return f"{name} is negative"
    return f"{name} is not a number"


def _parse_line(raw: bytes, path: str, number: int) -> tuple[int, int] | None:
    """The ``(x, y)`` on one line, ``None`` for a blank, comment or header line."""
    if raw.endswith(b"\n"):
        raw = raw[:-1]
    if raw.endswith(b"\r"):
        raw = raw[:-1]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PointsFormatError(path, number, "not valid UTF-8") from None
    stripped = text.strip(BLANKS)
    if not stripped or stripped.startswith("#"):
        return None
    fields = text.split(",")
    if len(fields) != 2:
        raise PointsFormatError(path, number, f"expected 2 fields, found {len(fields)}")
    if number == 1 and [field.strip(BLANKS) for field in fields] == ["x", "y"]:
        return None
    x = _field("x", fields[0])
    y = _field("y", fields[1])
    if isinstance(x, str):
        raise PointsFormatError(path, number, x)
    if isinstance(y, str):
        raise PointsFormatError(path, number, y)
    return x, y


def _lines(file: BinaryIO, path: str | os.PathLike[str]) -> Iterator[bytes]:
    """The lines of ``file``, endings included; a failed read is a ``HelloIOError``."""
    while True:
        try:
            raw = file.readline()
        except OSError as error:
            raise HelloIOError.from_os_error(error, path) from None
        if not raw:
            return
        yield raw


def read_coordinates(
    path: str | os.PathLike[str], progress: Progress = None
) -> Iterator[tuple[int, int]]:
    """The ``(x, y)`` of each point of a file, one ``x,y`` a line, streaming.

    ``progress(done, total)`` counts bytes: first ``(0, total)``, then now and then, and
    last, once the whole file is read, ``(done, done)``. ``total`` is the size at open
    for a regular file (or what was read, if it grew meanwhile), else what was read.
    """
    name = os.fsdecode(path)
    try:
        file = open(path, "rb")  # noqa: SIM115 - closed below; its errors are ours to word
    except OSError as error:
        raise HelloIOError.from_os_error(error, path) from None
    with file:
        # As the Rust backend, which may read on a second thread: a bad setting fails.
        check_threads()
        size = _regular_size(file, path)
        done = 0
        if progress is not None:
            progress(0, size or 0)
        for number, raw in enumerate(_lines(file, path), start=1):
            done += len(raw)
            if number == 1 and raw.startswith(BOM):
                raw = raw[len(BOM) :]
            point = _parse_line(raw, name, number)
            if point is not None:
                yield point
            if progress is not None and number % PROGRESS_EVERY == 0:
                progress(done, max(size or 0, done))
        if progress is not None:
            progress(done, done)


def _regular_size(file: BinaryIO, path: str | os.PathLike[str]) -> int | None:
    """The size of ``file`` if it is a regular file; ``None`` for a pipe or a device."""
    try:
        status = os.fstat(file.fileno())
    except OSError as error:
        raise HelloIOError.from_os_error(error, path) from None
    return status.st_size if stat.S_ISREG(status.st_mode) else None


def load_points(path: str | os.PathLike[str]) -> list[Point]:
    """Read the points of a file, one ``x,y`` a line, into a list of ``Point``.

    Raises ``HelloIOError`` (an ``OSError``) when the file cannot be read, and
    ``PointsFormatError`` (a ``ValueError``) naming the file, the line and what is wrong
    with the first bad line.
    """
    return [Point(x, y) for x, y in read_coordinates(path)]
