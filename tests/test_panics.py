"""Panics and unsafe code (docs/contract.md "Errors", "At the edges of the runtime"):
every crate forbids unsafe code, every Cargo profile unwinds a panic, and a panic forced
by a test-only build reaches Python as an exception, never as an abort of the
interpreter."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests import children

# Child processes, signals or threads for seconds: out of the edit loop (make test-fast).
pytestmark = pytest.mark.process

CARGO_TOML = children.SUITE / "rust_ext" / "Cargo.toml"


def cargo_profiles(text: str) -> dict[str, dict[str, str]]:
    """The ``[profile.NAME]`` tables of a Cargo.toml (only ``key = value`` lines)."""
    profiles: dict[str, dict[str, str]] = {}
    table: dict[str, str] | None = None
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        header = re.fullmatch(r"\[profile\.([A-Za-z0-9_-]+)\]", line)
        if header:
            table = profiles.setdefault(header[1], {})
        elif line.startswith("["):
            table = None
        elif table is not None and "=" in line:
            key, value = (part.strip() for part in line.split("=", 1))
            table[key] = value
    return profiles


@pytest.mark.checkout
def test_no_unsafe_code_and_panics_unwind() -> None:
    """Every crate forbids unsafe code; every profile unwinds a panic (which PyO3 turns
    into an exception) instead of aborting the interpreter."""
    manifests = [p for p in CARGO_TOML.parent.rglob("Cargo.toml") if "target" not in p.parts]
    assert len(manifests) >= 2
    for manifest in manifests:
        lib = (manifest.parent / "src" / "lib.rs").read_text()
        assert "\n#![forbid(unsafe_code)]\n" in lib, f"{manifest.parent.name} allows unsafe code"
        if manifest != CARGO_TOML:
            # Cargo ignores profiles outside the workspace root: they would mislead.
            assert "[profile" not in manifest.read_text(), manifest
    profiles = cargo_profiles(CARGO_TOML.read_text())
    assert {"dev", "release"} <= set(profiles)
    for name, table in profiles.items():
        assert table.get("panic") == '"unwind"', f"profile.{name} must unwind panics"


def test_the_default_build_has_no_test_only_names(rust_api: ModuleType) -> None:
    import rust_ext

    assert not hasattr(rust_ext, "_panic_for_tests")


def build_test_panic_module(into: Path) -> Path:
    """Build rust_ext with the ``test-panic`` feature in a target directory of its own
    (so that it never evicts the installed build's artefacts) and copy the module to
    ``into``, under the name CPython imports an abi3 extension by."""
    target = CARGO_TOML.parent / "target" / "test-panic"
    # Dependencies unoptimised: this build only has to panic, and builds three times faster.
    unoptimised = [
        'profile.dev.package."*".opt-level=0',
        "profile.dev.package.legacy_core.opt-level=0",
    ]
    done = subprocess.run(
        ["cargo", "build", "--manifest-path", str(CARGO_TOML), "--lib", "--features=test-panic"]
        + [argument for setting in unoptimised for argument in ("--config", setting)],
        capture_output=True,
        text=True,
        env={**os.environ, "CARGO_TARGET_DIR": str(target), "PYO3_PYTHON": sys.executable},
        timeout=1800,
    )
    assert done.returncode == 0, done.stderr[-5000:]
    module = into / "rust_ext.abi3.so"
    shutil.copyfile(target / "debug" / "librust_ext.so", module)
    return module


@pytest.mark.slow
def test_a_panic_reaches_python_as_an_exception(tmp_path: Path) -> None:
    """A bug that panics in Rust (forced here by a test-only build) raises PyO3's
    PanicException, holding the GIL or not, on the calling thread or a worker; the
    interpreter and the module live on."""
    module = build_test_panic_module(tmp_path)
    code = f"""
import json, sys
sys.path.insert(0, {str(tmp_path)!r})
import rust_ext
assert rust_ext.__file__ == {str(module)!r}, rust_ext.__file__
caught = []
for place in ("here", "detached", "worker", "here"):
    try:
        rust_ext._panic_for_tests(place)
    except BaseException as error:
        caught.append([type(error).__module__, type(error).__name__, str(error)])
alive = rust_ext.fact(20) == 2432902008176640000 and rust_ext.fact(12345) > 0
alive = alive and rust_ext.closest_pair([rust_ext.Point(0, 0), rust_ext.Point(3, 4)])[2] == 5.0
print(json.dumps({{"caught": caught, "alive": alive}}))
"""
    done = children.run_code(code, timeout=120)
    assert done.returncode == 0, done.stderr
    report = children.report_of(done.stdout)
    assert [kind for *kind, _ in report["caught"]] == [["pyo3_runtime", "PanicException"]] * 4
    for (*_, message), place in zip(report["caught"], ["holding the GIL", "without", "worker"]):
        assert message.startswith("a panic for tests"), message
        assert place in message
    assert report["alive"]
    assert "panicked at" in done.stderr
