"""The pure-Python backend compiled with mypyc: the speed-up a Python team would try first.

The reference implementation (``legacy_app/_python/*.py`` and ``legacy_app/errors.py``)
is copied into a package of its own, ``legacy_mypyc``, and compiled there, so the
checkout itself is never touched. The build is kept under ``benchmarks/.mypyc-build/``
(ignored by git) and reused while the sources, mypy and Python stay the same.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import legacy_app
from benchmarks.timing import version_of

PACKAGE = "legacy_mypyc"
BUILD_DIR = Path(__file__).resolve().parent / ".mypyc-build"
_STAMP = "build-key.txt"
# mypyc refuses to assign to a class attribute not declared ClassVar, and these lines
# only make pickles name the public legacy_app.Point and legacy_app.PointSet, which no
# benchmark uses.
_DROPPED_LINE = re.compile(r"^(?:Point|PointSet)\.__module__ = .*\n", re.MULTILINE)
# mypyc compiles no statement but definitions in a class body; this block only words
# the error of a Point whose __init__ never ran, which no benchmark makes.
_DROPPED_BLOCK = re.compile(r"^    if not TYPE_CHECKING:\n(?:(?: {8}.*)?\n)*", re.MULTILINE)
# PointSet chooses its base class at run time, in the branch of `if TYPE_CHECKING` that
# mypyc compiles as unreachable ("Reached allegedly unreachable code!" at import); no
# mypyc row asks a PointSet, so its module stays interpreted.
_INTERPRETED = frozenset({"point_set"})
_ERROR_LINE = re.compile(rf"^{PACKAGE}/(\w+)\.py:(\d+): error: (.*)$", re.MULTILINE)


@dataclass(frozen=True)
class MypycBaseline:
    """The compiled package, if it built, and one line saying what happened."""

    module: ModuleType | None
    summary: str


def _sources() -> dict[str, str]:
    """The package's modules, by file name, with imports renamed to the copy's."""
    root = Path(legacy_app.__file__).resolve().parent
    files = [*sorted((root / "_python").glob("*.py")), root / "errors.py"]
    sources = {}
    for path in files:
        text = path.read_text("utf-8")
        text = text.replace("legacy_app._python", PACKAGE)
        text = text.replace("legacy_app.errors", f"{PACKAGE}.errors")
        sources[path.name] = _DROPPED_BLOCK.sub("", _DROPPED_LINE.sub("", text))
    return sources


def _build_key(sources: dict[str, str]) -> str:
    """Everything the compiled build depends on, hashed."""
    digest = hashlib.sha256()
    for name, text in sorted(sources.items()):
        digest.update(f"{name}\0{text}\0".encode())
    digest.update(f"{version_of('mypy')}\0{sys.version}\0{sys.platform}".encode())
    digest.update(f"interpreted: {sorted(_INTERPRETED)}".encode())
    return digest.hexdigest()


def _compiled(module: ModuleType) -> bool:
    filename = getattr(module, "__file__", None) or ""
    return filename.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))


def _cached(key: str) -> str | None:
    """The note of a finished build for ``key``, ``None`` when there is none to reuse."""
    stamp = BUILD_DIR / _STAMP
    if not stamp.exists():
        return None
    stamped_key, _, note = stamp.read_text("utf-8").partition("\n")
    suffixes = importlib.machinery.EXTENSION_SUFFIXES
    # A build cleaned by hand would import the plain .py files and time Python.
    built = any((BUILD_DIR / PACKAGE / f"point{suffix}").exists() for suffix in suffixes)
    return note.strip() if stamped_key == key and built else None


def _run_mypyc(modules: list[str]) -> subprocess.CompletedProcess[str]:
    # An empty config file of our own, or mypy would walk up to the checkout's
    # setup.cfg and type-check its `files` with its settings.
    (BUILD_DIR / "mypyc.ini").write_text("[mypy]\n", "utf-8")
    command = [sys.executable, "-m", "mypyc", "--config-file", "mypyc.ini"]
    command += [f"{PACKAGE}/{module}.py" for module in modules]
    return subprocess.run(command, cwd=BUILD_DIR, capture_output=True, text=True, check=False)


def _build(sources: dict[str, str], key: str) -> str:
    """Compile the copy; modules mypyc cannot compile stay interpreted. Returns a note."""
    if BUILD_DIR.exists():
        shutil.rmtree(BUILD_DIR)
    (BUILD_DIR / PACKAGE).mkdir(parents=True)
    for name, text in sources.items():
        (BUILD_DIR / PACKAGE / name).write_text(text, "utf-8")
    modules = sorted(
        module
        for module in (name.removesuffix(".py") for name in sources)
        if module not in _INTERPRETED
    )
    result = _run_mypyc(modules)
    left_out: dict[str, str] = {}
    if result.returncode != 0:
        # Leave out the modules mypyc rejects (mypyc can mix compiled and interpreted
        # modules, as a team adopting it would) and try once more.
        errors = _ERROR_LINE.findall(result.stdout + result.stderr)
        for module, line, message in errors:
            left_out.setdefault(module, f"{module}.py:{line}: {message}")
        remaining = [module for module in modules if module not in left_out]
        if not errors or not remaining:
            raise RuntimeError(_first_error(result))
        result = _run_mypyc(remaining)
        if result.returncode != 0:
            raise RuntimeError(_first_error(result))
    note = "; ".join(f"left interpreted: {reason}" for reason in left_out.values())
    (BUILD_DIR / _STAMP).write_text(f"{key}\n{note}\n", "utf-8")
    return note


def _first_error(result: subprocess.CompletedProcess[str]) -> str:
    lines = (result.stdout + result.stderr).splitlines()
    errors = [line for line in lines if ": error:" in line or "Error" in line]
    return (errors or lines or [f"mypyc exited with status {result.returncode}"])[0].strip()


def load() -> MypycBaseline:
    """Build (or reuse) and import the compiled copy; never raises for a failed build."""
    sources = _sources()
    key = _build_key(sources)
    try:
        cached = _cached(key)
        if cached is not None:
            note, how = cached, "reused the cached build"
        else:
            note, how = _build(sources, key), "built"
    except (OSError, RuntimeError, subprocess.SubprocessError) as error:
        return MypycBaseline(None, f"mypyc baseline skipped, mypyc could not build it: {error}")
    sys.path.insert(0, str(BUILD_DIR))
    try:
        package = importlib.import_module(PACKAGE)
    except ImportError as error:
        return MypycBaseline(None, f"mypyc baseline skipped, its build does not import: {error}")
    compiled = sorted(
        name.removesuffix(".py")
        for name in sources
        if name != "__init__.py" and _compiled(importlib.import_module(f"{PACKAGE}.{name[:-3]}"))
    )
    if "point" not in compiled:
        # Without a compiled Point, the rows would time plain Python under another name.
        return MypycBaseline(None, f"mypyc baseline skipped, Point did not compile: {note}")
    summary = f"mypyc {version_of('mypy')}: {how} in {BUILD_DIR.name}/, compiled "
    summary += ", ".join(compiled)
    return MypycBaseline(package, f"{summary}; {note}" if note else summary)
