"""Re-entrant calls and threads racing on one Point (docs/contract.md "The API", int-likes; "At
the runtime edges", "no panics"): an ``__index__`` that uses the Point being assigned sees
the old value, and another thread reading the Point meanwhile sees the old or the new
value; never ``RuntimeError: Already borrowed``, never a PanicException; the same outcome
under both backends.
"""

from __future__ import annotations

import pickle
import threading
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from tests.fuzz_checker import is_panic

# What each use of Point(1, 2), next to Point(5, 5), gives.
USES: dict[str, tuple[Callable[[ModuleType, Any, Any], object], object]] = {
    "read": (lambda api, p, q: (p.x, p.y), (1, 2)),
    "dist": (lambda api, p, q: p.dist(q), 5.0),
    "dist from the other": (lambda api, p, q: q.dist(p), 5.0),
    "==": (lambda api, p, q: p == q, False),
    "!=": (lambda api, p, q: p != q, True),
    "str": (lambda api, p, q: str(p), "Point {x = 1, y = 2}"),
    "repr": (lambda api, p, q: repr(p), "Point(x=1, y=2)"),
    "pickle": (lambda api, p, q: repr(pickle.loads(pickle.dumps(p))), "Point(x=1, y=2)"),
    "path_length": (lambda api, p, q: api.path_length([p, q]), 5.0),
    "nearest_neighbors": (lambda api, p, q: api.nearest_neighbors([p, q]), ([1, 0], [5.0, 5.0])),
    "closest_pair": (lambda api, p, q: api.closest_pair([q, p]), (0, 1, 5.0)),
    "greedy_route": (lambda api, p, q: api.greedy_route([p, q], 1), [1, 0]),
}


class Reentrant:
    """An int-like whose ``__index__`` first runs ``use`` (on the Point being changed)."""

    def __init__(self, use: Callable[[], object], value: int = 9) -> None:
        self.use = use
        self.value = value
        self.seen: list[object] = []

    def __index__(self) -> int:
        try:
            self.seen.append(self.use())
        except BaseException as error:  # noqa: BLE001 - what it raised is the finding
            self.seen.append(f"raised {type(error).__module__}.{type(error).__name__}: {error}")
        return self.value


@pytest.mark.parametrize("field", ["x", "y"])
@pytest.mark.parametrize("use", list(USES))
def test_an_index_that_uses_the_point_being_set_sees_the_old_value(
    api: ModuleType, use: str, field: str
) -> None:
    p, q = api.Point(1, 2), api.Point(5, 5)
    call, old = USES[use]
    value = Reentrant(lambda: call(api, p, q))
    setattr(p, field, value)
    assert value.seen == [old]
    assert (p.x, p.y) == ((9, 2) if field == "x" else (1, 9))


@pytest.mark.parametrize("use", list(USES))
def test_an_index_that_uses_the_point_being_initialised_sees_the_old_value(
    api: ModuleType, use: str
) -> None:
    p, q = api.Point(1, 2), api.Point(5, 5)
    call, old = USES[use]
    x, y = Reentrant(lambda: call(api, p, q), 7), Reentrant(lambda: call(api, p, q), 8)
    p.__init__(x, y)
    assert x.seen == [old]
    assert y.seen == [old]
    assert (p.x, p.y) == (7, 8)


def test_an_index_that_sets_the_point_being_set(api: ModuleType) -> None:
    """The assignment that finishes last wins, as with any Python attribute."""
    p = api.Point(1, 2)

    class SetsToo:
        def __index__(self) -> int:
            p.x = 5
            return 9

    p.x = SetsToo()
    assert (p.x, p.y) == (9, 2)


def test_threads_racing_on_one_point(api: ModuleType) -> None:
    """One thread sets ``x`` through a slow ``__index__`` (which lets the other thread
    run), the other reads, measures and pickles the Point all the while."""
    p, q = api.Point(1, 2), api.Point(5, 5)
    converting = threading.Event()
    done = threading.Event()
    problems: list[str] = []
    seen: set[object] = set()
    reads_while_converting = 0

    class Slow:
        def __init__(self, value: int) -> None:
            self.value = value

        def __index__(self) -> int:
            converting.set()
            time.sleep(0.02)
            converting.clear()
            return self.value

    def write() -> None:
        try:
            for k in range(20):
                p.x = Slow(9 if k % 2 == 0 else 1)
        except BaseException as error:  # noqa: BLE001 - reported below
            problems.append(f"writer: {type(error).__name__}: {error}")
        finally:
            done.set()

    def read() -> None:
        nonlocal reads_while_converting
        while not done.is_set():
            during = converting.is_set()
            for use, (call, _) in USES.items():
                try:
                    answer = call(api, p, q)
                except BaseException as error:  # noqa: BLE001 - reported below
                    kind = "PanicException" if is_panic(type(error)) else type(error).__name__
                    problems.append(f"reader, {use}: {kind}: {error}")
                    continue
                if use == "read":
                    seen.add(answer)
            reads_while_converting += during

    threads = [threading.Thread(target=write), threading.Thread(target=read)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "deadlock"
    assert sorted(set(problems))[:10] == []
    assert reads_while_converting > 0, "the reader never ran during a conversion"
    assert seen <= {(1, 2), (9, 2)}
