"""The interpreter's exit (docs/contract.md "At the edges of the runtime", "exit"): it never aborts,
whatever was called, awaited, cancelled or left pending, under both backends.

An abort at exit is racy (a helper thread of the extension against the interpreter's
finalisation), so each scenario runs several times, each in a fresh child process.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys

import pytest

import legacy_app
from tests import children

# Child processes, signals or threads for seconds: out of the edit loop (make test-fast).
pytestmark = pytest.mark.process

RUNS = 5

SCENARIOS = {
    "awaited": """
asyncio.run(legacy_app.print_sleep(timedelta(0)))
""",
    "awaited, then more": """
asyncio.run(legacy_app.print_sleep(timedelta(milliseconds=1)))
asyncio.run(legacy_app.print_sleep(timedelta(0)))
legacy_app.nearest_neighbors([legacy_app.Point(0, 0), legacy_app.Point(1, 1)])
""",
    "cancelled by wait_for": """
async def main():
    try:
        await asyncio.wait_for(legacy_app.print_sleep(timedelta(seconds=30)), 0.01)
    except asyncio.TimeoutError:
        pass
asyncio.run(main())
""",
    "cancelled task": """
async def main():
    task = asyncio.ensure_future(legacy_app.print_sleep(timedelta(seconds=30)))
    await asyncio.sleep(0.01)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
asyncio.run(main())
""",
    "pending on a loop never closed": """
loop = asyncio.new_event_loop()
task = loop.create_task(legacy_app.print_sleep(timedelta(seconds=30)))
loop.run_until_complete(asyncio.sleep(0.01))
""",
    "pending on a closed loop": """
loop = asyncio.new_event_loop()
task = loop.create_task(legacy_app.print_sleep(timedelta(seconds=30)))
loop.run_until_complete(asyncio.sleep(0.01))
loop.close()
""",
    "zero, pending": """
loop = asyncio.new_event_loop()
task = loop.create_task(legacy_app.print_sleep(timedelta(0)))
loop.run_until_complete(asyncio.sleep(0))
""",
    "never awaited": """
sleep = legacy_app.print_sleep(timedelta(0))
""",
    "a thread's own loop": """
import threading
thread = threading.Thread(
    target=lambda: asyncio.run(legacy_app.print_sleep(timedelta(0))), daemon=True
)
thread.start()
thread.join()
""",
}

PRELUDE = """
import asyncio, logging
from datetime import timedelta
import legacy_app
# Pending tasks are reported on the way out; that is the interpreter's business.
logging.disable(logging.CRITICAL)
"""


def status_text(status: int) -> str:
    if status < 0:
        return f"killed by {signal.Signals(-status).name}"
    if status == 128 + signal.SIGABRT:
        return "134 (SIGABRT through a shell)"
    return str(status)


@pytest.mark.parametrize("backend", legacy_app.BACKENDS)
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_the_interpreter_exits_cleanly(backend: str, scenario: str) -> None:
    statuses = []
    for _ in range(RUNS):
        done = children.run_code(PRELUDE + SCENARIOS[scenario], timeout=60, backend=backend)
        statuses.append(done.returncode)
        assert done.returncode == 0, (
            f"{scenario}: the interpreter exited with {status_text(done.returncode)} "
            f"(runs so far: {statuses}):\n{done.stderr[-3000:]}"
        )
        assert "panicked" not in done.stderr
        assert "Fatal Python error" not in done.stderr


def console_script() -> str:
    script = shutil.which("legacy-app", path=os.path.dirname(sys.executable))
    script = script or shutil.which("legacy-app")
    assert script is not None, "the legacy-app console script is not installed"
    return script


@pytest.mark.parametrize("backend", legacy_app.BACKENDS)
@pytest.mark.parametrize("seconds", ["0", "0.001"])
def test_the_sleep_command_exits_cleanly(backend: str, seconds: str) -> None:
    """``LEGACY_APP_BACKEND=rust legacy-app sleep 0``: exit status 0, every time."""
    statuses = []
    for _ in range(RUNS):
        done = children.finished(
            [console_script(), "sleep", seconds],
            timeout=60,
            env=children.child_env(backend),
            what="legacy-app sleep",
        )
        statuses.append(done.returncode)
        assert done.returncode == 0, (
            f"legacy-app sleep {seconds} exited with {status_text(done.returncode)} "
            f"(runs so far: {statuses}):\n{done.stderr[-3000:]}"
        )
        lines = done.stdout.splitlines()
        assert lines[0].startswith("🌙 Night night! Sleeping for ")
        assert lines[1].startswith("🌞 I'm awake after ")
