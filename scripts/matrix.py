"""``make matrix``: the manylinux wheel built once, then the suite on every CPython of
noxfile.py's matrix, two interpreters at a time (one a core: each run is one pytest
process, mostly on one thread), each half's log printed when it is done.

    python scripts/matrix.py     # from the checkout, with nox installed (the dev extra)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# How many interpreters run at once: the cores of the machines this runs on.
AT_ONCE = 2


def main() -> int:
    sys.path.insert(0, str(ROOT))
    import noxfile

    nox = [sys.executable, "-m", "nox", "--no-color", "-f", str(ROOT / "noxfile.py")]
    built = subprocess.run([*nox, "-s", "wheel"], cwd=ROOT, check=False)
    if built.returncode != 0:
        return built.returncode
    (wheel,) = noxfile.WHEELHOUSE.glob(f"legacy_app-*{noxfile.MANYLINUX}*.whl")
    env = {**os.environ, "LEGACY_APP_WHEEL": str(wheel)}
    groups = [noxfile.PYTHONS[k::AT_ONCE] for k in range(AT_ONCE)]
    logs = [ROOT / "build" / f"matrix-{k}.log" for k in range(AT_ONCE)]
    runs = []
    for versions, log in zip(groups, logs):
        sessions = [f"matrix-{version}" for version in versions]
        with log.open("w") as out:
            runs.append(
                subprocess.Popen([*nox, "-s", *sessions], cwd=ROOT, env=env, stdout=out, stderr=out)
            )
    statuses = [run.wait() for run in runs]
    for log in logs:
        print(log.read_text(errors="replace"), flush=True)
    return max(statuses)


if __name__ == "__main__":
    sys.exit(main())
