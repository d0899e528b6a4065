"""How the benchmarks measure: interleaved wall-clock runs, per-call loops, the machine."""

from __future__ import annotations

import gc
import os
import platform
import statistics
import sys
import time
import timeit
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from typing import Any

THREADS_VARIABLE = "LEGACY_APP_THREADS"


@dataclass(frozen=True)
class Timing:
    """The seconds of each repeat of one measurement (per call, for per-call rows)."""

    runs: tuple[float, ...]
    # The process's CPU seconds (every thread) in each repeat, where measured.
    cpu: tuple[float, ...] = ()
    # The process's minor page faults in each repeat (memory touched for the first time
    # since the allocator got it from the kernel), where measured.
    faults: tuple[int, ...] = ()

    @property
    def median(self) -> float:
        """The middle repeat: what the table reports."""
        return statistics.median(self.runs)

    @property
    def best(self) -> float:
        """The fastest repeat, saved in the JSON with every other."""
        return min(self.runs)

    @property
    def median_faults(self) -> float | None:
        """The middle repeat's count of page faults, ``None`` where not measured."""
        return statistics.median(self.faults) if self.faults else None

    @property
    def cores_busy(self) -> float | None:
        """CPU time over wall time, summed over the repeats: how many cores the work used."""
        if not self.cpu:
            return None
        return sum(self.cpu) / sum(self.runs)


@dataclass
class Work:
    """One implementation's side of a comparison: what to time and how to check it.

    ``check`` sees the result of the first run (outside the timing) and raises when it
    is wrong; later results are dropped at once, so no run pays for another's garbage.
    ``repeats`` caps this side's runs below the group's (for slow baselines).
    """

    run: Callable[[], object]
    check: Callable[[Any], None] | None = None
    repeats: int | None = None


def interleaved(works: Mapping[str, Work], repeats: int) -> dict[str, Timing]:
    """Time every work ``repeats`` times, taking turns: one run of each per round.

    Taking turns spreads whatever else the machine does over every side alike; the
    order rotates from round to round, so none always runs first (after a collection)
    or right after a given other. The collector stays on during a run, as in the app.
    """
    names = list(works)
    walls: dict[str, list[float]] = {name: [] for name in names}
    cpus: dict[str, list[float]] = {name: [] for name in names}
    faults: dict[str, list[int]] = {name: [] for name in names}
    for round_number in range(repeats):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            work = works[name]
            if work.repeats is not None and len(walls[name]) >= work.repeats:
                continue
            # Each run starts from a clean heap: no run pays for an earlier one's garbage.
            gc.collect()
            start_faults = minor_faults()
            start_cpu = time.process_time()
            start = time.perf_counter()
            result = work.run()
            walls[name].append(time.perf_counter() - start)
            cpus[name].append(time.process_time() - start_cpu)
            faults[name].append(minor_faults() - start_faults)
            if round_number == 0 and work.check is not None:
                work.check(result)
            del result
    return {
        name: Timing(tuple(walls[name]), tuple(cpus[name]), tuple(faults[name])) for name in names
    }


def minor_faults() -> int:
    """The process's minor page faults so far (0 where ``resource`` is missing)."""
    if sys.platform == "win32":
        return 0
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def _loop_size(timer: timeit.Timer, loop_seconds: float) -> int:
    """How many calls make one timed loop last at least ``loop_seconds``: long enough that
    the clock's resolution and the loop's own overhead stay small next to the work."""
    number, seconds = timer.autorange()
    if seconds < loop_seconds:
        number = int(number * loop_seconds / max(seconds, 1e-9)) + 1
    return number


def per_call(
    statements: Mapping[str, tuple[str, dict[str, Any]]], repeats: int, loop_seconds: float
) -> dict[str, Timing]:
    """The seconds per execution of each ``(statement, namespace)``, loops taking turns.

    Each statement runs inlined in ``timeit``'s loop (the collector off, as ``timeit``
    has it), so a call costs only the call; the loops of the statements alternate.
    """
    timers = {
        name: timeit.Timer(text, globals=namespace)
        for name, (text, namespace) in statements.items()
    }
    numbers = {name: _loop_size(timer, loop_seconds) for name, timer in timers.items()}
    runs: dict[str, list[float]] = {name: [] for name in timers}
    names = list(timers)
    for round_number in range(repeats):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            runs[name].append(timers[name].timeit(numbers[name]) / numbers[name])
    return {name: Timing(tuple(values)) for name, values in runs.items()}


@contextmanager
def threads_cap(value: str | None) -> Iterator[None]:
    """Set (or, with ``None``, unset) ``LEGACY_APP_THREADS`` for the duration.

    The Rust side reads the variable from the process environment on every call,
    and ``os.environ`` writes through to it, so this takes effect in-process.
    """
    previous = os.environ.get(THREADS_VARIABLE)
    if value is None:
        os.environ.pop(THREADS_VARIABLE, None)
    else:
        os.environ[THREADS_VARIABLE] = value
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(THREADS_VARIABLE, None)
        else:
            os.environ[THREADS_VARIABLE] = previous


def with_threads(value: str | None, run: Callable[[], object]) -> Callable[[], object]:
    """``run`` under ``threads_cap(value)``, so two settings can take turns."""

    def capped() -> object:
        with threads_cap(value):
            return run()

    return capped


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (Linux), else what platform says."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                key, _, value = line.partition(":")
                if key.strip() == "model name":
                    return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def _virtual() -> bool:
    """Whether the CPU flags say this runs under a hypervisor (Linux)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            return any(line.startswith("flags") and " hypervisor" in line for line in cpuinfo)
    except OSError:
        return False


def usable_cores() -> int:
    """The cores this process may run on (the affinity mask where there is one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, or ``n/a``: other work skews timings."""
    try:
        return " ".join(f"{load:.2f}" for load in os.getloadavg())
    except OSError:
        return "n/a"


def _cpu_ticks() -> tuple[int, int] | None:
    """All and idle CPU ticks since boot, from /proc/stat (Linux), or ``None``."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(field) for field in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    # user nice system idle iowait irq softirq steal: idle and iowait are idle time.
    return sum(fields[:8]), fields[3] + fields[4]


def other_work(seconds: float = 1.0) -> float | None:
    """How many cores other processes kept busy over the next ``seconds``, or ``None``.

    Sampled while this process sleeps, so all of it is someone else's; the load
    average would be simpler but lags by a minute.
    """
    before = _cpu_ticks()
    time.sleep(seconds)
    after = _cpu_ticks()
    if before is None or after is None or after[0] == before[0]:
        return None
    busy = 1 - (after[1] - before[1]) / (after[0] - before[0])
    return busy * (os.cpu_count() or 1)


@dataclass(frozen=True)
class OthersMeter:
    """Measures how busy other processes kept the machine while this one ran.

    All busy CPU time (steal included: a virtual machine's host taking the CPU away)
    minus this process's own, over the wall time: the load average would count the
    benchmarks themselves.
    """

    ticks: tuple[int, int] | None
    own: float
    wall: float

    @classmethod
    def start(cls) -> OthersMeter:
        """Start measuring now."""
        return cls(_cpu_ticks(), _own_cpu(), time.perf_counter())

    def cores(self) -> float | None:
        """Cores kept busy by others since ``start``, on average; ``None`` off Linux."""
        ticks = _cpu_ticks()
        if self.ticks is None or ticks is None:
            return None
        busy_ticks = (ticks[0] - ticks[1]) - (self.ticks[0] - self.ticks[1])
        busy = busy_ticks / os.sysconf("SC_CLK_TCK") - (_own_cpu() - self.own)
        return max(busy, 0.0) / (time.perf_counter() - self.wall)


def _own_cpu() -> float:
    """This process's CPU seconds, every thread, user and system."""
    times = os.times()
    return times.user + times.system


def busy_text(busy: float | None) -> str:
    """``busy`` as printed, with a warning when it is enough to skew the parallel rows."""
    if busy is None:
        return f"load average {load_average()}"
    text = (
        f"{busy:.2f} of {os.cpu_count()} cores busy with other work, load average {load_average()}"
    )
    if busy > 0.25:
        text += "; WARNING: a busy machine understates the parallel rows"
    return text


def version_of(distribution: str) -> str:
    """The installed version of ``distribution``, or ``not installed``."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, str]:
    """What the numbers were measured on, printed above the table and saved in JSON."""
    versions = ", ".join(
        f"{name} {version_of(name)}" for name in ("numpy", "scipy", "numba", "pykdtree", "mypy")
    )
    return {
        "cpu": cpu_model() + (", virtual machine" if _virtual() else ""),
        "cores": f"{usable_cores()} usable ({os.cpu_count()} online)",
        "python": f"{platform.python_implementation()} {sys.version.split()[0]}",
        "platform": platform.platform(),
        "packages": versions,
        "load average": load_average(),
    }
