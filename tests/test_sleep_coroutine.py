"""print_sleep is a real coroutine function (docs/contract.md "The API", print_sleep): as
``inspect`` and ``asyncio`` see it, with ``send``/``throw``/``close``, ``yield from``, the
"never awaited" warning, the Python backend's interleaving with other tasks, prompt
cancellation, and woken by the running loop's own timer with no thread of its own.
"""

from __future__ import annotations

import asyncio
import datetime
import gc
import inspect
import types
import warnings
from collections.abc import Callable, Generator
from types import ModuleType
from typing import Any

import pytest

import legacy_app
from tests import children

NIGHT = "🌙 Night night! Sleeping for 0ns"
ZERO = datetime.timedelta(0)


def said(capsys: pytest.CaptureFixture[str]) -> list[str]:
    """What print_sleep printed, elapsed times left out."""
    lines = capsys.readouterr().out.splitlines()
    return [line.split(" after ")[0] for line in lines]


def test_is_a_coroutine_function(api: ModuleType) -> None:
    assert inspect.iscoroutinefunction(api.print_sleep)
    with warnings.catch_warnings():
        # asyncio's own is deprecated from 3.14 on, in favour of inspect's.
        warnings.simplefilter("ignore", DeprecationWarning)
        assert asyncio.iscoroutinefunction(api.print_sleep)


def test_gives_a_coroutine(api: ModuleType) -> None:
    coro = api.print_sleep(ZERO)
    try:
        assert inspect.iscoroutine(coro)
        assert asyncio.iscoroutine(coro)
        assert inspect.isawaitable(coro)
    finally:
        coro.close()


def test_never_awaited_warns(api: ModuleType) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        api.print_sleep(ZERO)
        gc.collect()
    messages = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert any("print_sleep" in m and "was never awaited" in m for m in messages), messages


async def test_send_then_close(api: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    coro = api.print_sleep(datetime.timedelta(seconds=10))
    coro.send(None)
    assert said(capsys) == ["🌙 Night night! Sleeping for 10s"]
    coro.close()
    with pytest.raises(RuntimeError):
        coro.send(None)
    await asyncio.sleep(0.01)
    assert said(capsys) == []


def throw_instance(coro: Any) -> object:
    return coro.throw(KeyError("v"))


def throw_type_value_traceback(coro: Any) -> object:
    with warnings.catch_warnings():
        # The three-argument form is deprecated from 3.12 on, and still works.
        warnings.simplefilter("ignore", DeprecationWarning)
        return coro.throw(KeyError, KeyError("v"), None)


THROWS = [
    pytest.param(throw_instance, id="throw(KeyError('v'))"),
    pytest.param(throw_type_value_traceback, id="throw(KeyError, KeyError('v'), None)"),
]


@pytest.mark.parametrize("throw", THROWS)
def test_throw_before_it_starts(
    api: ModuleType, capsys: pytest.CaptureFixture[str], throw: Callable[[Any], object]
) -> None:
    coro = api.print_sleep(ZERO)
    with pytest.raises(KeyError) as raised:
        throw(coro)
    assert raised.value.args == ("v",)
    assert said(capsys) == []
    # A coroutine that raised is over.
    with pytest.raises(RuntimeError):
        coro.send(None)


@pytest.mark.parametrize("throw", THROWS)
async def test_throw_while_it_sleeps(
    api: ModuleType, capsys: pytest.CaptureFixture[str], throw: Callable[[Any], object]
) -> None:
    coro = api.print_sleep(datetime.timedelta(milliseconds=50))
    coro.send(None)
    with pytest.raises(KeyError) as raised:
        throw(coro)
    assert raised.value.args == ("v",)
    # Past the end of the sleep: a timer left behind would print now.
    await asyncio.sleep(0.1)
    assert said(capsys) == ["🌙 Night night! Sleeping for 50ms"]


async def test_yield_from_in_a_generator_based_coroutine(
    api: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    @types.coroutine
    def legacy() -> Generator[Any, None, str]:
        yield from api.print_sleep(datetime.timedelta(milliseconds=1))
        return "done"

    assert await asyncio.ensure_future(legacy()) == "done"
    assert said(capsys) == ["🌙 Night night! Sleeping for 1ms", "🌞 I'm awake"]


async def test_two_zero_sleeps_interleave_under_gather(
    api: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    await asyncio.gather(api.print_sleep(ZERO), api.print_sleep(ZERO))
    assert said(capsys) == [NIGHT, NIGHT, "🌞 I'm awake", "🌞 I'm awake"]


async def test_a_zero_sleep_lets_other_tasks_run_once(
    api: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    """As ``asyncio.sleep(0)`` does: one turn of the loop, no more, no less."""

    async def other() -> None:
        print("other, first step")
        await asyncio.sleep(0)
        print("other, second step")
        await asyncio.sleep(0)
        print("other, third step")

    await asyncio.gather(api.print_sleep(ZERO), other())
    assert said(capsys) == [
        NIGHT,
        "other, first step",
        "🌞 I'm awake",
        "other, second step",
        "other, third step",
    ]


async def test_cancelled_right_after_it_starts(
    api: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    task = asyncio.ensure_future(api.print_sleep(ZERO))
    # One turn: the sleep has announced itself and waits for the next turn.
    await asyncio.sleep(0)
    assert said(capsys) == [NIGHT]
    assert task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert said(capsys) == []


async def test_cancelled_by_wait_for_before_it_wakes(
    api: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(api.print_sleep(datetime.timedelta(milliseconds=200)), 0.02)
    await asyncio.sleep(0.3)
    assert said(capsys) == ["🌙 Night night! Sleeping for 200ms"]


def test_woken_by_the_running_loops_timer(api: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sleep is a timer of the loop that runs it (``call_at``), as asyncio's is."""
    loop = asyncio.new_event_loop()
    timers: list[float] = []
    call_at = loop.call_at

    def counted(when: float, *args: Any, **kwargs: Any) -> asyncio.TimerHandle:
        timers.append(when)
        return call_at(when, *args, **kwargs)

    monkeypatch.setattr(loop, "call_at", counted)
    try:
        loop.run_until_complete(api.print_sleep(datetime.timedelta(milliseconds=5)))
    finally:
        loop.close()
    assert timers


THREADS_OF_A_SLEEP = """
import asyncio, datetime, io, json, os, contextlib
import legacy_app

def threads():
    names = []
    for task in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{task}/comm") as comm:
            names.append(comm.read().strip())
    return sorted(names)

before = threads()
with contextlib.redirect_stdout(io.StringIO()):
    asyncio.run(legacy_app.print_sleep(datetime.timedelta(milliseconds=1)))
    asyncio.run(legacy_app.print_sleep(datetime.timedelta(0)))
print(json.dumps({"before": before, "after": threads()}))
"""


@pytest.mark.parametrize("backend", legacy_app.BACKENDS)
def test_no_thread_of_its_own(backend: str) -> None:
    """In a fresh process, where no other test has started anything."""
    done = children.run_code(THREADS_OF_A_SLEEP, timeout=60, backend=backend)
    report = children.report_of(done.stdout)
    assert report["after"] == report["before"]
