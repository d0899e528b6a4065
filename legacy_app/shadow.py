"""The shadow backend: the pure-Python reference answers, the Rust backend runs beside it.

``LEGACY_APP_BACKEND=shadow`` (or ``--backend shadow``) serves every public name from the
reference, exactly as before the port, and runs the same call on the Rust backend to
compare the two (the Scientist pattern). A disagreement never changes what the caller
gets: it is logged as a ``WARNING`` on the ``legacy_app.shadow`` logger and counted, and
:func:`report` gives the counts and the time each backend spent, per function.

``Point`` is the reference's class itself (callers construct, pickle and subclass it as
before), so its methods are not compared; the functions are, Points in their arguments
converted to Rust Points with the same stored coordinates. ``PointSet`` is the
reference's, whose questions (``load`` and the summaries included) are also asked of a
Rust ``PointSet`` of the same points, made on the first compared question and kept.

Outcomes are compared with :mod:`legacy_app.comparison`, as the differential tests and
``legacy-app verify`` compare them; its :func:`outcome` is re-exported here.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import functools
import importlib
import logging
import math
import os
import stat
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, Optional, SupportsIndex, TypeVar, cast

from legacy_app import _python as reference
from legacy_app._contract import PUBLIC_NAMES, IntegerArray, Progress
from legacy_app._numpy import imported_numpy
from legacy_app.comparison import (
    CANDIDATE_MODULE,
    Outcome,
    arguments,
    attempt,
    describe,
    first_difference,
    outcome,
    outcome_of_value,
    raised,
    returned,
)
from legacy_app.printed import Printed, recorded

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    from typing_extensions import Self

logger = logging.getLogger(__name__)

# The names legacy_app serves: the contract's one list.
API_NAMES = tuple(PUBLIC_NAMES)
# Point is the reference's class itself: callers get it, pickle it and subclass it;
# PointSet is the reference's too, its questions compared one by one.
FUNCTION_NAMES = tuple(name for name in API_NAMES if name not in ("Point", "PointSet"))
BATCH_NAMES = ("nearest_neighbors", "closest_pair", "path_length", "greedy_route")
POINT_SET_QUESTIONS = ("load", "bounds", "centroid", *BATCH_NAMES)
# How the report names them.
POINT_SET_NAMES = tuple(f"PointSet.{question}" for question in POINT_SET_QUESTIONS)

RATE_VARIABLE = "LEGACY_APP_SHADOW_RATE"

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

# ---------------------------------------------------------------------------------------
# Counting: per function, thread-safe.


class FunctionReport(NamedTuple):
    """What the shadow backend saw of one function.

    The times cover the compared calls only, so their ratio is the speed-up.
    """

    calls: int
    compared: int
    mismatches: int
    python_seconds: float
    rust_seconds: float

    @property
    def speedup(self) -> float | None:
        """How many times faster the Rust backend was, over the compared calls."""
        if self.python_seconds > 0 and self.rust_seconds > 0:
            return self.python_seconds / self.rust_seconds
        return None


@dataclass
class _Tally:
    calls: int = 0
    compared: int = 0
    mismatches: int = 0
    python_seconds: float = 0.0
    rust_seconds: float = 0.0


_lock = threading.Lock()
_tallies = {name: _Tally() for name in FUNCTION_NAMES + POINT_SET_NAMES}


def report() -> dict[str, FunctionReport]:
    """Per public function and ``PointSet`` question (``PointSet.load``, ...): calls,
    calls compared, mismatches, seconds in each backend."""
    with _lock:
        return {
            name: FunctionReport(
                tally.calls,
                tally.compared,
                tally.mismatches,
                tally.python_seconds,
                tally.rust_seconds,
            )
            for name, tally in _tallies.items()
        }


def reset() -> None:
    """Start counting afresh (the sampling of ``LEGACY_APP_SHADOW_RATE`` restarts too)."""
    with _lock:
        for name in _tallies:
            _tallies[name] = _Tally()


def sample_rate() -> float:
    """``LEGACY_APP_SHADOW_RATE``: the fraction of calls compared, 0 to 1 (default 1)."""
    return _parse_rate(os.environ.get(RATE_VARIABLE, ""))


@functools.lru_cache(maxsize=16)
def _parse_rate(text: str) -> float:
    if not text.strip():
        return 1.0
    try:
        rate = float(text)
    except ValueError:
        rate = math.nan
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"{RATE_VARIABLE} must be a number from 0 to 1, got {text!r}")
    return rate


def _sampled(name: str) -> bool:
    """Count a call of ``name``; whether to compare it."""
    rate = sample_rate()
    with _lock:
        tally = _tallies[name]
        tally.calls += 1
        # Exactly that fraction, spread evenly, the first call included: the k-th call
        # is compared when k * rate passes a whole number.
        return math.ceil(tally.calls * rate) > math.ceil((tally.calls - 1) * rate)


def _record(name: str, python_seconds: float, rust_seconds: float, agree: bool) -> None:
    with _lock:
        tally = _tallies[name]
        tally.compared += 1
        tally.mismatches += not agree
        tally.python_seconds += python_seconds
        tally.rust_seconds += rust_seconds


# ---------------------------------------------------------------------------------------
# The candidate: looked up in legacy_app._rust at each call (so a test can patch it).


def require_candidate() -> None:
    """Import the Rust backend, or say clearly that shadow mode needs it."""
    try:
        importlib.import_module(CANDIDATE_MODULE)
    except ImportError as error:
        raise ImportError(
            f"the shadow backend runs the Rust backend beside the pure-Python reference, "
            f"and the Rust backend is not available: {error}"
        ) from error
    sample_rate()  # a bad LEGACY_APP_SHADOW_RATE is reported now, not at the first call


def _candidate(name: str) -> Callable[..., Any]:
    return cast(Callable[..., Any], getattr(importlib.import_module(CANDIDATE_MODULE), name))


class _NotComparable(Exception):
    """This call cannot run twice without doubling a side effect: the reference only."""


class _Plan(NamedTuple):
    """The arguments each backend gets for one call."""

    reference_args: tuple[Any, ...]
    reference_kwargs: dict[str, Any]
    candidate_args: tuple[Any, ...]
    candidate_kwargs: dict[str, Any]
    progress_raised: list[bool]


def _ignore_progress(done: int, total: int) -> None:
    """The candidate's progress goes nowhere: the caller sees the reference's only."""


def _plan(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> _Plan:
    reference_kwargs = dict(kwargs)
    candidate_args = list(args)
    candidate_kwargs = dict(kwargs)
    progress_raised: list[bool] = []
    if name in ("load_points", "PointSet.load"):
        path = args[0] if args else kwargs.get("path")
        if not _is_regular_file(path):
            raise _NotComparable("a pipe, FIFO or device cannot be read twice")
    if name == "PointSet.path_length":
        order = args[0] if args else kwargs.get("order")
        with contextlib.suppress(TypeError):  # not iterable: both backends refuse it
            if iter(cast(Any, order)) is order:
                raise _NotComparable("a one-shot iterator cannot be read twice")
    if name in BATCH_NAMES:
        if args:
            candidate_args[0] = _candidate_points(args[0])
        elif "points" in kwargs:
            candidate_kwargs["points"] = _candidate_points(kwargs["points"])
    progress = kwargs.get("progress")
    if callable(progress):
        caller_progress = progress

        def watched(done: int, total: int) -> object:
            try:
                return caller_progress(done, total)
            except BaseException:
                # The caller's own callback stopped the call: nothing to compare.
                progress_raised.append(True)
                raise

        reference_kwargs["progress"] = watched
        candidate_kwargs["progress"] = _ignore_progress
    return _Plan(args, reference_kwargs, tuple(candidate_args), candidate_kwargs, progress_raised)


def _is_regular_file(path: object) -> bool:
    try:
        return stat.S_ISREG(os.stat(cast(Any, path)).st_mode)
    except (OSError, TypeError, ValueError):
        return True  # not there or not a path: the candidate fails as the reference does


def _candidate_points(points: object) -> object:
    """``points`` for the Rust backend: reference Points become Rust Points with the same
    stored coordinates, a ``PointSet`` its Rust twin; NumPy arrays and anything without
    reference Points go as is."""
    if isinstance(points, PointSet):
        return points._twin()
    if isinstance(points, reference.PointSet):  # made by the reference itself
        return _rust_point_set(points)
    numpy = imported_numpy()
    if numpy is not None and isinstance(points, numpy.ndarray):
        return points
    try:
        if iter(cast(Any, points)) is points:
            raise _NotComparable("a one-shot iterator cannot be read twice")
    except TypeError:
        return points  # not iterable: both backends refuse it
    rust_point: Any = _candidate("Point")
    stored_x, stored_y = reference.Point.x, reference.Point.y
    converted: list[object] = []
    found = False
    for item in cast(Any, points):
        if isinstance(item, reference.Point):
            found = True
            try:
                converted.append(rust_point(stored_x.__get__(item), stored_y.__get__(item)))
            except AttributeError:
                # A Point whose __init__ never ran: the Rust backend's equivalent.
                converted.append(rust_point.__new__(rust_point))
        else:
            converted.append(item)
    return converted if found else points


# ---------------------------------------------------------------------------------------
# Shadowed calls.


def _shadowed(
    name: str,
    function: F,
    printing: bool = False,
    candidate: Callable[[], Callable[..., Any]] | None = None,
) -> F:
    """``function`` (the reference's), with the Rust backend's run and compared beside it:
    ``candidate()`` (by default the Rust backend's ``name``), looked up at each call."""
    lookup = candidate if candidate is not None else functools.partial(_candidate, name)

    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        if not _sampled(name):
            return function(*args, **kwargs)
        try:
            plan = _plan(name, args, kwargs)
        except _NotComparable:
            return function(*args, **kwargs)
        except Exception:
            logger.exception("shadow: could not prepare %s for the Rust backend", name)
            return function(*args, **kwargs)
        started = time.perf_counter()
        with _recording(printing, forward=True) as printed:
            try:
                result = function(*plan.reference_args, **plan.reference_kwargs)
            except BaseException as error:
                python_seconds = time.perf_counter() - started
                user_stopped = isinstance(error, (KeyboardInterrupt, SystemExit))
                if not user_stopped and not plan.progress_raised:
                    _compare(name, lookup, plan, python_seconds, error, printed)
                raise
        python_seconds = time.perf_counter() - started
        _compare(name, lookup, plan, python_seconds, result, printed)
        return result

    return cast(F, call)


def _recording(enabled: bool, forward: bool) -> AbstractContextManager[Printed | None]:
    """What a call prints, recorded (and printed only if ``forward``), when ``enabled``."""
    return recorded(forward) if enabled else contextlib.nullcontext()


def _compare(
    name: str,
    lookup: Callable[[], Callable[..., Any]],
    plan: _Plan,
    python_seconds: float,
    python_value: object,
    python_printed: Printed | None,
) -> None:
    """Run the candidate on ``plan`` and compare with what the reference returned or
    raised (``python_value``); never raises but the user's interrupts."""
    try:
        candidate = lookup()
        started = time.perf_counter()
        value: object = None
        with _recording(python_printed is not None, forward=False) as printed:
            try:
                value = candidate(*plan.candidate_args, **plan.candidate_kwargs)
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as error:  # noqa: BLE001 - a panic is an outcome too
                value = error
        rust_seconds = time.perf_counter() - started
        _judge(
            name,
            plan,
            (outcome_of_value(python_value), python_value, python_printed),
            (outcome_of_value(value), value, printed),
            python_seconds,
            rust_seconds,
        )
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception:
        logger.exception("shadow: could not compare %s", name)


Side = tuple[Outcome, object, Optional[Printed]]


def _judge(
    name: str,
    plan: _Plan,
    python: Side,
    rust: Side,
    python_seconds: float,
    rust_seconds: float,
) -> None:
    python_outcome, python_value, python_printed = python
    rust_outcome, rust_value, rust_printed = rust
    python_text = python_printed.text() if python_printed is not None else None
    rust_text = rust_printed.text() if rust_printed is not None else None
    agree = python_outcome == rust_outcome and python_text == rust_text
    _record(name, python_seconds, rust_seconds, agree)
    if agree:
        return
    detail = ""
    if python_outcome[0] == rust_outcome[0] == "returned":
        difference = first_difference(python_value, rust_value)
        if difference is not None:
            at = f" at {difference.where}" if difference.where else ""
            detail = (
                f"; first difference{at}: "
                f"python {difference.reference}, rust {difference.candidate}"
            )
    logger.warning(
        "shadow: %s(%s) differs: python %s, rust %s%s",
        name,
        arguments(plan.reference_args, plan.reference_kwargs),
        describe(python_outcome, python_value, python_text),
        describe(rust_outcome, rust_value, rust_text),
        detail,
    )


Point = reference.Point
closest_pair = _shadowed("closest_pair", reference.closest_pair)
fact = _shadowed("fact", reference.fact)
greedy_route = _shadowed("greedy_route", reference.greedy_route)
load_points = _shadowed("load_points", reference.load_points)
nearest_neighbors = _shadowed("nearest_neighbors", reference.nearest_neighbors)
path_length = _shadowed("path_length", reference.path_length)
say_hello = _shadowed("say_hello", reference.say_hello, printing=True)
throws_error = _shadowed("throws_error", reference.throws_error)


def _rust_point_set(points: reference.PointSet) -> Any:
    """A Rust ``PointSet`` of the same points as the reference's ``points``."""
    return cast(Any, _candidate("PointSet"))._from_columns(*points._column_bytes())


class PointSet(reference.PointSet):
    """The reference's ``PointSet``, each question also asked of a Rust ``PointSet`` of the
    same points (its twin, made from the columns on the first compared question and kept:
    twice the memory is the price of shadowing) and compared."""

    __slots__ = ("_rust_twin",)
    _rust_twin: Any

    def _twin(self) -> Any:
        twin = getattr(self, "_rust_twin", None)
        if twin is None:
            # Two threads may both make one: the same points either way.
            twin = _rust_point_set(self)
            self._rust_twin = twin
        return twin

    def _ask(self, question: str, answer: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``answer(*args, **kwargs)``, the reference's, compared with the twin's."""

        def twin_answer(*args: Any, **kwargs: Any) -> Any:
            value = getattr(self._twin(), question)
            return value(*args, **kwargs) if callable(value) else value

        shadowed = _shadowed(f"PointSet.{question}", answer, candidate=lambda: twin_answer)
        return shadowed(*args, **kwargs)

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, progress: Progress = None) -> Self:
        shadowed = _shadowed(
            "PointSet.load", super().load, candidate=lambda: cast(Any, _candidate("PointSet")).load
        )
        return shadowed(path, progress=progress)

    @property
    def bounds(self) -> tuple[int, int, int, int] | None:
        return self._ask("bounds", lambda: super(PointSet, self).bounds)

    @property
    def centroid(self) -> tuple[float, float] | None:
        return self._ask("centroid", lambda: super(PointSet, self).centroid)

    def nearest_neighbors(
        self, *, progress: Progress = None
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        return self._ask("nearest_neighbors", super().nearest_neighbors, progress=progress)

    def closest_pair(self, *, progress: Progress = None) -> tuple[np.int64, np.int64, np.float64]:
        return self._ask("closest_pair", super().closest_pair, progress=progress)

    def greedy_route(self, start: int = 0, *, progress: Progress = None) -> npt.NDArray[np.int64]:
        return self._ask("greedy_route", super().greedy_route, start, progress=progress)

    def path_length(
        self, order: Sequence[SupportsIndex] | IntegerArray | None = None
    ) -> np.float64:
        return self._ask("path_length", super().path_length, order)


# Pickles name the public class, which under this backend is this one.
PointSet.__module__ = "legacy_app"
PointSet.__qualname__ = "PointSet"


async def print_sleep(duration: datetime.timedelta) -> None:
    """Announce, sleep without blocking the event loop, then say how long it took.

    The reference sleeps in the caller's task, printing for real; the Rust backend's
    sleep runs at the same time in a task of its own, its text captured and compared.
    """
    if not _sampled("print_sleep"):
        return await reference.print_sleep(duration)
    try:
        loop = asyncio.get_running_loop()
        candidate_task = loop.create_task(_candidate_sleep(duration))
    except RuntimeError:
        # Driven by hand (send/throw), not by an event loop: nothing to run Rust's on.
        return await reference.print_sleep(duration)
    started = time.perf_counter()
    try:
        with recorded(forward=True) as printed:
            await reference.print_sleep(duration)
    except BaseException as error:
        python_seconds = time.perf_counter() - started
        if isinstance(
            error, (asyncio.CancelledError, GeneratorExit, KeyboardInterrupt, SystemExit)
        ):
            # Cancelled, closed or interrupted: stop Rust's too, and compare nothing.
            candidate_task.cancel()
            raise
        await _judge_sleep(duration, candidate_task, raised(error), error, printed, python_seconds)
        raise
    python_seconds = time.perf_counter() - started
    await _judge_sleep(duration, candidate_task, returned(None), None, printed, python_seconds)


async def _candidate_sleep(duration: datetime.timedelta) -> tuple[Outcome, object, Printed, float]:
    started = time.perf_counter()
    with recorded(forward=False) as printed:
        try:
            await _candidate("print_sleep")(duration)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - an outcome to compare
            return raised(error), error, printed, time.perf_counter() - started
    return returned(None), None, printed, time.perf_counter() - started


async def _judge_sleep(
    duration: datetime.timedelta,
    candidate_task: asyncio.Task[tuple[Outcome, object, Printed, float]],
    python_outcome: Outcome,
    python_value: object,
    python_printed: Printed,
    python_seconds: float,
) -> None:
    try:
        rust_outcome, rust_value, rust_printed, rust_seconds = await candidate_task
        plan = _Plan((duration,), {}, (duration,), {}, [])
        _judge(
            "print_sleep",
            plan,
            (python_outcome, python_value, python_printed),
            (rust_outcome, rust_value, rust_printed),
            python_seconds,
            rust_seconds,
        )
    except (asyncio.CancelledError, KeyboardInterrupt, SystemExit):
        candidate_task.cancel()
        raise
    except Exception:
        logger.exception("shadow: could not compare print_sleep")


__all__ = [
    "API_NAMES",
    "FunctionReport",
    "Outcome",
    "Point",
    "PointSet",
    "attempt",
    "closest_pair",
    "fact",
    "greedy_route",
    "load_points",
    "nearest_neighbors",
    "outcome",
    "path_length",
    "print_sleep",
    "report",
    "require_candidate",
    "reset",
    "sample_rate",
    "say_hello",
    "throws_error",
]
