"""What the picture of ``legacy-app report --svg`` draws, decided from every point.

Where the file's coordinates land (``Frame``), each point's place on a grid finer than a
pixel, one dot per cell of points, and the route's vertices with steps too short to see
merged; past a size limit, the cells and the merge length double until the drawing is
small enough. With NumPy this is decided per pixel over whole columns, the route's
thinning (a rule that runs along the route) in ``rust_ext`` where it is built; without
NumPy, point by point in Python, slowly. The picture is the same, byte for byte,
whichever does the work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    # The points as columns: an (n, 2) integer array, or (xs, ys) as two sequences.
    PointColumns = Union[npt.NDArray[np.integer[Any]], tuple[Sequence[int], Sequence[int]]]
    # Ints in a row, such as the route (indices into the points): an array or a sequence.
    IntColumn = Union[npt.NDArray[np.integer[Any]], Sequence[int]]

# The square plot area of the picture, in pixels.
PLOT_LEFT, PLOT_TOP, PLOT_SIZE = 110, 90, 800
# Coordinates are written as integers on a grid this many times finer than a pixel:
# exact enough to draw, and a few bytes a vertex.
GRID = 10
# Above these counts the drawing is thinned further, so that a million points make a
# picture of a few megabytes that renders in seconds.
ROUTE_VERTEX_LIMIT = 150_000
DOT_LIMIT = 150_000
# Points converted to the fine grid at a time: the float temporaries stay in the cache.
GRID_BLOCK = 1 << 18


@dataclass(frozen=True)
class Frame:
    """Where the file's coordinates land in the picture: one scale for x and y."""

    min_x: int
    min_y: int
    span: int

    @classmethod
    def around(cls, xs: Sequence[int], ys: Sequence[int]) -> Frame:
        if not xs:
            return cls(0, 0, 1)
        return cls.spanning(min(xs), min(ys), max(xs), max(ys))

    @classmethod
    def spanning(cls, min_x: int, min_y: int, max_x: int, max_y: int) -> Frame:
        """The frame of points within these bounds (a square: the larger side)."""
        return cls(min_x, min_y, max(max_x - min_x, max_y - min_y, 1))

    @property
    def scale(self) -> float:
        """Fine-grid units per unit of the file's coordinates."""
        return PLOT_SIZE * GRID / self.span

    def grid(self, x: int, y: int) -> tuple[int, int]:
        """``(x, y)`` on the plot's fine grid; y grows upwards, as on a map."""
        scale = self.scale
        return round((x - self.min_x) * scale), round((self.span - (y - self.min_y)) * scale)

    def pixel(self, x: int, y: int) -> tuple[float, float]:
        gx, gy = self.grid(x, y)
        return PLOT_LEFT + gx / GRID, PLOT_TOP + gy / GRID


@dataclass(frozen=True)
class Drawing:
    """What the picture draws of the points and the route, decided from every point."""

    frame: Frame
    count: int
    # One dot per cell of ``dot_cell`` grid units, as ``[x, y]`` on the fine grid.
    dots: Sequence[Sequence[int]]
    dot_cell: int
    # The route's vertices drawn, on the fine grid, with steps under ``merge`` merged.
    vertices: Sequence[Sequence[int]]
    merge: int
    route_count: int
    # The points the markers and the legend show: the route's ends and the closest pair,
    # as indices and file coordinates.
    marked: dict[int, tuple[int, int]]
    route_ends: tuple[int, int] | None


def plan(points: PointColumns, route: IntColumn, closest_pair: tuple[int, int] | None) -> Drawing:
    """What to draw: with NumPy where it is importable, else point by point."""
    try:
        import numpy  # noqa: F401  (only asked whether it is there)
    except ImportError:
        xs, ys = points  # without NumPy, only columns can be given
        return plan_point_by_point(xs, ys, route, closest_pair)
    return plan_with_numpy(points, route, closest_pair)


def plan_point_by_point(
    xs: Sequence[int],
    ys: Sequence[int],
    route: IntColumn,
    closest_pair: tuple[int, int] | None,
) -> Drawing:
    """The picture's rules stated one point at a time: the reference, slow past 100,000."""
    frame = Frame.around(xs, ys)
    grid = [frame.grid(x, y) for x, y in zip(xs, ys)]
    dots, dot_cell = thin_dots(grid)
    vertices = [grid[k] for k in route]
    kept, merge = thin_route(vertices, GRID // 2, ROUTE_VERTEX_LIMIT)
    ends = (int(route[0]), int(route[-1])) if len(route) else None
    return Drawing(
        frame=frame,
        count=len(xs),
        dots=dots,
        dot_cell=dot_cell,
        vertices=[vertices[k] for k in kept],
        merge=merge,
        route_count=len(route),
        marked=marked_points(xs, ys, ends, closest_pair),
        route_ends=ends,
    )


def thin_dots(grid: Sequence[tuple[int, int]]) -> tuple[list[tuple[int, int]], int]:
    """One dot per cell of the returned size (in grid units), at the first point in it."""
    cell = GRID  # a pixel: below that, dots overlap anyway
    while True:
        first: dict[tuple[int, int], tuple[int, int]] = {}
        for gx, gy in grid:
            first.setdefault((gx // cell, gy // cell), (gx, gy))
        if len(first) <= DOT_LIMIT:
            return list(first.values()), cell
        cell *= 2


def thin_route(vertices: Sequence[Sequence[int]], merge: int, limit: int) -> tuple[list[int], int]:
    """Which of the route's ``vertices`` are drawn, and the merge length (grid units).

    A vertex is drawn when it is at least ``merge`` from the last one drawn (Manhattan
    distance), and the last always is; while that draws more than ``limit``, ``merge``
    doubles. ``rust_ext._thin_route`` is the same rule, fast.
    """
    while True:
        kept: list[int] = []
        last_x = last_y = -(10**9)
        for index, (gx, gy) in enumerate(vertices):
            if abs(gx - last_x) + abs(gy - last_y) >= merge or index == len(vertices) - 1:
                kept.append(index)
                last_x, last_y = gx, gy
        if len(kept) <= limit:
            return kept, merge
        merge *= 2


def plan_with_numpy(
    points: PointColumns, route: IntColumn, closest_pair: tuple[int, int] | None
) -> Drawing:
    """``plan_point_by_point``'s rules over whole columns: the same picture, per pixel."""
    import numpy as np

    if isinstance(points, np.ndarray):
        if points.ndim != 2 or points.shape[1:] != (2,):
            raise ValueError(f"points must be an (n, 2) array, not of shape {points.shape}")
        xs, ys = points[:, 0], points[:, 1]
    else:
        xs, ys = np.asarray(points[0]), np.asarray(points[1])
    order = np.asarray(route, dtype=np.intp)
    count = len(xs)
    if count == 0:
        frame = Frame(0, 0, 1)
    else:
        frame = Frame.spanning(int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max()))
    grid = grid_positions(frame, xs, ys)
    dots, dot_cell = thin_dots_per_cell(grid)
    # take, not grid[order]: NumPy's fancy indexing copies row by row, several times slower.
    vertices = np.take(grid, order, axis=0)
    del grid  # 8 bytes a point, not needed while the route is thinned
    kept, merge = thin_route_columns(vertices)
    ends = (int(order[0]), int(order[-1])) if len(order) else None
    return Drawing(
        frame=frame,
        count=count,
        dots=dots.tolist(),
        dot_cell=dot_cell,
        vertices=vertices[kept].tolist(),
        merge=merge,
        route_count=len(order),
        marked=marked_points(xs, ys, ends, closest_pair),
        route_ends=ends,
    )


def grid_positions(
    frame: Frame, xs: npt.NDArray[np.integer[Any]], ys: npt.NDArray[np.integer[Any]]
) -> npt.NDArray[np.int32]:
    """``Frame.grid`` of every point, as an ``(n, 2)`` array, bit for bit.

    The same float operations in the same order: the integer differences are exact in
    float64 (below 2**53), and ``rint`` rounds halves to even as ``round`` does.
    """
    import numpy as np

    grid = np.empty((len(xs), 2), dtype=np.int32)
    scale, top = frame.scale, frame.min_y + frame.span
    for begin in range(0, len(xs), GRID_BLOCK):
        end = begin + GRID_BLOCK
        gx = xs[begin:end].astype(np.float64)
        gx -= frame.min_x
        gx *= scale
        grid[begin:end, 0] = np.rint(gx, out=gx)
        gy = ys[begin:end].astype(np.float64)
        np.subtract(top, gy, out=gy)
        gy *= scale
        grid[begin:end, 1] = np.rint(gy, out=gy)
    return grid


def thin_dots_per_cell(
    grid: npt.NDArray[np.int32],
) -> tuple[npt.NDArray[np.int32], int]:
    """``thin_dots`` over a grid array: the first point of each cell, in the points' order.

    The first point of each pixel-sized cell is found once; a cell twice the size holds
    four of those, and its first point is the first of theirs, so each doubling works
    on the cells, not on the points again.
    """
    import numpy as np

    count = len(grid)
    if count == 0:
        return grid, GRID
    columns, rows = (int(grid[:, axis].max()) // GRID + 1 for axis in (0, 1))
    # first[cell] = the lowest index of a point in it, or ``count`` for none.
    first = np.full(columns * rows, count, dtype=np.intp)
    for begin in range(0, count, GRID_BLOCK):
        block = grid[begin : begin + GRID_BLOCK] // GRID
        keys = block[:, 0].astype(np.intp) * rows + block[:, 1]
        np.minimum.at(first, keys, np.arange(begin, begin + len(block)))
    table = first.reshape(columns, rows)
    cell = GRID
    while np.count_nonzero(table < count) > DOT_LIMIT:
        padded = np.full((columns + columns % 2, rows + rows % 2), count, dtype=np.intp)
        padded[:columns, :rows] = table
        columns, rows = padded.shape[0] // 2, padded.shape[1] // 2
        table = padded.reshape(columns, 2, rows, 2).min(axis=(1, 3))
        cell *= 2
    return grid[np.sort(table[table < count])], cell


def thin_route_columns(
    vertices: npt.NDArray[np.int32],
) -> tuple[npt.NDArray[np.intp] | list[int], int]:
    """``thin_route`` over the route's grid positions: in Rust, or in Python without it."""
    try:
        from rust_ext import _thin_route
    except ImportError:
        return thin_route(vertices.tolist(), GRID // 2, ROUTE_VERTEX_LIMIT)
    return _thin_route(vertices, GRID // 2, ROUTE_VERTEX_LIMIT)


def marked_points(
    xs: IntColumn,
    ys: IntColumn,
    route_ends: tuple[int, int] | None,
    closest_pair: tuple[int, int] | None,
) -> dict[int, tuple[int, int]]:
    """The file coordinates of the points that the markers and the legend show."""
    shown = [*(route_ends or ()), *(closest_pair or ())]
    return {int(k): (int(xs[k]), int(ys[k])) for k in shown}
