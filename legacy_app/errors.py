"""The application's exception family: the one definition, raised by both backends.

The Rust extension imports these very classes (lazily, never while it initialises)
instead of defining look-alikes, so ``except`` clauses written for the pure-Python
app keep catching what the Rust code raises.  Every ``str()`` starts with
``Hello Error: `` and every instance pickles with its type, message and attributes.
"""

from __future__ import annotations

import os

__all__ = ["AppleStuckInThroat", "HelloError", "HelloIOError", "PointsFormatError"]

PREFIX = "Hello Error: "


class HelloError(Exception):
    """Base of every application error."""


class HelloIOError(HelloError, OSError):
    """A file cannot be read.

    ``errno``, ``strerror`` and ``filename`` are set as ``OSError`` sets them, but
    ``str()`` keeps the app's own form, in the spirit of Rust's ``io::Error``:
    ``Hello Error: No such file or directory (os error 2): 'pts.csv'``.
    """

    def __init__(self, errno: int, strerror: str, filename: str) -> None:
        # OSError's three-argument form fills errno, strerror and filename, and
        # its __reduce__ hands the same three back, so pickling needs nothing more.
        super().__init__(errno, strerror, filename)

    def __str__(self) -> str:
        return f"{PREFIX}{self.strerror} (os error {self.errno}): {self.filename!r}"

    @classmethod
    def from_os_error(cls, error: OSError, path: str | os.PathLike[str]) -> HelloIOError:
        """Wrap an ``OSError`` raised while reading ``path``."""
        errno = error.errno if error.errno is not None else 0
        strerror = error.strerror if error.strerror is not None else str(error)
        return cls(errno, strerror, os.fsdecode(path))


class AppleStuckInThroat(HelloError):
    """Raised by ``throws_error()``."""

    def __init__(self, message: str = f"{PREFIX}🍏🍏") -> None:
        super().__init__(message)


class PointsFormatError(HelloError, ValueError):
    """A bad line in a points file; ``line`` is 1-based."""

    path: str
    line: int
    reason: str

    def __init__(self, path: str, line: int, reason: str) -> None:
        # The three fields are the exception's args, so the default
        # BaseException.__reduce__ rebuilds an equal instance on unpickling.
        super().__init__(path, line, reason)
        self.path = path
        self.line = line
        self.reason = reason

    def __str__(self) -> str:
        return f"{PREFIX}{self.path}:{self.line}: {self.reason}"
