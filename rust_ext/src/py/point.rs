//! `Point` as a Python class over `legacy_core::Point`.

use legacy_core::{Field, Point as CorePoint};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use pyo3::IntoPyObjectExt;

use crate::py::values::{coordinate, type_name};

/// ``Point(x, y)``: a point with integer coordinates ``x`` and ``y`` in ``0 ..= 2**32 - 1``.
///
/// Mutable, so unhashable. Compared by coordinates. Pickled by reference to
/// ``legacy_app.Point``.
// module = "legacy_app": pickle, copy and repr(type) name the public place, so a
// pickle written under this backend loads under the pure-Python one, and back.
// `subclass`: callers derive their own classes (`class Pixel(Point)`).
#[pyclass(module = "legacy_app", name = "Point", subclass)]
pub struct Point {
    pub inner: CorePoint,
}

impl From<CorePoint> for Point {
    fn from(inner: CorePoint) -> Self {
        Point { inner }
    }
}

#[pymethods]
impl Point {
    // As with a Python class, `__new__` takes any arguments and `__init__` checks
    // them, so that a subclass's `__init__` may have its own signature and call
    // `super().__init__(x, y)`.
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(x, y)")]
    fn new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        Point {
            inner: CorePoint::default(),
        }
    }

    fn __init__(&mut self, x: &Bound<'_, PyAny>, y: &Bound<'_, PyAny>) -> PyResult<()> {
        self.inner = CorePoint::new(coordinate(Field::X, x)?, coordinate(Field::Y, y)?);
        Ok(())
    }

    /// The horizontal coordinate.
    #[getter]
    fn get_x(&self) -> u32 {
        self.inner.x
    }

    #[setter]
    fn set_x(&mut self, value: &Bound<'_, PyAny>) -> PyResult<()> {
        self.inner.x = coordinate(Field::X, value)?;
        Ok(())
    }

    /// The vertical coordinate.
    #[getter]
    fn get_y(&self) -> u32 {
        self.inner.y
    }

    #[setter]
    fn set_y(&mut self, value: &Bound<'_, PyAny>) -> PyResult<()> {
        self.inner.y = coordinate(Field::Y, value)?;
        Ok(())
    }

    /// Euclidean distance: the exact integer sum of squares, rounded once, then sqrt.
    #[pyo3(text_signature = "($self, other)")]
    fn dist(&self, other: &Bound<'_, PyAny>) -> PyResult<f64> {
        match other.cast::<Point>() {
            Ok(other) => Ok(self.inner.dist(other.borrow().inner)),
            Err(_) => Err(PyTypeError::new_err(format!(
                "dist() argument must be a Point, not {}",
                type_name(other)
            ))),
        }
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = other.py();
        match other.cast::<Point>() {
            Ok(other) => (self.inner == other.borrow().inner).into_py_any(py),
            Err(_) => Ok(py.NotImplemented()),
        }
    }

    fn __str__(&self) -> String {
        format!("Point {{x = {}, y = {}}}", self.inner.x, self.inner.y)
    }

    fn __repr__(&self) -> String {
        format!("Point(x={}, y={})", self.inner.x, self.inner.y)
    }

    /// Pickle by reference to the class; a subclass's attributes travel as state.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let point = slf.borrow().inner;
        let class = slf.get_type();
        let args = (point.x, point.y);
        let state = slf
            .getattr(pyo3::intern!(py, "__dict__"))
            .ok()
            .and_then(|dict| dict.cast_into::<PyDict>().ok())
            .filter(|dict| !dict.is_empty());
        match state {
            Some(state) => (class, args, state).into_pyobject(py),
            None => (class, args).into_pyobject(py),
        }
    }
}
