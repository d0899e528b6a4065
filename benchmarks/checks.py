"""What every row checks about the answers it timed, so a fast wrong result cannot pass.

Our functions must match an exact baseline exactly (the pure-Python backend, or the
Numba grids, which ``peers.check`` proves against brute force). SciPy and pykdtree work
in floating point and break ties their own way: their neighbour must be exactly as near
as ours (integer arithmetic), with ours the lower index on a tie.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

Points = npt.NDArray[np.int64]
Indices = npt.NDArray[np.int64]


class ResultMismatch(Exception):
    """What a benchmark timed gave a different answer from its baseline."""


def squared(points: Points, i: Indices, j: Indices) -> tuple[Any, Any]:
    """The exact squared distances of the pairs ``(i[k], j[k])``, as ``(carry, low)``:
    ``carry * 2**64 + low``, since the sum of two squares below ``2**64`` needs 65 bits."""
    a, b = points[i].astype(np.uint64), points[j].astype(np.uint64)
    dx = np.where(a[:, 0] >= b[:, 0], a[:, 0] - b[:, 0], b[:, 0] - a[:, 0])
    dy = np.where(a[:, 1] >= b[:, 1], a[:, 1] - b[:, 1], b[:, 1] - a[:, 1])
    dx2 = dx * dx
    low = dx2 + dy * dy
    return (low < dx2).astype(np.uint64), low


def exact_distances(points: Points, i: Indices, j: Indices) -> npt.NDArray[np.float64]:
    """``Point.dist`` of each pair: the exact integer rounded once to a float, then sqrt."""
    carry, low = squared(points, i, j)
    # uint64 -> float64 rounds to nearest once, as Python's int -> float does.
    distances: npt.NDArray[np.float64] = np.sqrt(low.astype(np.float64))
    for k in np.flatnonzero(carry):
        distances[k] = math.sqrt(2**64 + int(low[k]))
    return distances


def _first_difference(ours: Any, expected: Any) -> str:
    ours, expected = np.asarray(ours), np.asarray(expected)
    if ours.shape != expected.shape:
        return f"shape {ours.shape} instead of {expected.shape}"
    where = np.flatnonzero(ours.ravel() != expected.ravel())
    k = int(where[0])
    return f"at {k}: {ours.ravel()[k]!r} instead of {expected.ravel()[k]!r}"


def same(label: str, ours: Any, expected: Any) -> None:
    """Exactly equal: lists, tuples, or NumPy arrays (element by element)."""
    if isinstance(ours, np.ndarray) or isinstance(expected, np.ndarray):
        if not np.array_equal(ours, expected):
            raise ResultMismatch(f"{label}: {_first_difference(ours, expected)}")
        return
    if isinstance(ours, tuple) and isinstance(expected, tuple) and len(ours) == len(expected):
        for part, (mine, theirs) in enumerate(zip(ours, expected)):
            same(f"{label} (part {part})", mine, theirs)
        return
    if ours != expected:
        raise ResultMismatch(f"{label}: {_first_difference(ours, expected)}")


def exact_neighbours(label: str, points: Points, indices: Indices, distances: Any) -> None:
    """``indices`` name other points and ``distances`` are exactly their ``Point.dist``."""
    everyone = np.arange(len(points))
    if np.any(indices == everyone) or np.any(indices < 0) or np.any(indices >= len(points)):
        raise ResultMismatch(f"{label}: a neighbour index is the point itself or out of range")
    same(f"{label}: distances", distances, exact_distances(points, everyone, indices))


def agrees_with_tree(
    label: str, points: Points, ours: tuple[Indices, Any], tree_distances: Any, tree_indices: Any
) -> None:
    """Our exact all-nearest answer against a k-d tree's ``query(k=2)`` columns.

    The tree's own point is usually column 0, but on a duplicate either column may be
    it; its neighbour is the other column. That neighbour must be exactly as near as
    ours; where it differs, it is a tie and ours must be the lower index.
    """
    indices, distances = ours
    exact_neighbours(label, points, indices, distances)
    everyone = np.arange(len(points))
    columns = np.asarray(tree_indices).astype(np.int64)
    theirs = np.where(columns[:, 1] == everyone, columns[:, 0], columns[:, 1])
    their_carry, their_low = squared(points, everyone, theirs)
    our_carry, our_low = squared(points, everyone, indices)
    nearer = (their_carry != our_carry) | (their_low != our_low)
    if np.any(nearer):
        k = int(np.flatnonzero(nearer)[0])
        raise ResultMismatch(
            f"{label}: point {k}: the tree's neighbour {theirs[k]} is not as near as ours "
            f"{indices[k]}"
        )
    if np.any((theirs != indices) & (theirs < indices)):
        raise ResultMismatch(f"{label}: on a tie ours is not the lowest index")
    their_distances = np.asarray(tree_distances)[:, 1]
    # The trees sum squares in floating point: equal to ours but for the last bits.
    if not np.allclose(distances, their_distances, rtol=1e-9, atol=0):
        raise ResultMismatch(f"{label}: the tree's distances differ from ours")
