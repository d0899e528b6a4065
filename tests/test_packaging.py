"""docs/contract.md "Packaging" and "Types" for users: the sdist
holds everything and builds from scratch, the wheel is one abi3 wheel that carries
the types, an install without a Rust toolchain still works, on Python, and each
interpreter gets the build that fits it (abi3, free-threaded 3.14, abi3t).

The `slow` ones build and install for real, in fresh virtual environments. The choice
of build is checked without building, in children that simulate each interpreter
(``python -m tests.test_packaging build-choice VERSION GIL``).
"""

from __future__ import annotations

import ast
import configparser
import json
import os
import re
import runpy
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import textwrap
import zipfile
from pathlib import Path

import pytest

from tests import children

# Child processes, signals or threads for seconds: out of the edit loop (make test-fast).
pytestmark = pytest.mark.process

ROOT = Path(__file__).resolve().parent.parent


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


@pytest.mark.slow
def test_building_prints_no_packaging_warning(dist: Path) -> None:
    log = (dist / "build.log").read_text()
    # setuptools frames its warnings in "!!" banners and names them *Warning.
    warnings = [line for line in log.splitlines() if "Warning" in line or line.strip() == "!!"]
    assert warnings == []


@pytest.mark.slow
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
        "scripts/free_threaded_checks.py",
        "scripts/zig-cc.sh",
    }
    expected |= {str(p.relative_to(ROOT)) for p in (ROOT / "rust_ext" / "pyo3-configs").glob("*")}
    expected |= {
        str(p.relative_to(ROOT))
        for p in (ROOT / "rust_ext").rglob("*.rs")
        if "target" not in p.parts
    }
    expected |= {str(p.relative_to(ROOT)) for p in (ROOT / "tests").glob("*.py")}
    assert expected <= names, sorted(expected - names)
    assert not [n for n in names if n.startswith("rust_ext/target") or n.endswith(".so")]


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
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


# How each interpreter's build configuration (sysconfig) describes it, in the variables
# setup.py and setuptools read; Py_GIL_DISABLED is absent before 3.13.
def interpreter_config(version: str, gil: str) -> dict[str, object]:
    major, minor = version.split(".")
    threaded = gil == "disabled"
    platform = str(sysconfig.get_config_var("SOABI")).split("-", 2)[2]
    soabi = f"cpython-{major}{minor}{'t' if threaded else ''}-{platform}"
    return {
        "VERSION": version,
        "py_version_nodot": f"{major}{minor}",
        "Py_GIL_DISABLED": None if gil == "absent" else int(threaded),
        "SOABI": soabi,
        "EXT_SUFFIX": f".{soabi}.so",
    }


def child_build_choice(version: str, gil: str) -> int:
    """Report what setup.py would build on the interpreter described: the wheel's tag,
    the extension's file name and the Cargo features, as setuptools and setuptools-rust
    compute them, without building."""
    # Both read the configuration when first imported: simulate it before that.
    assert "setuptools" not in sys.modules
    sysconfig.get_config_vars().update(interpreter_config(version, gil))

    from setuptools.dist import Distribution

    # setup.py's own reading of the interpreter (its setup() runs only as __main__).
    setup_args = runpy.run_path(str(ROOT / "setup.py"), run_name="legacy_app_setup")["SETUP"]
    dist = Distribution({"name": "legacy-app", "version": "1", **setup_args})
    wheel = dist.get_command_obj("bdist_wheel")
    wheel.ensure_finalized()
    build_rust = dist.get_command_obj("build_rust")
    build_rust.ensure_finalized()
    (extension,) = setup_args["rust_extensions"]
    # The cargo arguments setuptools-rust would run (its own helper: no cargo call).
    cargo = build_rust._cargo_args(ext=extension, release=True, quiet=True)
    features = cargo[cargo.index("--features") + 1].split()
    # What setuptools makes of a stable-ABI request on this interpreter, for contrast.
    abi3 = Distribution({"name": "legacy-app", "version": "1", **setup_args})
    abi3.get_command_obj("bdist_wheel").py_limited_api = "cp39"
    try:
        abi3.get_command_obj("bdist_wheel").ensure_finalized()
        refused = ""
    except ValueError as error:
        refused = str(error)
    report = {
        "tag": "-".join(wheel.get_tag()),
        "extension": Path(build_rust.get_dylib_ext_path(extension, extension.name)).name,
        "features": sorted(features),
        "abi3_refused": refused,
    }
    print(json.dumps(report))
    return 0


@pytest.mark.parametrize(
    ("version", "gil", "tag", "extension"),
    [
        # Every GIL-enabled CPython: the one abi3 wheel, from 3.9 on.
        ("3.9", "absent", "cp39-abi3", "rust_ext.abi3.so"),
        ("3.13", "enabled", "cp39-abi3", "rust_ext.abi3.so"),
        ("3.14", "enabled", "cp39-abi3", "rust_ext.abi3.so"),
        ("3.15", "enabled", "cp39-abi3", "rust_ext.abi3.so"),
        # Free-threaded 3.14: no stable ABI exists, so a wheel for that build alone.
        ("3.14", "disabled", "cp314-cp314t", "rust_ext.cpython-314t-x86_64-linux-gnu.so"),
        # Free-threaded 3.15: PEP 803's abi3t, which GIL-enabled 3.15 also loads.
        ("3.15", "disabled", "cp315-abi3.abi3t", "rust_ext.abi3t.so"),
    ],
)
def test_each_interpreter_gets_the_build_that_fits_it(
    version: str, gil: str, tag: str, extension: str
) -> None:
    report = children.run_child(__name__, "build-choice", version, gil, timeout=120)
    assert report["tag"] == f"{tag}-linux_x86_64"
    assert report["extension"] == extension
    # PyO3 targets abi3t only when the crate's abi3t feature is on; abi3-py39 is always
    # on (Cargo.toml), and PyO3 ignores it on a free-threaded interpreter.
    assert ("abi3t" in report["features"]) == tag.endswith("abi3t")
    # setuptools itself refuses abi3 on free-threaded 3.14: why setup.py must not ask.
    assert bool(report["abi3_refused"]) == (tag == "cp314-cp314t"), report["abi3_refused"]


def test_the_classifiers_name_the_pythons_the_matrix_tests() -> None:
    (pythons,) = (
        ast.literal_eval(node.value)
        for node in ast.parse((ROOT / "noxfile.py").read_text()).body
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "PYTHONS"
    )
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    classifiers = config["metadata"]["classifiers"].split("\n")
    prefix = "Programming Language :: Python :: "
    versions = [c.removeprefix(prefix) for c in classifiers if re.fullmatch(r".*3\.\d+", c)]
    assert versions == pythons


if __name__ == "__main__":
    children.main({"build-choice": child_build_choice})
