"""Compile the bindings for the free-threaded CPythons this machine cannot run.

    python scripts/free_threaded_checks.py        # or: make free-threaded-checks

For each PyO3 configuration in rust_ext/pyo3-configs/ (an interpreter described, not
run), with the Cargo features setup.py would give that interpreter: `cargo check`, then
`cargo clippy --all-targets -D warnings`, so a Send/Sync or API regression of the
free-threaded builds shows here. Each has a target directory of its own under build/,
since a changed PYO3_CONFIG_FILE rebuilds pyo3 and everything above it. The check also
proves that PyO3 targeted the ABI setup.py tags the wheel with, from the cfgs that
pyo3-ffi's build script gave rustc.
"""

from __future__ import annotations

import json
import os
import runpy
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "rust_ext" / "pyo3-configs"
BUILD = ROOT / "build"
MANIFEST = ["--manifest-path", str(ROOT / "rust_ext" / "Cargo.toml"), "-p", "rust_ext"]
# The dev profile optimises dependencies, for the edit loop's run times; nothing built
# here runs, and unoptimised the cold build takes a third of the CPU time.
UNOPTIMISED = ["--config", 'profile.dev.package."*".opt-level=0']


def cargo(subcommand: str, *args: str) -> list[str]:
    return ["cargo", subcommand, "--quiet", *UNOPTIMISED, *MANIFEST, *args]


def read_config(source: Path) -> dict[str, str]:
    """The key=value lines of a configuration, without the comments PyO3 cannot read."""
    lines = source.read_text().splitlines()
    pairs = (line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))
    return {key.strip(): value.strip() for key, value in pairs}


def pyo3_cfgs(cargo_json: str) -> set[str]:
    """The cfgs pyo3-ffi's build script set, from cargo's JSON messages (cargo repeats
    them when the build script is fresh)."""
    for line in cargo_json.splitlines():
        message = json.loads(line)
        if message["reason"] == "build-script-executed" and "#pyo3-ffi@" in message["package_id"]:
            return set(message["cfgs"])
    raise SystemExit("cargo ran no pyo3-ffi build script")


def check(source: Path, build_for: Callable[[tuple[int, int], bool], Any]) -> None:
    name = source.stem
    config = read_config(source)
    major, minor = (int(part) for part in config["version"].split("."))
    gil_disabled = "Py_GIL_DISABLED" in config["build_flags"].split(",")
    build = build_for((major, minor), gil_disabled)
    features = ["--features", ",".join(build.features)] if build.features else []
    # PyO3 needs an absolute path to a file of key=value lines only. Rewritten only when
    # it changes: PyO3 rebuilds on a newer file, whatever it holds.
    config_file = BUILD / "pyo3-configs" / source.name
    text = "".join(f"{key}={value}\n" for key, value in config.items())
    if not config_file.exists() or config_file.read_text() != text:
        config_file.parent.mkdir(parents=True, exist_ok=True)
        config_file.write_text(text)
    env = {
        **os.environ,
        "PYO3_CONFIG_FILE": str(config_file),
        "CARGO_TARGET_DIR": str(BUILD / f"cargo-{name}"),
    }
    # On stderr, with cargo's own output.
    print(f"free-threaded-checks: {name}, features {build.features or 'none'}", file=sys.stderr)
    checked = subprocess.run(
        cargo("check", *features, "--message-format=json-render-diagnostics"),
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    if checked.returncode != 0:
        raise SystemExit(f"{name}: cargo check failed")
    cfgs = pyo3_cfgs(checked.stdout)
    wanted = {
        "Py_GIL_DISABLED": gil_disabled,
        "Py_LIMITED_API": build.py_limited_api is not None,
        f"Py_3_{minor}": True,
        f"Py_3_{minor + 1}": False,
    }
    wrong = [
        f"{cfg} {'missing' if want else 'set'}"
        for cfg, want in wanted.items()
        if (cfg in cfgs) != want
    ]
    if wrong:
        raise SystemExit(f"{name}: PyO3 built for another ABI than setup.py's {build}: {wrong}")
    clippy = cargo("clippy", *features, "--all-targets", "--", "-D", "warnings")
    if subprocess.run(clippy, env=env).returncode != 0:
        raise SystemExit(f"{name}: cargo clippy failed")


def main() -> None:
    # setup.py's choice of build (its setup() runs only as __main__).
    build_for = runpy.run_path(str(ROOT / "setup.py"), run_name="legacy_app_setup")["build_for"]
    sources = sorted(CONFIGS.glob("*.cfg"))
    if not sources:
        raise SystemExit(f"no PyO3 configurations in {CONFIGS}")
    for source in sources:
        check(source, build_for)


if __name__ == "__main__":
    main()
