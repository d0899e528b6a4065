//! The batch functions: nearest neighbours, closest pair, path length, greedy route.
//!
//! Input is read once into plain `Point`s (from `Point` objects, or straight from a
//! NumPy array's buffer, making no Python object per point); the work runs in
//! `legacy_core` with the GIL released, in chunks, and between chunks the calling
//! thread checks for signals, so Ctrl-C interrupts within a fraction of a second.

use legacy_core::control::{Control, Stopped};
use legacy_core::nearest::{
    closest_pair as closest_of, nearest_neighbours, Neighbours, PARALLEL_MIN,
};
use legacy_core::route::{greedy_route as greedy_route_of, path_length as path_length_of};
use legacy_core::{Point as CorePoint, MAX_COORDINATE};
use num_bigint::BigInt;
use numpy::{
    Element, PyArray1, PyArray2, PyArrayDescrMethods, PyArrayMethods, PyUntypedArray,
    PyUntypedArrayMethods,
};
use pyo3::exceptions::{PyIndexError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};
use pyo3::IntoPyObjectExt;

use crate::py::point::Point;
use crate::py::threads;
use crate::py::values::{index, type_name};

/// Rows read between two signal checks while points are read in, GIL held.
const SIGNAL_ROWS: usize = 1 << 18;

/// Points as given: a sequence of `Point`, or a NumPy array (results go back as NumPy).
struct Input {
    points: Vec<CorePoint>,
    numpy: bool,
}

/// `points` if it is a NumPy array; NumPy is never imported just to ask.
fn as_array<'py>(points: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyUntypedArray>>> {
    let py = points.py();
    let modules = py.import("sys")?.getattr(pyo3::intern!(py, "modules"))?;
    if !modules.contains(pyo3::intern!(py, "numpy"))? {
        return Ok(None);
    }
    Ok(points.cast::<PyUntypedArray>().ok().cloned())
}

fn shape_text(shape: &[usize]) -> String {
    match shape {
        [one] => format!("({one},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn range_error(row: usize, field: &str, value: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(format!(
        "points[{row}]: {field} must be between 0 and {MAX_COORDINATE}, got {value}"
    ))
}

/// The rows of an `(n, 2)` array of element type `T`, checked in row-major order.
fn rows_of<T>(array: &Bound<'_, PyUntypedArray>) -> PyResult<Option<Vec<CorePoint>>>
where
    T: Element + Copy + Into<i128>,
{
    let Ok(typed) = array.cast::<PyArray2<T>>() else {
        return Ok(None);
    };
    let readonly = typed.readonly();
    let view = readonly.as_array();
    let mut points = Vec::with_capacity(view.nrows());
    for (row, values) in view.outer_iter().enumerate() {
        // Millions of rows take a moment even here: let Ctrl-C in now and then.
        if row % SIGNAL_ROWS == SIGNAL_ROWS - 1 {
            array.py().check_signals()?;
        }
        let x: i128 = values[0].into();
        let y: i128 = values[1].into();
        let x = u32::try_from(x).map_err(|_| range_error(row, "x", x))?;
        let y = u32::try_from(y).map_err(|_| range_error(row, "y", y))?;
        points.push(CorePoint::new(x, y));
    }
    Ok(Some(points))
}

fn array_points(array: &Bound<'_, PyUntypedArray>) -> PyResult<Vec<CorePoint>> {
    if array.ndim() != 2 || array.shape()[1] != 2 {
        return Err(PyValueError::new_err(format!(
            "points array must have shape (n, 2), got {}",
            shape_text(array.shape())
        )));
    }
    let dtype = array.dtype();
    if !matches!(dtype.kind(), b'i' | b'u') {
        return Err(PyTypeError::new_err(format!(
            "points array must have an integer dtype, got {}",
            dtype.str()?
        )));
    }
    macro_rules! try_types {
        ($($t:ty),*) => {
            $(if let Some(points) = rows_of::<$t>(array)? { return Ok(points); })*
        };
    }
    try_types!(i64, u32, u64, i32, u16, i16, u8, i8);
    // A byte order other than the machine's: convert once, then read natively.
    let native = array.call_method1("astype", (dtype.call_method1("newbyteorder", ("=",))?,))?;
    array_points(native.cast::<PyUntypedArray>()?)
}

fn read_points(points: &Bound<'_, PyAny>) -> PyResult<Input> {
    if let Some(array) = as_array(points)? {
        return Ok(Input {
            points: array_points(&array)?,
            numpy: true,
        });
    }
    // Only a list's or tuple's length is trusted for the allocation: any other
    // object's __len__ may say anything, and the vector grows as needed anyway.
    let exact = points
        .cast::<PyList>()
        .map(|list| list.len())
        .or_else(|_| points.cast::<PyTuple>().map(|tuple| tuple.len()))
        .unwrap_or(0);
    let mut read = Vec::with_capacity(exact);
    for (row, item) in points.try_iter()?.enumerate() {
        if row % SIGNAL_ROWS == SIGNAL_ROWS - 1 {
            points.py().check_signals()?;
        }
        let item = item?;
        match item.cast::<Point>() {
            Ok(point) => read.push(point.borrow().inner),
            Err(_) => {
                return Err(PyTypeError::new_err(format!(
                    "points[{row}] must be a Point, not {}",
                    type_name(&item)
                )))
            }
        }
    }
    Ok(Input {
        points: read,
        numpy: false,
    })
}

/// Tell `progress` (if given) how far the work is: `(done, total)`.
fn report(progress: Option<&Bound<'_, PyAny>>, done: usize, total: usize) -> PyResult<()> {
    if let Some(progress) = progress {
        progress.call1((done, total))?;
    }
    Ok(())
}

/// TEMPORARY wiring of the new kernel (branch `kernel`): the lead's runner replaces
/// it with Ctrl-C checks and progress callbacks. Here ticks never stop the work.
struct Runner {
    threads: usize,
}

impl Control for Runner {
    fn threads(&self) -> usize {
        self.threads
    }

    fn tick(&self, _done: usize) -> Result<(), Stopped> {
        Ok(())
    }
}

/// Run `work` without the GIL: inline on this thread for small inputs or a cap of 1,
/// otherwise in the capped pool (all cores without a cap).
fn run_kernel<R: Send>(
    py: Python<'_>,
    count: usize,
    work: impl FnOnce(&dyn Control) -> Result<R, Stopped> + Send,
) -> PyResult<R> {
    let pool = threads::pool();
    let threads = match &pool {
        Some(pool) => pool.current_num_threads(),
        None => rayon::current_num_threads(),
    };
    let result = if threads <= 1 || count < PARALLEL_MIN {
        py.detach(|| work(&Runner { threads: 1 }))
    } else {
        py.detach(|| threads::install(pool.as_deref(), || work(&Runner { threads })))
    };
    result.map_err(|Stopped| pyo3::exceptions::PyKeyboardInterrupt::new_err(""))
}

fn all_nearest(
    py: Python<'_>,
    name: &str,
    points: &[CorePoint],
    progress: Option<&Bound<'_, PyAny>>,
) -> PyResult<Neighbours> {
    let count = points.len();
    if count < 2 {
        return Err(PyValueError::new_err(format!(
            "{name}() needs at least 2 points, got {count}"
        )));
    }
    report(progress, 0, count)?;
    let found = run_kernel(py, count, |control| nearest_neighbours(points, control))?;
    report(progress, count, count)?;
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
) -> PyResult<Bound<'py, PyTuple>> {
    let Input { points, numpy } = read_points(points)?;
    let Neighbours { indices, distances } =
        all_nearest(py, "nearest_neighbors", &points, progress)?;
    if numpy {
        (
            PyArray1::from_vec(py, indices),
            PyArray1::from_vec(py, distances),
        )
            .into_pyobject(py)
    } else {
        (PyList::new(py, indices)?, PyList::new(py, distances)?).into_pyobject(py)
    }
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
) -> PyResult<Bound<'py, PyTuple>> {
    let Input { points, numpy } = read_points(points)?;
    let count = points.len();
    if count < 2 {
        return Err(PyValueError::new_err(format!(
            "closest_pair() needs at least 2 points, got {count}"
        )));
    }
    report(progress, 0, count)?;
    let (i, j, distance) = run_kernel(py, count, |control| closest_of(&points, control))?;
    report(progress, count, count)?;
    if numpy {
        PyTuple::new(
            py,
            [
                numpy_scalar(py, "int64", i)?,
                numpy_scalar(py, "int64", j)?,
                numpy_scalar(py, "float64", distance)?,
            ],
        )
    } else {
        (i, j, distance).into_pyobject(py)
    }
}

/// The length of the path through the points in order, correctly rounded.
#[pyfunction]
#[pyo3(signature = (points))]
pub fn path_length<'py>(
    py: Python<'py>,
    points: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let input = read_points(points)?;
    let length = run_kernel(py, input.points.len(), |control| {
        path_length_of(&input.points, control)
    })?;
    if input.numpy {
        numpy_scalar(py, "float64", length)
    } else {
        length.into_bound_py_any(py)
    }
}

/// A nearest-neighbour tour from ``start``; ties: the lowest index.
///
/// ``progress``, if given, is called now and then with ``(done, total)``.
#[pyfunction]
#[pyo3(
    signature = (points, start = None, *, progress = None),
    text_signature = "(points, start=0, *, progress=None)"
)]
pub fn greedy_route<'py>(
    py: Python<'py>,
    points: &Bound<'py, PyAny>,
    start: Option<&Bound<'py, PyAny>>,
    progress: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let input = read_points(points)?;
    let count = input.points.len();
    let start: BigInt = match start {
        Some(start) => index(start, "start")?.extract()?,
        None => BigInt::from(0),
    };
    let out_of_range =
        || PyIndexError::new_err(format!("start {start} out of range for {count} points"));
    let first = usize::try_from(&start).map_err(|_| out_of_range())?;
    if first >= count {
        return Err(out_of_range());
    }
    report(progress, 0, count)?;
    let route = run_kernel(py, count, |control| {
        greedy_route_of(&input.points, first, control)
    })?;
    report(progress, count, count)?;
    if input.numpy {
        PyArray1::from_vec(py, route).into_bound_py_any(py)
    } else {
        PyList::new(py, route)?.into_bound_py_any(py)
    }
}
