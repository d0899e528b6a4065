"""fork (docs/contract.md "At the edges of the runtime", "fork"): a process that has
used every function (batch work big enough to run on worker threads, and an awaited
print_sleep) and then forks gets children in which every function works, through
``multiprocessing``'s fork start method and through a plain ``os.fork``. No call in a
child may wait on a thread that only the parent had, so a hang is the failure to expect:
each wait has a timeout."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import hashlib
import io
import json
import multiprocessing
import os
import signal
import sys
import threading
import time
from typing import Any

import numpy as np
import pytest

import legacy_app
from tests import children
from tests.fuzz_checker import plain

# Child processes, signals or threads for seconds: out of the edit loop (make test-fast).
pytestmark = pytest.mark.process

# Made before the fork, so that the children have them too.
INPUTS: dict[str, Any] = {}
WAIT = 30.0


def answers(_: int = 0, steps: int | None = None) -> object:
    """Every batch function on the inputs, and an awaited print_sleep, as plain values;
    the name of each call is written to the file descriptor ``steps`` as it begins."""
    api = legacy_app.load_backend(legacy_app.BACKEND)
    results: dict[str, object] = {}
    for name, points in INPUTS.items():
        for function in ("nearest_neighbors", "closest_pair", "path_length", "greedy_route"):
            if steps is not None:
                os.write(steps, f"{function} on the {name} input\n".encode())
            results[f"{function} {name}"] = plain(getattr(api, function)(points))
    if steps is not None:
        os.write(steps, b"print_sleep\n")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        asyncio.run(api.print_sleep(datetime.timedelta(0)))
        asyncio.run(api.print_sleep(datetime.timedelta(milliseconds=1)))
    results["print_sleep"] = [line.split(" after ")[0] for line in printed.getvalue().splitlines()]
    return json.loads(json.dumps(results))


def in_a_pool() -> str:
    """What ``multiprocessing``'s fork workers answer, against what this process did."""
    expected = answers()
    pool = multiprocessing.get_context("fork").Pool(2)
    try:
        got = pool.map_async(answers, range(4)).get(timeout=WAIT)
    except multiprocessing.TimeoutError:
        return f"hung: no answer from the pool's workers within {WAIT:.0f} s"
    except Exception as error:  # noqa: BLE001 - the report says what went wrong
        return f"raised {type(error).__name__}: {error}"
    finally:
        pool.terminate()
        pool.join()
    wrong = [k for k, answer in enumerate(got) if answer != expected]
    return f"wrong answers from tasks {wrong}" if wrong else "ok"


def in_a_forked_child() -> str:
    """What a child of ``os.fork`` answers, against what this process did."""
    expected = answers()
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:
        status = 3
        try:
            status = 0 if answers(steps=writer) == expected else 1
        except BaseException:  # noqa: BLE001 - the status says so
            status = 2
        finally:
            os._exit(status)
    os.close(writer)
    with os.fdopen(reader) as steps:
        os.set_blocking(reader, False)
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                code = os.waitstatus_to_exitcode(status)
                return {0: "ok", 1: "wrong answers", 2: "raised"}.get(code, f"exited {code}")
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        stuck = (steps.read() or "").splitlines()[-1:]
    return f"hung: the child gave no answer within {WAIT:.0f} s, stuck in {stuck}"


def child_fork(size: str, how: str) -> int:
    rng = np.random.default_rng(2)
    INPUTS["big"] = rng.integers(0, 2**32, size=(int(size), 2), dtype=np.int64)
    INPUTS["small"] = [legacy_app.Point(int(x), int(y)) for x, y in INPUTS["big"][:10]]
    # The parent's own use first: worker threads, the sleep's machinery.
    answers()
    outcome = in_a_pool() if how == "pool" else in_a_forked_child()
    print(json.dumps({"outcome": outcome}), flush=True)
    # A hung worker may keep the interpreter from exiting: leave at once.
    sys.stdout.flush()
    os._exit(0)


def set_answers(points: Any) -> str:
    """A PointSet's answers to two questions, as text (the indices by their digest)."""
    indices, distances = points.nearest_neighbors()
    digest = hashlib.sha256(np.asarray(indices).tobytes() + np.asarray(distances).tobytes())
    return json.dumps([plain(points.closest_pair()), digest.hexdigest()])


def child_fork_while_indexing(size: str) -> int:
    """Fork while another thread asks a PointSet its first question (so builds its index);
    the child asks the same set its questions."""
    api = legacy_app.load_backend(legacy_app.BACKEND)
    rng = np.random.default_rng(9)
    points = api.PointSet(rng.integers(0, 2**32, size=(int(size), 2), dtype=np.int64))
    asked = threading.Event()

    def first_question() -> None:
        # Its first progress call comes before the index is built.
        points.nearest_neighbors(progress=lambda done, total: asked.set())

    builder = threading.Thread(target=first_question, daemon=True)
    builder.start()
    assert asked.wait(timeout=WAIT), "the first question never began"
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:
        status = 3
        try:
            os.write(writer, set_answers(points).encode())
            status = 0
        except BaseException:  # noqa: BLE001 - the status says so
            status = 2
        finally:
            os._exit(status)
    os.close(writer)
    outcome = wait_for_child(pid, WAIT)
    with os.fdopen(reader) as answers:
        got = answers.read() if outcome == "ok" else ""
    builder.join(timeout=WAIT)
    if outcome == "ok" and got != set_answers(points):
        outcome = "wrong answers"
    print(json.dumps({"outcome": outcome}), flush=True)
    sys.stdout.flush()
    os._exit(0)


def wait_for_child(pid: int, timeout: float) -> str:
    """How the child ``pid`` ended: "ok" (status 0), or what went wrong."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            return {0: "ok", 2: "raised"}.get(code, f"exited {code}")
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return f"hung: no answer within {timeout:.0f} s"


@pytest.mark.parametrize("backend", legacy_app.BACKENDS)
def test_a_child_forked_while_a_thread_builds_the_index_can_ask(backend: str) -> None:
    # 2,000,000 points take the Rust index a while to build; the reference has no index.
    size = "2000000" if backend == "rust" else "2000"
    report = children.run_child(
        __name__, "fork-while-indexing", size, timeout=WAIT * 4, backend=backend
    )
    assert report["outcome"] == "ok"


@pytest.mark.parametrize("backend", legacy_app.BACKENDS)
@pytest.mark.parametrize("how", ["pool", "os.fork"])
def test_children_of_a_fork_work(backend: str, how: str) -> None:
    # 200,000 points go parallel under Rust; the Python backend takes a moment with fewer.
    size = "200000" if backend == "rust" else "2000"
    report = children.run_child(__name__, "fork", size, how, timeout=WAIT * 3, backend=backend)
    assert report["outcome"] == "ok", f"{how} after using every function: {report['outcome']}"


if __name__ == "__main__":
    children.main({"fork": child_fork, "fork-while-indexing": child_fork_while_indexing})
