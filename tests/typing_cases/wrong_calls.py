"""Wrong calls through ``legacy_app``, one group per public name, with Points and with
NumPy arrays: mypy must report an error on each line marked ``# E: code`` (its error
codes), and on no other line. Checked by tests/test_typing.py; never imported or run.
"""

import asyncio
import datetime

import numpy as np
import numpy.typing as npt

import legacy_app

points = [legacy_app.Point(1, 2), legacy_app.Point(3, 4)]
array: npt.NDArray[np.int64] = np.zeros((2, 2), dtype=np.int64)
floats = np.zeros((2, 2), dtype=np.float64)


def one_argument(done: int) -> None:
    """Not a progress callback: those take (done, total)."""


# Point
legacy_app.Point("a", 1)  # E: arg-type
legacy_app.Point(1)  # E: call-arg
points[0].x = "5"  # E: assignment
points[0].dist((3, 4))  # E: arg-type
points[0].dist(points[1]).upper()  # E: attr-defined

# fact
legacy_app.fact(1.5)  # E: arg-type
legacy_app.fact(5).upper()  # E: attr-defined

# say_hello
legacy_app.say_hello("world")  # E: call-arg

# load_points
legacy_app.load_points(3)  # E: arg-type
legacy_app.load_points("points.csv")[0].upper()  # E: attr-defined

# print_sleep
asyncio.run(legacy_app.print_sleep(1.5))  # E: arg-type
legacy_app.print_sleep(datetime.timedelta(seconds=1)).upper()  # E: attr-defined

# nearest_neighbors
legacy_app.nearest_neighbors([(1, 2), (3, 4)])  # E: list-item
legacy_app.nearest_neighbors(points, progress=one_argument)  # E: arg-type
as_array: npt.NDArray[np.int64] = legacy_app.nearest_neighbors(points)[0]  # E: assignment
legacy_app.nearest_neighbors(floats)  # E: arg-type
legacy_app.nearest_neighbors(array, progress=one_argument)  # E: arg-type
as_list: list[int] = legacy_app.nearest_neighbors(array)[0]  # E: assignment

# closest_pair
legacy_app.closest_pair(5)  # E: call-overload
legacy_app.closest_pair([(1, 2), (3, 4)])  # E: list-item
as_str: str = legacy_app.closest_pair(points)[2]  # E: assignment
legacy_app.closest_pair(floats)  # E: arg-type
legacy_app.closest_pair(np.int64(5))  # E: call-overload
as_int: int = legacy_app.closest_pair(array)[0]  # E: assignment

# path_length
legacy_app.path_length("not points")  # E: arg-type
as_float64: np.float64 = legacy_app.path_length(points)  # E: assignment
legacy_app.path_length(floats)  # E: arg-type
as_int = legacy_app.path_length(array)  # E: assignment

# greedy_route
legacy_app.greedy_route(points, start="0")  # E: call-overload
legacy_app.greedy_route([(1, 2), (3, 4)])  # E: list-item
as_array = legacy_app.greedy_route(points)  # E: assignment
legacy_app.greedy_route(array, start="0")  # E: call-overload
legacy_app.greedy_route(floats)  # E: arg-type
as_list = legacy_app.greedy_route(array)  # E: assignment

# PointSet
point_set = legacy_app.PointSet(points)
legacy_app.PointSet([(1, 2)])  # E: list-item
legacy_app.PointSet(floats)  # E: arg-type
legacy_app.PointSet("points.csv")  # E: arg-type
legacy_app.PointSet()  # E: call-arg
legacy_app.PointSet.load(3)  # E: arg-type
legacy_app.PointSet.load("points.csv", progress=one_argument)  # E: arg-type
point_set.greedy_route(start="0")  # E: arg-type
point_set.greedy_route(progress=one_argument)  # E: arg-type
point_set.nearest_neighbors(points)  # E: call-arg, arg-type
point_set.path_length("x")  # E: arg-type
point_set.path_length([1.5])  # E: list-item
point_set["0"]  # E: call-overload
point_set[0] = legacy_app.Point(1, 2)  # E: index
point_set.bounds = None  # E: misc
as_list = point_set.greedy_route()  # E: assignment
as_tuple: tuple[int, int, float] = point_set.closest_pair()  # E: assignment
as_float: float = point_set.centroid  # E: assignment
legacy_app.greedy_route(point_set, start="0")  # E: call-overload
as_list = legacy_app.greedy_route(point_set)  # E: assignment
as_nearest: tuple[list[int], list[float]] = legacy_app.nearest_neighbors(point_set)  # E: assignment

# throws_error: last, as mypy takes what follows a call that never returns as unreachable
legacy_app.throws_error(1)  # E: call-arg
