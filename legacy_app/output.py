"""Writing the command's output: files whole or not at all, devices and FIFOs directly,
and a failed write reported as ``OutputError`` (a closed pipe stays a ``BrokenPipeError``).

A regular file is written through a temporary file beside it and renamed into place on
success; Ctrl-C at any moment leaves the old file and no temporary behind.
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
import signal
import stat
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any, BinaryIO, TextIO, cast

from legacy_app.errors import HelloError


class OutputError(Exception):
    """An output that cannot be written: reported with exit status 1, no traceback."""


@contextlib.contextmanager
def output_to(name: str) -> Iterator[None]:
    """Report a failed write to ``name`` as an ``OutputError`` (a closed pipe stays one)."""
    try:
        yield
    except (BrokenPipeError, HelloError):
        raise
    except OSError as error:
        reason = error.strerror or str(error)
        raise OutputError(f"cannot write {name}: {reason}") from None


def emit(text: str) -> None:
    """Print ``text`` and a newline on standard output."""
    with output_to("standard output"):
        print(text)


class _Utf8Writer(io.TextIOBase):
    """Text to a binary stream as UTF-8, never closing the stream."""

    def __init__(self, binary: BinaryIO) -> None:
        super().__init__()
        self._binary = binary

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._binary.write(text.encode("utf-8"))
        return len(text)


@contextlib.contextmanager
def standard_output_document() -> Iterator[TextIO]:
    """Standard output for a document (``-`` for an output file): the same bytes as the
    file would hold (UTF-8, newlines as written), whatever the locale says."""
    with output_to("standard output"):
        sys.stdout.flush()
        binary: BinaryIO | None = getattr(sys.stdout, "buffer", None)
        if binary is None:  # a stand-in for text only (a StringIO): text it gets
            yield sys.stdout
            return
        yield cast(TextIO, _Utf8Writer(binary))
        binary.flush()


# Temporary files not yet renamed into place or removed. Ctrl-C removes them first thing
# (see interrupts_remove_temporaries): there is no moment at which one can be left behind.
_temporaries: set[str] = set()


def _remove_temporary(name: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(name)
    _temporaries.discard(name)


def _remove_temporaries() -> None:
    for name in list(_temporaries):
        _remove_temporary(name)


@contextlib.contextmanager
def interrupts_remove_temporaries() -> Iterator[None]:
    """While this lasts, Ctrl-C removes the temporary files before it interrupts anything.

    A handler runs at whatever point the interpreter notices the signal: right after the
    file is created, before a ``try`` is entered, in the middle of cleaning up. Removing
    the files from the handler itself leaves no such gap.
    """
    previous = (
        signal.getsignal(signal.SIGINT)
        if threading.current_thread() is threading.main_thread()
        else None
    )
    if not callable(previous):
        # Another thread (signals reach the main one only), or SIGINT ignored or not
        # Python's: then no KeyboardInterrupt can come, and the finally clause suffices.
        yield
        return
    interrupted = previous

    def on_interrupt(signum: int, frame: FrameType | None) -> Any:
        _remove_temporaries()
        return interrupted(signum, frame)

    signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _create_temporary(target: str) -> tuple[int, str]:
    """A new file beside ``target``, private to this call, registered before it exists."""
    directory, name = os.path.split(target)
    while True:
        temporary = os.path.join(directory, f".{name}.{secrets.token_hex(8)}.tmp")
        _temporaries.add(temporary)
        try:
            # 0o666 less the umask, as open() makes a new file.
            return os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), temporary
        except FileExistsError:
            _temporaries.discard(temporary)  # 64 random bits: never, in practice
        except BaseException:
            _remove_temporary(temporary)
            raise


def written_in_place(path: Path) -> bool:
    """Whether ``path`` is a device, FIFO or the like: written directly, never replaced."""
    if os.path.abspath(path).startswith(("/dev/", "/proc/")):
        # /dev/stdout is a link to wherever standard output goes, a regular file too.
        return True
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False  # not there yet: created like a regular file


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[TextIO]:
    """Write ``path`` whole or not at all.

    A regular file is written through a temporary file beside it and renamed into place
    on success (through a symlink, the link's target is replaced and the link kept), so
    an error or Ctrl-C at any moment leaves the old file and no temporary behind. A
    device or FIFO (``/dev/null``, ``/dev/stdout``) is written directly.
    """
    with output_to(str(path)):
        if written_in_place(path):
            with open(path, "w", encoding="utf-8", newline="\n") as out:
                yield out
            return
        target = os.path.realpath(path)
        with interrupts_remove_temporaries():
            temporary = ""
            try:
                fd, temporary = _create_temporary(target)
                with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
                    yield out
                    out.flush()
                    os.fsync(out.fileno())
                with contextlib.suppress(FileNotFoundError):
                    # Replacing a file keeps its permissions, as editing it in place would.
                    os.chmod(temporary, stat.S_IMODE(os.stat(target).st_mode))
                os.replace(temporary, target)
            finally:
                # After the rename the name is gone and this finds nothing to remove.
                _remove_temporary(temporary)


def quiet_stdout() -> None:
    """Point standard output at /dev/null, so the interpreter's last flush cannot fail."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
