"""The Rust extension, declared here because setuptools-rust does not read setup.cfg.

Everything else (metadata, packages, extras, tool settings) lives in setup.cfg.
"""

import os
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools_rust import Binding, RustExtension

# LEGACY_APP_PROFILE picks the Cargo profile: unset, editable installs get a fast dev
# build and wheels a release build (LTO, one codegen unit); "release" or "dev" force one.
_profile = os.environ.get("LEGACY_APP_PROFILE", "")
_debug = {"release": False, "dev": True}.get(_profile)
# LEGACY_APP_FEATURES: extra Cargo features, comma-separated (test-only switches).
_features = [f for f in os.environ.get("LEGACY_APP_FEATURES", "").split(",") if f.strip()]


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


setup(
    rust_extensions=[
        RustExtension(
            "rust_ext",
            "rust_ext/Cargo.toml",
            binding=Binding.PyO3,
            py_limited_api="auto",
            debug=_debug,
            features=_features,
            rust_version=">=1.89",
            # Without cargo the install still succeeds, with one warning from
            # setuptools-rust, and legacy_app runs on its Python backend.
            optional=True,
        )
    ],
    cmdclass={"build_py": BuildPyWithStubs},
    # One abi3 wheel for every CPython from 3.9 (PyO3's abi3-py39 feature).
    options={"bdist_wheel": {"py_limited_api": "cp39"}},
    zip_safe=False,
)
