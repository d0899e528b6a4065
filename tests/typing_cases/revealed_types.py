"""What mypy infers for the result of every public name of ``legacy_app``, with Points
and with NumPy arrays: each ``reveal_type`` line is marked ``# N:`` with the exact
revealed type. Checked by tests/test_typing.py; never imported or run.
"""

# A marker must stay on its line, however long the type: no formatting, no line limit.
# fmt: off
# ruff: noqa: E501

import datetime

import numpy as np
import numpy.typing as npt
from typing_extensions import reveal_type

import legacy_app
import rust_ext
from legacy_app import _python, _rust

points = legacy_app.load_points("points.csv")
array: npt.NDArray[np.int64] = np.zeros((2, 2), dtype=np.int64)
unsigned = np.zeros((2, 2), dtype=np.uint32)

reveal_type(legacy_app.BACKEND)  # N: str
reveal_type(legacy_app.Point(1, 2))  # N: legacy_app._python.point.Point
reveal_type(points)  # N: list[legacy_app._python.point.Point]
reveal_type(points[0].x)  # N: int
reveal_type(points[0].dist(points[1]))  # N: float
reveal_type(legacy_app.say_hello())  # N: None
reveal_type(legacy_app.fact(5))  # N: int
sleeping = reveal_type(legacy_app.print_sleep(datetime.timedelta(0)))  # N: typing.Coroutine[Any, Any, None]
reveal_type(legacy_app.nearest_neighbors(points))  # N: tuple[list[int], list[float]]
reveal_type(legacy_app.closest_pair(points))  # N: tuple[int, int, float]
reveal_type(legacy_app.path_length(points))  # N: float
reveal_type(legacy_app.greedy_route(points, start=1))  # N: list[int]
reveal_type(legacy_app.nearest_neighbors(array))  # N: tuple[numpy.ndarray[tuple[Any, ...], numpy.dtype[numpy.signedinteger[numpy._typing._nbit_base._64Bit]]], numpy.ndarray[tuple[Any, ...], numpy.dtype[numpy.float64]]]
reveal_type(legacy_app.closest_pair(unsigned))  # N: tuple[numpy.signedinteger[numpy._typing._nbit_base._64Bit], numpy.signedinteger[numpy._typing._nbit_base._64Bit], numpy.float64]
reveal_type(legacy_app.path_length(array))  # N: numpy.float64
reveal_type(legacy_app.greedy_route(unsigned, start=1))  # N: numpy.ndarray[tuple[Any, ...], numpy.dtype[numpy.signedinteger[numpy._typing._nbit_base._64Bit]]]

# PointSet: built from Points, an array or another set, or loaded; its answers are typed
# in their NumPy form (without NumPy they are the module functions' lists and floats).
point_set = legacy_app.PointSet(points)
reveal_type(legacy_app.PointSet(array))  # N: legacy_app._python.point_set.PointSet
reveal_type(legacy_app.PointSet(point_set))  # N: legacy_app._python.point_set.PointSet
reveal_type(legacy_app.PointSet.load("points.csv", progress=None))  # N: legacy_app._python.point_set.PointSet
reveal_type(len(point_set))  # N: int
reveal_type(point_set[0])  # N: legacy_app._python.point.Point
reveal_type(point_set[np.int64(-1)])  # N: legacy_app._python.point.Point
reveal_type(point_set[1:])  # N: legacy_app._python.point_set.PointSet
reveal_type(list(point_set))  # N: list[legacy_app._python.point.Point]
reveal_type(point_set.bounds)  # N: tuple[int, int, int, int] | None
reveal_type(point_set.centroid)  # N: tuple[float, float] | None
reveal_type(point_set.nearest_neighbors(progress=print))  # N: tuple[numpy.ndarray[tuple[Any, ...], numpy.dtype[numpy.signedinteger[numpy._typing._nbit_base._64Bit]]], numpy.ndarray[tuple[Any, ...], numpy.dtype[numpy.float64]]]
reveal_type(point_set.closest_pair())  # N: tuple[numpy.signedinteger[numpy._typing._nbit_base._64Bit], numpy.signedinteger[numpy._typing._nbit_base._64Bit], numpy.float64]
reveal_type(point_set.greedy_route(3))  # N: numpy.ndarray[tuple[Any, ...], numpy.dtype[numpy.signedinteger[numpy._typing._nbit_base._64Bit]]]
reveal_type(point_set.path_length())  # N: numpy.float64
reveal_type(point_set.path_length([2, 0, np.int64(1)]))  # N: numpy.float64
reveal_type(point_set.path_length(point_set.greedy_route()))  # N: numpy.float64
reveal_type(point_set.to_numpy())  # N: numpy.ndarray[tuple[Any, ...], numpy.dtype[numpy.unsignedinteger[numpy._typing._nbit_base._32Bit]]]
reveal_type(point_set == point_set)  # N: bool
reveal_type(legacy_app.nearest_neighbors(point_set))  # N: tuple[numpy.ndarray[tuple[Any, ...], numpy.dtype[numpy.signedinteger[numpy._typing._nbit_base._64Bit]]], numpy.ndarray[tuple[Any, ...], numpy.dtype[numpy.float64]]]
reveal_type(legacy_app.closest_pair(point_set))  # N: tuple[numpy.signedinteger[numpy._typing._nbit_base._64Bit], numpy.signedinteger[numpy._typing._nbit_base._64Bit], numpy.float64]
reveal_type(legacy_app.path_length(point_set))  # N: numpy.float64
reveal_type(legacy_app.greedy_route(point_set, 2))  # N: numpy.ndarray[tuple[Any, ...], numpy.dtype[numpy.signedinteger[numpy._typing._nbit_base._64Bit]]]

# Each backend's own annotations are as exact, so mypy's proof that both implement the
# contract (legacy_app/_contract.py) is not one that Any would pass.
reference = [_python.Point(1, 2), _python.Point(3, 4)]
compiled = [rust_ext.Point(1, 2), rust_ext.Point(3, 4)]
reveal_type(_python.nearest_neighbors(reference))  # N: tuple[list[int], list[float]]
reveal_type(_rust.nearest_neighbors(compiled))  # N: tuple[list[int], list[float]]
reveal_type(_python.closest_pair(reference))  # N: tuple[int, int, float]
reveal_type(_rust.closest_pair(compiled))  # N: tuple[int, int, float]
reveal_type(_python.path_length(reference))  # N: float
reveal_type(_rust.path_length(compiled))  # N: float
reveal_type(_python.path_length(array))  # N: numpy.float64
reveal_type(_rust.path_length(array))  # N: numpy.float64
reveal_type(_python.greedy_route(reference))  # N: list[int]
reveal_type(_rust.greedy_route(compiled))  # N: list[int]
reveal_type(_python.PointSet(reference).closest_pair())  # N: tuple[numpy.signedinteger[numpy._typing._nbit_base._64Bit], numpy.signedinteger[numpy._typing._nbit_base._64Bit], numpy.float64]
reveal_type(_rust.PointSet(compiled).closest_pair())  # N: tuple[numpy.signedinteger[numpy._typing._nbit_base._64Bit], numpy.signedinteger[numpy._typing._nbit_base._64Bit], numpy.float64]
reveal_type(_rust.PointSet(compiled)[0])  # N: rust_ext.Point
reveal_type(_rust.nearest_neighbors(_rust.PointSet(compiled)))  # N: tuple[numpy.ndarray[tuple[Any, ...], numpy.dtype[numpy.signedinteger[numpy._typing._nbit_base._64Bit]]], numpy.ndarray[tuple[Any, ...], numpy.dtype[numpy.float64]]]


async def sleep() -> None:
    reveal_type(await legacy_app.print_sleep(datetime.timedelta(0)))  # N: None


# Last: mypy takes what follows a call that never returns as unreachable.
reveal_type(legacy_app.throws_error())  # N: Never
