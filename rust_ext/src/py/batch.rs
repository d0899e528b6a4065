//! The batch functions: nearest neighbours, closest pair, path length, greedy route.
//!
//! Each reads its points once (`points_input`), hands plain Rust data to
//! `legacy_core` through `workers::run` (inline for small inputs, else on the worker
//! pool; Ctrl-C and `progress` served from the calling thread), and converts the
//! result back: NumPy arrays for NumPy input, Python lists otherwise.

use legacy_core::nearest::{
    closest_pair as closest_of, nearest_neighbours, Neighbours, PARALLEL_MIN,
};
use legacy_core::route::{
    greedy_route as route_from, path_length as length_of, ROUTE_PARALLEL_MIN,
};
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

/// The points a batch function takes: two at least, and indices that fit the core's
/// `u32` (four billion points would need tens of gigabytes first).
fn check_count(function: &'static str, points: &[CorePoint], at_least: usize) -> Result<()> {
    let count = points.len();
    if count < at_least {
        return Err(CoreError::TooFewPoints { function, count }.into());
    }
    if count >= u32::MAX as usize {
        return Err(CoreError::TooManyPoints { function, count }.into());
    }
    Ok(())
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
/// ``progress``, if given, is called with ``(done, total)``: first ``(0, n)``, now and
/// then, last ``(n, n)``.
#[pyfunction]
#[pyo3(signature = (points, *, progress = None))]
pub fn nearest_neighbors<'py>(
    py: Python<'py>,
    points: &Bound<'py, PyAny>,
    progress: Option<&Bound<'py, PyAny>>,
) -> Result<Bound<'py, PyTuple>> {
    let Points { points, numpy } = points_input::read(points)?;
    check_count("nearest_neighbors", &points, 2)?;
    let total = points.len();
    let Neighbours { indices, distances } =
        workers::run(py, total, progress, PARALLEL_MIN, move |control| {
            nearest_neighbours(&points, control)
        })?;
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
/// ``progress``, if given, is called with ``(done, total)``: first ``(0, n)``, now and
/// then, last ``(n, n)``.
#[pyfunction]
#[pyo3(signature = (points, *, progress = None))]
pub fn closest_pair<'py>(
    py: Python<'py>,
    points: &Bound<'py, PyAny>,
    progress: Option<&Bound<'py, PyAny>>,
) -> Result<Bound<'py, PyTuple>> {
    let Points { points, numpy } = points_input::read(points)?;
    check_count("closest_pair", &points, 2)?;
    let total = points.len();
    let (i, j, distance) = workers::run(py, total, progress, PARALLEL_MIN, move |control| {
        closest_of(&points, control)
    })?;
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
    check_count("path_length", &points, 0)?;
    let total = points.len();
    let length = workers::run(py, total, None, PARALLEL_MIN, move |control| {
        length_of(&points, control)
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
/// ``progress``, if given, is called with ``(done, total)``: first ``(0, n)``, now and
/// then, last ``(n, n)``.
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
    check_count("greedy_route", &points, 0)?;
    let route = workers::run(py, count, progress, ROUTE_PARALLEL_MIN, move |control| {
        route_from(&points, first, control)
    })?;
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
