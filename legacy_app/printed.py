"""Printed text under the shadow backend: the reference prints for real, what the
candidate prints is captured to be compared, and everybody else prints as usual.

Capture is per thread and per asyncio task (a context variable), through a stand-in
for ``sys.stdout`` (a router) shared by all calls being recorded. The routers are made
once and never freed: another thread's ``print()`` holds ``sys.stdout`` by a borrowed
reference while it writes (CPython's gh-130163), so a stand-in freed when a recording
ended would be written to after it was gone, and the interpreter would crash. Putting
one in place frees nothing either: it keeps the stream it stands in for.

Over the interpreter's own standard output a router is installed once and stays. Over
a stream someone else put in place (``contextlib.redirect_stdout``, pytest's ``capsys``)
the other router stands only while calls are recorded, and that stream is put back
after, so whoever put it there finds it when they restore theirs.
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
    """Stands in for ``sys.stdout``: what a recorded call writes is kept (and printed
    only if it is the reference's), what anyone else writes goes to ``target``, the
    stream it stands in for."""

    def __init__(self, target: TextIO) -> None:
        self.target = target

    def write(self, text: str) -> int:
        printed = _printing.get()
        if printed is not None:
            printed.parts.append(str(text))
            if not printed.forward:
                return len(text)
        return self.target.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.target, name)


# Both routers are made once and never freed (see the module's docstring): one stands in
# for the interpreter's own standard output, for good once installed; the other for a
# stream someone else put in place, while calls are recorded.
_FOR_GOOD = _StdoutRouter(cast(TextIO, sys.__stdout__))
_WHILE_RECORDING = _StdoutRouter(cast(TextIO, sys.__stdout__))
_lock = threading.Lock()
_recordings = 0


@contextlib.contextmanager
def recorded(forward: bool) -> Iterator[Printed]:
    printed = Printed(forward)
    _begin()
    token = _printing.set(printed)
    try:
        yield printed
    finally:
        # A coroutine closed from outside its task (at garbage collection) runs this in
        # another context, where there is nothing of ours to reset.
        with contextlib.suppress(ValueError):
            _printing.reset(token)
        _end()


def _begin() -> None:
    global _recordings
    with _lock:
        current: object = sys.stdout
        if current is not _FOR_GOOD and current is not _WHILE_RECORDING:
            if current is _FOR_GOOD.target:
                sys.stdout = cast(TextIO, _FOR_GOOD)
            else:
                # The router keeps the stream, so replacing it in sys.stdout frees nothing.
                _WHILE_RECORDING.target = cast(TextIO, current)
                sys.stdout = cast(TextIO, _WHILE_RECORDING)
        _recordings += 1


def _end() -> None:
    global _recordings
    with _lock:
        _recordings -= 1
        # Their stream back, unless someone replaced the router meanwhile (theirs, then).
        if _recordings == 0 and cast(object, sys.stdout) is _WHILE_RECORDING:
            sys.stdout = _WHILE_RECORDING.target
