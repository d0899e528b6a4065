"""Progress bars on stderr for the command's long steps, shown only on a terminal."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

Progress = Callable[[int, int], None]

# How often a bar redraws its elapsed time while the work reports nothing (load_points).
TICK_SECONDS = 0.5


class ProgressBar:
    """A context manager giving a ``progress(done, total)`` callback that feeds a tqdm bar.

    The bar shows only where stderr is a terminal, never in logs or pipes, and its clock
    keeps ticking for work that has no progress callback of its own.
    """

    def __init__(self, description: str, show: bool = True, unit: str = "pt") -> None:
        self.description = description
        self.show = show
        self.unit = unit
        self._bar: Any = None
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def __enter__(self) -> Progress:
        if self.show:
            from tqdm import tqdm

            # disable=None: a bar only where stderr is a terminal.
            self._bar = tqdm(
                desc=self.description, file=sys.stderr, unit=self.unit, leave=False, disable=None
            )
            if not self._bar.disable:
                self._ticker = threading.Thread(target=self._tick, daemon=True)
                self._ticker.start()
        return self.progress

    def progress(self, done: int, total: int) -> None:
        bar = self._bar
        if bar is not None:
            bar.total = total
            bar.update(done - bar.n)

    def _tick(self) -> None:
        while not self._stop.wait(TICK_SECONDS):
            self._bar.refresh()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
        if self._bar is not None:
            self._bar.close()
