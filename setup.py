"""The Rust extension, declared here because setuptools-rust does not read setup.cfg.

Everything else (metadata, packages, extras, tool settings) lives in setup.cfg.
"""

from __future__ import annotations

import os
import shutil
import sysconfig
from pathlib import Path
from typing import Any, NamedTuple

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools_rust import Binding, RustExtension

# LEGACY_APP_PROFILE picks the Cargo profile: unset, editable installs get a fast dev
# build and wheels a release build (LTO, one codegen unit); "release" or "dev" force one.
_profile = os.environ.get("LEGACY_APP_PROFILE", "")
_debug = {"release": False, "dev": True}.get(_profile)
# LEGACY_APP_FEATURES: extra Cargo features, comma-separated (test-only switches).
_features = [f for f in os.environ.get("LEGACY_APP_FEATURES", "").split(",") if f.strip()]


class Build(NamedTuple):
    """The extension one interpreter gets: bdist_wheel's ``py_limited_api`` (the first
    Python of a stable-ABI wheel, None for a version-specific one) and the Cargo features
    that ask PyO3 for the same ABI."""

    py_limited_api: str | None
    features: tuple[str, ...]


def build_for(version: tuple[int, int], gil_disabled: bool) -> Build:
    """The build for a CPython of ``version``, with or without its GIL."""
    if not gil_disabled:
        # abi3: one wheel for every CPython from 3.9 on (PyO3's abi3-py39, Cargo.toml).
        return Build("cp39", ())
    if version < (3, 15):
        # A free-threaded CPython before 3.15 has no stable ABI: setuptools refuses
        # py_limited_api there, and PyO3 builds for this exact version (cp314t).
        return Build(None, ())
    # PEP 803's abi3t: one extension for CPython 3.15 and later, with or without a GIL
    # (the crate's abi3t feature).
    return Build("cp315", ("abi3t",))


def build_for_this_interpreter() -> Build:
    """Read from the interpreter's build configuration, where setuptools reads it for the
    wheel's tag (so a test can simulate an interpreter this machine does not have)."""
    nodot = str(sysconfig.get_config_var("py_version_nodot"))
    version = (int(nodot[0]), int(nodot[1:]))
    return build_for(version, bool(sysconfig.get_config_var("Py_GIL_DISABLED")))


class BuildPyWithStubs(build_py):
    """Ship ``stubs/rust_ext`` as the stub-only package ``rust_ext-stubs`` (PEP 561),
    so mypy sees the compiled module's types in an installed wheel.

    Declaring it as a package would need a ``package_dir`` entry, and any entry but
    the root turns ``pip install -e .`` into setuptools' import-hook mode, which
    cannot find the top-level ``rust_ext`` module; copying it here keeps both working.
    """

    def run(self) -> None:
        super().run()
        target = Path(self.build_lib, "rust_ext-stubs")
        target.mkdir(parents=True, exist_ok=True)
        for stub in Path("stubs", "rust_ext").glob("*.pyi"):
            shutil.copyfile(stub, target / stub.name)


BUILD = build_for_this_interpreter()
SETUP: dict[str, Any] = {
    "rust_extensions": [
        RustExtension(
            "rust_ext",
            "rust_ext/Cargo.toml",
            binding=Binding.PyO3,
            py_limited_api="auto",
            debug=_debug,
            features=[*_features, *BUILD.features],
            rust_version=">=1.89",
            # Without cargo the install still succeeds, with one warning from
            # setuptools-rust, and legacy_app runs on its Python backend.
            optional=True,
        )
    ],
    "cmdclass": {"build_py": BuildPyWithStubs},
    "options": {"bdist_wheel": {"py_limited_api": BUILD.py_limited_api or False}},
    "zip_safe": False,
}

# setuptools runs this file as __main__; tests/test_packaging.py and
# scripts/free_threaded_checks.py import it to see what it would build.
if __name__ == "__main__":
    setup(**SETUP)
