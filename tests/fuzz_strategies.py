"""What the fuzzers draw: calls of the public API as Python source text, and the bytes
of points files (structured lines, those lines mutated, and plain bytes).

Each strategy is built once (cached): building them anew for every draw would cost more
than running the calls. The names a call may use are those of ``fuzz_checker.namespace``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st

cached = functools.lru_cache(maxsize=None)

# Calls.


@cached
def big_ints() -> st.SearchStrategy[int]:
    return st.one_of(
        st.integers(-3, 20),
        st.integers(-(2**70), 2**70),
        st.sampled_from([2**32 - 1, 2**32, 2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**63) - 1]),
    )


def int_likes(values: st.SearchStrategy[int]) -> st.SearchStrategy[str]:
    return st.one_of(
        values.map(repr),
        values.map(lambda v: f"Index({v!r})"),
        values.filter(lambda v: -(2**63) <= v < 2**63).map(lambda v: f"np.int64({v})"),
        values.filter(lambda v: 0 <= v < 2**64).map(lambda v: f"np.uint64({v})"),
    )


OTHER_VALUES = [
    "None",
    "True",
    "False",
    "1.5",
    "float('nan')",
    "1j",
    "'1'",
    "''",
    "b'1'",
    "[]",
    "()",
    "{}",
    "object()",
    "BadIndex()",
    "Index('3')",
    "np.float64(1.0)",
    "np.bool_(True)",
    "Point(1, 2)",
    "Point.__new__(Point)",
    "timedelta(0)",
]


@cached
def values() -> st.SearchStrategy[str]:
    return st.one_of(int_likes(big_ints()), st.sampled_from(OTHER_VALUES))


@cached
def coordinates() -> st.SearchStrategy[int]:
    """Valid coordinates, often tied."""
    return st.one_of(st.integers(0, 6), st.integers(0, 2**32 - 1), st.just(2**32 - 1))


@cached
def a_point() -> st.SearchStrategy[str]:
    return st.builds(
        "{}({}, {})".format,
        st.sampled_from(["Point", "Pixel", "Point", "Pixel", "Shadowed"]),
        coordinates(),
        coordinates(),
    )


@cached
def a_point_or_value() -> st.SearchStrategy[str]:
    return st.one_of(a_point(), values())


@st.composite
def point_sequences_drawn(draw: st.DrawFn) -> str:
    items = draw(st.lists(a_point(), max_size=12))
    if items and draw(st.integers(0, 9)) == 0:
        items.insert(draw(st.integers(0, len(items))), draw(values()))
    inner = ", ".join(items)
    form = draw(st.sampled_from(["list", "tuple", "iter", "raising", "lying"]))
    if form == "tuple":
        return f"({inner}{',' if items else ''})"
    if form == "iter":
        return f"iter([{inner}])"
    if form == "raising":
        return f"Raising([{inner}], {draw(st.integers(0, len(items)))})"
    if form == "lying":
        length = draw(st.sampled_from([0, 1, len(items) + 1, 2**31, 2**62, 10**17]))
        return f"Lying([{inner}], {length})"
    return f"[{inner}]"


INT_DTYPES = ["int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64"]
INT_DTYPES += [">i4", ">u8", "<u2", ">i8"]
OTHER_DTYPES = ["float64", "bool", "object", "U2", "complex128", "m8[s]"]
SHAPES = [(n, 2) for n in range(9)] + [(0,), (3,), (2, 3), (2, 1), (2, 2, 2), (), (0, 0), (1, 2)]


@cached
def array_elements(dtype: str, count: int) -> st.SearchStrategy[list[Any]]:
    element: st.SearchStrategy[Any]
    if dtype in INT_DTYPES:
        info = np.iinfo(np.dtype(dtype))
        low, high = int(info.min), int(info.max)
        element = st.one_of(st.integers(low, high), st.integers(max(low, 0), min(high, 6)))
    elif dtype == "object":
        element = big_ints()
    elif dtype == "bool":
        element = st.booleans()
    elif dtype == "U2":
        element = st.text(max_size=2)
    elif dtype == "float64":
        element = st.sampled_from([0.0, 1.5, -1.0, 1e300])
    elif dtype == "complex128":
        element = st.sampled_from([0j, 1 + 2j])
    else:
        element = st.integers(-5, 5)
    return st.lists(element, min_size=count, max_size=count)


@st.composite
def arrays_drawn(draw: st.DrawFn) -> str:
    dtype = draw(st.sampled_from(INT_DTYPES + OTHER_DTYPES))
    shape = draw(st.sampled_from(SHAPES))
    elements = draw(array_elements(dtype, int(np.prod(shape))))
    text = f"np.array({elements!r}, dtype={dtype!r}).reshape({shape!r})"
    views = ["", ".T", ".copy(order='F')"]
    if shape:
        views.append("[::-1]")
    if len(shape) == 2:
        views += ["[:, ::-1]", "[::2]"]
    view = draw(st.sampled_from(views))
    if view:
        text = f"({text}){view}"
    if len(shape) == 2 and shape[0] > 0 and draw(st.integers(0, 5)) == 0:
        text = f"first_row_repeated({text})"
    # Unaligned elements (a packed record's field), and masks (never supported).
    wrapper = draw(st.sampled_from(["", "", "", "", "packed", "np.ma.array"]))
    # A packed field has two columns: the view must have two (after .T, the rows were two).
    two_columns = len(shape) == 2 and (shape[1] == 2 if view != ".T" else shape[0] == 2)
    if wrapper == "packed" and dtype in INT_DTYPES and two_columns:
        text = f"packed({text})"
    elif wrapper == "np.ma.array":
        text = f"np.ma.array({text})"
    return text


@cached
def batch_points() -> st.SearchStrategy[str]:
    return st.one_of(point_sequences_drawn(), arrays_drawn(), values())


@cached
def starts() -> st.SearchStrategy[str]:
    return st.one_of(int_likes(st.integers(-3, 14)), values())


PROGRESS = ["None", "noop", "raising", "5", "reentrant", "lambda done, total: None"]
BATCH = ["nearest_neighbors", "closest_pair", "path_length", "greedy_route"]


@st.composite
def batch_calls_drawn(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(BATCH))
    args = [draw(batch_points())]
    if name == "greedy_route" and draw(st.booleans()):
        start = draw(starts())
        args.append(draw(st.sampled_from([start, f"start={start}"])))
    if draw(st.integers(0, 3)) == 0 and (name != "path_length" or draw(st.integers(0, 4)) == 0):
        args.append(f"progress={draw(st.sampled_from(PROGRESS))}")
    return f"{name}({', '.join(args)})"


# What ``ask(points, question, ...)`` asks of ``PointSet(points)`` (fuzz_checker.ask).
QUESTIONS = ["nearest_neighbors", "closest_pair", "path_length", "greedy_route"]
QUESTIONS += ["bounds", "centroid", "to_numpy", "__len__", "__repr__", "__getitem__"]
QUESTIONS += ["__contains__", "index", "count"]


@cached
def slice_bounds() -> st.SearchStrategy[str]:
    return st.one_of(st.just("None"), int_likes(st.integers(-14, 14)), values())


@cached
def orders() -> st.SearchStrategy[str]:
    """What ``path_length`` is given as the order of the points."""
    indices = st.one_of(int_likes(st.integers(-14, 14)), int_likes(big_ints()), values())
    return st.one_of(
        st.lists(indices, max_size=6).map(lambda items: f"[{', '.join(items)}]"),
        arrays_drawn(),
        values(),
    )


@st.composite
def point_set_calls_drawn(draw: st.DrawFn) -> str:
    question = draw(st.sampled_from(QUESTIONS))
    # Mostly points a set can be made of, so that the questions themselves are tried.
    points = draw(point_sequences_drawn() if draw(st.integers(0, 3)) else batch_points())
    args = [points, repr(question)]
    if question == "greedy_route" and draw(st.booleans()):
        args.append(draw(starts()))
    elif question == "path_length" and draw(st.booleans()):
        args.append(draw(orders()))
    elif question == "__getitem__":
        bounds = [draw(slice_bounds()) for _ in range(3)]
        args.append(draw(st.one_of(slice_bounds(), st.just(f"slice({', '.join(bounds)})"))))
    elif question in ("__contains__", "index", "count"):
        args.append(draw(a_point_or_value()))
        if question == "index":
            args += draw(st.lists(slice_bounds(), max_size=2))
    if question in QUESTIONS[:4] and question != "path_length" and draw(st.integers(0, 3)) == 0:
        args.append(f"progress={draw(st.sampled_from(PROGRESS))}")
    return f"ask({', '.join(args)})"


@st.composite
def point_set_calls(draw: st.DrawFn) -> str:
    # Mostly questions; the rest builds sets from columns or files.
    kind = draw(st.sampled_from(["ask"] * 4 + ["columns", "load", "load with progress"]))
    if kind == "ask":
        return draw(point_set_calls_drawn())
    if kind == "columns":
        xs, ys = draw(st.binary(max_size=13)), draw(st.binary(max_size=13))
        return f"PointSet._from_columns({xs!r}, {ys!r})"
    if kind == "load":
        return draw(load_calls()).replace("load_points", "PointSet.load")
    return f"PointSet.load({draw(st.sampled_from(PATHS))}, progress=raising)"


@st.composite
def point_calls_drawn(draw: st.DrawFn) -> str:
    a, b = draw(values()), draw(values())
    x, y = draw(coordinates()), draw(coordinates())
    other = draw(a_point_or_value())
    field = draw(st.sampled_from(["x", "y"]))
    return draw(
        st.sampled_from(
            [
                f"Point({a}, {b})",
                f"Point(x={a}, y={b})",
                f"Pixel({a}, {b})",
                f"Point({a})",
                f"Point({x}, {y}, {a})",
                f"setattr(Point({x}, {y}), {field!r}, {a})",
                f"Point({x}, {y}).dist({other})",
                f"operator.eq(Point({x}, {y}), {other})",
                f"operator.ne(Pixel({x}, {y}), {other})",
                f"hash(Point({x}, {y}))",
                f"pickle_round_trip(Point({x}, {y}))",
                f"copy.copy(Pixel({x}, {y}))",
                f"copy.deepcopy(Point({x}, {y}))",
                f"str(Point({x}, {y}))",
                f"operator.lt(Point({x}, {y}), {other})",
                f"len(Point({x}, {y}))",
                f"weakly_referenced(Pixel({x}, {y}))",
                f"after_failed_init(Point({x}, {y}), {a}, {b})",
                f"after_failed_init(Pixel({x}, {y}), {x}, {b})",
                f"set_reentrant(Point({x}, {y}), {field!r}, {draw(reentrant_uses())!r})",
                f"{draw(st.sampled_from(['str', 'repr', 'pickle_round_trip']))}"
                "(Point.__new__(Point))",
            ]
        )
    )


@cached
def reentrant_uses() -> st.SearchStrategy[str]:
    return st.sampled_from(["read", "dist", "eq", "str", "pickle", "batch"])


@cached
def fact_calls() -> st.SearchStrategy[str]:
    # No n in 400 .. 2**63: those are correct and merely slow (2**63 - 1 takes forever).
    small_or_too_big = st.one_of(st.integers(-(2**70), 400), st.integers(2**63, 2**70))
    argument = st.one_of(int_likes(small_or_too_big), st.sampled_from(OTHER_VALUES))
    return st.one_of(
        argument.map("fact({})".format),
        argument.map("fact(n={})".format),
        st.sampled_from(["fact()", "fact(1, 2)", "fact(m=1)"]),
    )


PATHS = [
    "FILE",
    "BADFILE",
    "DIR",
    "FILE.encode()",
    "Path(FILE)",
    "FsPath(FILE)",
    "FsPath(BADFILE.encode())",
    "FsPath(3)",
    "FsPath(None)",
    "'/nonexistent/points.csv'",
    "b'/nonexistent/\\xff\\xfe.csv'",
    "'/nonexistent/\\udcff.csv'",
    "''",
    "b''",
    "'bad\\x00path'",
    "'/dev/null'",
    "'/proc/self/status'",
]


@cached
def load_calls() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(PATHS), values()).map("load_points({})".format)


@cached
def sleep_calls() -> st.SearchStrategy[str]:
    durations = st.one_of(
        st.integers(-10, 3000).map("timedelta(microseconds={})".format),
        st.sampled_from(["timedelta.max", "timedelta.min", "timedelta(days=-1)"]),
        st.integers(-10, 3000).map("LyingDuration(microseconds={})".format),
        values(),
    )
    return durations.map("run_sleep({})".format)


@cached
def calls() -> st.SearchStrategy[str]:
    return st.one_of(
        batch_calls_drawn(),
        point_calls_drawn(),
        point_set_calls(),
        fact_calls(),
        load_calls(),
        sleep_calls(),
        st.sampled_from(["throws_error()", "say_hello()", "throws_error(1)", "say_hello(x=1)"]),
    )


# Points files.

LINE_PIECES = ["0", "7", "42", "4294967295", "4294967296", "99999999999999999999", "-1", "-0"]
LINE_PIECES += ["+1", "1_0", "\u0663", "\uff11", "x", "y", "X", " ", "\t", ",", "#", ""]
LINE_PIECES += ["\r", "\x00", "\xa0", "\u2003", "0x10", "1e3", "1.5", "\ufeff"]
ODD_BYTES = [b"\xff", b"\x80", b"\xc0\xaf", b"\xed\xa0\x80", b"\xef\xbb\xbf", b"\r", b"\n", b","]


@cached
def text_lines() -> st.SearchStrategy[list[tuple[str, str]]]:
    """Lines with their endings."""
    blank = st.sampled_from(["", " ", "\t", "  \t"])
    number = st.one_of(st.integers(0, 2**33).map(str), st.sampled_from(LINE_PIECES))
    field = st.builds("{}{}{}".format, blank, number, blank)
    line = st.one_of(
        st.builds("{},{}".format, field, field),
        st.lists(st.sampled_from(LINE_PIECES), max_size=5).map("".join),
        st.sampled_from(["x,y", " x , y ", "X,Y", "#", "# 1,2", "", " ", "\t"]),
    )
    ending = st.sampled_from(["\n", "\r\n", "\r", "\n\r"])
    return st.lists(st.tuples(line, ending), max_size=20)


@st.composite
def points_texts_drawn(draw: st.DrawFn) -> bytes:
    text = "".join(line + ending for line, ending in draw(text_lines()))
    if draw(st.booleans()):
        text = text.rstrip("\r\n")
    data = text.encode()
    return b"\xef\xbb\xbf" + data if draw(st.integers(0, 4)) == 0 else data


@cached
def points_texts() -> st.SearchStrategy[bytes]:
    return points_texts_drawn()


@cached
def odd_bytes() -> st.SearchStrategy[bytes]:
    return st.one_of(st.sampled_from(ODD_BYTES), st.binary(max_size=3))


@st.composite
def mutated_points_texts_drawn(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(points_texts()))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        operation = draw(st.sampled_from(["insert", "delete", "cut"]))
        if operation == "insert":
            data[at:at] = draw(odd_bytes())
        elif operation == "delete":
            del data[at : at + draw(st.integers(1, 3))]
        else:
            del data[at:]
    return bytes(data)


@cached
def any_bytes() -> st.SearchStrategy[bytes]:
    return st.one_of(st.binary(max_size=200), mutated_points_texts_drawn())


# What each fuzz target draws, and how its cases are stored in the corpus.
TARGETS: dict[str, tuple[Callable[[], st.SearchStrategy[Any]], str, str]] = {
    "bytes": (any_bytes, "file", ".bin"),
    "lines": (points_texts, "file", ".csv"),
    "api": (calls, "call", ".expr"),
}
