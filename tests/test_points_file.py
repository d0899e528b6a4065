"""SPEC.md "Points file": what load_points accepts and rejects, under both backends."""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType

import pytest

import legacy_app

MAX = 2**32 - 1


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "points.csv"
    path.write_bytes(data)
    return path


def coordinates(points: list[legacy_app.Point]) -> list[tuple[int, int]]:
    return [(p.x, p.y) for p in points]


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
    api: ModuleType, tmp_path: Path, data: bytes, expected: list[tuple[int, int]]
) -> None:
    points = api.load_points(write(tmp_path, data))
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
def test_rejects(api: ModuleType, tmp_path: Path, data: bytes, line: int, reason: str) -> None:
    path = write(tmp_path, data)
    with pytest.raises(legacy_app.PointsFormatError) as info:
        api.load_points(path)
    assert (info.value.path, info.value.line, info.value.reason) == (str(path), line, reason)
    assert str(info.value) == f"Hello Error: {path}:{line}: {reason}"


def test_path_kinds(api: ModuleType, tmp_path: Path) -> None:
    path = write(tmp_path, b"1,2\n")
    for given in (path, str(path), os.fsencode(path)):
        assert coordinates(api.load_points(given)) == [(1, 2)]


@pytest.mark.parametrize("given", [3, None, 1.5])
def test_not_a_path(api: ModuleType, given: object) -> None:
    with pytest.raises(TypeError, match=r"expected str, bytes or os\.PathLike object"):
        api.load_points(given)


def test_non_utf8_path_name(api: ModuleType, tmp_path: Path) -> None:
    name = os.fsencode(tmp_path) + b"/caf\xe9.csv"
    with open(name, "wb") as out:
        out.write(b"5,6\n")
    assert coordinates(api.load_points(name)) == [(5, 6)]
    missing = os.fsencode(tmp_path) + b"/\xff.csv"
    with pytest.raises(legacy_app.HelloIOError) as info:
        api.load_points(missing)
    assert info.value.filename == os.fsdecode(missing)


def test_read_error_midway(api: ModuleType) -> None:
    # Opening /proc/self/mem works, reading its first page fails with EIO: an I/O
    # error after the open, which even root cannot read past.
    with pytest.raises(legacy_app.HelloIOError) as info:
        api.load_points("/proc/self/mem")
    assert info.value.errno == 5
    assert str(info.value) == "Hello Error: Input/output error (os error 5): '/proc/self/mem'"


def test_shipped_sample_loads(api: ModuleType) -> None:
    from legacy_app.cli import sample_path

    points = api.load_points(sample_path())
    assert len(points) == 100_000


def test_garbage_collector_state_is_kept(api: ModuleType, tmp_path: Path) -> None:
    import gc

    path = write(tmp_path, b"1,2\n3,4\n")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"1,2\nx\n")
    assert gc.isenabled()
    api.load_points(path)
    with pytest.raises(legacy_app.PointsFormatError):
        api.load_points(bad)
    assert gc.isenabled()
    gc.disable()
    try:
        api.load_points(path)
        assert not gc.isenabled()
    finally:
        gc.enable()
