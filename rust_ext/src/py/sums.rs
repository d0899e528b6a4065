//! `_fsum`: `math.fsum` of a float64 array, for the report's mean distance.

use legacy_core::control::Sequential;
use legacy_core::fsum::fsum;
use numpy::{PyArray1, PyArrayMethods};
use pyo3::prelude::*;

use crate::py::errors::Result;
use crate::py::numpy_api;

/// ``math.fsum(values)``, correctly rounded; a contiguous float64 NumPy array is summed
/// without the GIL and without a Python float per value.
#[pyfunction]
#[pyo3(signature = (values))]
pub fn _fsum(py: Python<'_>, values: &Bound<'_, PyAny>) -> Result<f64> {
    // rust-numpy may only look at the object once NumPy's C API is known to load.
    let array = numpy_api::ensure(py)
        .ok()
        .and_then(|()| values.cast::<PyArray1<f64>>().ok())
        .and_then(|array| array.try_readonly().ok());
    if let Some(slice) = array.as_ref().and_then(|array| array.as_slice().ok()) {
        return Ok(py.detach(|| fsum(slice, &Sequential))?);
    }
    let values: Vec<f64> = values
        .try_iter()?
        .map(|value| value?.extract::<f64>())
        .collect::<PyResult<_>>()?;
    Ok(fsum(&values, &Sequential)?)
}
