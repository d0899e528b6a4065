"""docs/contract.md "Choosing the implementation": choosing the implementation, and what
happens without Rust."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

import legacy_app
import legacy_app._contract
import legacy_app.errors
from tests.children import BLOCK_RUST
from tests.conftest import PUBLIC_NAMES


def python(
    code: str, env: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=cwd,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("setting", "expected"),
    [("python", "python"), ("rust", "rust"), ("auto", "rust"), ("", "rust"), (" Rust ", "rust")],
)
def test_environment_chooses(setting: str, expected: str) -> None:
    code = "import legacy_app; print(legacy_app.BACKEND)"
    done = python(code, {"LEGACY_APP_BACKEND": setting})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[0] == expected


def test_python_backend_serves_the_reference() -> None:
    code = (
        "import legacy_app, legacy_app._python as p\n"
        "from legacy_app._contract import PUBLIC_NAMES\n"
        "print(all(getattr(legacy_app, n) is getattr(p, n) for n in PUBLIC_NAMES))\n"
        "print(legacy_app.Point is p.Point, legacy_app.fact is p.fact)"
    )
    done = python(code, {"LEGACY_APP_BACKEND": "python"})
    assert done.stdout.split() == ["True", "True", "True"], done.stderr


def test_rust_backend_serves_rust_ext() -> None:
    # Every name is legacy_app._rust's, and each of those is rust_ext's own object,
    # unless _rust defines it in Python around rust_ext.
    code = (
        "import legacy_app, legacy_app._rust as r, rust_ext\n"
        "from legacy_app._contract import PUBLIC_NAMES\n"
        "print(all(getattr(legacy_app, n) is getattr(r, n) for n in PUBLIC_NAMES))\n"
        "print(all(getattr(r, n) is getattr(rust_ext, n, None)\n"
        "          or getattr(r, n).__module__ == r.__name__ for n in PUBLIC_NAMES))\n"
        "print(legacy_app.Point is rust_ext.Point, legacy_app.fact is rust_ext.fact)"
    )
    done = python(code, {"LEGACY_APP_BACKEND": "rust"})
    assert done.stdout.split() == ["True", "True", "True", "True"], done.stderr


def test_every_backend_serves_every_public_name(api: ModuleType) -> None:
    assert not [name for name in PUBLIC_NAMES if not hasattr(api, name)]


def test_public_names_are_exported() -> None:
    # Built at runtime, so mypy does not know it: it reads the exports from the code.
    exported: list[str] = vars(legacy_app)["__all__"]
    others = {"BACKEND", "load_backend"} | set(legacy_app.errors.__all__)
    assert exported[0] == "BACKEND"
    assert sorted(exported[1:]) == exported[1:]
    assert set(exported) == set(PUBLIC_NAMES) | others
    assert all(hasattr(legacy_app, name) for name in exported)


def test_public_names_are_the_contracts() -> None:
    # Read from the Protocol both backends implement: what it declares, in its order.
    # PointSet, a class with classmethods, is declared as a property: still in the list.
    assert PUBLIC_NAMES[:3] == ["Point", "PointSet", "say_hello"]
    assert "greedy_route" in PUBLIC_NAMES
    assert len(set(PUBLIC_NAMES)) == len(PUBLIC_NAMES) == len(legacy_app._contract.PUBLIC_NAMES)


def test_forced_rust_without_extension_says_how_to_build() -> None:
    done = python(BLOCK_RUST + "import legacy_app", {"LEGACY_APP_BACKEND": "rust"})
    assert done.returncode != 0
    assert "ImportError" in done.stderr
    assert "pip install -e ." in done.stderr
    assert "rust_ext" in done.stderr


def test_auto_without_extension_falls_back_to_python() -> None:
    code = BLOCK_RUST + "import legacy_app; print(legacy_app.BACKEND); print(legacy_app.fact(5))"
    done = python(code, {"LEGACY_APP_BACKEND": "auto"})
    assert done.stdout.split() == ["python", "120"], done.stderr
    assert done.stderr.count("RuntimeWarning: legacy_app runs on its pure-Python backend") == 1
    assert "pip install -e ." in done.stderr
    quiet = python(code, {"LEGACY_APP_BACKEND": "python"})
    assert quiet.stderr == ""


# An extension built before PointSet existed: an editable install not rebuilt since a pull.
STALE_RUST = "import rust_ext\ndel rust_ext.PointSet\n"


def test_a_stale_extension_says_to_rebuild_it() -> None:
    done = python(STALE_RUST + "import legacy_app", {"LEGACY_APP_BACKEND": "rust"})
    assert "ImportError: the compiled rust_ext module is older than legacy_app" in done.stderr
    assert "pip install -e ." in done.stderr
    code = STALE_RUST + "import legacy_app; print(legacy_app.BACKEND)"
    done = python(code, {"LEGACY_APP_BACKEND": "auto"})
    assert done.stdout.split() == ["python"], done.stderr
    assert "RuntimeWarning: legacy_app runs on its pure-Python backend" in done.stderr
    assert "module 'rust_ext' has no attribute 'PointSet'" in done.stderr


def test_unknown_setting_is_an_import_error() -> None:
    done = python("import legacy_app", {"LEGACY_APP_BACKEND": "java"})
    assert done.returncode != 0
    assert "LEGACY_APP_BACKEND must be auto, rust or python" in done.stderr


def test_load_backend_rejects_unknown_names() -> None:
    with pytest.raises(ValueError, match="backend must be one of rust, python"):
        legacy_app.load_backend("java")


def test_importable_from_any_directory(tmp_path: Path) -> None:
    code = "import rust_ext, legacy_app; print(legacy_app.BACKEND)"
    done = python(code, {"LEGACY_APP_BACKEND": "rust"}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "rust"


def test_threads_setting_gives_the_same_results() -> None:
    code = (
        "import hashlib, numpy as np, legacy_app\n"
        "a = np.random.default_rng(1).integers(0, 1000, size=(20000, 2))\n"
        "i, d = legacy_app.nearest_neighbors(a)\n"
        "h = hashlib.sha256(i.tobytes() + d.tobytes()).hexdigest()\n"
        "print(h, legacy_app.path_length(a))"
    )
    outputs = {
        python(code, {"LEGACY_APP_BACKEND": "rust", "LEGACY_APP_THREADS": threads}).stdout
        for threads in ("1", "2", "64", " 3 ", "\t04\n", "9" * 5000)
    }
    assert len(outputs) == 1
    assert outputs != {""}


# Control characters around the digits are not blanks (str.strip() would take \x1c-\x1f
# away, Rust's trim() not); a byte that is not UTF-8 is named as os.environ decodes it.
NOT_POSITIVE = ["0", "-1", "abc", "1.5", "", "２", "\x1c2\x1c", "2\x1f", "\x1e\x1d2", b"\xff2"]


def test_threads_setting_is_read_from_os_environ(
    api: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One reading, Python's, for both backends: what only the C environment holds (put
    there by os.putenv, as a C library could) is not seen."""
    monkeypatch.delenv("LEGACY_APP_THREADS", raising=False)
    os.putenv("LEGACY_APP_THREADS", "0")
    try:
        assert api.path_length([api.Point(0, 0), api.Point(3, 4)]) == 5.0
    finally:
        os.unsetenv("LEGACY_APP_THREADS")


@pytest.mark.parametrize("value", NOT_POSITIVE)
def test_threads_setting_must_be_a_positive_integer(
    api: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value: str | bytes
) -> None:
    monkeypatch.setitem(os.environb, b"LEGACY_APP_THREADS", os.fsencode(value))
    text = os.fsdecode(value)
    points = [api.Point(0, 0), api.Point(3, 4)]
    points_file = tmp_path / "points.csv"
    points_file.write_text("0,0\n3,4\n")
    calls: list[Callable[[], object]] = [
        lambda: api.nearest_neighbors(points),
        lambda: api.closest_pair(points),
        lambda: api.path_length(points),
        lambda: api.greedy_route(points),
        lambda: api.load_points(points_file),
        lambda: api.PointSet.load(points_file),
        lambda: api.PointSet(points).nearest_neighbors(),
        lambda: api.PointSet(points).closest_pair(),
        lambda: api.PointSet(points).path_length(),
        lambda: api.PointSet(points).path_length([1, 0]),
        lambda: api.PointSet(points).greedy_route(),
    ]
    for call in calls:
        with pytest.raises(ValueError, match=r"^LEGACY_APP_THREADS must be") as raised:
            call()
        assert str(raised.value) == f"LEGACY_APP_THREADS must be a positive integer, got {text!r}"
