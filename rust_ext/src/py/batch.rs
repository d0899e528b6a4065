//! The batch functions: nearest neighbours, closest pair, path length, greedy route,
//! and the questions they share with `PointSet`'s methods.
//!
//! Each function reads its points once (`points_input`) into a `legacy_core` point
//! set (a `PointSet` argument is used as it is, index included), asks it one question
//! through `workers::run` (inline for small inputs, else on the worker pool; Ctrl-C
//! and `progress` served from the calling thread), and converts the answer back:
//! NumPy arrays for NumPy input (and for a `PointSet` when NumPy is there), Python
//! lists otherwise.

use std::sync::Arc;

use legacy_core::nearest::{Neighbours, PARALLEL_MIN};
use legacy_core::point_set::{IndexBuild, IndexClaim, PointSet as CorePointSet, WAIT_STEP};
use legacy_core::route::ROUTE_PARALLEL_MIN;
use num_bigint::BigInt;
use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};
use pyo3::IntoPyObjectExt;

use crate::py::arguments::index;
use crate::py::errors::{Argument, Result};
use crate::py::points_input::{self, Form};
use crate::py::workers;

/// A question needs `at_least` points.
pub fn check_count(function: &'static str, count: usize, at_least: usize) -> Result<()> {
    if count < at_least {
        return Err(Argument::TooFewPoints { function, count }.into());
    }
    Ok(())
}

/// The set's index, claimed on this thread before a question goes to the worker pool:
/// `Some` when this question is to build it (as the first step of its work). While
/// another thread builds it, this one waits here, GIL released and Ctrl-C heard: a pool
/// thread must never sleep waiting, as the build's own parallel work may need it.
fn claim_index(py: Python<'_>, set: &Arc<CorePointSet>) -> Result<Option<IndexBuild>> {
    loop {
        match set.claim_index() {
            IndexClaim::Built => return Ok(None),
            IndexClaim::Mine(build) => return Ok(Some(build)),
            IndexClaim::Busy => {
                py.detach(|| std::thread::sleep(WAIT_STEP));
                py.check_signals()?;
            }
        }
    }
}

fn numpy_scalar<'py>(
    py: Python<'py>,
    kind: &str,
    value: impl IntoPyObject<'py>,
) -> PyResult<Bound<'py, PyAny>> {
    py.import("numpy")?.getattr(kind)?.call1((value,))
}

/// For each point, the index of its nearest other point and that distance.
pub fn nearest<'py>(
    py: Python<'py>,
    set: &Arc<CorePointSet>,
    form: Form,
    progress: Option<&Bound<'py, PyAny>>,
) -> Result<Bound<'py, PyTuple>> {
    check_count("nearest_neighbors", set.len(), 2)?;
    let asked = Arc::clone(set);
    let build = claim_index(py, set)?;
    let Neighbours { indices, distances } =
        workers::run(py, set.len(), progress, PARALLEL_MIN, move |control| {
            build.map(|build| build.build(control)).transpose()?;
            asked.nearest_neighbours(control)
        })?;
    let result = match form {
        Form::NumPy => (
            PyArray1::from_vec(py, indices),
            PyArray1::from_vec(py, distances),
        )
            .into_pyobject(py)?,
        Form::Lists => {
            (PyList::new(py, indices)?, PyList::new(py, distances)?).into_pyobject(py)?
        }
    };
    Ok(result)
}

/// The closest pair `(i, j, distance)` with `i < j`; ties: the smallest `(i, j)`.
pub fn closest<'py>(
    py: Python<'py>,
    set: &Arc<CorePointSet>,
    form: Form,
    progress: Option<&Bound<'py, PyAny>>,
) -> Result<Bound<'py, PyTuple>> {
    check_count("closest_pair", set.len(), 2)?;
    let asked = Arc::clone(set);
    let build = claim_index(py, set)?;
    let (i, j, distance) = workers::run(py, set.len(), progress, PARALLEL_MIN, move |control| {
        build.map(|build| build.build(control)).transpose()?;
        asked.closest_pair(control)
    })?;
    let result = match form {
        Form::NumPy => PyTuple::new(
            py,
            [
                numpy_scalar(py, "int64", i)?,
                numpy_scalar(py, "int64", j)?,
                numpy_scalar(py, "float64", distance)?,
            ],
        )?,
        Form::Lists => (i, j, distance).into_pyobject(py)?,
    };
    Ok(result)
}

/// The length of the path through the points in order (or through those at `order`).
pub fn length<'py>(
    py: Python<'py>,
    set: &Arc<CorePointSet>,
    order: Option<Vec<usize>>,
    form: Form,
) -> Result<Bound<'py, PyAny>> {
    let asked = Arc::clone(set);
    let legs = order.as_ref().map_or(set.len(), Vec::len);
    let length = workers::run(py, legs, None, PARALLEL_MIN, move |control| match order {
        Some(order) => asked.path_length_of(&order, control),
        None => asked.path_length(control),
    })?;
    let result = match form {
        Form::NumPy => numpy_scalar(py, "float64", length)?,
        Form::Lists => length.into_bound_py_any(py)?,
    };
    Ok(result)
}

/// A nearest-neighbour tour from `start`; ties: the lowest index.
pub fn route<'py>(
    py: Python<'py>,
    set: &Arc<CorePointSet>,
    start: StartArgument<'py>,
    form: Form,
    progress: Option<&Bound<'py, PyAny>>,
) -> Result<Bound<'py, PyAny>> {
    let count = set.len();
    let start: BigInt = match start {
        StartArgument::Given(start) => index(&start, "start")?.extract()?,
        StartArgument::Default => BigInt::from(0),
    };
    let first = usize::try_from(&start)
        .ok()
        .filter(|&first| first < count)
        .ok_or(Argument::StartOutOfRange { start, count })?;
    let asked = Arc::clone(set);
    let build = claim_index(py, set)?;
    let route = workers::run(py, count, progress, ROUTE_PARALLEL_MIN, move |control| {
        build.map(|build| build.build(control)).transpose()?;
        asked.greedy_route(first, control)
    })?;
    let result = match form {
        Form::NumPy => PyArray1::from_vec(py, route).into_bound_py_any(py)?,
        Form::Lists => PyList::new(py, route)?.into_bound_py_any(py)?,
    };
    Ok(result)
}

/// For each point, the index of its nearest other point and that distance.
///
/// ``points``: a sequence of ``Point``, an ``(n, 2)`` NumPy array of non-negative ints,
/// or a ``PointSet``. Returns ``(indices, distances)``: lists for Points; for an array,
/// NumPy arrays (``int64`` indices, ``float64`` distances), as for a ``PointSet`` when
/// NumPy is installed. Ties go to the lowest index; each distance is exactly
/// ``Point.dist``'s.
///
/// ``progress(done, total)``, if given, is called first with ``(0, n)``, now and then
/// while the work goes on, and last with ``(n, n)``.
///
/// Raises ``ValueError`` for fewer than 2 points or a coordinate out of range, and
/// ``TypeError`` for anything but Points, an integer array or a ``PointSet``.
#[pyfunction]
#[pyo3(signature = (points, *, progress = None))]
pub fn nearest_neighbors<'py>(
    py: Python<'py>,
    points: &Bound<'py, PyAny>,
    progress: Option<&Bound<'py, PyAny>>,
) -> Result<Bound<'py, PyTuple>> {
    let (set, form) = points_input::read_set(points, "nearest_neighbors")?;
    nearest(py, &set, form, progress)
}

/// The closest pair ``(i, j, distance)`` with ``i < j``; ties: the smallest ``(i, j)``.
///
/// ``points`` as for ``nearest_neighbors``; for an array (or a ``PointSet`` with NumPy
/// installed) the three are NumPy scalars (``int64``, ``int64``, ``float64``).
/// ``progress(done, total)``, if given, is called first with ``(0, n)`` and last with
/// ``(n, n)``.
///
/// Raises ``ValueError`` for fewer than 2 points or a coordinate out of range, and
/// ``TypeError`` for anything but Points, an integer array or a ``PointSet``.
#[pyfunction]
#[pyo3(signature = (points, *, progress = None))]
pub fn closest_pair<'py>(
    py: Python<'py>,
    points: &Bound<'py, PyAny>,
    progress: Option<&Bound<'py, PyAny>>,
) -> Result<Bound<'py, PyTuple>> {
    let (set, form) = points_input::read_set(points, "closest_pair")?;
    closest(py, &set, form, progress)
}

/// The length of the path through the points in order: the sum of the distances
/// between consecutive points, correctly rounded (as ``math.fsum``); 0 or 1 point: 0.0.
///
/// ``points`` as for ``nearest_neighbors``; for an array (or a ``PointSet`` with NumPy
/// installed) the length is a NumPy ``float64``.
///
/// Raises ``ValueError`` for a coordinate out of range, and ``TypeError`` for anything
/// but Points, an integer array or a ``PointSet``.
#[pyfunction]
#[pyo3(signature = (points))]
pub fn path_length<'py>(py: Python<'py>, points: &Bound<'py, PyAny>) -> Result<Bound<'py, PyAny>> {
    let (set, form) = points_input::read_set(points, "path_length")?;
    length(py, &set, None, form)
}

/// A nearest-neighbour tour from ``start`` over every point: each step goes to the
/// nearest point not visited yet; ties: the lowest index.
///
/// ``points`` as for ``nearest_neighbors``; returns the indices in visiting order: a
/// list for Points, a NumPy ``int64`` array for an array (or a ``PointSet`` with NumPy
/// installed). ``progress(done, total)``, if given, is called first with ``(0, n)`` and
/// last with ``(n, n)``.
///
/// Raises ``IndexError`` for a ``start`` out of range, ``TypeError`` for a ``start``
/// that is not an int (``None`` included) or points of the wrong type, and
/// ``ValueError`` for a coordinate out of range.
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
    let (set, form) = points_input::read_set(points, "greedy_route")?;
    route(py, &set, start, form, progress)
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
