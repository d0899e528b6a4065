"""Issue 6, reliability: no crash, leak, hang or lost data under bad input, threads and
signals (SPEC.md "Errors", "Points file", "Public API", "The command").

Whatever could take the interpreter down (a crash, a hang, a signal) or needs a process
of its own to measure (memory) runs in a child process, so that a segfault or an abort
fails one test instead of ending the run. The children are the ``child_*`` functions of
this very file, run as ``python tests/test_reliability.py COMMAND ARGS...``: linted and
type-checked like the tests that start them.

The fuzzers try ``LEGACY_APP_FUZZ_EXAMPLES`` inputs per target (1,000 unless told), and
``LEGACY_APP_FUZZ_EXAMPLES=100000 pytest tests/test_reliability.py -k fuzz`` searches
longer. An input that fails is saved in ``tests/fuzz_corpus/``, which
``test_fuzz_corpus_replays_cleanly`` replays on every run: commit it with the fix.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import copy
import datetime
import errno
import functools
import gc
import hashlib
import io
import json
import operator
import os
import pickle
import re
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import legacy_app
from legacy_app import AppleStuckInThroat, HelloError, HelloIOError, PointsFormatError

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
CORPUS = TESTS / "fuzz_corpus"
CARGO_TOML = ROOT / "rust_ext" / "Cargo.toml"
FUZZ_EXAMPLES = int(os.environ.get("LEGACY_APP_FUZZ_EXAMPLES", "1000"))
MB = 1 << 20
API_NAMES = (
    "Point",
    "closest_pair",
    "fact",
    "greedy_route",
    "load_points",
    "nearest_neighbors",
    "path_length",
    "print_sleep",
    "say_hello",
    "throws_error",
)

# ----------------------------------------------------------------------------------------
# Child processes


def child_argv(*args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), *args]


def child_env() -> dict[str, str]:
    """The Rust backend, UTF-8 output, and every thread's traceback on a crash."""
    return {
        **os.environ,
        "LEGACY_APP_BACKEND": "rust",
        "PYTHONIOENCODING": "utf-8",
        "PYTHONFAULTHANDLER": "1",
    }


def report_of(stdout: str) -> dict[str, Any]:
    """A child's report: the JSON object on the last line of its output."""
    lines = stdout.strip().splitlines()
    assert lines, "the child printed no report"
    report: dict[str, Any] = json.loads(lines[-1])
    return report


def run_child(*args: str, timeout: float) -> dict[str, Any]:
    """Run a child command to its end and return its report."""
    try:
        done = subprocess.run(
            child_argv(*args),
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=child_env(),
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"{args[0]} hung: no result within {timeout:.0f} s\n{error.stderr!r}")
    assert done.returncode == 0, f"{args} exited with {done.returncode}:\n{done.stderr}"
    return report_of(done.stdout)


class Child:
    """A running child command whose output lines can be awaited, with a timeout."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            child_argv(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_env()
        )
        self.lines: list[str] = []
        self._partial = b""

    def __enter__(self) -> Child:
        return self

    def __exit__(self, *_: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.communicate()

    def wait_for(self, expected: str, timeout: float) -> None:
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        deadline = time.monotonic() + timeout
        while expected not in self.lines:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                pytest.fail(f"the child did not print {expected!r} within {timeout} s")
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                _, err = self.process.communicate(timeout=10)
                pytest.fail(f"the child ended before printing {expected!r}:\n{err.decode()}")
            *complete, self._partial = (self._partial + chunk).split(b"\n")
            self.lines.extend(line.decode() for line in complete)

    def finish(self, timeout: float) -> tuple[int, dict[str, Any], str]:
        """Wait for the end: exit status, report, and what went to stderr."""
        out, err = self.process.communicate(timeout=timeout)
        rest = (self._partial + out).decode()
        return self.process.returncode, report_of(rest or "{}"), err.decode()


def rss() -> int:
    """This process's resident memory in bytes."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss() -> int:
    """This process's peak resident memory in bytes (Linux counts kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def thread_names() -> list[str]:
    """The names of this process's OS threads (Rust names its own)."""
    names = []
    for task in os.listdir("/proc/self/task"):
        with contextlib.suppress(FileNotFoundError), open(f"/proc/self/task/{task}/comm") as f:
            names.append(f.read().strip())
    return names


# ----------------------------------------------------------------------------------------
# 1. Fuzzing: only the exceptions SPEC.md names, the same outcome as the reference, and
# never a crash or a hang.
#
# A case is either the bytes of a points file, or one call written as Python source
# (``nearest_neighbors(np.array([[1, 2]], dtype='>u4'))``), evaluated under each backend.


class UserError(Exception):
    """Raised by the fuzzers' own objects (an ``__index__``, an iterable, a progress
    callback): the API must let it through unchanged."""


# What the public API may raise (SPEC.md), besides what the caller's own code raises.
ALLOWED: tuple[type[BaseException], ...] = (
    HelloError,
    ValueError,
    TypeError,
    IndexError,
    OverflowError,
    UserError,
)


class Index:
    """An int-like object: ``operator.index`` gives ``value`` (which may not be an int)."""

    def __init__(self, value: object) -> None:
        self.value = value

    def __index__(self) -> Any:
        return self.value


class BadIndex:
    def __index__(self) -> int:
        raise UserError("__index__ failed")


class FsPath:
    """An ``os.PathLike`` whose ``__fspath__`` gives ``value``, or fails when it is None."""

    def __init__(self, value: object) -> None:
        self.value = value

    def __fspath__(self) -> Any:
        if self.value is None:
            raise UserError("__fspath__ failed")
        return self.value


class Raising:
    """An iterable that yields ``items[:after]`` and then raises."""

    def __init__(self, items: list[Any], after: int) -> None:
        self.items = items
        self.after = after

    def __iter__(self) -> Iterator[Any]:
        yield from self.items[: self.after]
        raise UserError("iteration failed")


class Lying:
    """An iterable of ``items`` whose ``len()`` says ``length``."""

    def __init__(self, items: list[Any], length: int) -> None:
        self.items = items
        self.length = length

    def __len__(self) -> int:
        return self.length

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)


def noop(done: int, total: int) -> None:
    """A progress callback that does nothing."""


def raising(done: int, total: int) -> None:
    """A progress callback that fails."""
    raise UserError("progress failed")


def first_row_repeated(array: Any) -> Any:
    """A read-only view of ``array``'s first row, twice more than it has rows: stride 0."""
    return np.broadcast_to(array[:1], (len(array) + 2, *array.shape[1:]))


def pickle_round_trip(value: object) -> object:
    return pickle.loads(pickle.dumps(value))


def run_sleep(api: ModuleType, duration: object) -> None:
    """Await ``print_sleep(duration)`` for at most 2 ms: a longer sleep is cancelled."""

    async def main() -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(api.print_sleep(duration), timeout=0.002)

    asyncio.run(main())


class Workspace:
    """Files the cases refer to by name (``FILE``, ``BADFILE``, ``DIR``), and the file
    a points-file case is written to."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.file = directory / "good.csv"
        self.file.write_bytes(b"x,y\n1,2\n3,4\n1,2\n")
        self.bad_file = directory / "bad.csv"
        self.bad_file.write_bytes(b"1,2\n3,-4\n")
        self.case_file = directory / "case.csv"


def namespace(api: ModuleType, workspace: Workspace) -> dict[str, Any]:
    """The names a case may use, bound to one backend."""
    names: dict[str, Any] = {name: getattr(api, name) for name in API_NAMES}
    names.update(
        np=np,
        timedelta=datetime.timedelta,
        Path=Path,
        operator=operator,
        copy=copy,
        Index=Index,
        BadIndex=BadIndex,
        FsPath=FsPath,
        Raising=Raising,
        Lying=Lying,
        Pixel=type("Pixel", (api.Point,), {"tag": "pixel"}),
        noop=noop,
        raising=raising,
        reentrant=lambda done, total: api.nearest_neighbors([api.Point(0, 0), api.Point(1, 1)]),
        pickle_round_trip=pickle_round_trip,
        first_row_repeated=first_row_repeated,
        run_sleep=lambda duration: run_sleep(api, duration),
        FILE=str(workspace.file),
        BADFILE=str(workspace.bad_file),
        DIR=str(workspace.directory),
    )
    return names


class CaseError(Exception):
    """A case whose arguments cannot even be built: a bug of the fuzzer, not the API."""


Outcome = tuple[Any, ...]


def outcome_of(call: Callable[[], object]) -> Outcome:
    """What a call did, comparable across backends: its result, or the class and text
    of what it raised (anything at all, down to a PanicException)."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            result = call()
    except BaseException as error:  # noqa: BLE001 - a crash-free report is the point
        return ("raised", type(error), str(error))
    return ("returned", plain(result))


def plain(value: object) -> object:
    """``value`` with NumPy arrays and scalars as lists and Python numbers, so that
    results compare exactly (``repr`` of a long array elides)."""
    if isinstance(value, np.ndarray):
        return ("ndarray", str(value.dtype), value.tolist())
    if isinstance(value, np.bool_):
        # A comparison's answer, by truth: NumPy 2.0's reflected == and != answer a
        # pure-Python class with NumPy's own bool, an extension class with Python's.
        return repr(bool(value))
    if isinstance(value, np.generic):
        return ("numpy", str(value.dtype), value.item())
    if isinstance(value, (list, tuple)):
        return type(value).__name__, [plain(item) for item in value]
    return repr(value)


def call_outcome(text: str, names: dict[str, Any]) -> Outcome:
    """Evaluate the call ``text``: its function and arguments first (a failure there is
    the fuzzer's), then the call itself."""
    try:
        call = ast.parse(text, mode="eval").body
        if not isinstance(call, ast.Call):
            raise CaseError(f"not a call: {text}")

        def value(node: ast.expr) -> Any:
            return eval(compile(ast.Expression(node), "<case>", "eval"), names)

        function = value(call.func)
        args = [value(arg) for arg in call.args]
        kwargs = {keyword.arg: value(keyword.value) for keyword in call.keywords if keyword.arg}
    except Exception as error:
        raise CaseError(f"cannot build {text}: {error!r}") from error
    return outcome_of(lambda: function(*args, **kwargs))


# How the interpreter words a call with the wrong arguments, which PyO3 words a little
# differently ("takes 1 positional arguments"): there only the class must match.
CALLING_CONVENTION = re.compile(
    r"takes \d+ positional|takes no arguments|got an unexpected keyword|missing \d+ required"
    r"|takes no keyword arguments|got multiple values"
)


def judge(rust: Outcome, python: Outcome) -> str | None:
    """What is wrong with the Rust backend's outcome, if anything."""
    if rust[0] == "raised" and not issubclass(rust[1], ALLOWED):
        return f"raised {rust[1].__module__}.{rust[1].__qualname__}: {rust[2]}"
    if rust[0] == python[0] == "raised":
        if CALLING_CONVENTION.search(rust[2]):
            rust, python = rust[:2], python[:2]
        else:
            # The interpreter names the Rust class by its full name in its own messages
            # ("unhashable type: 'legacy_app.Point'"): a difference of no consequence.
            rust = (*rust[:2], rust[2].replace("'legacy_app.Point'", "'Point'"))
    if rust != python:
        return f"differs from the reference: rust {rust!r}, python {python!r}"
    return None


@contextlib.contextmanager
def serving(api: ModuleType) -> Iterator[None]:
    """``legacy_app``'s names served by ``api`` for a while, as the ``api`` fixture does,
    so that a pickled Point (a reference to ``legacy_app.Point``) loads as one of its own."""
    saved = {name: getattr(legacy_app, name) for name in API_NAMES}
    for name in API_NAMES:
        setattr(legacy_app, name, getattr(api, name))
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(legacy_app, name, value)


class Checker:
    """Runs cases under both backends and judges them."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.apis = {name: legacy_app.load_backend(name) for name in legacy_app.BACKENDS}
        self.names = {name: namespace(api, workspace) for name, api in self.apis.items()}
        self.loaders = [self.apis["rust"].load_points, self.apis["python"].load_points]

    def call(self, text: str) -> str | None:
        outcomes = {}
        for name, api in self.apis.items():
            with serving(api):
                outcomes[name] = call_outcome(text, self.names[name])
        return judge(outcomes["rust"], outcomes["python"])

    def points_file(self, data: bytes) -> str | None:
        path = self.workspace.case_file
        path.write_bytes(data)
        rust, python = (outcome_of(functools.partial(load, path)) for load in self.loaders)
        if rust[0] == "raised" and not issubclass(rust[1], PointsFormatError):
            return f"raised {rust[1].__qualname__}: {rust[2]}"
        return judge(rust, python)

    def case(self, kind: str, data: bytes) -> str | None:
        return self.call(data.decode()) if kind == "call" else self.points_file(data)


# Strategies for calls: each draws Python source text. They are built once (cached):
# building them anew for every draw would cost more than running the calls.

cached = functools.lru_cache(maxsize=None)


@cached
def big_ints() -> st.SearchStrategy[int]:
    return st.one_of(
        st.integers(-3, 20),
        st.integers(-(2**70), 2**70),
        st.sampled_from([2**32 - 1, 2**32, 2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**63) - 1]),
    )


def int_likes(values: st.SearchStrategy[int]) -> st.SearchStrategy[str]:
    return st.one_of(
        values.map(repr),
        values.map(lambda v: f"Index({v!r})"),
        values.filter(lambda v: -(2**63) <= v < 2**63).map(lambda v: f"np.int64({v})"),
        values.filter(lambda v: 0 <= v < 2**64).map(lambda v: f"np.uint64({v})"),
    )


OTHER_VALUES = [
    "None",
    "True",
    "False",
    "1.5",
    "float('nan')",
    "1j",
    "'1'",
    "''",
    "b'1'",
    "[]",
    "()",
    "{}",
    "object()",
    "BadIndex()",
    "Index('3')",
    "np.float64(1.0)",
    "np.bool_(True)",
    "Point(1, 2)",
    "timedelta(0)",
]


@cached
def values() -> st.SearchStrategy[str]:
    return st.one_of(int_likes(big_ints()), st.sampled_from(OTHER_VALUES))


@cached
def coordinates() -> st.SearchStrategy[int]:
    """Valid coordinates, often tied."""
    return st.one_of(st.integers(0, 6), st.integers(0, 2**32 - 1), st.just(2**32 - 1))


@cached
def a_point() -> st.SearchStrategy[str]:
    return st.builds(
        "{}({}, {})".format, st.sampled_from(["Point", "Pixel"]), coordinates(), coordinates()
    )


@cached
def a_point_or_value() -> st.SearchStrategy[str]:
    return st.one_of(a_point(), values())


@st.composite
def point_sequences_drawn(draw: st.DrawFn) -> str:
    items = draw(st.lists(a_point(), max_size=12))
    if items and draw(st.integers(0, 9)) == 0:
        items.insert(draw(st.integers(0, len(items))), draw(values()))
    inner = ", ".join(items)
    form = draw(st.sampled_from(["list", "tuple", "iter", "raising", "lying"]))
    if form == "tuple":
        return f"({inner}{',' if items else ''})"
    if form == "iter":
        return f"iter([{inner}])"
    if form == "raising":
        return f"Raising([{inner}], {draw(st.integers(0, len(items)))})"
    if form == "lying":
        length = draw(st.sampled_from([0, 1, len(items) + 1, 2**31, 2**62, 10**17]))
        return f"Lying([{inner}], {length})"
    return f"[{inner}]"


INT_DTYPES = ["int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64"]
INT_DTYPES += [">i4", ">u8", "<u2", ">i8"]
OTHER_DTYPES = ["float64", "bool", "object", "U2", "complex128", "m8[s]"]
SHAPES = [(n, 2) for n in range(9)] + [(0,), (3,), (2, 3), (2, 1), (2, 2, 2), (), (0, 0), (1, 2)]


@cached
def array_elements(dtype: str, count: int) -> st.SearchStrategy[list[Any]]:
    element: st.SearchStrategy[Any]
    if dtype in INT_DTYPES:
        info = np.iinfo(np.dtype(dtype))
        low, high = int(info.min), int(info.max)
        element = st.one_of(st.integers(low, high), st.integers(max(low, 0), min(high, 6)))
    elif dtype == "object":
        element = big_ints()
    elif dtype == "bool":
        element = st.booleans()
    elif dtype == "U2":
        element = st.text(max_size=2)
    elif dtype == "float64":
        element = st.sampled_from([0.0, 1.5, -1.0, 1e300])
    elif dtype == "complex128":
        element = st.sampled_from([0j, 1 + 2j])
    else:
        element = st.integers(-5, 5)
    return st.lists(element, min_size=count, max_size=count)


@st.composite
def arrays_drawn(draw: st.DrawFn) -> str:
    dtype = draw(st.sampled_from(INT_DTYPES + OTHER_DTYPES))
    shape = draw(st.sampled_from(SHAPES))
    elements = draw(array_elements(dtype, int(np.prod(shape))))
    text = f"np.array({elements!r}, dtype={dtype!r}).reshape({shape!r})"
    views = ["", ".T", ".copy(order='F')"]
    if shape:
        views.append("[::-1]")
    if len(shape) == 2:
        views += ["[:, ::-1]", "[::2]"]
    view = draw(st.sampled_from(views))
    if view:
        text = f"({text}){view}"
    if len(shape) == 2 and shape[0] > 0 and draw(st.integers(0, 5)) == 0:
        text = f"first_row_repeated({text})"
    return text


@cached
def batch_points() -> st.SearchStrategy[str]:
    return st.one_of(point_sequences_drawn(), arrays_drawn(), values())


@cached
def starts() -> st.SearchStrategy[str]:
    return st.one_of(int_likes(st.integers(-3, 14)), values())


PROGRESS = ["None", "noop", "raising", "5", "reentrant", "lambda done, total: None"]
BATCH = ["nearest_neighbors", "closest_pair", "path_length", "greedy_route"]


@st.composite
def batch_calls_drawn(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(BATCH))
    args = [draw(batch_points())]
    if name == "greedy_route" and draw(st.booleans()):
        start = draw(starts())
        args.append(draw(st.sampled_from([start, f"start={start}"])))
    if draw(st.integers(0, 3)) == 0 and (name != "path_length" or draw(st.integers(0, 4)) == 0):
        args.append(f"progress={draw(st.sampled_from(PROGRESS))}")
    return f"{name}({', '.join(args)})"


@st.composite
def point_calls_drawn(draw: st.DrawFn) -> str:
    a, b = draw(values()), draw(values())
    x, y = draw(coordinates()), draw(coordinates())
    other = draw(a_point_or_value())
    field = draw(st.sampled_from(["x", "y"]))
    return draw(
        st.sampled_from(
            [
                f"Point({a}, {b})",
                f"Point(x={a}, y={b})",
                f"Pixel({a}, {b})",
                f"Point({a})",
                f"Point({x}, {y}, {a})",
                f"setattr(Point({x}, {y}), {field!r}, {a})",
                f"Point({x}, {y}).dist({other})",
                f"operator.eq(Point({x}, {y}), {other})",
                f"operator.ne(Pixel({x}, {y}), {other})",
                f"hash(Point({x}, {y}))",
                f"pickle_round_trip(Point({x}, {y}))",
                f"copy.copy(Pixel({x}, {y}))",
                f"copy.deepcopy(Point({x}, {y}))",
                f"str(Point({x}, {y}))",
            ]
        )
    )


@cached
def fact_calls() -> st.SearchStrategy[str]:
    # No n in 400 .. 2**63: those are correct and merely slow (2**63 - 1 takes forever).
    small_or_too_big = st.one_of(st.integers(-(2**70), 400), st.integers(2**63, 2**70))
    argument = st.one_of(int_likes(small_or_too_big), st.sampled_from(OTHER_VALUES))
    return st.one_of(
        argument.map("fact({})".format),
        argument.map("fact(n={})".format),
        st.sampled_from(["fact()", "fact(1, 2)", "fact(m=1)"]),
    )


PATHS = [
    "FILE",
    "BADFILE",
    "DIR",
    "FILE.encode()",
    "Path(FILE)",
    "FsPath(FILE)",
    "FsPath(BADFILE.encode())",
    "FsPath(3)",
    "FsPath(None)",
    "'/nonexistent/points.csv'",
    "b'/nonexistent/\\xff\\xfe.csv'",
    "'/nonexistent/\\udcff.csv'",
    "''",
    "b''",
    "'bad\\x00path'",
    "'/dev/null'",
    "'/proc/self/status'",
]


@cached
def load_calls() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(PATHS), values()).map("load_points({})".format)


@cached
def sleep_calls() -> st.SearchStrategy[str]:
    durations = st.one_of(
        st.integers(-10, 3000).map("timedelta(microseconds={})".format),
        st.sampled_from(["timedelta.max", "timedelta.min", "timedelta(days=-1)"]),
        values(),
    )
    return durations.map("run_sleep({})".format)


@cached
def calls() -> st.SearchStrategy[str]:
    return st.one_of(
        batch_calls_drawn(),
        point_calls_drawn(),
        fact_calls(),
        load_calls(),
        sleep_calls(),
        st.sampled_from(["throws_error()", "say_hello()", "throws_error(1)", "say_hello(x=1)"]),
    )


# Strategies for points files: structured lines, their bytes mutated, and plain bytes.

LINE_PIECES = ["0", "7", "42", "4294967295", "4294967296", "99999999999999999999", "-1", "-0"]
LINE_PIECES += ["+1", "1_0", "\u0663", "\uff11", "x", "y", "X", " ", "\t", ",", "#", ""]
LINE_PIECES += ["\r", "\x00", "\xa0", "\u2003", "0x10", "1e3", "1.5", "\ufeff"]
ODD_BYTES = [b"\xff", b"\x80", b"\xc0\xaf", b"\xed\xa0\x80", b"\xef\xbb\xbf", b"\r", b"\n", b","]


@cached
def text_lines() -> st.SearchStrategy[list[tuple[str, str]]]:
    """Lines with their endings."""
    blank = st.sampled_from(["", " ", "\t", "  \t"])
    number = st.one_of(st.integers(0, 2**33).map(str), st.sampled_from(LINE_PIECES))
    field = st.builds("{}{}{}".format, blank, number, blank)
    line = st.one_of(
        st.builds("{},{}".format, field, field),
        st.lists(st.sampled_from(LINE_PIECES), max_size=5).map("".join),
        st.sampled_from(["x,y", " x , y ", "X,Y", "#", "# 1,2", "", " ", "\t"]),
    )
    ending = st.sampled_from(["\n", "\r\n", "\r", "\n\r"])
    return st.lists(st.tuples(line, ending), max_size=20)


@st.composite
def points_texts_drawn(draw: st.DrawFn) -> bytes:
    text = "".join(line + ending for line, ending in draw(text_lines()))
    if draw(st.booleans()):
        text = text.rstrip("\r\n")
    data = text.encode()
    return b"\xef\xbb\xbf" + data if draw(st.integers(0, 4)) == 0 else data


@cached
def points_texts() -> st.SearchStrategy[bytes]:
    return points_texts_drawn()


@cached
def odd_bytes() -> st.SearchStrategy[bytes]:
    return st.one_of(st.sampled_from(ODD_BYTES), st.binary(max_size=3))


@st.composite
def mutated_points_texts_drawn(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(points_texts()))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        operation = draw(st.sampled_from(["insert", "delete", "cut"]))
        if operation == "insert":
            data[at:at] = draw(odd_bytes())
        elif operation == "delete":
            del data[at : at + draw(st.integers(1, 3))]
        else:
            del data[at:]
    return bytes(data)


@cached
def any_bytes() -> st.SearchStrategy[bytes]:
    return st.one_of(st.binary(max_size=200), mutated_points_texts_drawn())


# What each fuzz target draws, and how its cases are stored in the corpus.
TARGETS: dict[str, tuple[Callable[[], st.SearchStrategy[Any]], str, str]] = {
    "bytes": (any_bytes, "file", ".bin"),
    "lines": (points_texts, "file", ".csv"),
    "api": (calls, "call", ".expr"),
}


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
    an exception SPEC.md names or the caller's own, the reference's outcome, no crash."""
    current = tmp_path / "current-case"
    timeout = 120 + FUZZ_EXAMPLES * 0.05
    try:
        done = subprocess.run(
            child_argv("fuzz", target, str(FUZZ_EXAMPLES), str(current)),
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=child_env(),
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
    report = report_of(done.stdout)
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
        done = subprocess.run(
            child_argv("replay", str(current), *crashed),
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=child_env(),
            timeout=300,
        )
        if done.returncode == 0:
            report = report_of(done.stdout)
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


# ----------------------------------------------------------------------------------------
# 2. Leaks: every call, raising and catching every error class, hundreds of thousands of
# times; resident memory, file descriptors and threads stay flat after warm-up.


class Discard(io.TextIOBase):
    """A stdout that forgets what it is given."""

    def write(self, text: str) -> int:
        return len(text)


def expect(error: type[BaseException], call: Callable[[], object]) -> Callable[[], None]:
    def check() -> None:
        try:
            call()
        except error:
            return
        raise AssertionError(f"{call} did not raise {error.__name__}")

    return check


def leak_workload(api: ModuleType, directory: Path) -> dict[str, Callable[[], object]]:
    """One call of everything, by name, each error class raised and caught."""
    good = directory / "good.csv"
    good.write_text("x,y\n" + "".join(f"{k},{k * 7 % 13}\n" for k in range(20)))
    bad = directory / "bad.csv"
    bad.write_text("1,2\n3,4,5\n")
    missing = directory / "missing.csv"
    p, q = api.Point(3, 4), api.Point(0, 0)
    points = [api.Point(k * 37 % 101, k * 59 % 103) for k in range(50)]
    array = np.array([[p.x, p.y] for p in points], dtype=np.int64)
    loop = asyncio.new_event_loop()

    def cancelled_sleep() -> None:
        sleep = api.print_sleep(datetime.timedelta(seconds=10))
        with contextlib.suppress(asyncio.TimeoutError):
            loop.run_until_complete(asyncio.wait_for(sleep, timeout=0))

    def set_x() -> None:
        p.x = 3

    return {
        "Point()": lambda: api.Point(1, 2),
        "Point.dist": lambda: p.dist(q),
        "str(Point)": lambda: str(p),
        "repr(Point)": lambda: repr(p),
        "Point ==": lambda: p == q,
        "Point == 1": lambda: p == 1,
        "Point.x =": set_x,
        "pickle Point": lambda: pickle.loads(pickle.dumps(p)),
        "deepcopy Point": lambda: copy.deepcopy(p),
        "hash(Point) TypeError": expect(TypeError, lambda: hash(p)),
        "Point ValueError": expect(ValueError, lambda: api.Point(-1, 0)),
        "Point big ValueError": expect(ValueError, lambda: api.Point(2**100, 0)),
        "Point TypeError": expect(TypeError, lambda: api.Point("a", 0)),
        "dist TypeError": expect(TypeError, lambda: p.dist(5)),
        "fact": lambda: api.fact(30),
        "fact ValueError": expect(ValueError, lambda: api.fact(-1)),
        "fact OverflowError": expect(OverflowError, lambda: api.fact(2**64)),
        "fact TypeError": expect(TypeError, lambda: api.fact(1.5)),
        "throws_error": expect(AppleStuckInThroat, api.throws_error),
        "say_hello": api.say_hello,
        "load_points": lambda: api.load_points(good),
        "load_points HelloIOError": expect(HelloIOError, lambda: api.load_points(missing)),
        "load_points PointsFormatError": expect(PointsFormatError, lambda: api.load_points(bad)),
        "load_points TypeError": expect(TypeError, lambda: api.load_points(None)),
        "nearest_neighbors": lambda: api.nearest_neighbors(points),
        "nearest_neighbors numpy": lambda: api.nearest_neighbors(array),
        "closest_pair": lambda: api.closest_pair(points),
        "closest_pair numpy": lambda: api.closest_pair(array),
        "path_length": lambda: api.path_length(points),
        "path_length numpy": lambda: api.path_length(array),
        "greedy_route": lambda: api.greedy_route(points, progress=noop),
        "greedy_route numpy": lambda: api.greedy_route(array, 7),
        "greedy_route IndexError": expect(IndexError, lambda: api.greedy_route(points, 50)),
        "nearest_neighbors ValueError": expect(ValueError, lambda: api.nearest_neighbors([p])),
        "closest_pair numpy ValueError": expect(ValueError, lambda: api.closest_pair(array[:1])),
        "path_length TypeError": expect(TypeError, lambda: api.path_length([p, 1])),
        "path_length shape ValueError": expect(
            ValueError, lambda: api.path_length(np.zeros((2, 3), dtype=np.int64))
        ),
        "nearest_neighbors dtype TypeError": expect(
            TypeError, lambda: api.nearest_neighbors(np.zeros((2, 2)))
        ),
        "progress UserError": expect(
            UserError, lambda: api.nearest_neighbors(points, progress=raising)
        ),
        "print_sleep": lambda: loop.run_until_complete(api.print_sleep(datetime.timedelta(0))),
        "print_sleep cancelled": cancelled_sleep,
        "print_sleep ValueError": expect(
            ValueError,
            lambda: loop.run_until_complete(api.print_sleep(datetime.timedelta(days=-1))),
        ),
        "print_sleep TypeError": expect(
            TypeError, lambda: loop.run_until_complete(api.print_sleep(1))
        ),
    }


def settled_rss() -> int:
    gc.collect()
    return rss()


def child_leaks(repeats: str) -> int:
    """Run each call of the workload ``repeats`` times a pass: two passes to warm up,
    then eight measured ones. Two meters: resident memory (what Rust or Python holds)
    and the count of Python object blocks (a reference leaked by the Rust side leaves
    one object a call behind, too small for resident memory to show)."""
    api = legacy_app.load_backend("rust")
    times = int(repeats)
    growth: dict[str, int] = {}
    objects: dict[str, int] = {}
    calls = 0
    with tempfile.TemporaryDirectory() as directory, contextlib.redirect_stdout(Discard()):
        workload = leak_workload(api, Path(directory))
        # fact() above 10,000 runs on a worker thread: fewer, for they take milliseconds.
        workload["fact on a worker"] = lambda: api.fact(10_000)
        rounds = dict.fromkeys(workload, times)
        rounds["fact on a worker"] = max(1, times // 25)

        def measure(call: Callable[[], object], count: int) -> tuple[int, int]:
            """Resident bytes and Python objects that ``count`` calls left behind."""
            gc.collect()
            memory, blocks = rss(), sys.getallocatedblocks()
            for _ in range(count):
                call()
            gc.collect()
            return rss() - memory, sys.getallocatedblocks() - blocks

        def one_pass(record: bool) -> None:
            nonlocal calls
            for name, call in workload.items():
                memory, blocks = measure(call, rounds[name])
                if record:
                    calls += rounds[name]
                    growth[name] = growth.get(name, 0) + memory
                    objects[name] = objects.get(name, 0) + blocks

        one_pass(record=False)
        one_pass(record=False)
        base, fds, threads = settled_rss(), len(os.listdir("/proc/self/fd")), len(thread_names())
        samples = []
        for _ in range(8):
            one_pass(record=True)
            samples.append(settled_rss())
        fds_after, threads_after = len(os.listdir("/proc/self/fd")), len(thread_names())
        # The meters themselves: 20 MB held on purpose, and one object kept a call.
        hoard: list[object] = []
        planted = measure(lambda: hoard.append(bytearray(1024)), 20_000)
        kept = measure(lambda: hoard.append(api.Point(1, 2)), 8 * times)
    print(
        json.dumps(
            {
                "calls": calls,
                "kinds": len(workload),
                "base": base,
                "samples": samples,
                "growth": max(samples) - base,
                "objects": objects,
                "rounds": rounds,
                "worst": sorted(growth.items(), key=lambda kv: -kv[1])[:3],
                "fds": [fds, fds_after],
                "threads": [threads, threads_after],
                "planted": [planted[0], kept[1]],
            }
        )
    )
    return 0


@pytest.mark.slow
def test_no_leaks() -> None:
    report = run_child("leaks", "1000", timeout=900)
    growth = report["growth"]
    objects = report["objects"]
    print(
        f"leaks: {report['calls']:,} calls of {report['kinds']} kinds; resident memory "
        f"{report['base'] / MB:.1f} MB after warm-up, grew by {growth / MB:.2f} MB at most "
        f"(largest: {report['worst']}); Python objects left: {sum(objects.values())}; "
        f"threads {report['threads']}, fds {report['fds']}"
    )
    assert report["calls"] >= 300_000
    held, kept = report["planted"]
    assert held > 15 * MB, "resident memory does not show 20 MB held on purpose"
    assert kept >= 8_000, "the object count does not show a Point kept every call"
    assert growth < 10 * MB
    # Less than one Python object left behind every ten calls, whatever the call (caches
    # of the interpreter and NumPy come and go by some tens of objects).
    calls = {name: 8 * rounds for name, rounds in report["rounds"].items()}
    leaky = {name: n for name, n in objects.items() if n >= max(200, calls[name] // 10)}
    assert leaky == {}
    assert report["fds"][1] == report["fds"][0]
    assert report["threads"][1] <= report["threads"][0]


# ----------------------------------------------------------------------------------------
# 3. Threads: eight Python threads share Points and call the batch functions at once.

THREADS = 8


def child_threads(size: str, rounds: str) -> int:
    api = legacy_app.load_backend("rust")
    rng = np.random.default_rng(6)
    # A 3000 x 3000 square: duplicates and ties, where a race would pick another index.
    array = rng.integers(0, 3000, size=(int(size), 2), dtype=np.int64)
    points = [api.Point(x, y) for x, y in array.tolist()]
    counted: list[int] = []
    work: dict[str, Callable[[], object]] = {
        "nearest_neighbors": lambda: api.nearest_neighbors(points),
        "nearest_neighbors numpy": lambda: api.nearest_neighbors(array),
        "closest_pair": lambda: api.closest_pair(points, progress=lambda d, t: counted.append(d)),
        "closest_pair numpy": lambda: api.closest_pair(array),
        "path_length": lambda: api.path_length(points),
        "path_length numpy": lambda: api.path_length(array),
        "greedy_route": lambda: api.greedy_route(points, 5),
        "greedy_route numpy": lambda: api.greedy_route(array, progress=noop),
    }
    expected = {name: plain(call()) for name, call in work.items()}
    names = list(work)
    barrier = threading.Barrier(THREADS)
    problems: list[str] = []
    done = [0] * THREADS

    def worker(k: int) -> None:
        try:
            barrier.wait(timeout=60)
            for _ in range(int(rounds)):
                # Each thread starts at another function, so that all run at once.
                for name in names[k % len(names) :] + names[: k % len(names)]:
                    if plain(work[name]()) != expected[name]:
                        problems.append(f"thread {k}: {name} differs from one thread's result")
                    done[k] += 1
                    # Meanwhile, Points of its own: created, changed, measured.
                    mine = api.Point(k, k)
                    mine.x = done[k]
                    mine.dist(points[k])
        except BaseException as error:  # noqa: BLE001 - reported, not lost in a thread
            problems.append(f"thread {k}: {type(error).__name__}: {error}")

    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(THREADS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    stuck = [thread.name for thread in threads if thread.is_alive()]
    report = {
        "threads": THREADS,
        "calls": sum(done),
        "seconds": time.perf_counter() - start,
        "problems": problems,
        "stuck": stuck,
    }
    print(json.dumps(report), flush=True)
    # A deadlocked thread would keep the interpreter from exiting: leave at once.
    os._exit(0)


def test_threads_share_points_and_agree() -> None:
    rounds = 3
    report = run_child("threads", "20000", str(rounds), timeout=400)
    print(
        f"threads: {report['threads']} threads, {report['calls']} batch calls at once "
        f"in {report['seconds']:.1f} s"
    )
    assert report["stuck"] == [], "deadlock: these threads never finished"
    assert report["problems"] == []
    assert report["calls"] == THREADS * rounds * 8


# ----------------------------------------------------------------------------------------
# 4. Signals and cancellation: Ctrl-C during every long Rust call raises
# KeyboardInterrupt within a second, and leaves the interpreter working.


def child_interrupt(call: str, path: str) -> int:
    """Start a long call, saying "ready" just before; report when Ctrl-C arrived."""
    api = legacy_app.load_backend("rust")
    rng = np.random.default_rng(3)
    searching: list[int] = []

    def progress(done: int, total: int) -> None:
        # Told once the index is built and the chunked search has begun (straight to
        # the file descriptor: sys.stdout is silenced during the call).
        if not searching:
            searching.append(done)
            os.write(1, b"searching\n")

    long_calls: dict[str, Callable[[], object]] = {
        "nearest_neighbors": lambda: api.nearest_neighbors(
            rng.integers(0, 2**32, size=(4_000_000, 2), dtype=np.int64), progress=progress
        ),
        "closest_pair": lambda: api.closest_pair(
            rng.integers(0, 2**32, size=(4_000_000, 2), dtype=np.uint32), progress=progress
        ),
        "greedy_route": lambda: api.greedy_route(
            rng.integers(0, 2**32, size=(1_000_000, 2), dtype=np.int64), progress=progress
        ),
        "load_points": lambda: api.load_points(path),
        "fact": lambda: api.fact(2**40),
        "print_sleep": lambda: asyncio.run(api.print_sleep(datetime.timedelta(seconds=60))),
    }
    work = long_calls[call]
    print("ready", flush=True)
    start = time.monotonic()
    try:
        with contextlib.redirect_stdout(Discard()):
            work()
    except KeyboardInterrupt:
        caught = time.monotonic()
    else:
        print(json.dumps({"finished_after": time.monotonic() - start}))
        return 0
    # Nothing keeps running: fact's worker thread stops too.
    deadline = time.monotonic() + 2
    while "legacy-app-fact" in thread_names() and time.monotonic() < deadline:
        time.sleep(0.01)
    workers = [name for name in thread_names() if name == "legacy-app-fact"]
    # And the interpreter works on.
    alive = (
        api.fact(20) == 2432902008176640000
        and api.closest_pair([api.Point(0, 0), api.Point(3, 4)]) == (0, 1, 5.0)
        and len(api.load_points(os.devnull)) == 0
    )
    print(json.dumps({"caught_at": caught, "workers": workers, "alive": alive}))
    return 0


def interrupt(call: str, path: str = "", after: str | float = 0.5) -> float:
    """Ctrl-C a child in the middle of ``call``: ``after`` seconds into it, or once it
    prints that line. Returns the latency from the signal to KeyboardInterrupt."""
    with Child("interrupt", call, path) as child:
        child.wait_for("ready", timeout=120)
        if isinstance(after, str):
            child.wait_for(after, timeout=120)
        else:
            time.sleep(after)
        sent = time.monotonic()
        os.kill(child.process.pid, signal.SIGINT)
        try:
            status, report, err = child.finish(timeout=30)
        except subprocess.TimeoutExpired:
            pytest.fail(f"Ctrl-C did not interrupt {call} within 30 s")
    assert status == 0, err
    assert "finished_after" not in report, f"{call} was over before Ctrl-C: make it longer"
    latency = float(report["caught_at"]) - sent
    print(f"Ctrl-C during {call} ({after}): KeyboardInterrupt after {latency * 1000:.0f} ms")
    assert report["alive"]
    assert report["workers"] == []
    return latency


@pytest.fixture(scope="session")
def big_points_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ten million lines (about 215 MB): a million random points, ten times over."""
    path = tmp_path_factory.mktemp("big") / "ten-million.csv"
    rng = np.random.default_rng(10)
    block = rng.integers(0, 2**32, size=(1_000_000, 2), dtype=np.int64)
    text = "".join(f"{x},{y}\n" for x, y in block.tolist()).encode()
    with open(path, "wb") as out:
        for _ in range(10):
            out.write(text)
    return path


@pytest.mark.parametrize(
    ("call", "after"),
    [
        # 0.3 s in: while the index (or the route's tree) is being built.
        pytest.param("nearest_neighbors", 0.3, id="nearest_neighbors-indexing"),
        pytest.param("nearest_neighbors", "searching", id="nearest_neighbors-searching"),
        pytest.param("closest_pair", 0.3, id="closest_pair-indexing"),
        pytest.param("closest_pair", "searching", id="closest_pair-searching"),
        pytest.param("greedy_route", 0.3, id="greedy_route-indexing"),
        pytest.param("greedy_route", "searching", id="greedy_route-routing"),
        pytest.param("fact", 0.5, id="fact"),
        pytest.param("print_sleep", 0.5, id="print_sleep"),
    ],
)
def test_ctrl_c_interrupts_long_calls_within_a_second(call: str, after: str | float) -> None:
    assert interrupt(call, after=after) < 1.0


def test_ctrl_c_interrupts_load_points_within_a_second(big_points_file: Path) -> None:
    assert interrupt("load_points", str(big_points_file), after=0.5) < 1.0


def pending_handles(loop: asyncio.AbstractEventLoop) -> list[Any]:
    """The callbacks the loop still holds (private attributes, read with care)."""
    ready = list(getattr(loop, "_ready", ()))
    scheduled = list(getattr(loop, "_scheduled", ()))
    return [handle for handle in ready + scheduled if not handle.cancelled()]


async def test_cancelled_print_sleep_leaves_nothing_running(
    api: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    loop = asyncio.get_running_loop()
    problems: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _, context: problems.append(context))
    sleeps = [api.print_sleep(datetime.timedelta(milliseconds=100)) for _ in range(100)]
    tasks = [asyncio.ensure_future(sleep) for sleep in sleeps]
    timed = [
        asyncio.ensure_future(
            asyncio.wait_for(api.print_sleep(datetime.timedelta(seconds=5)), 0.01)
        )
        for _ in range(100)
    ]
    await asyncio.sleep(0.02)
    for task in tasks:
        task.cancel()
    outcomes = await asyncio.gather(*tasks, *timed, return_exceptions=True)
    assert all(isinstance(o, asyncio.CancelledError) for o in outcomes[:100])
    assert all(isinstance(o, asyncio.TimeoutError) for o in outcomes[100:])
    # Past the end of every sleep: a timer left behind would fire now.
    await asyncio.sleep(0.2)
    assert asyncio.all_tasks() == {asyncio.current_task()}
    assert pending_handles(loop) == []
    assert problems == []
    assert "awake" not in capsys.readouterr().out


# ----------------------------------------------------------------------------------------
# 5. Big and odd inputs.


def child_load_memory(path: str) -> int:
    api = legacy_app.load_backend("rust")
    base = rss()
    start = time.perf_counter()
    points = api.load_points(path)
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {"points": len(points), "base": base, "after": rss(), "peak": peak_rss(), "s": seconds}
        )
    )
    return 0


@pytest.mark.slow
def test_ten_million_lines_load_in_memory_bounded_by_the_points(big_points_file: Path) -> None:
    """SPEC.md: memory proportional to the points, not to the file. Beyond the result
    (a Point object and a list slot per point), loading holds the core's 8-byte points;
    reading the whole 215 MB file at once would show above that."""
    report = run_child("load-memory", str(big_points_file), timeout=600)
    n = report["points"]
    result = report["after"] - report["base"]
    transient = report["peak"] - report["after"]
    print(
        f"10M lines ({big_points_file.stat().st_size / MB:.0f} MB) in {report['s']:.1f} s: "
        f"peak {report['peak'] / MB:.0f} MB, {(report['peak'] - report['base']) / MB:.0f} MB "
        f"above the start; the result holds {result / MB:.0f} MB, loading "
        f"{transient / MB:.0f} MB more for a moment"
    )
    assert n == 10_000_000
    assert result < 100 * n
    assert transient < 8 * n + 64 * MB
    assert transient < big_points_file.stat().st_size


def coordinates_of(points: Sequence[Any]) -> list[tuple[int, int]]:
    return [(p.x, p.y) for p in points]


def test_paths_with_non_utf8_bytes(api: ModuleType, tmp_path: Path) -> None:
    directory = os.fsencode(tmp_path) + b"/dir-\xfe"
    os.mkdir(directory)
    name = directory + b"/points-\xff.csv"
    with open(name, "wb") as out:
        out.write(b"1,2\n3,4\n")
    for path in (name, os.fsdecode(name), Path(os.fsdecode(name))):
        assert coordinates_of(api.load_points(path)) == [(1, 2), (3, 4)]

    missing = directory + b"/missing-\xff.csv"
    with pytest.raises(HelloIOError) as raised:
        api.load_points(missing)
    assert raised.value.errno == errno.ENOENT
    assert raised.value.filename == os.fsdecode(missing)
    assert str(raised.value) == (
        f"Hello Error: No such file or directory (os error 2): {os.fsdecode(missing)!r}"
    )

    bad = directory + b"/bad-\xff.csv"
    with open(bad, "wb") as out:
        out.write(b"1,2\n\xff,3\n")
    with pytest.raises(PointsFormatError) as format_error:
        api.load_points(bad)
    assert (format_error.value.path, format_error.value.line) == (os.fsdecode(bad), 2)
    assert format_error.value.reason == "not valid UTF-8"
    for error in (raised.value, format_error.value):
        again = pickle_round_trip(error)
        assert (type(again), str(again)) == (type(error), str(error))


@pytest.mark.parametrize(
    "data", [b"", b"\xef\xbb\xbf", b"\n", b"\r\n\r\n", b"x,y", b"x,y\r\n", b"# nothing\n", b" \t"]
)
def test_empty_files(api: ModuleType, tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(data)
    assert api.load_points(path) == []
    assert api.load_points(os.devnull) == []


def test_a_directory_is_a_hello_io_error(api: ModuleType, tmp_path: Path) -> None:
    with pytest.raises(HelloIOError) as raised:
        api.load_points(tmp_path)
    assert raised.value.errno == errno.EISDIR
    assert str(raised.value) == f"Hello Error: Is a directory (os error 21): {str(tmp_path)!r}"


@contextlib.contextmanager
def fifo_fed(path: Path, chunks: Sequence[bytes], pause: float) -> Iterator[threading.Thread]:
    """A FIFO at ``path`` that a thread fills with ``chunks``, ``pause`` apart, then closes."""
    os.mkfifo(path)

    def feed() -> None:
        with open(path, "wb", buffering=0) as out:
            for chunk in chunks:
                out.write(chunk)
                time.sleep(pause)

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    try:
        yield feeder
    finally:
        feeder.join(timeout=10)
        if feeder.is_alive():
            # Nobody opened the FIFO: open it, so that the feeder can finish.
            reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
            feeder.join(timeout=10)
            os.close(reader)
        assert not feeder.is_alive()


def load_outcome(api: ModuleType, path: Path) -> Outcome:
    """What loading did, with no file name in it (to compare a FIFO with a file)."""
    try:
        return ("points", coordinates_of(api.load_points(path)))
    except PointsFormatError as error:
        return ("error", error.line, error.reason)


@pytest.mark.parametrize(
    "text",
    [
        b"x,y\n1,2\n33,44\n",
        b"1,2\n33,44\n5,6",  # the writer stops at the end of a line without its newline
        b"1,2\n33,44\n5,",  # ... or in the middle of a line
        b"1,2\r\n" * 50_000,  # more than a pipe holds
    ],
)
def test_a_fifo_fed_slowly_by_a_thread(api: ModuleType, tmp_path: Path, text: bytes) -> None:
    regular = tmp_path / "regular.csv"
    regular.write_bytes(text)
    # Pieces of three bytes (lines and fields cut anywhere), or large ones for the big file.
    size = 3 if len(text) < 100 else 65_536
    chunks = [text[k : k + size] for k in range(0, len(text), size)]
    with fifo_fed(tmp_path / "fifo", chunks, pause=0.002):
        from_fifo = load_outcome(api, tmp_path / "fifo")
    assert from_fifo == load_outcome(api, regular)


def assert_loaded_a_prefix(api: ModuleType, path: Path, lines: list[str], at_least: int) -> None:
    """Loading a file that changed meanwhile gives the points of some prefix of its lines,
    the last possibly cut short, or a PointsFormatError at the cut: never anything else."""
    outcome = load_outcome(api, path)
    if outcome[0] == "error":
        _, line, reason = outcome
        assert at_least < line <= len(lines)
        assert reason in ("expected 2 fields, found 1", "y is not a number")
        return
    points: list[tuple[int, int]] = outcome[1]
    assert at_least <= len(points) <= len(lines)
    if points:
        *whole, (x, y) = points
        assert whole == [tuple(map(int, line.split(","))) for line in lines[: len(whole)]]
        assert lines[len(whole)].startswith(f"{x},{y}")


def numbered_lines(count: int, offset: int = 0) -> list[str]:
    return [f"{k * 7919 % 100_003},{k}" for k in range(offset, offset + count)]


def test_a_file_growing_while_it_is_read(api: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "growing.csv"
    lines = numbered_lines(100_000)
    path.write_text("".join(line + "\n" for line in lines))
    more = numbered_lines(200_000, offset=len(lines))
    started = threading.Event()

    def append() -> None:
        with open(path, "a") as out:
            started.set()
            for k in range(0, len(more), 500):
                out.write("".join(line + "\n" for line in more[k : k + 500]))
                out.flush()
                time.sleep(0.001)

    writer = threading.Thread(target=append)
    writer.start()
    started.wait(timeout=10)
    try:
        assert_loaded_a_prefix(api, path, lines + more, at_least=len(lines))
    finally:
        writer.join(timeout=60)
    # Once still, the file loads whole.
    assert len(api.load_points(path)) == len(lines) + len(more)


def test_a_file_truncated_while_it_is_read(api: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "shrinking.csv"
    lines = numbered_lines(300_000)
    text = "".join(line + "\n" for line in lines)
    path.write_text(text)

    def truncate() -> None:
        time.sleep(0.02)
        # Cut in the middle of a line, to half the file.
        os.truncate(path, len(text) // 2 + 3)

    cutter = threading.Thread(target=truncate)
    cutter.start()
    try:
        assert_loaded_a_prefix(api, path, lines, at_least=0)
    finally:
        cutter.join(timeout=60)


# ----------------------------------------------------------------------------------------
# 6. Panics and unsafe code.


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
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=child_env(), timeout=120
    )
    assert done.returncode == 0, done.stderr
    report = report_of(done.stdout)
    assert [kind for *kind, _ in report["caught"]] == [["pyo3_runtime", "PanicException"]] * 4
    for (*_, message), place in zip(report["caught"], ["holding the GIL", "without", "worker"]):
        assert message.startswith("a panic for tests"), message
        assert place in message
    assert report["alive"]
    assert "panicked at" in done.stderr


# ----------------------------------------------------------------------------------------
# 7. The command never loses data: ``report --svg OUT`` replaces OUT whole or not at all.

OLD_SVG = "<svg>the drawing of the last run</svg>\n"


def report_with_svg(points: Path, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "legacy_app", "report", str(points), "--svg", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONIOENCODING": "utf-8", "LEGACY_APP_BACKEND": "rust"},
    )


def assert_old_output_intact(out: Path, points: Path) -> None:
    assert out.read_text() == OLD_SVG
    assert sorted(p.name for p in out.parent.iterdir()) == sorted([out.name, points.name])


@pytest.fixture
def many_points(tmp_path: Path) -> Path:
    """300,000 points: seconds of work, and about a second to draw."""
    path = tmp_path / "points.csv"
    rng = np.random.default_rng(300)
    block = rng.integers(0, 10**6, size=(300_000, 2), dtype=np.int64)
    path.write_text("".join(f"{x},{y}\n" for x, y in block.tolist()))
    return path


def test_report_error_midway_keeps_the_old_output(many_points: Path) -> None:
    with open(many_points, "a") as out:
        out.write("1,2,3\n")
    svg = many_points.parent / "route.svg"
    svg.write_text(OLD_SVG)
    process = report_with_svg(many_points, svg)
    _, err = process.communicate(timeout=300)
    assert process.returncode == 1
    assert (
        err.decode()
        == f"legacy-app: Hello Error: {many_points}:300001: expected 2 fields, found 3\n"
    )
    assert_old_output_intact(svg, many_points)


@pytest.mark.parametrize("moment", ["while computing", "while drawing"])
def test_report_interrupted_keeps_the_old_output(many_points: Path, moment: str) -> None:
    svg = many_points.parent / "route.svg"
    svg.write_text(OLD_SVG)
    process = report_with_svg(many_points, svg)
    try:
        if moment == "while computing":
            # Once the extension is loaded, the command is a moment from its real work.
            deadline = time.monotonic() + 60
            while "rust_ext" not in Path(f"/proc/{process.pid}/maps").read_text():
                assert time.monotonic() < deadline
                time.sleep(0.01)
            time.sleep(0.3)
        else:
            # The drawing has begun once its temporary file exists.
            deadline = time.monotonic() + 300
            while not [p for p in svg.parent.iterdir() if p.name.endswith(".tmp")]:
                assert process.poll() is None, "the report ended before it drew anything"
                assert time.monotonic() < deadline
                time.sleep(0.002)
        assert process.poll() is None, "the report ended before Ctrl-C: make it longer"
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130
    assert err.decode() == "legacy-app: interrupted\n"
    assert_old_output_intact(svg, many_points)


# ----------------------------------------------------------------------------------------

CHILDREN: dict[str, Callable[..., int]] = {
    "fuzz": child_fuzz,
    "replay": child_replay,
    "leaks": child_leaks,
    "threads": child_threads,
    "interrupt": child_interrupt,
    "load-memory": child_load_memory,
}

if __name__ == "__main__":
    sys.exit(CHILDREN[sys.argv[1]](*sys.argv[2:]))
