"""``legacy-app verify FILE``: both backends on one file, function by function."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import legacy_app._python as python
import legacy_app._rust as rust
from legacy_app import cli
from legacy_app.verify import FUNCTIONS, HEADER, POINT_SET_CALLS


def points_file(tmp_path: Path, count: int) -> Path:
    path = tmp_path / "p.csv"
    path.write_text(
        "x,y\n" + "".join(f"{(k * 7919) % 1000},{(k * 104729) % 997}\n" for k in range(count))
    )
    return path


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "legacy_app", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        timeout=600,
    )


def test_agreement_exits_0_with_a_row_per_function(tmp_path: Path) -> None:
    path = points_file(tmp_path, 2000)
    done = run("verify", str(path))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"verify {path}: every function under both backends"
    assert lines[1] == HEADER
    rows = lines[2 : 2 + len(FUNCTIONS)]
    assert [line.split()[:2] for line in rows] == [[name, "agree"] for name in FUNCTIONS]
    assert all(line.endswith("x") for line in rows)  # the speed-up
    assert lines[2 + len(FUNCTIONS) :] == [f"all {len(FUNCTIONS)} functions agree on 2,000 points"]
    assert done.stderr == ""  # no progress bar where stderr is not a terminal


def test_json(tmp_path: Path) -> None:
    done = run("verify", str(points_file(tmp_path, 500)), "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["points"] == 500
    assert document["agree"] is True
    assert [row["function"] for row in document["functions"]] == list(FUNCTIONS)
    for row in document["functions"]:
        assert row["agree"] is True
        assert row["difference"] is None
        assert row["python_seconds"] > 0
        assert row["rust_seconds"] > 0


def test_a_difference_exits_1_and_shows_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    right = rust.nearest_neighbors

    def wrong(points: Any, **kwargs: Any) -> tuple[list[int], list[float]]:
        indices, distances = right(points, **kwargs)
        distances[17] = -1.0
        return indices, distances

    monkeypatch.setattr(rust, "nearest_neighbors", wrong)
    path = points_file(tmp_path, 300)
    assert cli.main(["verify", str(path)]) == 1
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("nearest_neighbors"))
    assert row.split()[1] == "DIFFERS"
    detail = out.splitlines()[out.splitlines().index(row) + 1]
    assert detail.startswith("    first difference at [1][17]: python ")
    assert detail.endswith(", rust -1.0")
    assert out.splitlines()[-1] == (
        f"1 of {len(FUNCTIONS)} functions differ on 300 points: nearest_neighbors"
    )


def test_max_points_thins_the_batch_functions_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[int] = []
    right = rust.greedy_route

    def counting(points: Any, **kwargs: Any) -> Any:
        seen.append(len(points))
        return right(points, **kwargs)

    monkeypatch.setattr(rust, "greedy_route", counting)
    path = points_file(tmp_path, 2000)
    assert cli.main(["verify", str(path), "--max-points", "300"]) == 0
    assert seen == [286]  # one point in 7
    last = capsys.readouterr().out.splitlines()[-1]
    assert last == (
        f"all {len(FUNCTIONS)} functions agree on 2,000 points "
        "(the batch functions and questions on one in 7: 286)"
    )
    done = run("verify", str(path), "--max-points", "5000", "--json")
    assert json.loads(done.stdout)["batch_stride"] == 1
    assert run("verify", str(path), "--max-points", "0").returncode == 2


def test_both_failing_alike_agree(tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text("5,5\n")
    done = run("verify", str(path))
    assert done.returncode == 0, done.stderr
    assert f"all {len(FUNCTIONS)} functions agree on 1 point" in done.stdout


def test_a_bad_file_exits_1_with_its_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2\n1,2,3\n")
    done = run("verify", str(bad))
    assert done.returncode == 1
    assert done.stdout.splitlines()[2].split()[:2] == ["load_points", "agree"]
    assert done.stderr == f"legacy-app: Hello Error: {bad}:2: expected 2 fields, found 3\n"
    missing = tmp_path / "missing.csv"
    done = run("verify", str(missing))
    assert done.returncode == 1
    assert "No such file or directory" in done.stderr


@pytest.mark.parametrize("where", ["before verify", "after verify"])
@pytest.mark.parametrize("backend", ["rust", "python", "shadow"])
def test_backend_is_accepted_and_both_run(tmp_path: Path, backend: str, where: str) -> None:
    path = str(points_file(tmp_path, 10))
    given = ["--backend", backend]
    args = [*given, "verify", path] if where == "before verify" else ["verify", *given, path]
    done = run(*args)
    assert done.returncode == 0, done.stderr
    assert (
        done.stderr
        == f"legacy-app: verify runs both backends: --backend {backend} changes nothing\n"
    )
    assert done.stdout.splitlines()[-1] == f"all {len(FUNCTIONS)} functions agree on 10 points"


@pytest.mark.slow
def test_the_shipped_sample_agrees() -> None:
    done = run("verify", str(cli.sample_path()))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == f"all {len(FUNCTIONS)} functions agree on 100,000 points"


def test_point_set_questions_are_checked_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each backend's own PointSet of the file, asked each question; a wrong answer of
    Rust's set is found like a wrong function."""
    assert FUNCTIONS[5:] == (
        "PointSet.load",
        "PointSet.bounds",
        "PointSet.centroid",
        "PointSet.nearest_neighbors",
        "PointSet.closest_pair",
        "PointSet.greedy_route",
        "PointSet.path_length",
    )

    def centroid(points: Any, route: Any, progress: Any) -> Any:
        return (0.5, 0.5) if type(points) is rust.PointSet else points.centroid

    monkeypatch.setitem(POINT_SET_CALLS, "PointSet.centroid", centroid)
    path = points_file(tmp_path, 300)
    assert cli.main(["verify", str(path), "--json"]) == 1
    rows = {row["function"]: row for row in json.loads(capsys.readouterr().out)["functions"]}
    assert [name for name, row in rows.items() if not row["agree"]] == ["PointSet.centroid"]
    assert rows["PointSet.centroid"]["difference"].endswith("[0]: python 500.5, rust 0.5")


def test_the_route_length_is_asked_with_each_backends_route(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[Any] = []
    right = POINT_SET_CALLS["PointSet.path_length"]

    def path_length(points: Any, route: Any, progress: Any) -> Any:
        asked.append((type(points), route))
        return right(points, route, progress)

    monkeypatch.setitem(POINT_SET_CALLS, "PointSet.path_length", path_length)
    path = points_file(tmp_path, 50)
    assert cli.main(["verify", str(path), "--json"]) == 0
    assert [kind for kind, _ in asked] == [python.PointSet, rust.PointSet]
    routes = [route.tolist() for _, route in asked]
    assert routes[0] == routes[1] == python.greedy_route(python.load_points(path))
