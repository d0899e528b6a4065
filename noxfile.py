"""The compatibility matrix: one abi3 wheel, built once as a package index takes it
(manylinux), installed into every CPython from 3.9 to 3.13 that pyenv has here, with
the test suite run against it.

    nox -s matrix            # one interpreter after another
    make matrix              # the wheel once, then two interpreters at a time
    nox -s wheel             # only the wheel, in build/wheelhouse (make wheel)

On a developer's machine the matrix runs on the interpreters that exist and names the
missing ones; under CI (`CI=true`) every one of them is required.

The tests run from a copy outside the checkout, so they import the installed wheel,
not the source tree. The typing and packaging tests, which need the checkout, and the
`slow` ones run once in the main environment (`make check`).
"""

from __future__ import annotations

import importlib.util
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
WHEELHOUSE = ROOT / "build" / "wheelhouse"
PYTHONS = ["3.9", "3.10", "3.11", "3.12", "3.13"]
# The glibc the wheel is linked against: the oldest Rust's standard library supports,
# so the widest manylinux tag a Rust extension can honestly carry (manylinux2014).
# Built plainly on this Debian 12 machine it would need glibc 2.34.
GLIBC = "2.17"
ARCH = platform.machine()
MANYLINUX = f"manylinux_{GLIBC.replace('.', '_')}_{ARCH}"
# A target directory of its own: another C compiler and linker than the checkout's builds.
CARGO_TARGET = ROOT / "build" / "cargo-manylinux"

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


def _zig() -> str:
    """The zig binary of PyPI's ziglang package (the dev extra)."""
    spec = importlib.util.find_spec("ziglang")
    if spec is None or spec.origin is None:
        raise RuntimeError("the manylinux wheel needs zig: pip install -e '.[dev]'")
    return str(Path(spec.origin).parent / "zig")


def _run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    subprocess.run([str(arg) for arg in args], check=True, env=env)


_built: list[Path] = []


def _wheel() -> Path:
    """Build the abi3 wheel once per nox run (release profile, without build isolation,
    so Cargo reuses build/cargo-manylinux) and make it a manylinux one: linked by zig
    against GLIBC (scripts/zig-cc.sh, mimalloc's C included), then checked and retagged
    by auditwheel."""
    if _built:
        return _built[0]
    shutil.rmtree(WHEELHOUSE, ignore_errors=True)
    # setuptools packs build/lib into the wheel, and the Rust build is optional in
    # setup.py: a failed one must not ship the extension a previous build left there.
    for stale in (ROOT / "build").glob("lib.*"):
        shutil.rmtree(stale)
    zig_cc = str(ROOT / "scripts" / "zig-cc.sh")
    env = {
        **os.environ,
        "CC": zig_cc,
        f"CARGO_TARGET_{ARCH.upper()}_UNKNOWN_LINUX_GNU_LINKER": zig_cc,
        "ZIG": _zig(),
        "ZIG_TARGET": f"{ARCH}-linux-gnu.{GLIBC}",
        "CARGO_TARGET_DIR": str(CARGO_TARGET),
    }
    linux = WHEELHOUSE / "linux"
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    _run(*pip_wheel, "--quiet", "-w", linux, ROOT, env=env)
    built = sorted(linux.glob("legacy_app-*-cp39-abi3-linux_*.whl"))
    if len(built) != 1:
        raise RuntimeError(f"expected one abi3 wheel in {linux} (did cargo fail?), found {built}")
    # No patcher: the extension links only libraries every manylinux system has, and
    # auditwheel fails rather than graft any other into the wheel.
    auditwheel = [sys.executable, "-m", "auditwheel"]
    _run(*auditwheel, "repair", "--patcher", "none", "--plat", MANYLINUX, "-w", WHEELHOUSE, *built)
    (wheel,) = WHEELHOUSE.glob(f"legacy_app-*-cp39-abi3-*{MANYLINUX}*.whl")
    _run(*auditwheel, "show", wheel)
    _built.append(wheel)
    return wheel


@nox.session(python=False)
def wheel(session: nox.Session) -> None:
    """The manylinux wheel alone, in build/wheelhouse."""
    session.log(f"built {_wheel()}")


# Set by scripts/matrix.py, which builds the wheel once and runs the interpreters two at
# a time: each session installs that wheel instead of building its own.
BUILT_WHEEL = os.environ.get("LEGACY_APP_WHEEL")


@nox.session(python=PYTHONS)
def matrix(session: nox.Session) -> None:
    wheel = Path(BUILT_WHEEL) if BUILT_WHEEL else _wheel()
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
