"""The picture of ``report --svg``: valid SVG, the marks people read, rendered for real.

The rendering tests draw with librsvg's ``rsvg-convert`` (Debian: ``librsvg2-bin``) and
read the pixels back; they are skipped, saying so, only where that renderer is missing.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ElementTree
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

import legacy_app._python as reference
from legacy_app import drawing, picture

RENDERER = shutil.which("rsvg-convert")
# `make check` installs the renderer (scripts/system-packages.sh): under CI a missing
# one fails the run; a developer without it sees these tests skipped, saying why.
needs_renderer = pytest.mark.skipif(
    RENDERER is None and os.environ.get("CI", "").lower() not in ("1", "true", "yes"),
    reason="rsvg-convert is not installed (Debian: apt-get install librsvg2-bin)",
)


def spiral(count: int) -> list[reference.Point]:
    """Points on a grid, visited by the greedy route in a way a picture can check."""
    return [reference.Point(1_000 + 37 * (k % 20), 5_000 + 41 * (k // 20)) for k in range(count)]


def columns(points: list[reference.Point]) -> tuple[list[int], list[int]]:
    """The points as the picture takes them: their x and y columns."""
    return [p.x for p in points], [p.y for p in points]


def draw(points: list[reference.Point], name: str = "grid.csv") -> str:
    route = reference.greedy_route(points) if points else []
    pair = reference.closest_pair(points) if len(points) >= 2 else None
    out = io.StringIO()
    picture.write_picture(
        out,
        columns(points),
        route,
        name=name,
        route_length=reference.path_length([points[k] for k in route]),
        closest_pair=pair,
    )
    return out.getvalue()


def texts(svg: str) -> list[str]:
    root = ElementTree.fromstring(svg)
    return [
        "".join(element.itertext()) for element in root.iter("{http://www.w3.org/2000/svg}text")
    ]


def test_title_legend_and_axes_say_what_the_picture_is() -> None:
    points = spiral(200)
    svg = draw(points, name="a<b>&c.csv")
    words = texts(svg)
    length = reference.path_length([points[k] for k in reference.greedy_route(points)])
    assert (
        words[0] == f"a<b>&c.csv: 200 points, greedy route length {picture.format_number(length)}"
    )
    i, j, distance = reference.closest_pair(points)
    for expected in (
        "Legend",
        "start",
        "end",
        "greedy route, in visiting order",
        "start: point #0",
        f"closest pair: #{i} and #{j}",
        f"distance {picture.format_number(distance)}",
        "a point (200 in all)",
        "x",
        "y",
    ):
        assert expected in words, expected
    # Tick labels in the file's own coordinates: x runs 1,000 .. 1,703, in steps of 200.
    assert {"1,000", "1,200", "1,400", "1,600", "5,000", "5,200"} <= set(words)
    assert svg.count("<path") == 1 + picture.ROUTE_COLOUR_STEPS  # dots, then the route


@pytest.mark.parametrize("count", [0, 1, 2])
def test_tiny_inputs_still_draw(count: int) -> None:
    svg = draw(spiral(count))
    ElementTree.fromstring(svg)
    assert f"{count} points" in texts(svg)[0]


def test_past_the_limits_the_drawing_is_thinned_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(drawing, "ROUTE_VERTEX_LIMIT", 500)
    monkeypatch.setattr(drawing, "DOT_LIMIT", 300)
    points = [reference.Point((k * 7919) % 100_000, (k * 104_729) % 99_991) for k in range(20_000)]
    route = list(range(len(points)))
    out = io.StringIO()
    picture.write_picture(
        out, columns(points), route, name="big.csv", route_length=1.0, closest_pair=None
    )
    svg = out.getvalue()
    note = texts(svg)[-1]
    drawn = re.fullmatch(
        r"drawn: the route through ([\d,]+) of 20,000 points \(steps under ([\d.]+) px merged\), "
        r"([\d,]+) dots for 20,000 points \(one per ([\d.]+) px\); every figure uses every point",
        note,
    )
    assert drawn is not None, note
    assert int(drawn[1].replace(",", "")) <= 500
    assert float(drawn[2]) > 0.5
    assert int(drawn[3].replace(",", "")) <= 300
    assert float(drawn[4]) > 1
    assert len(svg) < 60_000


@pytest.mark.slow
def test_a_million_points_make_a_picture_of_a_few_megabytes() -> None:
    side = 1000
    xs = [k % side * 10 for k in range(side * side)]
    ys = [k // side * 10 for k in range(side * side)]
    out = io.StringIO()
    picture.write_picture(
        out,
        (xs, ys),
        list(range(side * side)),
        name="m.csv",
        route_length=0.0,
        closest_pair=(0, 1, 10.0),
    )
    assert len(out.getvalue()) < 5_000_000


def read_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and RGB rows of an 8-bit, non-interlaced PNG (what librsvg writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, compressed = 8, b""
    width = height = 0
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        position += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert (depth, interlace) == (8, 0)
            assert colour in (2, 6)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            compressed += body
    raw = zlib.decompress(compressed)
    stride = width * channels
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            up_left = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                nearest = left if pa <= pb and pa <= pc else up if pb <= pc else up_left
                line[i] = (line[i] + nearest) & 0xFF
        rows.append(
            bytes(line) if channels == 3 else bytes(line[c] for c in range(stride) if c % 4 != 3)
        )
        previous = line
    return width, height, rows


def rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


class Rendered:
    """A picture rendered by librsvg at half size, read back pixel by pixel."""

    SCALE = 0.5

    def __init__(self, svg: str, tmp_path: Path) -> None:
        source = tmp_path / "picture.svg"
        source.write_text(svg)
        target = tmp_path / "picture.png"
        assert RENDERER is not None
        subprocess.run(
            [RENDERER, "--zoom", str(self.SCALE), str(source), "-o", str(target)],
            check=True,
            timeout=120,
        )
        self.width, self.height, self.rows = read_png(target.read_bytes())

    def pixel(self, x: float, y: float) -> tuple[int, int, int]:
        row = self.rows[round(y * self.SCALE)]
        i = round(x * self.SCALE) * 3
        return row[i], row[i + 1], row[i + 2]

    def near(self, x: float, y: float, colour: str, radius: int = 2, tolerance: int = 40) -> bool:
        """Whether ``colour`` shows within ``radius`` rendered pixels of ``(x, y)``."""
        target = rgb(colour)
        for dy in range(-radius, radius + 1):
            for dx in range(-radius, radius + 1):
                got = self.pixel(x + dx / self.SCALE, y + dy / self.SCALE)
                if all(abs(a - b) <= tolerance for a, b in zip(got, target)):
                    return True
        return False

    def any_near(self, x: float, y: float, looks: Callable[[int, int, int], bool]) -> bool:
        """Whether a pixel within two rendered pixels of ``(x, y)`` ``looks`` right."""
        return any(
            looks(*self.pixel(x + dx / self.SCALE, y + dy / self.SCALE))
            for dy in range(-2, 3)
            for dx in range(-2, 3)
        )

    def count(
        self, box: tuple[float, float, float, float], colour: str, tolerance: int = 40
    ) -> int:
        left, top, right, bottom = (round(v * self.SCALE) for v in box)
        target = rgb(colour)
        return sum(
            all(abs(row[i + c] - target[c]) <= tolerance for c in range(3))
            for row in self.rows[top:bottom]
            for i in range(left * 3, right * 3, 3)
        )


@needs_renderer
def test_the_rendered_picture_shows_its_marks(tmp_path: Path) -> None:
    points = spiral(200)
    route = reference.greedy_route(points)
    i, j, _ = reference.closest_pair(points)
    image = Rendered(draw(points), tmp_path)
    assert (image.width, image.height) == (picture.WIDTH // 2, picture.HEIGHT // 2)
    frame = drawing.Frame.around([p.x for p in points], [p.y for p in points])

    start = frame.pixel(points[route[0]].x, points[route[0]].y)
    assert image.near(*start, picture.START_COLOUR)
    end = frame.pixel(points[route[-1]].x, points[route[-1]].y)
    assert image.near(*end, picture.END_COLOUR)
    for k in (i, j):
        x, y = frame.pixel(points[k].x, points[k].y)
        assert image.near(x + 11, y, picture.PAIR_COLOUR) or image.near(
            x - 11, y, picture.PAIR_COLOUR
        )
    # The route's colour runs from the scale's start (blue) to its end (orange): a thin
    # line at half size is blended with white, so compare the hue, not the colour.
    early = frame.pixel(points[route[5]].x, points[route[5]].y)
    late = frame.pixel(points[route[-5]].x, points[route[-5]].y)
    assert image.any_near(*early, lambda r, g, b: b > r + 40 and b > g + 40)
    assert image.any_near(*late, lambda r, g, b: r > b + 60 and g > b + 10)
    assert not image.any_near(*early, lambda r, g, b: r > b + 60 and g > b + 10)
    assert not image.any_near(*late, lambda r, g, b: b > r + 40 and b > g + 40)
    # Text drawn in the title band and in the legend, not only declared.
    title_band = (drawing.PLOT_LEFT, 15, picture.WIDTH - 100, 45)
    legend = (picture.LEGEND_LEFT, drawing.PLOT_TOP, picture.WIDTH, drawing.PLOT_TOP + 300)
    assert image.count(title_band, "#000000", tolerance=60) > 500
    assert image.count(legend, "#222222", tolerance=90) > 100
