"""Write the shipped sample, ``legacy_app/data/sample_points.csv``, deterministically.

100,000 points shaped like a map: towns of different sizes (Gaussian clusters) and a
thin scatter of isolated points, on a 10,000,000-unit square, with a few exact
duplicates as real data has. Run again, it writes the same bytes:

    python scripts/make_sample.py
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

SIDE = 10_000_000
SEED = 20_261_124
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "legacy_app" / "data" / "sample_points.csv"


def sample(count: int, seed: int = SEED) -> list[tuple[int, int]]:
    """``count`` points: 90% in towns, 10% scattered, 0.1% repeats of earlier points."""
    rng = random.Random(seed)
    towns = [
        (rng.uniform(0.05, 0.95) * SIDE, rng.uniform(0.05, 0.95) * SIDE, rng.paretovariate(1.2))
        for _ in range(120)
    ]
    weights = [size for _, _, size in towns]
    points: list[tuple[int, int]] = []
    while len(points) < count:
        roll = rng.random()
        if roll < 0.001 and points:
            points.append(rng.choice(points))
            continue
        if roll < 0.1:
            x, y = rng.uniform(0, SIDE), rng.uniform(0, SIDE)
        else:
            cx, cy, size = rng.choices(towns, weights)[0]
            spread = 15_000 * size**0.5
            x, y = rng.gauss(cx, spread), rng.gauss(cy, spread)
        points.append((min(max(round(x), 0), SIDE), min(max(round(y), 0), SIDE)))
    return points


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    lines = ["x,y", f"# {args.count} points, seed {args.seed}: towns and scattered points"]
    lines += [f"{x},{y}" for x, y in sample(args.count, args.seed)]
    args.out.write_text("\n".join(lines) + "\n", encoding="ascii")


if __name__ == "__main__":
    main()
