"""``load_points``: read a points file (see docs/contract.md, "Points files") line by line."""

from __future__ import annotations

import os

from legacy_app._python.batch import check_threads
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


def _parse_line(raw: bytes, path: str, number: int) -> Point | None:
    """The point on one line, ``None`` for a blank, comment or header line."""
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
    return Point(x, y)


def load_points(path: str | os.PathLike[str]) -> list[Point]:
    """Read the points of a file, one ``x,y`` a line, streaming."""
    name = os.fsdecode(path)
    points: list[Point] = []
    try:
        with open(path, "rb") as lines:
            # As the Rust backend, which may read on a second thread: a bad setting fails.
            check_threads()
            for number, raw in enumerate(lines, start=1):
                if number == 1 and raw.startswith(BOM):
                    raw = raw[len(BOM) :]
                point = _parse_line(raw, name, number)
                if point is not None:
                    points.append(point)
    except OSError as error:
        raise HelloIOError.from_os_error(error, path) from None
    return points
