"""The compatibility matrix: one abi3 wheel, built once, installed into every CPython
from 3.9 to 3.13 that pyenv has here, with the test suite run against it.

    nox -s matrix            # or: make matrix

On a developer's machine the matrix runs on the interpreters that exist and names the
missing ones; under CI (`CI=true`) every one of them is required.

The tests run from a copy outside the checkout, so they import the installed wheel,
not the source tree. The typing and packaging tests, which need the checkout, and the
`slow` ones run once in the main environment (`make check`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
WHEELHOUSE = ROOT / "build" / "wheelhouse"
PYTHONS = ["3.9", "3.10", "3.11", "3.12", "3.13"]

nox.options.sessions = ["matrix"]
# CI must prove every supported Python; a developer without one still gets the rest.
REQUIRE_ALL = os.environ.get("CI", "").lower() in ("1", "true", "yes")
nox.options.error_on_missing_interpreters = REQUIRE_ALL


def _pyenv_bins() -> list[str]:
    """pyenv's interpreters, newest patch release of each minor version, on PATH."""
    try:
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return []
    versions = Path(root.stdout.strip(), "versions")
    bins = []
    for minor in PYTHONS:
        found = sorted(
            versions.glob(f"{minor}.*"),
            key=lambda p: [int(x) for x in p.name.split(".") if x.isdigit()],
        )
        if found:
            bins.append(str(found[-1] / "bin"))
    return bins


os.environ["PATH"] = os.pathsep.join([*_pyenv_bins(), os.environ.get("PATH", "")])


def _missing() -> list[str]:
    """The supported minor versions with no interpreter on PATH."""
    return [minor for minor in PYTHONS if shutil.which(f"python{minor}") is None]


if _missing() and not REQUIRE_ALL:
    print(
        f"nox: no interpreter for Python {', '.join(_missing())}: the matrix runs without them "
        "(CI=true requires every one)",
        file=sys.stderr,
    )


_built: list[Path] = []


def _wheel() -> Path:
    """Build the abi3 wheel once per nox run (release profile), without build
    isolation, so Cargo reuses the checkout's release artefacts."""
    if not _built:
        shutil.rmtree(WHEELHOUSE, ignore_errors=True)
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
        subprocess.run([*command, "--quiet", "-w", str(WHEELHOUSE), str(ROOT)], check=True)
        wheels = sorted(WHEELHOUSE.glob("legacy_app-*-cp39-abi3-*.whl"))
        if len(wheels) != 1:
            raise RuntimeError(f"expected one abi3 wheel in {WHEELHOUSE}, found {wheels}")
        _built.append(wheels[0])
    return _built[0]


@nox.session(python=PYTHONS)
def matrix(session: nox.Session) -> None:
    wheel = _wheel()
    session.install(f"{wheel}[test]")
    work = Path(session.create_tmp()) / "suite"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(ROOT / "tests", work / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "setup.cfg", work / "setup.cfg")
    session.chdir(work)
    smoke = "import legacy_app, rust_ext; assert legacy_app.BACKEND == 'rust'; print(rust_ext)"
    session.run("python", "-c", smoke)
    session.run(
        "python",
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-m",
        "not slow and not checkout",
        "--ignore=tests/test_typing.py",
        "--ignore=tests/test_packaging.py",
        env={"HYPOTHESIS_PROFILE": "dev"},
    )
