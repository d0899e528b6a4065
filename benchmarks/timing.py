"""How the benchmarks measure: repeated wall-clock runs, per-call timings, the machine."""

from __future__ import annotations

import gc
import os
import platform
import statistics
import sys
import time
import timeit
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from typing import Any

THREADS_VARIABLE = "LEGACY_APP_THREADS"
# Per-call timings repeat a loop that lasts at least this long, so that the clock's
# resolution and the loop's own overhead stay small next to the work.
MIN_LOOP_SECONDS = 0.2


@dataclass(frozen=True)
class Timing:
    """The seconds of each repeat of one measurement (per call, for per-call rows)."""

    runs: tuple[float, ...]
    # The process's CPU seconds (every thread) in each repeat, where measured.
    cpu: tuple[float, ...] = ()

    @property
    def best(self) -> float:
        """The fastest repeat: the least disturbed by the rest of the machine."""
        return min(self.runs)

    @property
    def cores_busy(self) -> float | None:
        """CPU time over wall time in the fastest repeat: how many cores the work kept busy."""
        if not self.cpu:
            return None
        fastest = self.runs.index(self.best)
        return self.cpu[fastest] / self.runs[fastest]

    @property
    def median(self) -> float:
        """The middle repeat, to show how much the runs spread."""
        return statistics.median(self.runs)


def best_of(work: Callable[[], object], repeats: int) -> Timing:
    """Time ``work`` ``repeats`` times with ``perf_counter``, one call per repeat."""
    runs = []
    cpu = []
    for _ in range(repeats):
        # Collect beforehand, so one run does not pay for the garbage of the last;
        # the collector stays on during the run, as in the app.
        gc.collect()
        start_cpu = time.process_time()
        start = time.perf_counter()
        work()
        runs.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return Timing(tuple(runs), tuple(cpu))


def per_call(
    statement: str | Callable[[], object], repeats: int, namespace: dict[str, Any] | None = None
) -> Timing:
    """The seconds per execution of ``statement``, with ``timeit`` (GC off, as timeit does).

    A string statement runs inlined in timeit's loop, so a call costs only the call;
    a callable adds one Python call, which is noise next to millisecond work.
    """
    timer = timeit.Timer(statement, globals=namespace)
    number, _ = timer.autorange()
    # autorange stops at 0.2 s; scale up if the loop it found is still shorter.
    totals = timer.repeat(repeat=repeats, number=number)
    if min(totals) < MIN_LOOP_SECONDS:
        number = max(number, int(number * MIN_LOOP_SECONDS / max(min(totals), 1e-9)) + 1)
        totals = timer.repeat(repeat=repeats, number=number)
    return Timing(tuple(total / number for total in totals))


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


def busy_text(busy: float | None) -> str:
    """``busy`` as printed, with a warning when it is enough to skew the parallel rows."""
    if busy is None:
        return f"n/a (load average {load_average()})"
    text = f"{busy:.2f} of {os.cpu_count()} cores busy with other work"
    if busy > 0.25:
        text += "; WARNING: the parallel rows (2, 5, 6) understate on a busy machine"
    return text


def version_of(distribution: str) -> str:
    """The installed version of ``distribution``, or ``not installed``."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, str]:
    """What the numbers were measured on, printed above the table and saved in JSON."""
    return {
        "cpu": cpu_model(),
        "cores": f"{usable_cores()} usable ({os.cpu_count()} online)",
        "python": f"{platform.python_implementation()} {sys.version.split()[0]}",
        "platform": platform.platform(),
        "numpy": version_of("numpy"),
        "scipy": version_of("scipy"),
        "mypy": version_of("mypy"),
        "load average": load_average(),
    }
