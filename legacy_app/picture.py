"""The picture of ``legacy-app report --svg``: the points and the greedy route, for people.

A dependency-free SVG: a title with the file name, point count and route length; the
route coloured from its start to its end so its direction reads; the start, the end and
the closest pair marked; a legend; axes in the file's own coordinates. Past a size limit
the drawing is thinned (never the figures): route steps shorter than a fraction of a pixel
are merged and nearby dots drawn once, and the picture says how much was drawn.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TextIO
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 1200, 1000
# The square plot area, in pixels.
PLOT_LEFT, PLOT_TOP, PLOT_SIZE = 110, 90, 800
LEGEND_LEFT = PLOT_LEFT + PLOT_SIZE + 30
# Coordinates are written as integers on a grid this many times finer than a pixel:
# exact enough to draw, and a few bytes a vertex.
GRID = 10
# Above these counts the drawing is thinned further, so that a million points make a
# picture of a few megabytes that renders in seconds.
ROUTE_VERTEX_LIMIT = 150_000
DOT_LIMIT = 150_000
ROUTE_COLOUR_STEPS = 48
# Matplotlib's "plasma" from 0 to 0.85 (its last yellows vanish on white).
PLASMA = ["#0d0887", "#5c01a6", "#9c179e", "#cc4778", "#ed7953", "#fdb42f"]
START_COLOUR, END_COLOUR, PAIR_COLOUR, DOT_COLOUR = "#1a9850", "#202020", "#d7191c", "#8d949c"
FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"'


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
        min_x, min_y = min(xs), min(ys)
        return cls(min_x, min_y, max(max(xs) - min_x, max(ys) - min_y, 1))

    def grid(self, x: int, y: int) -> tuple[int, int]:
        """``(x, y)`` on the plot's fine grid; y grows upwards, as on a map."""
        scale = PLOT_SIZE * GRID / self.span
        return round((x - self.min_x) * scale), round((self.span - (y - self.min_y)) * scale)

    def pixel(self, x: int, y: int) -> tuple[float, float]:
        gx, gy = self.grid(x, y)
        return PLOT_LEFT + gx / GRID, PLOT_TOP + gy / GRID


def write_picture(
    out: TextIO,
    points: Sequence[Any],
    route: Sequence[int],
    *,
    name: str,
    route_length: float,
    closest_pair: tuple[int, int, float] | None,
) -> None:
    """Draw ``points`` (Points of either backend) and ``route`` (indices into them)."""
    xs = [p.x for p in points]
    ys = [p.y for p in points]
    frame = Frame.around(xs, ys)
    grid = [frame.grid(x, y) for x, y in zip(xs, ys)]
    dots, dot_cell = thin_dots(grid)
    vertices, merge = thin_route([grid[k] for k in route])
    count = len(points)
    width = 2.2 if count <= 1_000 else 1.2 if count <= 20_000 else 0.7

    out.write(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" {FONT}>\n'
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>\n'
    )
    title = f"{name}: {count:,} points, greedy route length {format_number(route_length)}"
    out.write(
        f'<text x="{PLOT_LEFT}" y="40" font-size="22" font-weight="bold">{escape(title)}</text>\n'
        f'<text x="{PLOT_LEFT}" y="66" font-size="14" fill="#555">'
        f"route from point #{route[0] if route else 0}, coloured from start to end; "
        f"axes in the file's coordinates</text>\n"
    )
    write_axes(out, frame)
    out.write(f'<g transform="translate({PLOT_LEFT} {PLOT_TOP}) scale({1 / GRID})">\n')
    write_dots(
        out, dots, diameter=GRID * (4.0 if count <= 1_000 else 2.0 if count <= 20_000 else 1.4)
    )
    write_route(out, vertices, stroke=GRID * width)
    out.write("</g>\n")
    write_markers(out, frame, xs, ys, route, closest_pair)
    write_legend(out, xs, ys, route, closest_pair, route_length)
    drawn = (
        f"drawn: the route through {len(vertices):,} of {len(route):,} points "
        f"(steps under {merge / GRID:g} px merged), {len(dots):,} dots for {count:,} points "
        f"(one per {dot_cell / GRID:g} px); every figure uses every point"
    )
    out.write(
        f'<text x="{PLOT_LEFT}" y="{HEIGHT - 14}" font-size="12" fill="#777">'
        f"{escape(drawn)}</text>\n"
    )
    out.write("</svg>\n")


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


def thin_route(vertices: Sequence[tuple[int, int]]) -> tuple[list[tuple[int, int]], int]:
    """The route with steps shorter than the returned length (grid units) merged."""
    merge = GRID // 2  # half a pixel: invisible
    while True:
        kept: list[tuple[int, int]] = []
        last_x = last_y = -(10**9)
        for index, (gx, gy) in enumerate(vertices):
            if abs(gx - last_x) + abs(gy - last_y) >= merge or index == len(vertices) - 1:
                kept.append((gx, gy))
                last_x, last_y = gx, gy
        if len(kept) <= ROUTE_VERTEX_LIMIT:
            return kept, merge
        merge *= 2


def write_dots(out: TextIO, dots: Sequence[tuple[int, int]], diameter: float) -> None:
    if not dots:
        return
    # Every dot a zero-length round-capped segment: one element, a few bytes a dot.
    out.write(
        f'<path stroke="{DOT_COLOUR}" stroke-opacity="0.7" stroke-width="{diameter:g}" '
        f'stroke-linecap="round" d="'
    )
    x, y = dots[0]
    out.write(f"M{x} {y}h0")
    for gx, gy in dots[1:]:
        out.write(f"m{gx - x} {gy - y}h0")
        x, y = gx, gy
    out.write('"/>\n')


def write_route(out: TextIO, vertices: Sequence[tuple[int, int]], stroke: float) -> None:
    """The route in ``ROUTE_COLOUR_STEPS`` pieces, each a colour of the scale in turn."""
    if len(vertices) < 2:
        return
    steps = min(ROUTE_COLOUR_STEPS, len(vertices) - 1)
    for step in range(steps):
        begin = step * (len(vertices) - 1) // steps
        end = (step + 1) * (len(vertices) - 1) // steps
        colour = colour_at(step / max(steps - 1, 1))
        out.write(
            f'<path fill="none" stroke="{colour}" stroke-width="{stroke:g}" '
            f'stroke-linejoin="round" stroke-linecap="round" d="'
        )
        x, y = vertices[begin]
        out.write(f"M{x} {y}")
        for gx, gy in vertices[begin + 1 : end + 1]:
            out.write(f"l{gx - x} {gy - y}")
            x, y = gx, gy
        out.write('"/>\n')


def colour_at(t: float) -> str:
    """The route's colour a fraction ``t`` of the way from its start to its end."""
    position = min(max(t, 0.0), 1.0) * (len(PLASMA) - 1)
    index = min(int(position), len(PLASMA) - 2)
    low, high = PLASMA[index], PLASMA[index + 1]
    fraction = position - index
    channels = (
        round(int(low[i : i + 2], 16) * (1 - fraction) + int(high[i : i + 2], 16) * fraction)
        for i in (1, 3, 5)
    )
    return "#" + "".join(f"{c:02x}" for c in channels)


def nice_step(span: float, ticks: int = 6) -> float:
    """A round step (1, 2 or 5 times a power of ten) giving about ``ticks`` ticks."""
    raw = span / ticks
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5):
        if factor * power >= raw:
            return factor * power
    return 10 * power


def format_number(value: float) -> str:
    if value == int(value):
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def write_axes(out: TextIO, frame: Frame) -> None:
    """A frame around the plot, light grid lines and tick labels in file coordinates."""
    right, bottom = PLOT_LEFT + PLOT_SIZE, PLOT_TOP + PLOT_SIZE
    step = nice_step(frame.span)
    out.write('<g stroke="#e6e6e6" stroke-width="1">\n')
    labels: list[str] = []
    for axis in ("x", "y"):
        low = frame.min_x if axis == "x" else frame.min_y
        value = math.ceil(low / step) * step
        while value <= low + frame.span:
            offset = (value - low) / frame.span * PLOT_SIZE
            text = escape(format_number(value))
            if axis == "x":
                at = PLOT_LEFT + offset
                out.write(f'<line x1="{at:.1f}" y1="{PLOT_TOP}" x2="{at:.1f}" y2="{bottom}"/>\n')
                labels.append(
                    f'<text x="{at:.1f}" y="{bottom + 20}" text-anchor="middle">{text}</text>'
                )
            else:
                at = bottom - offset
                out.write(f'<line x1="{PLOT_LEFT}" y1="{at:.1f}" x2="{right}" y2="{at:.1f}"/>\n')
                labels.append(
                    f'<text x="{PLOT_LEFT - 8}" y="{at + 4:.1f}" text-anchor="end">{text}</text>'
                )
            value += step
    out.write("</g>\n")
    out.write(
        f'<rect x="{PLOT_LEFT}" y="{PLOT_TOP}" width="{PLOT_SIZE}" height="{PLOT_SIZE}" '
        f'fill="none" stroke="#444" stroke-width="1"/>\n'
        f'<g font-size="12" fill="#333">\n' + "\n".join(labels) + "\n</g>\n"
        f'<text x="{PLOT_LEFT + PLOT_SIZE / 2}" y="{bottom + 44}" font-size="14" '
        f'text-anchor="middle">x</text>\n'
        f'<text x="{PLOT_LEFT - 90}" y="{PLOT_TOP + PLOT_SIZE / 2}" font-size="14">y</text>\n'
    )


def write_markers(
    out: TextIO,
    frame: Frame,
    xs: Sequence[int],
    ys: Sequence[int],
    route: Sequence[int],
    closest_pair: tuple[int, int, float] | None,
) -> None:
    """The closest pair (red rings), the route's end (a square) and start (a green disc)."""
    if closest_pair is not None:
        for k in closest_pair[:2]:
            px, py = frame.pixel(xs[int(k)], ys[int(k)])
            out.write(
                f'<circle cx="{px:.1f}" cy="{py:.1f}" r="11" fill="none" '
                f'stroke="{PAIR_COLOUR}" stroke-width="3"/>\n'
            )
    if route:
        px, py = frame.pixel(xs[route[-1]], ys[route[-1]])
        out.write(
            f'<rect x="{px - 6:.1f}" y="{py - 6:.1f}" width="12" height="12" '
            f'fill="{END_COLOUR}" stroke="white" stroke-width="2"/>\n'
        )
        px, py = frame.pixel(xs[route[0]], ys[route[0]])
        out.write(
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="8" fill="{START_COLOUR}" '
            f'stroke="white" stroke-width="2.5"/>\n'
        )


def write_legend(
    out: TextIO,
    xs: Sequence[int],
    ys: Sequence[int],
    route: Sequence[int],
    closest_pair: tuple[int, int, float] | None,
    route_length: float,
) -> None:
    left = LEGEND_LEFT
    stops = "".join(
        f'<stop offset="{i / (len(PLASMA) - 1):.2f}" stop-color="{c}"/>'
        for i, c in enumerate(PLASMA)
    )
    rows: list[str] = [
        f'<text x="{left}" y="{PLOT_TOP + 12}" font-size="16" font-weight="bold">Legend</text>',
        f'<defs><linearGradient id="route-colours">{stops}</linearGradient></defs>',
        f'<rect x="{left}" y="{PLOT_TOP + 32}" width="200" height="14" '
        'fill="url(#route-colours)"/>',
        f'<text x="{left}" y="{PLOT_TOP + 64}">start</text>',
        f'<text x="{left + 200}" y="{PLOT_TOP + 64}" text-anchor="end">end</text>',
        f'<text x="{left}" y="{PLOT_TOP + 84}">greedy route, in visiting order</text>',
        f'<text x="{left}" y="{PLOT_TOP + 102}">'
        f"length {escape(format_number(route_length))}</text>",
        f'<circle cx="{left + 8}" cy="{PLOT_TOP + 132}" r="3" fill="{DOT_COLOUR}"/>',
        f'<text x="{left + 24}" y="{PLOT_TOP + 137}">a point ({len(xs):,} in all)</text>',
    ]
    y = PLOT_TOP + 170
    if route:
        start, end = route[0], route[-1]
        rows += [
            f'<circle cx="{left + 8}" cy="{y}" r="8" fill="{START_COLOUR}"/>',
            f'<text x="{left + 24}" y="{y + 5}">start: point #{start}</text>',
            f'<text x="{left + 24}" y="{y + 23}">at ({xs[start]:,}, {ys[start]:,})</text>',
            f'<rect x="{left + 2}" y="{y + 38}" width="12" height="12" fill="{END_COLOUR}"/>',
            f'<text x="{left + 24}" y="{y + 49}">end: point #{end}</text>',
            f'<text x="{left + 24}" y="{y + 67}">at ({xs[end]:,}, {ys[end]:,})</text>',
        ]
        y += 100
    if closest_pair is not None:
        i, j, distance = int(closest_pair[0]), int(closest_pair[1]), float(closest_pair[2])
        rows += [
            f'<circle cx="{left + 8}" cy="{y}" r="8" fill="none" stroke="{PAIR_COLOUR}" '
            f'stroke-width="3"/>',
            f'<text x="{left + 24}" y="{y + 5}">closest pair: #{i} and #{j}</text>',
            f'<text x="{left + 24}" y="{y + 23}">distance {escape(format_number(distance))}</text>',
            f'<text x="{left + 24}" y="{y + 41}">at ({xs[i]:,}, {ys[i]:,})</text>',
        ]
    out.write('<g font-size="13" fill="#222">\n' + "\n".join(rows) + "\n</g>\n")
