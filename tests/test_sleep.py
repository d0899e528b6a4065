"""docs/contract.md "The API": print_sleep, its output, concurrency and cancellation."""

from __future__ import annotations

import asyncio
import datetime
import re
import time
from types import ModuleType
from typing import Any

import pytest

from legacy_app._python.sleep import format_duration

ms = datetime.timedelta(milliseconds=1)


@pytest.mark.parametrize(
    ("nanos", "text"),
    [
        (0, "0ns"),
        (1, "1ns"),
        (999, "999ns"),
        (1_000, "1µs"),
        (1_500, "1.5µs"),
        (1_000_000, "1ms"),
        (1_000_001, "1.000001ms"),
        (250_000_000, "250ms"),
        (1_500_000_000, "1.5s"),
        (3_000_000_000, "3s"),
        (3_000_735_818, "3.000735818s"),
        (86_400 * 10**9, "86400s"),
    ],
)
def test_format_duration_is_rusts_debug(nanos: int, text: str) -> None:
    assert format_duration(nanos) == text


AWAKE = re.compile(r"^🌞 I'm awake after (\d+(\.\d+)?)(ns|µs|ms|s)$")


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (datetime.timedelta(0), "0ns"),
        (250 * ms, "250ms"),
        (datetime.timedelta(microseconds=1500), "1.5ms"),
        (datetime.timedelta(microseconds=7), "7µs"),
    ],
)
async def test_prints_through_sys_stdout(
    api: ModuleType, capsys: pytest.CaptureFixture[str], duration: datetime.timedelta, text: str
) -> None:
    start = time.monotonic()
    assert await api.print_sleep(duration) is None
    elapsed = time.monotonic() - start
    assert elapsed >= duration.total_seconds()
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"🌙 Night night! Sleeping for {text}"
    assert AWAKE.match(lines[1]), lines[1]
    assert len(lines) == 2


def test_works_with_asyncio_run(api: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(api.print_sleep(ms))
    assert capsys.readouterr().out.startswith("🌙 Night night! Sleeping for 1ms\n")


async def test_nothing_runs_before_it_is_awaited(
    api: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    awaitable = api.print_sleep(ms)
    assert capsys.readouterr().out == ""
    await awaitable
    assert capsys.readouterr().out.count("\n") == 2


async def test_does_not_block_the_event_loop(
    api: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    start = time.monotonic()
    await asyncio.gather(*(api.print_sleep(200 * ms) for _ in range(300)))
    elapsed = time.monotonic() - start
    # 300 sleeps of 0.2 s one after another would take a minute.
    assert elapsed < 5
    assert capsys.readouterr().out.count("I'm awake") == 300


async def test_loop_ticks_while_sleeping(api: ModuleType) -> None:
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    task = asyncio.ensure_future(ticker())
    await api.print_sleep(200 * ms)
    task.cancel()
    assert ticks >= 5


async def test_wait_for_cancels_promptly(
    api: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    start = time.monotonic()
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(api.print_sleep(datetime.timedelta(seconds=10)), timeout=0.1)
    assert time.monotonic() - start < 2
    await asyncio.sleep(0.05)
    out = capsys.readouterr().out
    assert "Night night" in out
    assert "awake" not in out


async def test_task_cancel_raises_cancelled_error(
    api: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    task = asyncio.ensure_future(api.print_sleep(datetime.timedelta(seconds=10)))
    await asyncio.sleep(0.05)
    task.cancel()
    start = time.monotonic()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - start < 1
    assert task.cancelled()
    assert "awake" not in capsys.readouterr().out


async def test_negative_is_a_value_error(
    api: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(
        ValueError,
        match=r"^print_sleep\(\) duration must not be negative, got -1 day, 23:59:59\.999000$",
    ):
        await api.print_sleep(-ms)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("value", [1, 0.5, "1s", None])
async def test_not_a_timedelta(api: ModuleType, value: Any) -> None:
    with pytest.raises(
        TypeError, match=f"must be a datetime.timedelta, not {type(value).__name__}$"
    ):
        await api.print_sleep(value)


# timedelta subclasses are read by their stored value (docs/contract.md): neither their
# properties nor their comparisons are consulted.


class HugeDays(datetime.timedelta):
    @property
    def days(self) -> int:
        # days * 86,400 is 675 * 2**64: a multiplication that wraps gives 0.
        return 2**57


class HugeSeconds(datetime.timedelta):
    @property
    def seconds(self) -> int:
        return 2**64 + 5


class HugeMicroseconds(datetime.timedelta):
    @property
    def microseconds(self) -> int:
        return 2**40


class NegativeDays(datetime.timedelta):
    @property
    def days(self) -> int:
        return -1


class LongTotal(datetime.timedelta):
    def total_seconds(self) -> float:
        return 1e9


class SaysNegative(datetime.timedelta):
    def __lt__(self, other: object) -> bool:
        return True

    def __le__(self, other: object) -> bool:
        return True

    def __gt__(self, other: object) -> bool:
        return False

    def __ge__(self, other: object) -> bool:
        return False

    def __eq__(self, other: object) -> bool:
        return False

    __hash__ = datetime.timedelta.__hash__


class EverythingLies(HugeDays, HugeSeconds, HugeMicroseconds, LongTotal, SaysNegative):
    pass


LIARS = [HugeDays, HugeSeconds, HugeMicroseconds, NegativeDays, LongTotal, SaysNegative]


@pytest.mark.parametrize("liar", [*LIARS, EverythingLies], ids=lambda cls: cls.__name__)
async def test_a_timedelta_subclass_is_read_by_its_stored_value(
    api: ModuleType, capsys: pytest.CaptureFixture[str], liar: type[datetime.timedelta]
) -> None:
    duration = liar(milliseconds=5)
    start = time.monotonic()
    # A sleep of the lie's length would never end: a hang here is a failure, not a wait.
    await asyncio.wait_for(api.print_sleep(duration), timeout=5)
    elapsed = time.monotonic() - start
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "🌙 Night night! Sleeping for 5ms"
    assert AWAKE.match(lines[1]), lines[1]
    assert elapsed >= 0.005


@pytest.mark.parametrize("liar", [*LIARS, EverythingLies], ids=lambda cls: cls.__name__)
async def test_a_negative_timedelta_subclass_is_a_value_error(
    api: ModuleType, capsys: pytest.CaptureFixture[str], liar: type[datetime.timedelta]
) -> None:
    # str() of the subclass is timedelta's own: it reads the stored value too.
    with pytest.raises(
        ValueError, match=r"^print_sleep\(\) duration must not be negative, got -1 day, 23:59:59$"
    ):
        await api.print_sleep(liar(seconds=-1))
    assert capsys.readouterr().out == ""


async def test_the_longest_timedelta_fits(
    api: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    """timedelta.max is 86,399,999,999,999.999999 s; Rust's Duration holds 2**64 s: no
    real timedelta overflows it (OverflowError is for what cannot be reached)."""
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(api.print_sleep(datetime.timedelta.max), timeout=0.05)
    out = capsys.readouterr().out
    assert out == "🌙 Night night! Sleeping for 86399999999999.999999s\n"
