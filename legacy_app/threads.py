"""``LEGACY_APP_THREADS``, the cap on batch work's worker threads: read here only, for
both backends (the Rust one asks :func:`cap` at each batch call and is handed the number).

One reading makes one rule and one message, and keeps the Rust side from calling
``getenv`` while a Python thread without the GIL changes the environment.
"""

from __future__ import annotations

import functools
import os
import string
import sys
from typing import Any

VARIABLE = "LEGACY_APP_THREADS"

# More digits than this (leading zeros aside) is above any machine's cores: sys.maxsize
# then, which still fits the Rust side's usize.
_LONGEST = len(str(sys.maxsize)) - 1


def cap() -> int | None:
    """The cap ``LEGACY_APP_THREADS`` sets (at most ``sys.maxsize``), or ``None`` when it
    is unset (all cores). Read at each call, so it can change between calls.

    Raises ``ValueError`` naming the variable when it is not a positive integer: ASCII
    digits, with ASCII whitespace around them.
    """
    # os.environ.get would raise and catch KeyError inside the mapping when the variable
    # is unset, about a microsecond: as long as a whole batch call on a few Points under
    # Rust. The mapping's own store is read instead, as os.environ[...] reads it, and
    # what it holds is decoded and parsed once per value.
    store = getattr(os.environ, "_data", None)
    raw = os.environ.get(VARIABLE) if store is None else store.get(_KEY)
    return None if raw is None else _parse(raw)


_environ: Any = os.environ
# The variable's name as os.environ's store holds it (bytes on POSIX).
_KEY = _environ.encodekey(VARIABLE)


@functools.lru_cache(maxsize=16)
def _parse(raw: str | bytes) -> int:
    value = str(_environ.decodevalue(raw)) if isinstance(raw, bytes) else raw
    digits = value.strip(string.whitespace).lstrip("0")
    if not (digits.isascii() and digits.isdigit()):
        # The value as repr shows it: a control character or an undecodable byte
        # (os.environ's '\udcff') is named, not printed.
        raise ValueError(f"{VARIABLE} must be a positive integer, got {value!r}")
    return sys.maxsize if len(digits) > _LONGEST else min(int(digits), sys.maxsize)
