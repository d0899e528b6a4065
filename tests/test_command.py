"""docs/contract.md "The command": every command, both backends, exit statuses,
messages without tracebacks, and output files written whole or not at all."""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import legacy_app
import legacy_app.report
from legacy_app import cli, output

BACKENDS = list(legacy_app.BACKENDS)
# The shadow backend answers as the reference does, Rust compared beside it.
EVERY_BACKEND = [*BACKENDS, "shadow"]


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


@pytest.mark.parametrize("backend", EVERY_BACKEND)
def test_small_commands(backend: str) -> None:
    assert run("hello", "--backend", backend).stdout == "Hello world!\n"
    assert run("--backend", backend, "fact", "25").stdout == "15511210043330985984000000\n"
    assert run("dist", "0", "0", "3", "4", "--backend", backend).stdout == "5.0\n"
    done = run("sleep", "0.01", "--backend", backend)
    lines = done.stdout.splitlines()
    assert done.returncode == 0
    assert lines[0] == "🌙 Night night! Sleeping for 10ms"
    assert lines[1].startswith("🌞 I'm awake after ")


@pytest.mark.parametrize("backend", EVERY_BACKEND)
def test_fail_exits_1_with_message_and_no_traceback(backend: str) -> None:
    done = run("fail", "--backend", backend)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == "legacy-app: Hello Error: 🍏🍏\n"


@pytest.mark.parametrize("backend", EVERY_BACKEND)
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
        ["sleep", "1e20"],
        ["fact", "9223372036854775808"],
        ["report", "--bogus"],
        ["verify"],
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
        "nearest neighbours",
        "closest pair",
        "greedy route",
        "route length",
    }
    assert report["greedy_route_start"] == 0


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
    assert "p.csv: 3 points, greedy route length 13.06" in svg
    assert svg.count("stroke-linejoin") == 2  # a route of two steps, a colour each
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.csv", "route.svg"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_report_svg_dash_draws_on_standard_output(backend: str, tmp_path: Path) -> None:
    points = tmp_path / "p.csv"
    points.write_text("0,0\n3,4\n10,0\n")
    done = run("report", "p.csv", "--svg", "-", "--backend", backend, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    # The picture, byte for byte as --svg FILE writes it; the report on stderr instead.
    drawn = run("report", "p.csv", "--svg", "route.svg", "--backend", backend, cwd=tmp_path)
    assert drawn.returncode == 0, drawn.stderr
    assert done.stdout == (tmp_path / "route.svg").read_text(encoding="utf-8")
    assert done.stderr.splitlines()[:3] == [
        "file               p.csv",
        f"backend            {backend}",
        "points             3",
    ]
    assert drawn.stdout.splitlines()[:8] == done.stderr.splitlines()[:8]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.csv", "route.svg"]
    # A file named "-" is still there to be had.
    done = run("report", "p.csv", "--svg", "./-", "--backend", backend, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "-").read_text(encoding="utf-8").startswith("<svg")


def test_report_svg_dash_with_json_is_bad_usage(tmp_path: Path) -> None:
    points = tmp_path / "p.csv"
    points.write_text("0,0\n3,4\n")
    done = run("report", "p.csv", "--svg", "-", "--json", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.endswith(
        "legacy-app: error: --svg - and --json would both write to standard output: choose one\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.csv"]


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


def test_shadow_report_says_what_was_compared(tmp_path: Path) -> None:
    points = tmp_path / "p.csv"
    points.write_text("0,0\n3,4\n10,0\n7,7\n")
    done = run("report", str(points), "--backend", "shadow", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["backend"] == "shadow"
    compared = {
        name: (f["calls"], f["compared"], f["mismatches"]) for name, f in report["shadow"].items()
    }
    # The report asks a PointSet: its loading, summaries and questions are compared.
    asked = ["load", "bounds", "centroid", "nearest_neighbors", "closest_pair", "greedy_route"]
    assert compared == {
        **{f"PointSet.{name}": (1, 1, 0) for name in asked},
        "PointSet.path_length": (1, 1, 0),
    }
    text = run("report", str(points), "--backend", "shadow").stdout
    assert "shadow: the Python reference answered, Rust ran beside it" in text
    assert "  PointSet.greedy_route      1 compared, 0 differ, Rust speed-up " in text


def test_fact_prints_any_n_in_full() -> None:
    done = run("fact", "2000")
    assert done.returncode == 0, done.stderr
    # 5,736 digits: beyond the interpreter's default limit of 4,300 for str(int).
    number, chunks = math.factorial(2000), []
    while number:
        number, chunk = divmod(number, 10**100)
        chunks.append(f"{chunk:0100d}")
    assert done.stdout == "".join(reversed(chunks)).lstrip("0") + "\n"
    assert len(done.stdout) == 5737


def test_an_internal_error_is_not_bad_usage(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    points = tmp_path / "p.csv"
    points.write_text("1,2\n3,4\n")

    def broken(points: object) -> dict[str, object]:
        raise TypeError("a bug")

    monkeypatch.setattr(legacy_app.report, "summary", broken)
    with pytest.raises(TypeError, match="a bug"):
        cli.main(["report", str(points)])


def test_an_internal_error_shows_its_traceback(tmp_path: Path) -> None:
    code = (
        "import sys, legacy_app.cli as cli, legacy_app.report as report\n"
        "def broken(points): raise ValueError('a bug')\n"
        "report.summary = broken\n"
        "sys.exit(cli.main(sys.argv[1:]))\n"
    )
    points = tmp_path / "p.csv"
    points.write_text("1,2\n3,4\n")
    done = subprocess.run(
        [sys.executable, "-c", code, "report", str(points)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "Traceback" in done.stderr
    assert "ValueError: a bug" in done.stderr
    assert "usage:" not in done.stderr


def test_an_unwritable_output_exits_1_without_traceback(tmp_path: Path) -> None:
    points = tmp_path / "p.csv"
    points.write_text("1,2\n3,4\n")
    out = tmp_path / "missing" / "route.svg"
    done = run("report", str(points), "--svg", str(out))
    assert done.returncode == 1
    assert done.stderr == f"legacy-app: cannot write {out}: No such file or directory\n"
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "legacy_app", "report", str(points)],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    assert done.returncode == 1
    assert done.stderr == "legacy-app: cannot write standard output: No space left on device\n"


@pytest.mark.process
@pytest.mark.parametrize("command", [["hello"], ["fact", "3000"], ["report"]])
def test_a_closed_pipe_ends_quietly(command: list[str]) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "legacy_app", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    process.stdout.close()  # the reader is gone before the command writes anything
    stderr = process.stderr.read()
    assert process.wait(timeout=120) == 128 + signal.SIGPIPE
    assert stderr == b""


def test_devices_and_fifos_are_written_directly(tmp_path: Path) -> None:
    points = tmp_path / "p.csv"
    points.write_text("1,2\n3,4\n")
    done = run("report", str(points), "--svg", os.devnull)
    assert done.returncode == 0, done.stderr
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    done = run("report", str(points), "--svg", str(fifo))
    reader.join(timeout=60)
    assert done.returncode == 0, done.stderr
    assert received[0].startswith("<svg")
    assert received[0].rstrip().endswith("</svg>")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo", "p.csv"]


def test_svg_through_a_symlink_replaces_its_target(tmp_path: Path) -> None:
    points = tmp_path / "p.csv"
    points.write_text("1,2\n3,4\n")
    (tmp_path / "pictures").mkdir()
    target = tmp_path / "pictures" / "real.svg"
    target.write_text("old")
    target.chmod(0o640)
    link = tmp_path / "link.svg"
    link.symlink_to(target)
    done = run("report", str(points), "--svg", str(link))
    assert done.returncode == 0, done.stderr
    assert link.is_symlink()
    assert os.readlink(link) == str(target)
    assert target.read_text().startswith("<svg")
    assert target.stat().st_mode & 0o777 == 0o640  # a replaced file keeps its permissions
    assert sorted(p.name for p in (tmp_path / "pictures").iterdir()) == ["real.svg"]


def temporaries(directory: Path) -> list[str]:
    return [p.name for p in directory.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.process
@pytest.mark.parametrize(
    "moment", ["created", "writing", "before rename", "renamed", "cleaning up"]
)
def test_ctrl_c_at_any_moment_leaves_no_temporary(
    moment: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """SIGINT lands at each risky point of atomic_output: never a temporary left behind,
    and the file is either the old one or the new one, whole."""
    out = tmp_path / "out.svg"
    out.write_text("old")

    sent: list[str] = []

    def interrupt() -> None:
        if not sent:  # once: the handler's own clean-up must not set off another
            sent.append(moment)
            os.kill(os.getpid(), signal.SIGINT)

    real_open, real_chmod, real_replace, real_unlink = os.open, os.chmod, os.replace, os.unlink

    def opening(path: Any, *args: Any, **kwargs: Any) -> int:
        fd = real_open(path, *args, **kwargs)
        if moment == "created" and str(path).endswith(".tmp"):
            interrupt()
        return fd

    def changing_mode(path: Any, mode: int) -> None:
        real_chmod(path, mode)
        if moment == "before rename":
            interrupt()

    def renaming(source: Any, target: Any) -> None:
        real_replace(source, target)
        if moment == "renamed":
            interrupt()

    def unlinking(path: Any) -> None:
        if moment == "cleaning up" and str(path).endswith(".tmp"):
            interrupt()
        real_unlink(path)

    monkeypatch.setattr(os, "open", opening)
    monkeypatch.setattr(os, "chmod", changing_mode)
    monkeypatch.setattr(os, "replace", renaming)
    monkeypatch.setattr(os, "unlink", unlinking)
    # Python's own Ctrl-C handler, whatever this process inherited: a suite started in
    # the background has SIGINT ignored.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    handler = signal.getsignal(signal.SIGINT)

    def write() -> None:
        with output.atomic_output(out) as stream:
            stream.write("new")
            if moment == "writing":
                interrupt()
            if moment == "cleaning up":
                raise RuntimeError("the report failed")

    try:
        with pytest.raises(KeyboardInterrupt):
            write()
        assert signal.getsignal(signal.SIGINT) is handler
    finally:
        signal.signal(signal.SIGINT, previous)
    assert sent == [moment]
    assert temporaries(tmp_path) == []
    assert out.read_text() == ("new" if moment == "renamed" else "old")


@pytest.mark.process
@pytest.mark.slow
def test_ctrl_c_at_random_moments_leaves_no_temporary(tmp_path: Path) -> None:
    points = tmp_path / "p.csv"
    points.write_text(
        "".join(f"{(k * 7919) % 100_000},{(k * 104_729) % 99_991}\n" for k in range(30_000))
    )
    out = tmp_path / "out.svg"
    statuses = set()
    for attempt in range(24):
        process = subprocess.Popen(
            [sys.executable, "-m", "legacy_app", "report", str(points), "--svg", str(out)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # The child's SIGINT is Python's default whatever the supervisor set.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        time.sleep(0.3 + attempt * 0.06)
        process.send_signal(signal.SIGINT)
        statuses.add(process.wait(timeout=120))
        assert temporaries(tmp_path) == [], attempt
        if out.exists():
            assert out.read_text().rstrip().endswith("</svg>")
    # Done, interrupted, or killed before Python's own handler was even installed.
    assert statuses <= {0, 130, -signal.SIGINT}
