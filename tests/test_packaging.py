"""docs/contract.md "Packaging" and "Types" for users: the sdist
holds everything and builds from scratch, the wheel is one abi3 wheel that carries
the types, and an install without a Rust toolchain still works, on Python.

These build and install for real, in fresh virtual environments, so they are slow.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def sh(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        timeout=1800,
    )
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def fresh_venv(where: Path) -> Path:
    """A new virtual environment; returns its bin directory."""
    sh(sys.executable, "-m", "venv", where)
    return where / "bin"


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist and the wheel, built as a release would build them; the build's
    verbose log is kept beside them as ``build.log``."""
    out = tmp_path_factory.mktemp("dist")
    log = sh(sys.executable, "-m", "build", "--sdist", "-o", out, ROOT)
    # The wheel without build isolation, so Cargo reuses the checkout's release artefacts.
    log += sh(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "-v",
        "--no-deps",
        "--no-build-isolation",
        "-w",
        out,
        ROOT,
    )
    (out / "build.log").write_text(log)
    return out


def test_building_prints_no_packaging_warning(dist: Path) -> None:
    log = (dist / "build.log").read_text()
    # setuptools frames its warnings in "!!" banners and names them *Warning.
    warnings = [line for line in log.splitlines() if "Warning" in line or line.strip() == "!!"]
    assert warnings == []


def test_sdist_holds_everything_needed(dist: Path) -> None:
    (sdist,) = dist.glob("legacy_app-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    expected = {
        "setup.py",
        "setup.cfg",
        "pyproject.toml",
        "MANIFEST.in",
        "LICENSE",
        "README.md",
        "rust_ext/Cargo.toml",
        "rust_ext/Cargo.lock",
        "rust_ext/core/Cargo.toml",
        "stubs/rust_ext/__init__.pyi",
        "legacy_app/py.typed",
        "legacy_app/data/sample_points.csv",
        "scripts/make_sample.py",
    }
    expected |= {
        str(p.relative_to(ROOT))
        for p in (ROOT / "rust_ext").rglob("*.rs")
        if "target" not in p.parts
    }
    expected |= {str(p.relative_to(ROOT)) for p in (ROOT / "tests").glob("*.py")}
    assert expected <= names, sorted(expected - names)
    assert not [n for n in names if n.startswith("rust_ext/target") or n.endswith(".so")]


def test_one_abi3_wheel_with_types(dist: Path) -> None:
    (wheel,) = dist.glob("legacy_app-*.whl")
    assert wheel.name.endswith("-cp39-abi3-linux_x86_64.whl"), wheel.name
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        tags = archive.read(next(n for n in names if n.endswith(".dist-info/WHEEL"))).decode()
    assert "Tag: cp39-abi3-linux_x86_64" in tags
    assert {
        "rust_ext.abi3.so",
        "rust_ext-stubs/__init__.pyi",
        "legacy_app/py.typed",
        "legacy_app/_contract.py",
        "legacy_app/data/sample_points.csv",
    } <= names


def test_sdist_builds_and_passes_from_scratch(dist: Path, tmp_path: Path) -> None:
    (sdist,) = dist.glob("legacy_app-*.tar.gz")
    bin_dir = fresh_venv(tmp_path / "venv")
    # A build of its own, from the sdist's sources, in an isolated build environment.
    target = ROOT / "rust_ext" / "target" / "sdist-check"
    sh(
        bin_dir / "pip",
        "install",
        "--quiet",
        f"{sdist}[test]",
        env={"CARGO_TARGET_DIR": str(target)},
    )
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path / "src", filter="data")
    (source,) = (tmp_path / "src").iterdir()
    suite = tmp_path / "suite"
    shutil.copytree(source / "tests", suite / "tests")
    shutil.copy(source / "setup.cfg", suite / "setup.cfg")
    out = sh(
        bin_dir / "python",
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests/test_points.py",
        "tests/test_errors.py",
        "tests/test_points_file.py",
        "tests/test_batch.py",
        cwd=suite,
        env={"HYPOTHESIS_PROFILE": "dev"},
    )
    assert " passed" in out
    assert "failed" not in out
    assert (
        sh(
            bin_dir / "python", "-c", "import legacy_app; print(legacy_app.BACKEND)", cwd=tmp_path
        ).strip()
        == "rust"
    )


def test_wheel_users_get_the_types(dist: Path, tmp_path: Path) -> None:
    (wheel,) = dist.glob("legacy_app-*.whl")
    bin_dir = fresh_venv(tmp_path / "venv")
    sh(bin_dir / "pip", "install", "--quiet", wheel, "mypy==2.4.1")
    # No NumPy here (it is optional): the contract's types must hold without it.
    assert (
        subprocess.run([bin_dir / "python", "-c", "import numpy"], capture_output=True).returncode
        != 0
    )
    script = tmp_path / "elsewhere" / "use.py"
    script.parent.mkdir()
    script.write_text(
        textwrap.dedent(
            """
            import legacy_app
            import rust_ext

            reveal_type(rust_ext.fact(5))
            reveal_type(rust_ext.Point(1, 2).dist(rust_ext.Point(3, 4)))
            reveal_type(legacy_app.load_points("p.csv"))
            rust_ext.fact(1.5)
            legacy_app.Point("a", 1)
            reveal_type(legacy_app.nearest_neighbors(legacy_app.load_points("p.csv")))
            legacy_app.nearest_neighbors([(1, 2), (3, 4)])
            legacy_app.closest_pair(5)
            """
        )
    )
    done = subprocess.run(
        [bin_dir / "python", "-m", "mypy", "--strict", "--no-incremental", script.name],
        capture_output=True,
        text=True,
        cwd=script.parent,
        timeout=600,
    )
    out = done.stdout
    # (mypy 2 names builtins without their module; older mypy with it.)
    revealed = re.findall(r'Revealed type is "(?:builtins\.)?(.+)"', out)
    assert revealed == [
        "int",
        "float",
        "list[legacy_app._python.point.Point]",
        "tuple[list[int], list[float]]",
    ], out
    for line in (8, 9, 11, 12):
        assert f"use.py:{line}: error:" in out, out
    assert "import-untyped" not in out, out
    assert "import-not-found" not in out, out


def test_install_without_cargo_falls_back_to_python(dist: Path, tmp_path: Path) -> None:
    (sdist,) = dist.glob("legacy_app-*.tar.gz")
    bin_dir = fresh_venv(tmp_path / "venv")
    no_cargo = [
        d for d in os.environ["PATH"].split(os.pathsep) if d and not (Path(d) / "cargo").exists()
    ]
    env = {"PATH": os.pathsep.join([str(bin_dir), *no_cargo]), "CARGO_HOME": str(tmp_path / "none")}
    assert shutil.which("cargo", path=env["PATH"]) is None
    log = sh(bin_dir / "pip", "install", "-v", "--no-deps", sdist, env=env)
    assert "can't find Rust compiler" in log, log[-3000:]
    check = "import legacy_app; print(legacy_app.BACKEND, legacy_app.fact(5))"
    done = subprocess.run(
        [bin_dir / "python", "-c", check],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        env=env,
    )
    assert done.stdout.split() == ["python", "120"], done.stderr
    assert done.stderr.count("RuntimeWarning") == 1
    assert "needs cargo" in done.stderr
