"""How the fuzzers judge a case: run it under both backends and compare the outcomes.

A case is either the bytes of a points file, or one call written as Python source
(``nearest_neighbors(np.array([[1, 2]], dtype='>u4'))``), evaluated with the names of
``namespace`` bound to each backend. The Rust backend must raise only what docs/contract.md names
(or what the caller's own objects raise), give the reference's outcome, and never let a
Rust panic (``pyo3_runtime.PanicException``) reach the caller.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import copy
import datetime
import functools
import io
import operator
import pickle
import re
import weakref
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, cast

import numpy as np

import legacy_app
from legacy_app import HelloError, PointsFormatError
from tests.conftest import PUBLIC_NAMES


class UserError(Exception):
    """Raised by the fuzzers' own objects (an ``__index__``, an iterable, a progress
    callback): the API must let it through unchanged."""


# What the public API may raise (docs/contract.md), besides what the caller's own code raises.
ALLOWED: tuple[type[BaseException], ...] = (
    HelloError,
    ValueError,
    TypeError,
    IndexError,
    OverflowError,
    AttributeError,
    UserError,
)


def is_panic(kind: type[BaseException]) -> bool:
    """PyO3's ``PanicException``: a Rust panic that reached Python. Not a subclass of
    ``Exception``, and importable from nowhere, so it is known by its name and module."""
    return kind.__name__ == "PanicException" and kind.__module__ == "pyo3_runtime"


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


class LyingDuration(datetime.timedelta):
    """A timedelta whose properties and comparisons lie: ``print_sleep`` reads the stored
    value (docs/contract.md), so none of these is consulted."""

    @property
    def days(self) -> int:
        # days * 86,400 is 675 * 2**64: a multiplication that wraps gives 0.
        return 2**57

    @property
    def seconds(self) -> int:
        return 2**40

    @property
    def microseconds(self) -> int:
        return 2**40

    def total_seconds(self) -> float:
        return 1e300

    def __lt__(self, other: object) -> bool:
        return True

    def __ge__(self, other: object) -> bool:
        return False


def noop(done: int, total: int) -> None:
    """A progress callback that does nothing."""


def raising(done: int, total: int) -> None:
    """A progress callback that fails."""
    raise UserError("progress failed")


def first_row_repeated(array: Any) -> Any:
    """A read-only view of ``array``'s first row, twice more than it has rows: stride 0."""
    return np.broadcast_to(array[:1], (len(array) + 2, *array.shape[1:]))


def packed(array: Any) -> Any:
    """``array`` (shape ``(n, 2)``) as the ``xy`` field of a packed record array: a view
    whose rows are 1 + 2 * itemsize bytes apart, so its elements are unaligned."""
    record = np.dtype([("flag", "u1"), ("xy", array.dtype, (2,))], align=False)
    records = np.zeros(len(array), dtype=record)
    records["xy"] = array
    return records["xy"]


def ask(api: ModuleType, points: object, question: str, *args: Any, **kwargs: Any) -> object:
    """``PointSet(points)``'s answer to ``question`` (a method's, called with the
    arguments, or a property's): built inside the call, so that a bad ``points`` is the
    call's outcome, not the fuzzer's."""
    answer = getattr(api.PointSet(points), question)
    return answer(*args, **kwargs) if callable(answer) else answer


def weakly_referenced(value: object) -> bool:
    """Whether a weak reference to ``value`` can be made, and leads back to it."""
    return weakref.ref(value)() is value


def pickle_round_trip(value: object) -> object:
    return pickle.loads(pickle.dumps(value))


def after_failed_init(point: Any, x: object, y: object) -> str:
    """``point.__init__(x, y)``, which must fail, then what the point holds."""
    try:
        point.__init__(x, y)
    except (ValueError, TypeError) as error:
        return f"{type(error).__name__}: {error}; {point!r}"
    return f"no error; {point!r}"


def set_reentrant(api: ModuleType, point: Any, field: str, action: str) -> list[object]:
    """Set ``point.<field>`` to an int-like whose ``__index__`` uses the same point while
    the assignment is under way; what it saw (docs/contract.md: the old value, never an error)."""
    other = api.Point(4, 6)
    uses: dict[str, Callable[[], object]] = {
        "read": lambda: (point.x, point.y),
        "dist": lambda: point.dist(other),
        "eq": lambda: point == other,
        "str": lambda: str(point),
        "pickle": lambda: repr(pickle_round_trip(point)),
        "batch": lambda: api.path_length([point, other]),
    }
    seen: list[object] = []

    class Reentrant:
        def __index__(self) -> int:
            seen.append(uses[action]())
            return 9

    setattr(point, field, Reentrant())
    seen.append(repr(point))
    return seen


def run_sleep(api: ModuleType, duration: object) -> list[str]:
    """Await ``print_sleep(duration)`` for at most 2 ms (a longer sleep is cancelled);
    the announcement it printed (the elapsed time differs from run to run)."""

    async def main() -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(api.print_sleep(duration), timeout=0.002)

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        asyncio.run(main())
    return [line for line in printed.getvalue().splitlines() if "Night night" in line]


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
    names: dict[str, Any] = {name: getattr(api, name) for name in PUBLIC_NAMES}

    def shadowed_x(self: Any) -> int:
        return 0

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
        LyingDuration=LyingDuration,
        Pixel=type("Pixel", (api.Point,), {"tag": "pixel"}),
        # A subclass whose ``x`` is a property of its own: the batch functions read the
        # stored coordinates, as ``dist`` does.
        Shadowed=type("Shadowed", (api.Point,), {"x": property(shadowed_x)}),
        noop=noop,
        raising=raising,
        reentrant=lambda done, total: api.nearest_neighbors([api.Point(0, 0), api.Point(1, 1)]),
        pickle_round_trip=pickle_round_trip,
        weakly_referenced=weakly_referenced,
        first_row_repeated=first_row_repeated,
        packed=packed,
        after_failed_init=after_failed_init,
        set_reentrant=functools.partial(set_reentrant, api),
        run_sleep=functools.partial(run_sleep, api),
        ask=functools.partial(ask, api),
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
    if type(value).__module__ == "legacy_app" and type(value).__qualname__ == "PointSet":
        # Either backend's: its points.
        return "PointSet", [repr(point) for point in cast(Iterable[object], value)]
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
# differently ("takes 1 positional arguments"): there only the class must match
# (docs/contract.md lets that wording differ, and nothing else).
CALLING_CONVENTION = re.compile(
    r"takes \d+ positional|takes no arguments|got an unexpected keyword|missing \d+ required"
    r"|takes no keyword arguments|got multiple values"
)


def judge(rust: Outcome, python: Outcome) -> str | None:
    """What is wrong with the Rust backend's outcome, if anything."""
    for name, outcome in (("rust", rust), ("python", python)):
        if outcome[0] == "raised" and is_panic(outcome[1]):
            return f"a Rust panic reached the caller ({name}): PanicException: {outcome[2]}"
    if rust[0] == "raised" and not issubclass(rust[1], ALLOWED):
        return f"raised {rust[1].__module__}.{rust[1].__qualname__}: {rust[2]}"
    if rust[0] == python[0] == "raised" and CALLING_CONVENTION.search(rust[2]):
        rust, python = rust[:2], python[:2]
    if rust != python:
        return f"differs from the reference: rust {rust!r}, python {python!r}"
    return None


@contextlib.contextmanager
def serving(api: ModuleType) -> Iterator[None]:
    """``legacy_app``'s names served by ``api`` for a while, as the ``api`` fixture does,
    so that a pickled Point (a reference to ``legacy_app.Point``) loads as one of its own."""
    saved = {name: getattr(legacy_app, name) for name in PUBLIC_NAMES}
    for name in PUBLIC_NAMES:
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
        # Rust's loaders first: a panic there is named as Rust's.
        self.loaders = [
            loader
            for name in ("rust", "python")
            for loader in (self.apis[name].load_points, self.set_loader(self.apis[name]))
        ]

    @staticmethod
    def set_loader(api: ModuleType) -> Callable[[Path], list[Any]]:
        """``PointSet.load``, its points as a list (compared with ``load_points``')."""
        return lambda path: list(api.PointSet.load(path))

    def call(self, text: str) -> str | None:
        outcomes = {}
        for name, api in self.apis.items():
            with serving(api):
                outcomes[name] = call_outcome(text, self.names[name])
        return judge(outcomes["rust"], outcomes["python"])

    def points_file(self, data: bytes) -> str | None:
        path = self.workspace.case_file
        path.write_bytes(data)
        *others, python = (outcome_of(functools.partial(load, path)) for load in self.loaders)
        for other in others:
            # A panic is judged (and named) below; anything else must be the format error.
            unexpected = other[0] == "raised" and not issubclass(other[1], PointsFormatError)
            if unexpected and not is_panic(other[1]):
                return f"raised {other[1].__qualname__}: {other[2]}"
            problem = judge(other, python)
            if problem is not None:
                return problem
        return None

    def case(self, kind: str, data: bytes) -> str | None:
        return self.call(data.decode()) if kind == "call" else self.points_file(data)
