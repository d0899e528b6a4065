"""NumPy as the backends and the comparison see it: the module already imported, and
only if it is NumPy (NumPy is never imported just to ask).

A stand-in under the name ``numpy`` in ``sys.modules`` (a stub, a mock, a broken
install) is no NumPy: Points in a list never notice it, and an object it calls an
array is no array, so a batch function refuses it as it refuses any non-sequence.
"""

from __future__ import annotations

import sys
from types import ModuleType

# CPython's flag for a class made at run time (a class statement): NumPy's ndarray is
# defined in C, statically.
_HEAP_TYPE = 1 << 9


def imported_numpy() -> ModuleType | None:
    """The ``numpy`` module if it is imported and is NumPy, else ``None``."""
    numpy = sys.modules.get("numpy")
    if numpy is None:
        return None
    try:
        ndarray = numpy.ndarray
    except Exception:  # noqa: BLE001 - a stand-in may fail any way it likes: no NumPy
        return None
    if not (
        isinstance(ndarray, type)
        and ndarray.__module__ == "numpy"
        and ndarray.__name__ == "ndarray"
        and not ndarray.__flags__ & _HEAP_TYPE
    ):
        return None
    return numpy
