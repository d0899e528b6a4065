//! The original app's two greetings: `say_hello` and `throws_error`.

use legacy_core::HelloError;
use pyo3::prelude::*;

use crate::py::errors::Result;

/// Write ``Hello world!`` through ``sys.stdout`` (so redirections see it).
#[pyfunction]
pub fn say_hello(py: Python<'_>) -> PyResult<()> {
    write_stdout(py, "Hello world!\n")
}

/// Raise ``AppleStuckInThroat``.
#[pyfunction]
pub fn throws_error() -> Result<()> {
    Err(HelloError::AppleStuckInThroat.into())
}

/// Write `text` through Python's `sys.stdout`, not the process's file descriptor, so
/// `contextlib.redirect_stdout` and pytest's `capsys` see it.
pub fn write_stdout(py: Python<'_>, text: &str) -> PyResult<()> {
    py.import("sys")?
        .getattr(pyo3::intern!(py, "stdout"))?
        .call_method1(pyo3::intern!(py, "write"), (text,))?;
    Ok(())
}
