//! The batch functions: nearest neighbours, closest pair, path length, greedy route.
//!
//! Each reads its points once (`points_input`), hands plain Rust data to
//! `legacy_core` through `workers::run` (inline for small inputs, else on the worker
//! pool; Ctrl-C and `progress` served from the calling thread), and converts the
//! result back: NumPy arrays for NumPy input, Python lists otherwise.

use legacy_core::control::{Control, Stopped};
use legacy_core::nearest::{closest_pair as closest_of, NearestIndex, Neighbour};
use legacy_core::point::distance_from_squared;
use legacy_core::route::{path_length as path_length_of, GreedyRoute};
use legacy_core::{Error as CoreError, Point as CorePoint};
use num_bigint::BigInt;
use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};
use pyo3::IntoPyObjectExt;

use crate::py::arguments::index;
use crate::py::errors::Result;
use crate::py::points_input::{self, Points};
use crate::py::workers;

/// Points per chunk of work between two ticks.
const CHUNK: usize = 1 << 14;
/// Below this many points, work runs inline on the calling thread: waking the worker
/// pool costs more than the work.
const PARALLEL_FROM: usize = 20_000;

fn need_two(function: &'static str, points: &[CorePoint]) -> Result<()> {
    if points.len() < 2 {
        return Err(CoreError::TooFewPoints {
            function,
            count: points.len(),
        }
        .into());
    }
    Ok(())
}

/// The nearest neighbour of every point (at least two).
fn all_nearest(
    points: Vec<CorePoint>,
    control: &dyn Control,
) -> std::result::Result<Vec<Neighbour>, Stopped> {
    let count = points.len();
    let index = NearestIndex::new(points).map_err(|_| Stopped)?;
    let mut found = vec![
        Neighbour {
            index: 0,
            squared: 0
        };
        count
    ];
    for start in (0..count).step_by(CHUNK) {
        let range = start..count.min(start + CHUNK);
        let done = range.len();
        for (i, neighbour) in index.nearest_in_curve_order(range) {
            found[i] = neighbour;
        }
        control.tick(done)?;
    }
    Ok(found)
}

fn numpy_scalar<'py>(
    py: Python<'py>,
    kind: &str,
    value: impl IntoPyObject<'py>,
) -> PyResult<Bound<'py, PyAny>> {
    py.import("numpy")?.getattr(kind)?.call1((value,))
}

/// For each point, the index of its nearest other point and that distance.
///
/// ``progress``, if given, is called now and then with ``(done, total)``.
#[pyfunction]
#[pyo3(signature = (points, *, progress = None))]
pub fn nearest_neighbors<'py>(
    py: Python<'py>,
    points: &Bound<'py, PyAny>,
    progress: Option<&Bound<'py, PyAny>>,
) -> Result<Bound<'py, PyTuple>> {
    let Points { points, numpy } = points_input::read(points)?;
    need_two("nearest_neighbors", &points)?;
    let total = points.len();
    let found = workers::run(py, total, progress, PARALLEL_FROM, move |control| {
        all_nearest(points, control)
    })?;
    let indices: Vec<i64> = found.iter().map(|n| n.index as i64).collect();
    let distances: Vec<f64> = found
        .iter()
        .map(|n| distance_from_squared(n.squared))
        .collect();
    let result = if numpy {
        (
            PyArray1::from_vec(py, indices),
            PyArray1::from_vec(py, distances),
        )
            .into_pyobject(py)?
    } else {
        (PyList::new(py, indices)?, PyList::new(py, distances)?).into_pyobject(py)?
    };
    Ok(result)
}

/// The closest pair ``(i, j, distance)`` with ``i < j``; ties: the smallest ``(i, j)``.
///
/// ``progress``, if given, is called now and then with ``(done, total)``.
#[pyfunction]
#[pyo3(signature = (points, *, progress = None))]
pub fn closest_pair<'py>(
    py: Python<'py>,
    points: &Bound<'py, PyAny>,
    progress: Option<&Bound<'py, PyAny>>,
) -> Result<Bound<'py, PyTuple>> {
    let Points { points, numpy } = points_input::read(points)?;
    need_two("closest_pair", &points)?;
    let total = points.len();
    let (i, j, squared) = workers::run(py, total, progress, PARALLEL_FROM, move |control| {
        let found = all_nearest(points, control)?;
        closest_of(&found).ok_or(Stopped)
    })?;
    let distance = distance_from_squared(squared);
    let result = if numpy {
        PyTuple::new(
            py,
            [
                numpy_scalar(py, "int64", i)?,
                numpy_scalar(py, "int64", j)?,
                numpy_scalar(py, "float64", distance)?,
            ],
        )?
    } else {
        (i, j, distance).into_pyobject(py)?
    };
    Ok(result)
}

/// The length of the path through the points in order, correctly rounded.
#[pyfunction]
#[pyo3(signature = (points))]
pub fn path_length<'py>(py: Python<'py>, points: &Bound<'py, PyAny>) -> Result<Bound<'py, PyAny>> {
    let Points { points, numpy } = points_input::read(points)?;
    let total = points.len();
    let length = workers::run(py, total, None, PARALLEL_FROM, move |_control| {
        Ok(path_length_of(&points))
    })?;
    let result = if numpy {
        numpy_scalar(py, "float64", length)?
    } else {
        length.into_bound_py_any(py)?
    };
    Ok(result)
}

/// A nearest-neighbour tour from ``start``; ties: the lowest index.
///
/// ``progress``, if given, is called now and then with ``(done, total)``.
#[pyfunction]
#[pyo3(
    signature = (points, start = StartArgument::Default, *, progress = None),
    text_signature = "(points, start=0, *, progress=None)"
)]
pub fn greedy_route<'py>(
    py: Python<'py>,
    points: &Bound<'py, PyAny>,
    start: StartArgument<'py>,
    progress: Option<&Bound<'py, PyAny>>,
) -> Result<Bound<'py, PyAny>> {
    let Points { points, numpy } = points_input::read(points)?;
    let count = points.len();
    let start: BigInt = match start {
        StartArgument::Given(start) => index(&start, "start")?.extract()?,
        StartArgument::Default => BigInt::from(0),
    };
    let first = usize::try_from(&start)
        .ok()
        .filter(|&first| first < count)
        .ok_or(CoreError::StartOutOfRange { start, count })?;
    let route = workers::run(py, count, progress, PARALLEL_FROM, move |control| {
        let mut route = GreedyRoute::new(&points, first).map_err(|_| Stopped)?;
        loop {
            let before = route.len();
            let done = route.advance(CHUNK);
            control.tick(route.len() - before)?;
            if done {
                break;
            }
        }
        Ok(route.into_route())
    })?;
    let route: Vec<i64> = route.into_iter().map(|k| k as i64).collect();
    let result = if numpy {
        PyArray1::from_vec(py, route).into_bound_py_any(py)?
    } else {
        PyList::new(py, route)?.into_bound_py_any(py)?
    };
    Ok(result)
}

/// `greedy_route`'s `start`: omitted (0), or whatever the caller passed, `None`
/// included, which must then be an int, as `operator.index` decides.
pub enum StartArgument<'py> {
    Default,
    Given(Bound<'py, PyAny>),
}

impl<'a, 'py> FromPyObject<'a, 'py> for StartArgument<'py> {
    type Error = PyErr;

    fn extract(value: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        Ok(StartArgument::Given(value.to_owned()))
    }
}
