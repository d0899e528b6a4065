"""Calls straight into the compiled module, checked against its stubs: mypy must report
an error on each line marked ``# E: code`` (its error codes), and on no other line.
Checked by tests/test_typing.py; never imported or run.
"""

import datetime

import numpy as np
import numpy.typing as npt

import legacy_app._python
import rust_ext

legacy_point = legacy_app._python.Point(1, 2)

# Right calls: no error.
point = rust_ext.Point(1, 2)
distance: float = point.dist(rust_ext.Point(3, 4))
factorial: int = rust_ext.fact(20)
points: list[rust_ext.Point] = rust_ext.load_points("points.csv")
indices, distances = rust_ext.nearest_neighbors(points)
first: int = indices[0]
array = np.zeros((3, 2), dtype=np.uint32)
array_indices: npt.NDArray[np.int64] = rust_ext.nearest_neighbors(array)[0]
pair: tuple[int, int, float] = rust_ext.closest_pair(points)
route: list[int] = rust_ext.greedy_route(points, start=0)
length: float = rust_ext.path_length(points)
profile: str = rust_ext.BUILD_PROFILE
nap: rust_ext.Nap = rust_ext.Nap.announce(datetime.timedelta(0))
seconds: float = nap.seconds
nap.wake()

point_set = rust_ext.PointSet(points)
loaded: rust_ext.PointSet = rust_ext.PointSet.load("points.csv")
sliced: rust_ext.PointSet = point_set[::2]
first_point: rust_ext.Point = point_set[0]
set_route: npt.NDArray[np.int64] = point_set.greedy_route(1)
set_length: np.float64 = point_set.path_length(set_route)
columns: rust_ext.PointSet = rust_ext.PointSet._from_columns(b"", b"")
as_array: npt.NDArray[np.uint32] = rust_ext.PointSet(array).to_numpy()

# Wrong calls.
rust_ext.Point("a", 1)  # E: arg-type
rust_ext.fact(1.5)  # E: arg-type
point.dist(rust_ext.Point(3, 4)).upper()  # E: attr-defined
point.dist((3, 4))  # E: arg-type
rust_ext.load_points(3)  # E: arg-type
rust_ext.greedy_route(points, start="0")  # E: call-overload
rust_ext.nearest_neighbors([(1, 2), (3, 4)])  # E: list-item
rust_ext.nearest_neighbors(np.zeros((3, 2)))  # E: arg-type
point.x = "5"  # E: assignment
rust_ext.Nap.announce(1.5)  # E: arg-type
rust_ext.Nap(datetime.timedelta(0))  # E: call-arg
rust_ext.PointSet([(1, 2)])  # E: list-item
rust_ext.PointSet([legacy_point])  # E: list-item
point_set.greedy_route(start="0")  # E: arg-type
point_set.path_length(order="x")  # E: arg-type
rust_ext.PointSet._from_columns("", "")  # E: arg-type
