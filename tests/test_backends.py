"""SPEC.md "Backends": choosing the implementation, and what happens without Rust."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

import legacy_app


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
        "print(legacy_app.Point is p.Point, legacy_app.fact is p.fact)"
    )
    assert python(code, {"LEGACY_APP_BACKEND": "python"}).stdout.split() == ["True", "True"]


def test_rust_backend_serves_rust_ext() -> None:
    code = (
        "import legacy_app, legacy_app._rust, rust_ext\n"
        "names = ['Point', 'fact', 'say_hello', 'throws_error', 'load_points',\n"
        "         'nearest_neighbors', 'closest_pair', 'path_length', 'greedy_route']\n"
        "print(all(getattr(legacy_app, n) is getattr(rust_ext, n) for n in names),\n"
        "      legacy_app.print_sleep is legacy_app._rust.print_sleep)"
    )
    # print_sleep is a coroutine function of Python's own around the Rust work.
    assert python(code, {"LEGACY_APP_BACKEND": "rust"}).stdout.split() == ["True", "True"]


BLOCK_RUST = (
    "import sys\n"
    "class Block:\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name == 'rust_ext':\n"
    "            raise ImportError('no rust_ext here')\n"
    "sys.meta_path.insert(0, Block())\n"
)


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
        for threads in ("1", "2", "64", " 3 ")
    }
    assert len(outputs) == 1
    assert outputs != {""}


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5", "", "２"])
def test_threads_setting_must_be_a_positive_integer(
    api: ModuleType, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("LEGACY_APP_THREADS", value)
    points = [api.Point(0, 0), api.Point(3, 4)]
    calls: list[Callable[[], object]] = [
        lambda: api.nearest_neighbors(points),
        lambda: api.closest_pair(points),
        lambda: api.path_length(points),
        lambda: api.greedy_route(points),
    ]
    for call in calls:
        with pytest.raises(ValueError, match=r"^LEGACY_APP_THREADS must be") as raised:
            call()
        assert str(raised.value) == f"LEGACY_APP_THREADS must be a positive integer, got '{value}'"
