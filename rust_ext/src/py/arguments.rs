//! Reading Python arguments as the pure-Python backend does (ints through `__index__`),
//! with the same error messages.

use legacy_core::{Coordinate, Field};
use num_bigint::BigInt;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyInt;

use crate::py::errors::{Argument, Result};

/// The name of `value`'s type, as Python's `type(value).__name__`.
pub fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map(|name| name.to_string())
        .unwrap_or_else(|_| "object".to_owned())
}

/// `operator.index(value)`, or a `TypeError` saying `{what} must be an int, not {type}`.
pub fn index<'py>(value: &Bound<'py, PyAny>, what: &str) -> PyResult<Bound<'py, PyInt>> {
    if let Ok(int) = value.cast_exact::<PyInt>() {
        return Ok(int.clone());
    }
    static OPERATOR_INDEX: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let py = value.py();
    let operator_index = OPERATOR_INDEX.get_or_try_init(py, || {
        py.import("operator")?.getattr("index").map(Bound::unbind)
    })?;
    match operator_index.bind(py).call1((value,)) {
        Ok(result) => Ok(result.cast_into::<PyInt>()?),
        Err(error) if error.is_instance_of::<PyTypeError>(py) => Err(PyTypeError::new_err(
            format!("{what} must be an int, not {}", type_name(value)),
        )),
        Err(error) => Err(error),
    }
}

/// One coordinate from a Python value, checked as `Point` checks it: converted
/// through `__index__` first, so nothing of the Point is touched until it is valid.
pub fn coordinate(field: Field, value: &Bound<'_, PyAny>) -> Result<Coordinate> {
    let int = index(value, field.name())?;
    if let Ok(number) = int.extract::<u32>() {
        return Ok(number);
    }
    // Out of range: say which value, however large.
    Err(Argument::Coordinate {
        row: None,
        field,
        value: int.extract::<BigInt>()?,
    }
    .into())
}
