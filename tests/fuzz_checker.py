"""How the fuzzers judge a case: run it under both backends and compare the outcomes.

A case is either the bytes of a points file, or one call written as Python source
(``nearest_neighbors(np.array([[1, 2]], dtype='>u4'))``), evaluated with the names of
``namespace`` bound to each backend. The Rust backend must raise only what SPEC.md names
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
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

import legacy_app
from legacy_app import HelloError, PointsFormatError
from tests.conftest import PUBLIC_NAMES


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
    names: dict[str, Any] = {name: getattr(api, name) for name in PUBLIC_NAMES}
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
