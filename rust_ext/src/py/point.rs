//! `Point` as a Python class over `legacy_core::Point`.
//!
//! The class is `frozen` for PyO3 (no borrow flag) and keeps each coordinate in an
//! atomic: a setter converts its value first (an `__index__` may run any Python code,
//! even read this very Point or let another thread read it) and only then stores it,
//! so nothing can ever find the Point "already borrowed", and readers see the old
//! value until the new one is complete.

use std::sync::atomic::{AtomicU64, Ordering};

use legacy_core::{Field, Point as CorePoint};
use pyo3::exceptions::{PyAttributeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use pyo3::IntoPyObjectExt;

use crate::py::arguments::{coordinate, type_name};
use crate::py::errors::Result;

/// A coordinate that `__init__` (or a setter) has not set yet: outside the `u32` range.
const UNSET: u64 = u64::MAX;

/// ``Point(x, y)``: a point with integer coordinates ``x`` and ``y`` in ``0 ..= 2**32 - 1``.
///
/// Mutable, so unhashable. Compared by coordinates. Pickled by reference to
/// ``legacy_app.Point``. A coordinate out of range raises ``ValueError`` naming the
/// field and the value; one that is not an int, ``TypeError``.
// module = "legacy_app": pickle, copy and repr(type) name the public place, so a
// pickle written under this backend loads under the pure-Python one, and back (lib.rs
// also trims the C name to plain `Point` for the interpreter's messages).
// `subclass`: callers derive their own classes (`class Pixel(Point)`); `weakref`: the
// legacy class had `__weakref__`.
#[pyclass(module = "legacy_app", name = "Point", frozen, subclass, weakref)]
pub struct Point {
    x: AtomicU64,
    y: AtomicU64,
}

impl From<CorePoint> for Point {
    fn from(point: CorePoint) -> Self {
        Point {
            x: AtomicU64::new(u64::from(point.x)),
            y: AtomicU64::new(u64::from(point.y)),
        }
    }
}

impl Point {
    fn cell(&self, field: Field) -> &AtomicU64 {
        match field {
            Field::X => &self.x,
            Field::Y => &self.y,
        }
    }

    /// One stored coordinate, or the `AttributeError` of a Point whose `__init__` never ran.
    fn field(&self, field: Field, class: impl FnOnce() -> String) -> PyResult<u32> {
        let stored = self.cell(field).load(Ordering::Relaxed);
        u32::try_from(stored).map_err(|_| {
            PyAttributeError::new_err(format!(
                "{} has no {field}: Point.__init__ never ran",
                class()
            ))
        })
    }

    /// Both coordinates, as `dist`, `==`, pickling and the batch functions read them.
    pub fn coordinates(slf: &Bound<'_, Self>) -> PyResult<CorePoint> {
        let point = slf.get();
        let class = || type_name(slf.as_any());
        Ok(CorePoint::new(
            point.field(Field::X, class)?,
            point.field(Field::Y, class)?,
        ))
    }

    fn store(&self, point: CorePoint) {
        self.x.store(u64::from(point.x), Ordering::Relaxed);
        self.y.store(u64::from(point.y), Ordering::Relaxed);
    }
}

/// The other operand of a comparison, when it is a Point.
fn other_point(other: &Bound<'_, PyAny>) -> PyResult<Option<CorePoint>> {
    match other.cast::<Point>() {
        Ok(other) => Point::coordinates(other).map(Some),
        Err(_) => Ok(None),
    }
}

#[pymethods]
impl Point {
    // As with a Python class, `__new__` takes any arguments and `__init__` checks
    // them, so that a subclass's `__init__` may have its own signature and call
    // `super().__init__(x, y)`. Until `__init__` runs, the coordinates are unset.
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = "(x, y)")]
    fn new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        Point {
            x: AtomicU64::new(UNSET),
            y: AtomicU64::new(UNSET),
        }
    }

    fn __init__(&self, x: &Bound<'_, PyAny>, y: &Bound<'_, PyAny>) -> Result<()> {
        // Both converted before either is stored: a failed __init__ changes nothing.
        let point = CorePoint::new(coordinate(Field::X, x)?, coordinate(Field::Y, y)?);
        self.store(point);
        Ok(())
    }

    /// The horizontal coordinate.
    #[getter]
    fn get_x(slf: &Bound<'_, Self>) -> PyResult<u32> {
        slf.get().field(Field::X, || type_name(slf.as_any()))
    }

    #[setter]
    fn set_x(&self, value: &Bound<'_, PyAny>) -> Result<()> {
        let x = coordinate(Field::X, value)?;
        self.x.store(u64::from(x), Ordering::Relaxed);
        Ok(())
    }

    /// The vertical coordinate.
    #[getter]
    fn get_y(slf: &Bound<'_, Self>) -> PyResult<u32> {
        slf.get().field(Field::Y, || type_name(slf.as_any()))
    }

    #[setter]
    fn set_y(&self, value: &Bound<'_, PyAny>) -> Result<()> {
        let y = coordinate(Field::Y, value)?;
        self.y.store(u64::from(y), Ordering::Relaxed);
        Ok(())
    }

    /// Euclidean distance: the exact integer sum of squares, rounded once, then sqrt.
    #[pyo3(text_signature = "($self, other)")]
    fn dist(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<f64> {
        let Ok(other) = other.cast::<Point>() else {
            return Err(PyTypeError::new_err(format!(
                "dist() argument must be a Point, not {}",
                type_name(other)
            )));
        };
        Ok(Self::coordinates(slf)?.dist(Self::coordinates(other)?))
    }

    fn __eq__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        match other_point(other)? {
            Some(other) => (Self::coordinates(slf)? == other).into_py_any(py),
            None => Ok(py.NotImplemented()),
        }
    }

    // What Python's default `__ne__` does: the inverse of the class's own `__eq__`,
    // a subclass's override included, and its NotImplemented passed on (so that the
    // other operand, a NumPy array say, answers). PyO3 would derive `!=` from the
    // `__eq__` above, never from a subclass's.
    fn __ne__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        let class = slf.get_type();
        let equal = if class.is(py.get_type::<Point>()) {
            Self::__eq__(slf, other)?.into_bound(py)
        } else {
            class
                .getattr(pyo3::intern!(py, "__eq__"))?
                .call1((slf, other))?
        };
        if equal.is(py.NotImplemented()) {
            return Ok(equal.unbind());
        }
        (!equal.is_truthy()?).into_py_any(py)
    }

    fn __str__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let point = Self::coordinates(slf)?;
        Ok(format!("Point {{x = {}, y = {}}}", point.x, point.y))
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let point = Self::coordinates(slf)?;
        Ok(format!("Point(x={}, y={})", point.x, point.y))
    }

    /// Pickle by reference to the class; a subclass's attributes travel as state.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let point = Self::coordinates(slf)?;
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
