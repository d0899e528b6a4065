"""docs/contract.md "Point sets", ``PointSet.load``: the points, errors, messages and line
numbers of ``load_points`` on every file the fuzzers draw and every file of the fuzz
corpus, and its progress in bytes (regular files, growing files, FIFOs, pipes); under
both backends. (tests/test_points_file*.py run each points-file rule with both loaders.)
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import legacy_app
from tests import children
from tests.conftest import Loader, outcome
from tests.files import appended_meanwhile, fifo_fed
from tests.fuzz_strategies import any_bytes, points_texts

CORPUS = children.TESTS / "fuzz_corpus"
Calls = list[tuple[int, int]]


def coordinates(points: Any) -> list[tuple[int, int]]:
    return [(p.x, p.y) for p in points]


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


def load_coordinates(load: Loader, path: str | Path) -> list[tuple[int, int]]:
    return coordinates(load(path))


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


def test_progress_errors_propagate(api: ModuleType, tmp_path: Path) -> None:
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
