"""Fuzzing (docs/contract.md "Errors", "Points files", "The API", "At the edges of the
runtime"): only the exceptions docs/contract.md names, the reference's outcome, never a
crash, a hang or a Rust panic; and the replay of every case ever found.

The fuzzers try ``LEGACY_APP_FUZZ_EXAMPLES`` inputs per target (1,000 unless told), and
``LEGACY_APP_FUZZ_EXAMPLES=100000 pytest tests/test_fuzz.py`` searches longer. They run in
a child process (``python -m tests.test_fuzz fuzz TARGET ...``) that records the case under
test, so a crash or a hang is pinned on its case. An input that fails is saved in
``tests/fuzz_corpus/``, which ``test_fuzz_corpus_replays_cleanly`` replays on every run:
commit it with the fix.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from tests import children
from tests.fuzz_checker import CaseError, Checker, Workspace
from tests.fuzz_strategies import TARGETS

CORPUS = children.TESTS / "fuzz_corpus"
FUZZ_EXAMPLES = int(os.environ.get("LEGACY_APP_FUZZ_EXAMPLES", "1000"))


def encode(case: bytes | str) -> bytes:
    return case.encode() if isinstance(case, str) else case


def save_case(target: str, data: bytes, why: str = "") -> Path:
    """Keep a failing case in the corpus, named by its content."""
    suffix = TARGETS[target][2]
    name = f"{target}{'-' + why if why else ''}-{hashlib.sha1(data).hexdigest()[:12]}{suffix}"
    CORPUS.mkdir(exist_ok=True)
    path = CORPUS / name
    path.write_bytes(data)
    return path


class CaseRecorder:
    """Keeps the case under test in a file, so that the parent can tell, after a crash
    or a hang of the child, which case did it."""

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)

    def record(self, data: bytes) -> None:
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, data, 0)


def child_fuzz(target: str, examples: str, current: str) -> int:
    """Try ``examples`` cases of ``target``; save the smallest failing one to the corpus."""
    strategy, kind, _ = TARGETS[target]
    recorder = CaseRecorder(current)
    tried = 0
    failing: list[tuple[bytes, str]] = []
    with tempfile.TemporaryDirectory() as directory:
        checker = Checker(Workspace(Path(directory)))

        @settings(
            max_examples=int(examples),
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(strategy())
        def fuzz(case: bytes | str) -> None:
            nonlocal tried
            tried += 1
            data = encode(case)
            recorder.record(data)
            problem = checker.case(kind, data)
            if problem is not None:
                failing.append((data, problem))
                raise AssertionError(problem)

        try:
            fuzz()
        except Exception as error:
            if not failing:
                raise
            # Hypothesis shrinks, then replays the smallest failing case last.
            data, problem = failing[-1]
            saved = save_case(target, data)
            print(json.dumps({"tried": tried, "saved": str(saved), "problem": problem}))
            print(error, file=sys.stderr)
            return 1
    print(json.dumps({"tried": tried}))
    return 0


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir() if p.is_file() and p.name != "README.md")


def child_replay(current: str, *skip: str) -> int:
    """Replay every corpus file but ``skip``; report the failures."""
    recorder = CaseRecorder(current)
    failures = []
    replayed = 0
    with tempfile.TemporaryDirectory() as directory:
        checker = Checker(Workspace(Path(directory)))
        for path in corpus_files():
            if path.name in skip:
                continue
            recorder.record(path.name.encode())
            kind = "call" if path.suffix == ".expr" else "file"
            try:
                problem = checker.case(kind, path.read_bytes())
            except CaseError as error:
                problem = str(error)
            if problem is not None:
                failures.append(f"{path.name}: {problem}")
            replayed += 1
    print(json.dumps({"replayed": replayed, "failures": failures}))
    return 0


def keep_crasher(target: str, current: Path, why: str) -> str:
    if not current.exists() or not current.read_bytes():
        return "(no case recorded)"
    return str(save_case(target, current.read_bytes(), why))


@pytest.mark.parametrize("target", list(TARGETS))
def test_fuzz(target: str, tmp_path: Path) -> None:
    """Random points files (as bytes, and as lines of near-valid text) for
    ``load_points``, and random calls of every public name, under the Rust backend:
    an exception docs/contract.md names or the caller's own, the reference's outcome, no crash."""
    current = tmp_path / "current-case"
    timeout = 120 + FUZZ_EXAMPLES * 0.05
    try:
        done = subprocess.run(
            children.child_argv(__name__, "fuzz", target, str(FUZZ_EXAMPLES), str(current)),
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=children.child_env(),
            cwd=children.SUITE,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        saved = keep_crasher(target, current, "hang")
        pytest.fail(f"the {target} fuzzer hung (> {timeout:.0f} s) on a case saved as {saved}")
    if done.returncode < 0 or done.returncode not in (0, 1):
        saved = keep_crasher(target, current, "crash")
        pytest.fail(
            f"the {target} fuzzer crashed (status {done.returncode}) on a case saved as "
            f"{saved}:\n{done.stderr[-3000:]}"
        )
    report = children.report_of(done.stdout)
    print(f"fuzz {target}: {report['tried']} inputs tried")
    assert "saved" not in report, (
        f"{report['problem']}\nthe case is saved as {report['saved']}: commit it with the fix"
    )
    assert report["tried"] >= FUZZ_EXAMPLES // 2


def test_fuzz_corpus_replays_cleanly(tmp_path: Path) -> None:
    """Every case ever found, and the seeds, replayed: the regression tests of the fuzzers."""
    files = corpus_files()
    assert len(files) >= 10
    current = tmp_path / "current-case"
    crashed: list[str] = []
    failures: list[str] = []
    replayed = 0
    while True:
        try:
            done = subprocess.run(
                children.child_argv(__name__, "replay", str(current), *crashed),
                capture_output=True,
                text=True,
                encoding="utf-8",
                env=children.child_env(),
                cwd=children.SUITE,
                timeout=300,
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"the replay hung (> 300 s) on {current.read_text()}")
        if done.returncode == 0:
            report = children.report_of(done.stdout)
            failures += report["failures"]
            replayed += report["replayed"]
            break
        # A crash: note which file did it, and replay the others.
        name = current.read_text()
        assert name, done.stderr
        assert name not in crashed, done.stderr
        crashed.append(name)
        failures.append(f"{name}: crashed the interpreter (status {done.returncode})")
    assert replayed + len(crashed) == len(files)
    assert not failures, "\n".join(failures)


if __name__ == "__main__":
    children.main({"fuzz": child_fuzz, "replay": child_replay})
