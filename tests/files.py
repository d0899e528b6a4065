"""Files that change while they are read, for the loaders' tests: a FIFO a thread
feeds, a file a thread appends to."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path


@contextlib.contextmanager
def fifo_fed(path: Path, chunks: Sequence[bytes], pause: float) -> Iterator[threading.Thread]:
    """A FIFO at ``path`` that a thread fills with ``chunks``, ``pause`` apart, then closes."""
    os.mkfifo(path)

    def feed() -> None:
        with open(path, "wb", buffering=0) as out:
            for chunk in chunks:
                out.write(chunk)
                time.sleep(pause)

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    try:
        yield feeder
    finally:
        feeder.join(timeout=10)
        if feeder.is_alive():
            # Nobody opened the FIFO: open it, so that the feeder can finish.
            reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
            feeder.join(timeout=10)
            os.close(reader)
        assert not feeder.is_alive()


@contextlib.contextmanager
def appended_meanwhile(path: Path, pieces: Sequence[bytes]) -> Iterator[None]:
    """``pieces`` appended to the file at ``path`` by a thread, a millisecond apart, from
    the start of the block (waited for at its end)."""
    started = threading.Event()

    def append() -> None:
        with open(path, "ab") as out:
            started.set()
            for piece in pieces:
                out.write(piece)
                out.flush()
                time.sleep(0.001)

    writer = threading.Thread(target=append)
    writer.start()
    started.wait(timeout=10)
    try:
        yield
    finally:
        writer.join(timeout=60)
