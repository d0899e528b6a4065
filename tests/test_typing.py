"""docs/contract.md "Types": callers of legacy_app get the contract's exact types
and have wrong calls reported (the files in typing_cases/, checked line by line), the
stubs constrain calls into Rust, and stubtest keeps the stubs true to the compiled module.
"""

from __future__ import annotations

import ast
import io
import re
import subprocess
import sys
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import legacy_app._rust
from tests.conftest import PUBLIC_NAMES

# Child processes, signals or threads for seconds: out of the edit loop (make test-fast).
pytestmark = pytest.mark.process

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "setup.cfg"
STUBS = ROOT / "stubs" / "rust_ext" / "__init__.pyi"
# What rust_ext exports beyond the public names, and why.
RUST_EXT_ONLY = {
    "BUILD_PROFILE": "the Cargo profile it was built with, for the benchmarks",
    "Nap": "the Rust work of print_sleep, which legacy_app._rust wraps in an async def",
    "_thin_route": "the route thinning of legacy_app.picture (private, not a public name)",
    "_fsum": "math.fsum of an array, for the report's mean distance (private)",
}


def mypy(*files: str) -> subprocess.CompletedProcess[str]:
    options = ["--strict", "--config-file", str(CONFIG), "--no-incremental"]
    return subprocess.run(
        [sys.executable, "-m", "mypy", *options, *files],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


CASES = ROOT / "tests" / "typing_cases"
# `# E: code, code` (the error codes mypy must report on that line) or `# N: type` (the
# exact type a reveal_type on that line must show), as in mypy's own test data.
MARKER = re.compile(r"#\s*(?P<kind>[EN]):\s*(?P<text>.+?)\s*$")
REPORTED = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): (?P<kind>error|note): (?P<text>.*)$")
REVEALED = re.compile(r'^Revealed type is "(?P<type>.*)"$')
ERROR_CODE = re.compile(r"  \[(?P<code>[a-z-]+)\]$")

Where = tuple[str, int]


@dataclass
class Findings:
    """Error codes by line, and revealed types by line."""

    errors: dict[Where, set[str]] = field(default_factory=dict)
    revealed: dict[Where, str] = field(default_factory=dict)


def expected(path: Path) -> Findings:
    """What the markers of one case file say mypy must report."""
    found = Findings()
    source = path.read_text("utf-8")
    comments = [
        token
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.COMMENT
    ]
    for comment in comments:
        where = (path.name, comment.start[0])
        marker = MARKER.match(comment.string)
        if marker is None:
            continue
        if marker["kind"] == "E":
            found.errors[where] = {code.strip() for code in marker["text"].split(",")}
        else:
            found.revealed[where] = marker["text"]
    for number, text in enumerate(source.splitlines(), start=1):
        if "reveal_type(" in text and "import" not in text:
            assert (path.name, number) in found.revealed, f"{path.name}:{number}: no # N:"
    return found


def reported(stdout: str) -> Findings:
    found = Findings()
    for line in stdout.splitlines():
        match = REPORTED.match(line)
        if match is None:
            continue
        where = (Path(match["file"]).name, int(match["line"]))
        if match["kind"] == "error":
            code = ERROR_CODE.search(match["text"])
            found.errors.setdefault(where, set()).add(code["code"] if code else "?")
        elif revealed := REVEALED.match(match["text"]):
            found.revealed[where] = revealed["type"]
    return found


@pytest.fixture(scope="module")
def cases() -> tuple[Findings, Findings, str]:
    """Every case file's markers, and what one mypy run over all of them reported."""
    paths = sorted(CASES.glob("*.py"))
    want = Findings()
    for path in paths:
        one = expected(path)
        want.errors.update(one.errors)
        want.revealed.update(one.revealed)
    done = mypy(*[str(path.relative_to(ROOT)) for path in paths])
    assert done.returncode == 1, done.stdout + done.stderr
    return want, reported(done.stdout), done.stdout


def test_wrong_calls_are_reported_line_by_line(cases: tuple[Findings, Findings, str]) -> None:
    want, got, stdout = cases
    missed = {
        where: codes for where, codes in want.errors.items() if got.errors.get(where) != codes
    }
    unexpected = {where: codes for where, codes in got.errors.items() if where not in want.errors}
    assert not missed, f"not reported as marked: {missed}\n{stdout}"
    assert not unexpected, f"reported on unmarked lines: {unexpected}\n{stdout}"


def test_revealed_types_are_exact(cases: tuple[Findings, Findings, str]) -> None:
    want, got, stdout = cases
    assert want.revealed, "no reveal_type cases"
    assert got.revealed == want.revealed, stdout


@pytest.mark.parametrize("case", ["wrong_calls.py", "revealed_types.py"])
def test_every_public_name_has_cases(case: str) -> None:
    text = (CASES / case).read_text("utf-8")
    assert not [name for name in PUBLIC_NAMES if f"legacy_app.{name}(" not in text]


def test_stubtest_passes() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "rust_ext", "--mypy-config-file", str(CONFIG)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_stubs_export_the_public_names() -> None:
    """The stubs' __all__ (which stubtest holds to the module's) against the one list:
    every public name that the Rust backend takes from rust_ext, and nothing more but
    RUST_EXT_ONLY."""
    tree = ast.parse(STUBS.read_text("utf-8"))
    (exported,) = [
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
        and [getattr(target, "id", None) for target in node.targets] == ["__all__"]
    ]
    served_by_python = {
        name
        for name in PUBLIC_NAMES
        if getattr(getattr(legacy_app._rust, name), "__module__", None) == "legacy_app._rust"
    }
    assert set(exported) == set(PUBLIC_NAMES) - served_by_python | set(RUST_EXT_ONLY)
