"""SPEC.md "The command legacy-app": every command, both backends, exit statuses,
messages without tracebacks, and output files written whole or not at all."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import legacy_app

BACKENDS = list(legacy_app.BACKENDS)


def run(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "legacy_app", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})},
        cwd=cwd,
        timeout=300,
    )


def test_console_script_is_installed() -> None:
    script = shutil.which("legacy-app", path=os.path.dirname(sys.executable)) or shutil.which(
        "legacy-app"
    )
    assert script is not None
    done = subprocess.run([script, "hello"], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (0, "Hello world!\n")


@pytest.mark.parametrize("backend", BACKENDS)
def test_small_commands(backend: str) -> None:
    assert run("hello", "--backend", backend).stdout == "Hello world!\n"
    assert run("--backend", backend, "fact", "25").stdout == "15511210043330985984000000\n"
    assert run("dist", "0", "0", "3", "4", "--backend", backend).stdout == "5.0\n"
    done = run("sleep", "0.01", "--backend", backend)
    lines = done.stdout.splitlines()
    assert done.returncode == 0
    assert lines[0] == "🌙 Night night! Sleeping for 10ms"
    assert lines[1].startswith("🌞 I'm awake after ")


@pytest.mark.parametrize("backend", BACKENDS)
def test_fail_exits_1_with_message_and_no_traceback(backend: str) -> None:
    done = run("fail", "--backend", backend)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == "legacy-app: Hello Error: 🍏🍏\n"


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    "args",
    [
        [],
        ["nope"],
        ["fact"],
        ["fact", "x"],
        ["fact", "-1"],
        ["dist", "0", "0", "3"],
        ["dist", "-1", "0", "3", "4"],
        ["dist", "4294967296", "0", "3", "4"],
        ["sleep", "-1"],
        ["sleep", "nan"],
        ["report", "--bogus"],
    ],
)
def test_bad_usage_exits_2(backend: str, args: list[str]) -> None:
    done = run(*args, "--backend", backend) if args else run()
    assert done.returncode == 2, done
    assert "Traceback" not in done.stderr
    assert "usage: legacy-app" in done.stderr


def test_unknown_backend_is_bad_usage() -> None:
    done = run("hello", "--backend", "java")
    assert done.returncode == 2
    assert "invalid choice" in done.stderr


@pytest.mark.parametrize("backend", [pytest.param("python", marks=pytest.mark.slow), "rust"])
def test_report_on_the_sample(backend: str) -> None:
    done = run("report", "--backend", backend, "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["backend"] == backend
    assert report["count"] == 100_000
    assert set(report) >= {
        "bounding_box",
        "centroid",
        "closest_pair",
        "nearest_neighbor_distance",
        "greedy_route_length",
        "timings",
    }
    nn = report["nearest_neighbor_distance"]
    assert 0 <= nn["min"] <= nn["mean"] <= nn["max"]
    assert report["closest_pair"]["distance"] == nn["min"]
    assert set(report["timings"]) == {
        "load points",
        "summary",
        "closest pair",
        "nearest neighbours",
        "greedy route",
    }


def test_report_is_the_same_under_both_backends(tmp_path: Path) -> None:
    points = tmp_path / "p.csv"
    points.write_text(
        "x,y\n" + "".join(f"{(k * 7919) % 1000},{(k * 104729) % 997}\n" for k in range(3000))
    )
    reports = []
    for backend in BACKENDS:
        done = run("report", str(points), "--backend", backend, "--json")
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout)
        del report["timings"], report["backend"]
        reports.append(report)
    assert reports[0] == reports[1]


@pytest.mark.parametrize("backend", BACKENDS)
def test_report_text(backend: str, tmp_path: Path) -> None:
    points = tmp_path / "p.csv"
    points.write_text("0,0\n3,4\n10,0\n")
    done = run("report", str(points), "--backend", backend)
    assert done.returncode == 0, done.stderr
    text = done.stdout
    for expected in (
        "points             3",
        "bounding box       (0, 0) .. (10, 4)",
        "closest pair       #0 and #1, distance 5",
        f"backend            {backend}",
        "greedy route       length",
        "load points",
    ):
        assert expected in text


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("content", ["", "5,5\n"])
def test_report_on_tiny_files(backend: str, content: str, tmp_path: Path) -> None:
    points = tmp_path / "p.csv"
    points.write_text(content)
    done = run("report", str(points), "--backend", backend, "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["closest_pair"] is None
    assert report["greedy_route_length"] == 0.0


@pytest.mark.parametrize("backend", BACKENDS)
def test_report_errors_exit_1(backend: str, tmp_path: Path) -> None:
    missing = tmp_path / "missing.csv"
    done = run("report", str(missing), "--backend", backend)
    assert done.returncode == 1
    assert (
        done.stderr
        == f"legacy-app: Hello Error: No such file or directory (os error 2): '{missing}'\n"
    )
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2\n1,2,3\n")
    done = run("report", str(bad), "--backend", backend)
    assert done.returncode == 1
    assert done.stderr == f"legacy-app: Hello Error: {bad}:2: expected 2 fields, found 3\n"


@pytest.mark.parametrize("backend", BACKENDS)
def test_report_svg(backend: str, tmp_path: Path) -> None:
    points = tmp_path / "p.csv"
    points.write_text("0,0\n3,4\n10,0\n")
    out = tmp_path / "route.svg"
    done = run("report", str(points), "--svg", str(out), "--backend", backend)
    assert done.returncode == 0, done.stderr
    svg = out.read_text()
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask
    assert svg.startswith("<svg")
    assert svg.rstrip().endswith("</svg>")
    assert svg.count(" L") == 2  # a route through three points
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.csv", "route.svg"]


def test_failed_report_leaves_no_svg(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2\nnope\n")
    out = tmp_path / "route.svg"
    done = run("report", str(bad), "--svg", str(out))
    assert done.returncode == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


def test_env_backend_is_honoured(tmp_path: Path) -> None:
    points = tmp_path / "p.csv"
    points.write_text("1,2\n3,4\n")
    for backend in BACKENDS:
        done = run("report", str(points), "--json", env={"LEGACY_APP_BACKEND": backend})
        assert json.loads(done.stdout)["backend"] == backend
