"""The shadow backend: the reference answers, Rust runs beside it, disagreements are
logged and counted but never change what the caller gets; and the one comparison."""

from __future__ import annotations

import asyncio
import copy
import datetime
import inspect
import json
import logging
import math
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import legacy_app
import legacy_app._python as reference
import legacy_app._rust as rust
from legacy_app import comparison, shadow
from legacy_app.errors import AppleStuckInThroat, PointsFormatError
from tests.children import BLOCK_RUST, run_code
from tests.conftest import PUBLIC_NAMES
from tests.files import fifo_fed

pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")


@pytest.fixture(autouse=True)
def fresh_counts(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(shadow.RATE_VARIABLE, raising=False)
    shadow.reset()
    yield
    shadow.reset()


def points(coordinates: list[tuple[int, int]]) -> list[reference.Point]:
    return [shadow.Point(x, y) for x, y in coordinates]


SQUARE = [(0, 0), (3, 4), (10, 0), (10, 1), (4, 4)]


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "legacy_app.shadow" and record.levelno == logging.WARNING
    ]


def test_names_are_legacy_apps() -> None:
    assert tuple(PUBLIC_NAMES) == shadow.API_NAMES
    assert set(shadow.API_NAMES) <= set(vars(legacy_app)["__all__"])
    for name in shadow.API_NAMES:
        assert hasattr(shadow, name)
    questions = ["load", "bounds", "centroid", *shadow.BATCH_NAMES]
    assert set(shadow.report()) == set(shadow.API_NAMES) - {"Point", "PointSet"} | {
        f"PointSet.{question}" for question in questions
    }


def test_callers_get_the_reference_and_every_call_is_compared(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="legacy_app.shadow")
    ps = points(SQUARE)
    assert shadow.Point is reference.Point
    assert shadow.nearest_neighbors(ps) == reference.nearest_neighbors(ps)
    assert shadow.closest_pair(ps) == reference.closest_pair(ps)
    assert shadow.path_length(ps) == reference.path_length(ps)
    assert shadow.greedy_route(ps, 2) == reference.greedy_route(ps, 2)
    assert shadow.fact(30) == math.factorial(30)
    with pytest.raises(AppleStuckInThroat, match="Hello Error: 🍏🍏"):
        shadow.throws_error()
    figures = shadow.report()
    for name in ("nearest_neighbors", "closest_pair", "path_length", "greedy_route", "fact"):
        assert figures[name][:3] == (1, 1, 0), name
        assert figures[name].python_seconds > 0
        assert figures[name].rust_seconds > 0
    assert figures["throws_error"][:3] == (1, 1, 0)
    assert figures["load_points"][:3] == (0, 0, 0)
    assert warnings_of(caplog) == []


def test_a_wrong_rust_result_is_logged_and_counted_and_the_caller_never_sees_it(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="legacy_app.shadow")
    right = rust.greedy_route

    def wrong(pts: Any, start: int = 0, **kwargs: Any) -> list[int]:
        route: list[int] = right(pts, start, **kwargs)
        return route[:2] + route[2:][::-1]

    monkeypatch.setattr(rust, "greedy_route", wrong)
    ps = points(SQUARE)
    assert shadow.greedy_route(ps) == reference.greedy_route(ps) == [0, 1, 4, 3, 2]
    assert shadow.report()["greedy_route"][:3] == (1, 1, 1)
    (message,) = warnings_of(caplog)
    assert message.startswith("shadow: greedy_route([Point(x=0, y=0), Point(x=3, y=4), ")
    assert "... 2 more]" in message
    assert "python returned [0, 1, 4, ... 2 more], rust returned [0, 1, 2, ... 2 more]" in message
    assert message.endswith("first difference at [2]: python 4, rust 2")


def test_a_wrong_rust_exception_is_logged_and_the_caller_gets_the_result(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(n: int) -> int:
        raise ValueError("rust is broken")

    monkeypatch.setattr(rust, "fact", broken)
    assert shadow.fact(5) == 120
    (message,) = warnings_of(caplog)
    assert message == (
        "shadow: fact(5) differs: python returned 120, rust raised ValueError: rust is broken"
    )
    assert shadow.report()["fact"].mismatches == 1


class Panic(BaseException):
    """Like pyo3_runtime.PanicException: not an Exception."""


def test_the_caller_gets_the_references_exception_whatever_rust_does(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(rust, "closest_pair", lambda pts, **kwargs: (0, 1, 0.0))
    with pytest.raises(ValueError, match=r"closest_pair\(\) needs at least 2 points, got 1"):
        shadow.closest_pair(points([(1, 1)]))

    def panics(*args: Any, **kwargs: Any) -> None:
        raise Panic("index out of bounds")

    monkeypatch.setattr(rust, "path_length", panics)
    assert shadow.path_length(points(SQUARE)) == reference.path_length(points(SQUARE))
    first, second = warnings_of(caplog)
    assert "python raised ValueError: closest_pair() needs at least 2 points" in first
    assert "rust returned (0, 1, 0.0)" in first
    assert "rust raised Panic: index out of bounds" in second
    assert shadow.report()["closest_pair"][:3] == (1, 1, 1)


def test_the_same_exception_agrees_and_keeps_its_traceback() -> None:
    with pytest.raises(AppleStuckInThroat) as raised:
        shadow.throws_error()
    assert raised.traceback[-1].name == "throws_error"
    assert shadow.report()["throws_error"][:3] == (1, 1, 0)


def test_a_bad_points_file_raises_the_same_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("1,2\n1,x\n")
    with pytest.raises(PointsFormatError, match=r"bad\.csv:2: y is not a number"):
        shadow.load_points(path)
    assert shadow.report()["load_points"][:3] == (1, 1, 0)


def test_rust_is_looked_up_at_each_call(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def counted(n: int) -> int:
        calls.append(n)
        return 0

    shadow.fact(3)
    monkeypatch.setattr(rust, "fact", counted)
    shadow.fact(4)
    assert calls == [4]


@pytest.mark.parametrize(("rate", "compared"), [("1", 8), ("0.25", 2), ("0.5", 4), ("0", 0)])
def test_the_sample_rate_compares_that_fraction(
    monkeypatch: pytest.MonkeyPatch, rate: str, compared: int
) -> None:
    monkeypatch.setenv(shadow.RATE_VARIABLE, rate)
    calls: list[int] = []
    right = rust.fact

    def counted(n: int) -> int:
        calls.append(n)
        return right(n)

    monkeypatch.setattr(rust, "fact", counted)
    assert [shadow.fact(n) for n in range(8)] == [math.factorial(n) for n in range(8)]
    assert shadow.report()["fact"][:3] == (8, compared, 0)
    assert len(calls) == compared


@pytest.mark.parametrize("rate", ["-0.1", "1.5", "nan", "inf", "abc", "50%", "0x1"])
def test_a_bad_sample_rate_is_a_clear_value_error(
    monkeypatch: pytest.MonkeyPatch, rate: str
) -> None:
    monkeypatch.setenv(shadow.RATE_VARIABLE, rate)
    with pytest.raises(
        ValueError, match=f"LEGACY_APP_SHADOW_RATE must be a number from 0 to 1, got '{rate}'"
    ):
        shadow.fact(3)


def test_printing_functions_print_once_and_compare_what_rust_printed(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    stdout = sys.stdout
    shadow.say_hello()
    assert capsys.readouterr().out == "Hello world!\n"
    assert sys.stdout is stdout
    monkeypatch.setattr(rust, "say_hello", lambda: print("Hello World!"))
    shadow.say_hello()
    assert capsys.readouterr().out == "Hello world!\n"
    (message,) = warnings_of(caplog)
    assert message == (
        "shadow: say_hello() differs: python returned None and printed 'Hello world!\\n', "
        "rust returned None and printed 'Hello World!\\n'"
    )
    assert shadow.report()["say_hello"][:3] == (2, 2, 1)


def test_print_sleep_awaits_both_prints_once_and_masks_elapsed_times(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    assert inspect.iscoroutinefunction(shadow.print_sleep)

    async def main() -> None:
        await asyncio.gather(
            *(shadow.print_sleep(datetime.timedelta(milliseconds=20)) for _ in range(3))
        )

    asyncio.run(main())
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == ["🌙 Night night! Sleeping for 20ms"] * 3
    assert len(lines) == 6
    assert all(line.startswith("🌞 I'm awake after ") for line in lines[3:])
    assert shadow.report()["print_sleep"][:3] == (3, 3, 0)
    with pytest.raises(ValueError, match="must not be negative"):
        asyncio.run(shadow.print_sleep(datetime.timedelta(seconds=-1)))
    assert shadow.report()["print_sleep"][:3] == (4, 4, 0)
    assert warnings_of(caplog) == []


def test_print_sleep_differences_are_seen(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def sloppy(duration: datetime.timedelta) -> None:
        print("🌙 Night night!")
        await asyncio.sleep(duration.total_seconds())

    monkeypatch.setattr(rust, "print_sleep", sloppy)
    asyncio.run(shadow.print_sleep(datetime.timedelta(milliseconds=1)))
    assert capsys.readouterr().out.startswith("🌙 Night night! Sleeping for 1ms\n🌞 I'm awake")
    (message,) = warnings_of(caplog)
    assert "rust returned None and printed '🌙 Night night!\\n'" in message
    assert "I'm awake after <elapsed>" in message


def test_cancelling_print_sleep_cancels_both_promptly(capsys: pytest.CaptureFixture[str]) -> None:
    async def main() -> float:
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(shadow.print_sleep(datetime.timedelta(seconds=30)), 0.05)
        elapsed = loop.time() - started
        await asyncio.sleep(0.05)
        assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []
        return elapsed

    assert asyncio.run(main()) < 5
    assert capsys.readouterr().out == "🌙 Night night! Sleeping for 30s\n"
    assert shadow.report()["print_sleep"][:3] == (1, 0, 0)


def points_rust_is_given(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """What the Rust backend's nearest_neighbors is given, from now on."""
    seen: list[object] = []
    right = rust.nearest_neighbors

    def spy(pts: Any, **kwargs: Any) -> Any:
        seen.append(pts)
        return right(pts, **kwargs)

    monkeypatch.setattr(rust, "nearest_neighbors", spy)
    return seen


def test_numpy_arrays_go_to_rust_as_they_are(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = points_rust_is_given(monkeypatch)
    array = np.array(SQUARE, dtype=np.uint32)
    indices, distances = shadow.nearest_neighbors(array)
    assert indices.dtype == np.int64
    assert distances.dtype == np.float64
    assert seen == [array] or seen[0] is array
    assert shadow.report()["nearest_neighbors"][:3] == (1, 1, 0)


def test_rust_gets_rust_points_with_the_stored_coordinates(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Any] = []
    right = rust.path_length

    def spy(pts: Any) -> float:
        seen.append(pts)
        return float(right(pts))

    monkeypatch.setattr(rust, "path_length", spy)
    ps = points(SQUARE)
    shadow.path_length(tuple(ps))
    (converted,) = seen
    assert [type(p) for p in converted] == [rust.Point] * len(SQUARE)
    assert [(p.x, p.y) for p in converted] == SQUARE
    assert shadow.report()["path_length"][:3] == (1, 1, 0)


def test_results_with_points_compare_by_coordinates(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("x,y\n1,2\n3,4\n")
    loaded = shadow.load_points(path)
    assert [type(p) for p in loaded] == [reference.Point, reference.Point]
    assert shadow.report()["load_points"][:3] == (1, 1, 0)


def test_what_cannot_be_read_twice_is_read_once_and_not_compared(tmp_path: Path) -> None:
    ps = points(SQUARE)
    # A one-shot iterator is outside the typed contract (a sequence), but still works.
    one_shot: Any = iter(ps)
    assert shadow.path_length(one_shot) == reference.path_length(ps)
    assert shadow.report()["path_length"][:3] == (1, 0, 0)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)

    def write() -> None:
        with open(fifo, "w") as out:
            out.write("1,2\n3,4\n")

    writer = threading.Thread(target=write)
    writer.start()
    assert [(p.x, p.y) for p in shadow.load_points(fifo)] == [(1, 2), (3, 4)]
    writer.join()
    assert shadow.report()["load_points"][:3] == (1, 0, 0)


def test_rust_never_calls_the_callers_progress() -> None:
    ps = points([(k, k * k % 97) for k in range(50)])
    seen: list[tuple[int, int]] = []
    shadow.nearest_neighbors(ps, progress=lambda done, total: seen.append((done, total)))
    expected: list[tuple[int, int]] = []
    reference.nearest_neighbors(ps, progress=lambda done, total: expected.append((done, total)))
    assert seen == expected
    assert shadow.report()["nearest_neighbors"][:3] == (1, 1, 0)

    class Stop(Exception):
        pass

    def stop(done: int, total: int) -> None:
        raise Stop

    with pytest.raises(Stop):
        shadow.greedy_route(ps, progress=stop)
    assert shadow.report()["greedy_route"][:3] == (1, 0, 0)


@pytest.mark.process
def test_threads_are_counted_exactly_and_print_their_own_lines(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    ps = points(SQUARE)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(50):
                shadow.path_length(ps)
                shadow.say_hello()
                print("other")
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    out = capsys.readouterr().out
    assert out.count("Hello world!\n") == 200
    assert out.count("other\n") == 200
    figures = shadow.report()
    assert figures["path_length"][:3] == (200, 200, 0)
    assert figures["say_hello"][:3] == (200, 200, 0)
    assert warnings_of(caplog) == []


# One thread says hello (shadowed: both backends print, Rust's captured) while another
# prints, into a StringIO and then into the real stdout; the counts on the last line.
PRINTING_BESIDE_A_SHADOWED_CALL = """
import io, json, sys, threading, time
import legacy_app

def race(seconds):
    stop = threading.Event()
    counts = {"hello": 0, "other": 0}

    def hello():
        while not stop.is_set():
            legacy_app.say_hello()
            counts["hello"] += 1

    def other():
        while not stop.is_set():
            print("other")
            counts["other"] += 1

    threads = [threading.Thread(target=hello), threading.Thread(target=other)]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return counts

redirected = io.StringIO()
sys.stdout = redirected
counts = race(1.5)
restored = sys.stdout is redirected
sys.stdout = sys.__stdout__
text = redirected.getvalue()
report = {
    "redirected": counts,
    "written": {"hello": text.count("Hello world!"), "other": text.count("other")},
    "restored": restored,
    "direct": race(1.5),
    "report": list(legacy_app.shadow.report()["say_hello"][:3]),
}
print()
print(json.dumps(report))
"""


@pytest.mark.process
def test_threads_that_print_beside_shadowed_calls_never_crash_it() -> None:
    # The router that captures Rust's printing used to be freed at the end of each
    # shadowed call while another thread's print() could still be writing to it.
    done = run_code(PRINTING_BESIDE_A_SHADOWED_CALL, timeout=300, backend="shadow")
    assert done.returncode == 0, done.stderr[-5000:]
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["written"] == report["redirected"]
    assert report["restored"]
    assert min(report["redirected"].values()) > 0
    assert min(report["direct"].values()) > 0
    calls = report["redirected"]["hello"] + report["direct"]["hello"]
    assert report["report"] == [calls, calls, 0]
    lines = done.stdout.splitlines()
    assert sum("Hello world!" in line for line in lines) == report["direct"]["hello"]


def test_the_environment_chooses_shadow() -> None:
    code = (
        "import legacy_app, legacy_app._python as p, legacy_app.shadow as s\n"
        "print(legacy_app.BACKEND, legacy_app.Point is p.Point, legacy_app.fact is s.fact)\n"
        "legacy_app.path_length([legacy_app.Point(0, 0), legacy_app.Point(3, 4)])\n"
        "print(s.report()['path_length'][:3])"
    )
    done = run_code(code, timeout=120, backend="shadow")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["shadow True True", "(1, 1, 0)"]


def test_shadow_without_rust_says_so() -> None:
    done = run_code(BLOCK_RUST + "import legacy_app\n", timeout=120, backend="shadow")
    assert done.returncode != 0
    assert "ImportError: the shadow backend runs the Rust backend beside" in done.stderr
    assert "pip install -e ." in done.stderr


def test_a_bad_rate_fails_at_import() -> None:
    done = run_code("import legacy_app", timeout=120, backend="shadow", LEGACY_APP_SHADOW_RATE="2")
    assert "ValueError: LEGACY_APP_SHADOW_RATE must be a number from 0 to 1, got '2'" in done.stderr


# PointSet: the reference's, each question also asked of a Rust twin.


def test_a_point_set_is_the_references_and_each_question_is_compared(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="legacy_app.shadow")
    ps = shadow.PointSet(points(SQUARE))
    assert isinstance(ps, reference.PointSet)
    assert (type(ps).__module__, type(ps).__qualname__) == ("legacy_app", "PointSet")
    plain = reference.PointSet(points(SQUARE))
    assert comparison.outcome(ps.nearest_neighbors) == comparison.outcome(plain.nearest_neighbors)
    assert ps.closest_pair() == plain.closest_pair()
    assert ps.greedy_route(2).tolist() == plain.greedy_route(2).tolist()
    assert ps.path_length() == plain.path_length()
    assert ps.path_length([4, 0]) == plain.path_length([4, 0])
    assert ps.bounds == plain.bounds
    assert ps.centroid == plain.centroid
    twin = ps._twin()
    assert type(twin) is rust.PointSet
    assert list(twin) == [rust.Point(x, y) for x, y in SQUARE]
    ps.closest_pair()
    assert ps._twin() is twin  # made once, kept
    figures = shadow.report()
    assert figures["PointSet.path_length"][:3] == (2, 2, 0)
    assert figures["PointSet.closest_pair"][:3] == (2, 2, 0)
    for question in ("nearest_neighbors", "greedy_route", "bounds", "centroid"):
        assert figures[f"PointSet.{question}"][:3] == (1, 1, 0), question
    assert warnings_of(caplog) == []


def test_a_wrong_twin_is_logged_and_counted_and_the_caller_never_sees_it(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="legacy_app.shadow")

    class WrongTwin:
        @classmethod
        def _from_columns(cls, xs: bytes, ys: bytes) -> WrongTwin:
            return cls()

        def closest_pair(self, **kwargs: Any) -> tuple[Any, ...]:
            return (np.int64(0), np.int64(1), np.float64(-1.0))

        @property
        def bounds(self) -> None:
            raise ValueError("rust is broken")

    monkeypatch.setattr(rust, "PointSet", WrongTwin)
    ps = shadow.PointSet(points(SQUARE))
    assert ps.closest_pair() == reference.PointSet(points(SQUARE)).closest_pair()
    assert ps.bounds == (0, 0, 10, 4)
    assert warnings_of(caplog) == [
        "shadow: PointSet.closest_pair(progress=None) differs: "
        "python returned (np.int64(1), np.int64(4), np.float64(1.0)), "
        "rust returned (np.int64(0), np.int64(1), np.float64(-1.0)); "
        "first difference at [0]: python np.int64(1), rust np.int64(0)",
        "shadow: PointSet.bounds() differs: python returned (0, 0, 10, ... 1 more), "
        "rust raised ValueError: rust is broken",
    ]
    figures = shadow.report()
    assert figures["PointSet.closest_pair"][:3] == (1, 1, 1)
    assert figures["PointSet.bounds"][:3] == (1, 1, 1)


def test_the_module_functions_give_rust_the_twin(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = points_rust_is_given(monkeypatch)
    ps = shadow.PointSet(points(SQUARE))
    indices, _ = shadow.nearest_neighbors(ps)
    assert indices.dtype == np.int64
    assert seen == [ps._twin()]
    # A set the reference made itself goes to Rust as a Rust set of the same points.
    shadow.nearest_neighbors(reference.PointSet(points(SQUARE)))
    assert type(seen[1]) is rust.PointSet
    assert seen[1] == ps._twin()
    assert shadow.report()["nearest_neighbors"][:3] == (2, 2, 0)


def test_slices_and_copies_are_shadowed_too() -> None:
    ps = shadow.PointSet(points(SQUARE))
    for other in (ps[::-2], copy.copy(ps), copy.deepcopy(ps), shadow.PointSet(ps)):
        assert type(other) is shadow.PointSet
        other.closest_pair()
    assert shadow.report()["PointSet.closest_pair"][:3] == (4, 4, 0)


def test_point_set_load_is_compared_unless_it_reads_a_pipe(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("x,y\n1,2\n3,4\n")
    seen: list[tuple[int, int]] = []
    loaded = shadow.PointSet.load(path, progress=lambda done, total: seen.append((done, total)))
    assert type(loaded) is shadow.PointSet
    assert [(p.x, p.y) for p in loaded] == [(1, 2), (3, 4)]
    assert seen[-1] == (path.stat().st_size, path.stat().st_size)
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2\n1,x\n")
    with pytest.raises(PointsFormatError, match=r"bad\.csv:2: y is not a number"):
        shadow.PointSet.load(bad)
    assert shadow.report()["PointSet.load"][:3] == (2, 2, 0)
    with fifo_fed(tmp_path / "fifo", [b"1,2\n"], pause=0):
        assert len(shadow.PointSet.load(tmp_path / "fifo")) == 1
    assert shadow.report()["PointSet.load"][:3] == (3, 2, 0)


def test_a_one_shot_order_is_read_once_and_not_compared() -> None:
    ps = shadow.PointSet(points(SQUARE))
    # Outside the typed contract (a sequence), but it works.
    one_shot: Any = iter([4, 0, 2])
    assert ps.path_length(one_shot) == ps.path_length([4, 0, 2])
    assert shadow.report()["PointSet.path_length"][:3] == (2, 1, 0)


def test_a_raising_progress_stops_the_comparison() -> None:
    class Stop(Exception):
        pass

    def stop(done: int, total: int) -> None:
        raise Stop

    ps = shadow.PointSet(points(SQUARE))
    with pytest.raises(Stop):
        ps.greedy_route(progress=stop)
    assert shadow.report()["PointSet.greedy_route"][:3] == (1, 0, 0)


def test_point_sets_pickle_under_shadow_and_load_under_rust(tmp_path: Path) -> None:
    path = tmp_path / "set.pickle"
    dump = (
        "import pickle, legacy_app, legacy_app.shadow as s\n"
        "ps = legacy_app.PointSet([legacy_app.Point(1, 2), legacy_app.Point(3, 4)])\n"
        "assert type(ps) is s.PointSet, type(ps)\n"
        "again = pickle.loads(pickle.dumps(ps))\n"
        "assert type(again) is s.PointSet and again == ps\n"
        f"open({str(path)!r}, 'wb').write(pickle.dumps(ps))\n"
        "print(s.report()['PointSet.closest_pair'][:3], again.closest_pair())"
    )
    done = run_code(dump, timeout=120, backend="shadow")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("(0, 0, 0) (np.int64(0), np.int64(1)")
    load = (
        "import pickle, legacy_app, rust_ext\n"
        f"ps = pickle.loads(open({str(path)!r}, 'rb').read())\n"
        "print(type(ps) is rust_ext.PointSet, [(p.x, p.y) for p in ps])"
    )
    done = run_code(load, timeout=120, backend="rust")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "True [(1, 2), (3, 4)]\n"
