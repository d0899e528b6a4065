//! A panic on purpose, compiled only with the `test-panic` Cargo feature, so that the
//! tests can check that a bug which panics reaches Python as PyO3's `PanicException`
//! and leaves the interpreter running. Never part of the default build (or its stubs).

use legacy_core::control::Stopped;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::py::workers;

/// Panic ``"here"`` (holding the GIL), ``"detached"`` (the GIL released) or on a
/// ``"worker"`` thread, as `fact` runs big factorials.
#[pyfunction]
#[pyo3(name = "_panic_for_tests", signature = (place = "here"))]
pub fn panic_for_tests(py: Python<'_>, place: &str) -> PyResult<()> {
    match place {
        "here" => panic!("a panic for tests, holding the GIL"),
        "detached" => py.detach(|| panic!("a panic for tests, without the GIL")),
        "worker" => Ok(workers::run_apart(
            py,
            "panic-for-tests",
            |_| -> Result<(), Stopped> { panic!("a panic for tests, on a worker thread") },
        )?),
        other => Err(PyValueError::new_err(format!(
            "place must be \"here\", \"detached\" or \"worker\", got {other:?}"
        ))),
    }
}
