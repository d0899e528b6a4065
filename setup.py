"""The Rust extension, declared here because setuptools-rust does not read setup.cfg.

Everything else (metadata, packages, extras, tool settings) lives in setup.cfg.
"""

import os

from setuptools import setup
from setuptools_rust import Binding, RustExtension

# LEGACY_APP_PROFILE picks the Cargo profile: unset, editable installs get a fast dev
# build and wheels a release build (LTO, one codegen unit); "release" or "dev" force one.
_profile = os.environ.get("LEGACY_APP_PROFILE", "")
_debug = {"release": False, "dev": True}.get(_profile)
# LEGACY_APP_FEATURES: extra Cargo features, comma-separated (test-only switches).
_features = [f for f in os.environ.get("LEGACY_APP_FEATURES", "").split(",") if f.strip()]

setup(
    rust_extensions=[
        RustExtension(
            "rust_ext",
            "rust_ext/Cargo.toml",
            binding=Binding.PyO3,
            py_limited_api="auto",
            debug=_debug,
            features=_features,
            # Without cargo the install still succeeds and runs on the Python backend.
            optional=True,
        )
    ],
    # One abi3 wheel for every CPython from 3.9 (PyO3's abi3-py39 feature).
    options={"bdist_wheel": {"py_limited_api": "cp39"}},
    zip_safe=False,
)
