//! Reading Python ints the way the pure-Python backend does (`operator.index`), with
//! the same error messages.

use legacy_core::point::coordinate as check_coordinate;
use legacy_core::{Coordinate, Field};
use num_bigint::BigInt;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyInt;

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

/// One coordinate from a Python value, checked as `Point` checks it.
pub fn coordinate(field: Field, value: &Bound<'_, PyAny>) -> PyResult<Coordinate> {
    let int = index(value, field.name())?;
    if let Ok(number) = int.extract::<u32>() {
        return Ok(number);
    }
    // Out of range: say which value, however large.
    let number: BigInt = int.extract()?;
    match i128::try_from(&number) {
        Ok(small) => {
            check_coordinate(field, small).map_err(|e| PyValueError::new_err(e.to_string()))
        }
        Err(_) => Err(PyValueError::new_err(format!(
            "{field} must be between 0 and {}, got {number}",
            legacy_core::MAX_COORDINATE
        ))),
    }
}
