"""The picture of ``legacy-app report --svg``: the points and the greedy route, for people.

A dependency-free SVG: a title with the file name, point count and route length; the
route coloured from its start to its end so its direction reads; the start, the end and
the closest pair marked; a legend; axes in the file's own coordinates. Past a size limit
the drawing is thinned (never the figures): route steps shorter than a fraction of a pixel
are merged and nearby dots drawn once, and the picture says how much was drawn. What is
drawn is decided from every point in ``legacy_app.drawing``; this module writes it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO
from xml.sax.saxutils import escape

from legacy_app.drawing import GRID, PLOT_LEFT, PLOT_SIZE, PLOT_TOP, Drawing, Frame, plan

if TYPE_CHECKING:
    from legacy_app.drawing import IntColumn, PointColumns

WIDTH, HEIGHT = 1200, 1000
LEGEND_LEFT = PLOT_LEFT + PLOT_SIZE + 30
ROUTE_COLOUR_STEPS = 48
# Matplotlib's "plasma" from 0 to 0.85 (its last yellows vanish on white).
PLASMA = ["#0d0887", "#5c01a6", "#9c179e", "#cc4778", "#ed7953", "#fdb42f"]
START_COLOUR, END_COLOUR, PAIR_COLOUR, DOT_COLOUR = "#1a9850", "#202020", "#d7191c", "#8d949c"
FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"'


def write_picture(
    out: TextIO,
    points: PointColumns,
    route: IntColumn,
    *,
    name: str,
    route_length: float,
    closest_pair: tuple[int, int, float] | None,
) -> None:
    """Draw ``points`` and ``route`` (indices into them).

    ``points`` is an ``(n, 2)`` integer NumPy array, or the columns ``(xs, ys)`` as two
    sequences of ints (``array.array``, lists); ``route`` an integer array or a sequence
    of ints.
    """
    pair = None if closest_pair is None else (int(closest_pair[0]), int(closest_pair[1]))
    drawing = plan(points, route, pair)
    count = drawing.count
    width = 2.2 if count <= 1_000 else 1.2 if count <= 20_000 else 0.7

    out.write(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" {FONT}>\n'
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>\n'
    )
    title = f"{name}: {count:,} points, greedy route length {format_number(route_length)}"
    start = drawing.route_ends[0] if drawing.route_ends is not None else 0
    out.write(
        f'<text x="{PLOT_LEFT}" y="40" font-size="22" font-weight="bold">{escape(title)}</text>\n'
        f'<text x="{PLOT_LEFT}" y="66" font-size="14" fill="#555">'
        f"route from point #{start}, coloured from start to end; "
        f"axes in the file's coordinates</text>\n"
    )
    write_axes(out, drawing.frame)
    out.write(f'<g transform="translate({PLOT_LEFT} {PLOT_TOP}) scale({1 / GRID})">\n')
    write_dots(
        out,
        drawing.dots,
        diameter=GRID * (4.0 if count <= 1_000 else 2.0 if count <= 20_000 else 1.4),
    )
    write_route(out, drawing.vertices, stroke=GRID * width)
    out.write("</g>\n")
    write_markers(out, drawing, pair)
    write_legend(out, drawing, closest_pair, route_length)
    drawn = (
        f"drawn: the route through {len(drawing.vertices):,} of {drawing.route_count:,} points "
        f"(steps under {drawing.merge / GRID:g} px merged), {len(drawing.dots):,} dots for "
        f"{count:,} points (one per {drawing.dot_cell / GRID:g} px); every figure uses every point"
    )
    out.write(
        f'<text x="{PLOT_LEFT}" y="{HEIGHT - 14}" font-size="12" fill="#777">'
        f"{escape(drawn)}</text>\n"
    )
    out.write("</svg>\n")


def write_dots(out: TextIO, dots: Sequence[Sequence[int]], diameter: float) -> None:
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


def write_route(out: TextIO, vertices: Sequence[Sequence[int]], stroke: float) -> None:
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


def write_markers(out: TextIO, drawing: Drawing, closest_pair: tuple[int, int] | None) -> None:
    """The closest pair (red rings), the route's end (a square) and start (a green disc)."""
    frame, marked = drawing.frame, drawing.marked
    if closest_pair is not None:
        for k in closest_pair:
            px, py = frame.pixel(*marked[k])
            out.write(
                f'<circle cx="{px:.1f}" cy="{py:.1f}" r="11" fill="none" '
                f'stroke="{PAIR_COLOUR}" stroke-width="3"/>\n'
            )
    if drawing.route_ends is not None:
        start, end = drawing.route_ends
        px, py = frame.pixel(*marked[end])
        out.write(
            f'<rect x="{px - 6:.1f}" y="{py - 6:.1f}" width="12" height="12" '
            f'fill="{END_COLOUR}" stroke="white" stroke-width="2"/>\n'
        )
        px, py = frame.pixel(*marked[start])
        out.write(
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="8" fill="{START_COLOUR}" '
            f'stroke="white" stroke-width="2.5"/>\n'
        )


def write_legend(
    out: TextIO,
    drawing: Drawing,
    closest_pair: tuple[int, int, float] | None,
    route_length: float,
) -> None:
    left = LEGEND_LEFT
    marked = drawing.marked
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
        f'<text x="{left + 24}" y="{PLOT_TOP + 137}">a point ({drawing.count:,} in all)</text>',
    ]
    y = PLOT_TOP + 170
    if drawing.route_ends is not None:
        start, end = drawing.route_ends
        (start_x, start_y), (end_x, end_y) = marked[start], marked[end]
        rows += [
            f'<circle cx="{left + 8}" cy="{y}" r="8" fill="{START_COLOUR}"/>',
            f'<text x="{left + 24}" y="{y + 5}">start: point #{start}</text>',
            f'<text x="{left + 24}" y="{y + 23}">at ({start_x:,}, {start_y:,})</text>',
            f'<rect x="{left + 2}" y="{y + 38}" width="12" height="12" fill="{END_COLOUR}"/>',
            f'<text x="{left + 24}" y="{y + 49}">end: point #{end}</text>',
            f'<text x="{left + 24}" y="{y + 67}">at ({end_x:,}, {end_y:,})</text>',
        ]
        y += 100
    if closest_pair is not None:
        i, j, distance = int(closest_pair[0]), int(closest_pair[1]), float(closest_pair[2])
        rows += [
            f'<circle cx="{left + 8}" cy="{y}" r="8" fill="none" stroke="{PAIR_COLOUR}" '
            f'stroke-width="3"/>',
            f'<text x="{left + 24}" y="{y + 5}">closest pair: #{i} and #{j}</text>',
            f'<text x="{left + 24}" y="{y + 23}">distance {escape(format_number(distance))}</text>',
            f'<text x="{left + 24}" y="{y + 41}">at ({marked[i][0]:,}, {marked[i][1]:,})</text>',
        ]
    out.write('<g font-size="13" fill="#222">\n' + "\n".join(rows) + "\n</g>\n")
