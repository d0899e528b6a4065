"""The legacy pure-Python implementation: the reference the Rust backend is tested against.

Nothing here imports ``rust_ext``; it is also the fallback where no Rust toolchain exists.
It serves every name of the contract (``legacy_app._contract.Backend``), which mypy checks.
"""

from legacy_app._python.batch import closest_pair as closest_pair
from legacy_app._python.batch import greedy_route as greedy_route
from legacy_app._python.batch import nearest_neighbors as nearest_neighbors
from legacy_app._python.batch import path_length as path_length
from legacy_app._python.factorial import fact as fact
from legacy_app._python.greeting import say_hello as say_hello
from legacy_app._python.greeting import throws_error as throws_error
from legacy_app._python.point import Point as Point
from legacy_app._python.point_set import PointSet as PointSet
from legacy_app._python.points_file import load_points as load_points
from legacy_app._python.sleep import print_sleep as print_sleep
