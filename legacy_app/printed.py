"""Printed text under the shadow backend: the reference prints for real, what the
candidate prints is captured to be compared, and everybody else prints as usual.

Capture is per thread and per asyncio task (a context variable), through one stand-in
for ``sys.stdout`` shared by all calls being recorded.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
import sys
import threading
from collections.abc import Iterator
from typing import Any, TextIO, cast


class Printed:
    """What one backend printed during a shadowed call; ``forward``: print it for real."""

    def __init__(self, forward: bool) -> None:
        self.forward = forward
        self.parts: list[str] = []

    def text(self) -> str:
        # The one thing that differs by nature: how long a sleep took.
        return AWAKE_AFTER.sub(r"\1<elapsed>", "".join(self.parts))


AWAKE_AFTER = re.compile(r"(I'm awake after )[0-9.]+(?:ns|µs|ms|s)")

# Per thread and per asyncio task (each has its own context), so other threads and tasks
# print as usual while one shadowed call is recorded.
_printing: contextvars.ContextVar[Printed | None] = contextvars.ContextVar(
    "legacy_app.printed.printing", default=None
)


class _StdoutRouter:
    """Stands in for ``sys.stdout`` while printing functions are shadowed: what a
    recorded call writes is kept (and printed only if it is the reference's), what
    anyone else writes goes through unchanged."""

    def __init__(self, target: TextIO) -> None:
        self.target = target
        self.users = 0

    def write(self, text: str) -> int:
        printed = _printing.get()
        if printed is None:
            return self.target.write(text)
        printed.parts.append(str(text))
        return self.target.write(text) if printed.forward else len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.target, name)


_router_lock = threading.Lock()


@contextlib.contextmanager
def recorded(forward: bool) -> Iterator[Printed]:
    printed = Printed(forward)
    with _router_lock:
        current: object = sys.stdout
        router = current if isinstance(current, _StdoutRouter) else _StdoutRouter(sys.stdout)
        sys.stdout = cast(TextIO, router)
        router.users += 1
    token = _printing.set(printed)
    try:
        yield printed
    finally:
        # A coroutine closed from outside its task (at garbage collection) runs this in
        # another context, where there is nothing of ours to reset.
        with contextlib.suppress(ValueError):
            _printing.reset(token)
        with _router_lock:
            router.users -= 1
            # Put the stream back unless someone replaced it meanwhile (theirs, then).
            if router.users == 0 and cast(object, sys.stdout) is router:
                sys.stdout = router.target
