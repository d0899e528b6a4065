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

use legacy_core::{Error as CoreError, Field, Point as CorePoint};
use numpy::{
    Element, PyArray2, PyArrayDescrMethods, PyArrayMethods, PyUntypedArray, PyUntypedArrayMethods,
};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyCapsule, PyCapsuleMethods, PyDict, PyList, PyTuple, PyType};

use crate::py::arguments::type_name;
use crate::py::errors::Result;
use crate::py::point::Point;

/// Rows read between two signal checks while points are read in, GIL held.
const SIGNAL_ROWS: usize = 1 << 18;

/// Points as given: from `Point` objects, or from a NumPy array (then the results go
/// back as NumPy too).
pub struct Points {
    pub points: Vec<CorePoint>,
    pub numpy: bool,
}

/// Read the `points` argument of a batch function.
pub fn read(points: &Bound<'_, PyAny>) -> Result<Points> {
    if let Some(array) = numpy_array(points)? {
        return Ok(Points {
            points: array_points(&array, true)?,
            numpy: true,
        });
    }
    Ok(Points {
        points: sequence_points(points)?,
        numpy: false,
    })
}

/// A module already imported, if it is (`None` also when `sys.modules` maps it to None).
fn imported<'py>(py: Python<'py>, name: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
    // `sys` itself is imported once: `py.import` goes through `__import__` each time,
    // a good part of a whole batch call on a few Points.
    static SYS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    let sys = SYS.get_or_try_init(py, || py.import("sys").map(Bound::unbind))?;
    let modules = sys.bind(py).getattr(pyo3::intern!(py, "modules"))?;
    let Ok(modules) = modules.cast_into::<PyDict>() else {
        return Ok(None);
    };
    Ok(modules.get_item(name)?.filter(|module| !module.is_none()))
}

/// `points` as an array, if it is an instance of an imported, working NumPy's ndarray.
///
/// Under the name `numpy` there may be a stand-in (a stub, a mock, a broken install):
/// its `ndarray` may be missing or no type (then Points in a list never notice it), or
/// a type of its own whose objects are no arrays. Only NumPy's C API says what an array
/// is; what it refuses goes on as a sequence, which a non-iterable is not.
fn numpy_array<'py>(points: &Bound<'py, PyAny>) -> Result<Option<Bound<'py, PyUntypedArray>>> {
    let py = points.py();
    let Some(numpy) = imported(py, "numpy")? else {
        return Ok(None);
    };
    let Ok(ndarray) = numpy.getattr(pyo3::intern!(py, "ndarray")) else {
        return Ok(None);
    };
    let Ok(ndarray) = ndarray.cast_into::<PyType>() else {
        return Ok(None);
    };
    if !points.is_instance(&ndarray)? || !array_api_loads(py) {
        return Ok(None);
    }
    let Ok(array) = points.cast::<PyUntypedArray>() else {
        return Ok(None);
    };
    // numpy.ma is imported by whoever makes a masked array, never by `import numpy`.
    if let Some(ma) = imported(py, "numpy.ma")? {
        if points.is_instance(&ma.getattr(pyo3::intern!(py, "MaskedArray"))?)? {
            return Err(CoreError::MaskedArray.into());
        }
    }
    Ok(Some(array.clone()))
}

/// Whether NumPy's C API can be loaded: the steps rust-numpy takes at its first use,
/// where a failure is a panic, taken here first, where a failure only means "no NumPy"
/// (the error itself says nothing more to the caller). Once they succeed, rust-numpy
/// loads the API right after and keeps it for good, so they are not taken again.
fn array_api_loads(py: Python<'_>) -> bool {
    static LOADED: PyOnceLock<()> = PyOnceLock::new();
    let load = || -> PyResult<()> {
        let version = py.import("numpy")?.getattr("__version__")?;
        let parsed = py
            .import("numpy.lib")?
            .getattr("NumpyVersion")?
            .call1((version,))?;
        let core = if parsed.getattr("major")?.extract::<u8>()? >= 2 {
            "numpy._core.multiarray"
        } else {
            "numpy.core.multiarray"
        };
        let api = py.import(core)?.getattr("_ARRAY_API")?;
        if api.cast::<PyCapsule>()?.is_valid_checked(None) {
            Ok(())
        } else {
            Err(PyTypeError::new_err(
                "NumPy's _ARRAY_API is not a valid capsule",
            ))
        }
    };
    LOADED.get_or_try_init(py, load).is_ok()
}

fn array_points(array: &Bound<'_, PyUntypedArray>, may_copy: bool) -> Result<Vec<CorePoint>> {
    if array.ndim() != 2 || array.shape()[1] != 2 {
        return Err(CoreError::ArrayShape(array.shape().to_vec()).into());
    }
    let dtype = array.dtype();
    if !matches!(dtype.kind(), b'i' | b'u') {
        return Err(CoreError::ArrayDtype(dtype.str()?.to_string()).into());
    }
    macro_rules! try_types {
        ($($t:ty),*) => {
            $(if let Some(points) = contiguous_rows::<$t>(array)? { return Ok(points); })*
        };
    }
    try_types!(i64, u32, u64, i32, u16, i16, u8, i8);
    if !may_copy {
        // NumPy's copy below is native, aligned and C-contiguous by construction.
        return Err(CoreError::ArrayDtype(dtype.str()?.to_string()).into());
    }
    // Any other layout: NumPy copies it into one we read directly (only what differs:
    // a C-contiguous but byte-swapped array is converted, not copied twice).
    let py = array.py();
    let native = dtype.call_method1(pyo3::intern!(py, "newbyteorder"), ("=",))?;
    let copy = py.import("numpy")?.call_method1(
        pyo3::intern!(py, "require"),
        (array, native, vec!["C", "A"]),
    )?;
    array_points(copy.cast::<PyUntypedArray>()?, false)
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
        CoreError::Coordinate {
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
