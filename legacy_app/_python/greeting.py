"""The original app's two greetings: ``say_hello`` and ``throws_error``."""

from __future__ import annotations

import sys
from typing import NoReturn

from legacy_app.errors import AppleStuckInThroat


def say_hello() -> None:
    """Write ``Hello world!`` through ``sys.stdout``."""
    sys.stdout.write("Hello world!\n")


def throws_error() -> NoReturn:
    """Raise ``AppleStuckInThroat``."""
    raise AppleStuckInThroat()
