//! The `points` argument of the batch functions: a sequence of `Point`, or an `(n, 2)`
//! NumPy array of integers, read once into plain `legacy_core::Point`s.
//!
//! NumPy is never imported just to ask, and rust-numpy is only reached once NumPy's C
//! API is known to load (its first use loads it, and panics where it cannot, as with
//! a stand-in under the name `numpy`). Arrays are read straight from their buffer
//! when it is native-endian, aligned and C-contiguous; any other layout (unaligned
//! packed records, other byte orders, strides, Fortran order) is first copied by
//! NumPy's own safe conversion, so every layout gives the same answer as a contiguous
//! copy.

use std::sync::Arc;

use legacy_core::error::check_capacity;
use legacy_core::point_set::PointSet as CorePointSet;
use legacy_core::{Field, Point as CorePoint};
use numpy::{
    Element, PyArray2, PyArrayDescrMethods, PyArrayMethods, PyUntypedArray, PyUntypedArrayMethods,
};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple, PyType};

use crate::py::arguments::type_name;
use crate::py::errors::{Argument, Result};
use crate::py::numpy_api;
use crate::py::point::Point;
use crate::py::point_set::PointSet;

/// Rows read between two signal checks while points are read in, GIL held.
const SIGNAL_ROWS: usize = 1 << 18;

/// Points as given: from `Point` objects, or from a NumPy array (then the results go
/// back as NumPy too).
pub struct Points {
    pub points: Vec<CorePoint>,
    pub numpy: bool,
}

/// How answers go back: NumPy arrays and scalars, or Python lists and numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    NumPy,
    Lists,
}

impl Form {
    /// The form of a `PointSet`'s answers: NumPy's when `numpy` imports and its
    /// `ndarray` is a type, lists otherwise. A `numpy` that passes those tests but is not
    /// NumPy (its C API cannot be loaded) is an error here, never a panic later.
    pub fn of_point_sets(py: Python<'_>) -> PyResult<Form> {
        let Ok(numpy) = py.import("numpy") else {
            return Ok(Form::Lists);
        };
        let is_type = numpy
            .getattr(pyo3::intern!(py, "ndarray"))
            .is_ok_and(|ndarray| ndarray.is_instance_of::<pyo3::types::PyType>());
        if !is_type {
            return Ok(Form::Lists);
        }
        crate::py::numpy_api::ensure(py)?;
        Ok(Form::NumPy)
    }
}

/// The `points` argument of a batch function as a point set, and the form of the
/// answers: a `PointSet` as it is (with its index), anything else read in.
pub fn read_set(
    points: &Bound<'_, PyAny>,
    function: &'static str,
) -> Result<(Arc<CorePointSet>, Form)> {
    if let Ok(set) = points.cast::<PointSet>() {
        return Ok((set.get().core(), Form::of_point_sets(points.py())?));
    }
    let Points { points, numpy } = read(points, function)?;
    let form = if numpy { Form::NumPy } else { Form::Lists };
    Ok((Arc::new(point_set(function, points)?), form))
}

/// A point set of `points`, which must fit the core's `u32` indices (four billion
/// points would need tens of gigabytes first).
pub fn point_set(function: &'static str, points: Vec<CorePoint>) -> Result<CorePointSet> {
    check_capacity(function, points.len())?;
    Ok(CorePointSet::new(Arc::new(points)))
}

/// Read the `points` argument of `function` (a batch function, or `PointSet`).
pub fn read(points: &Bound<'_, PyAny>, function: &'static str) -> Result<Points> {
    if let Some(array) = numpy_array(points)? {
        return Ok(Points {
            points: array_points(&array, function, true)?,
            numpy: true,
        });
    }
    Ok(Points {
        points: sequence_points(points)?,
        numpy: false,
    })
}

/// `points` as an array, if it is an instance of an imported, working NumPy's ndarray.
///
/// Under the name `numpy` there may be a stand-in (a stub, a mock, a broken install):
/// its `ndarray` may be missing or no type (then Points in a list never notice it), or
/// a type of its own whose objects are no arrays. Only NumPy's C API says what an array
/// is; what it refuses goes on as a sequence, which a non-iterable is not.
fn numpy_array<'py>(points: &Bound<'py, PyAny>) -> Result<Option<Bound<'py, PyUntypedArray>>> {
    let py = points.py();
    let Some(numpy) = numpy_api::imported(py, "numpy")? else {
        return Ok(None);
    };
    let Ok(ndarray) = numpy.getattr(pyo3::intern!(py, "ndarray")) else {
        return Ok(None);
    };
    let Ok(ndarray) = ndarray.cast_into::<PyType>() else {
        return Ok(None);
    };
    if !points.is_instance(&ndarray)? || numpy_api::ensure(py).is_err() {
        return Ok(None);
    }
    let Ok(array) = points.cast::<PyUntypedArray>() else {
        return Ok(None);
    };
    // numpy.ma is imported by whoever makes a masked array, never by `import numpy`.
    if let Some(ma) = numpy_api::imported(py, "numpy.ma")? {
        if points.is_instance(&ma.getattr(pyo3::intern!(py, "MaskedArray"))?)? {
            return Err(Argument::MaskedArray.into());
        }
    }
    Ok(Some(array.clone()))
}

fn array_points(
    array: &Bound<'_, PyUntypedArray>,
    function: &'static str,
    may_copy: bool,
) -> Result<Vec<CorePoint>> {
    if array.ndim() != 2 || array.shape()[1] != 2 {
        return Err(Argument::ArrayShape(array.shape().to_vec()).into());
    }
    let dtype = array.dtype();
    if !matches!(dtype.kind(), b'i' | b'u') {
        return Err(Argument::ArrayDtype(dtype.str()?.to_string()).into());
    }
    // Before any row is read or copied: a broadcast array of billions of rows may hold
    // a few bytes.
    check_capacity(function, array.shape()[0])?;
    macro_rules! try_types {
        ($($t:ty),*) => {
            $(if let Some(points) = contiguous_rows::<$t>(array)? { return Ok(points); })*
        };
    }
    try_types!(i64, u32, u64, i32, u16, i16, u8, i8);
    if !may_copy {
        // NumPy's copy below is native, aligned and C-contiguous by construction.
        return Err(Argument::ArrayDtype(dtype.str()?.to_string()).into());
    }
    // Any other layout: NumPy copies it into one we read directly (only what differs:
    // a C-contiguous but byte-swapped array is converted, not copied twice).
    let py = array.py();
    let native = dtype.call_method1(pyo3::intern!(py, "newbyteorder"), ("=",))?;
    let copy = py.import("numpy")?.call_method1(
        pyo3::intern!(py, "require"),
        (array, native, vec!["C", "A"]),
    )?;
    array_points(copy.cast::<PyUntypedArray>()?, function, false)
}

/// The rows of an `(n, 2)` array of element type `T`, if the array holds `T`s in
/// native order, aligned and C-contiguous; checked in row order, as the Python backend.
fn contiguous_rows<T>(array: &Bound<'_, PyUntypedArray>) -> Result<Option<Vec<CorePoint>>>
where
    T: Element + Copy + Into<i128> + TryInto<u32>,
{
    let Ok(typed) = array.cast::<PyArray2<T>>() else {
        return Ok(None);
    };
    if !typed.is_c_contiguous() || !typed.is_aligned() {
        return Ok(None);
    }
    let Ok(readonly) = typed.try_readonly() else {
        return Ok(None);
    };
    let Ok(values) = readonly.as_slice() else {
        return Ok(None);
    };
    let mut points = Vec::with_capacity(values.len() / 2);
    for (row, pair) in values.chunks_exact(2).enumerate() {
        // Millions of rows take a moment even here: let Ctrl-C in now and then.
        if row % SIGNAL_ROWS == SIGNAL_ROWS - 1 {
            array.py().check_signals()?;
        }
        let x = coordinate(row, Field::X, pair[0])?;
        let y = coordinate(row, Field::Y, pair[1])?;
        points.push(CorePoint::new(x, y));
    }
    Ok(Some(points))
}

fn coordinate<T: Copy + Into<i128> + TryInto<u32>>(
    row: usize,
    field: Field,
    value: T,
) -> Result<u32> {
    value.try_into().map_err(|_| {
        Argument::Coordinate {
            row: Some(row),
            field,
            value: value.into().into(),
        }
        .into()
    })
}

/// The stored coordinates of a sequence of `Point`, as `Point.dist` reads them.
fn sequence_points(points: &Bound<'_, PyAny>) -> Result<Vec<CorePoint>> {
    // Only a list's or tuple's length is trusted for the allocation: any other
    // object's __len__ may say anything, and the vector grows as needed anyway.
    let exact = points
        .cast::<PyList>()
        .map(|list| list.len())
        .or_else(|_| points.cast::<PyTuple>().map(|tuple| tuple.len()))
        .unwrap_or(0);
    let items = points.try_iter().map_err(|error| {
        if error.is_instance_of::<PyTypeError>(points.py()) {
            // Not iterable: say what was expected, as the Python backend does.
            PyTypeError::new_err(format!(
                "points must be a NumPy array or a sequence of Points, not {}",
                type_name(points)
            ))
        } else {
            error
        }
    })?;
    let mut read = Vec::with_capacity(exact);
    for (row, item) in items.enumerate() {
        if row % SIGNAL_ROWS == SIGNAL_ROWS - 1 {
            points.py().check_signals()?;
        }
        let item = item?;
        let Ok(point) = item.cast::<Point>() else {
            return Err(PyTypeError::new_err(format!(
                "points[{row}] must be a Point, not {}",
                type_name(&item)
            ))
            .into());
        };
        read.push(Point::coordinates(point)?);
    }
    Ok(read)
}
