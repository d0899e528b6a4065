//! The one conversion from `legacy_core::HelloError` to Python exceptions.
//!
//! The classes are imported from `legacy_app.errors` (the single definition), lazily:
//! `import_exception!` looks a class up the first time it is raised, so importing
//! `rust_ext` never imports `legacy_app` while either is initialising.

use legacy_core::HelloError;
use pyo3::PyErr;

pyo3::import_exception!(legacy_app.errors, HelloIOError);
pyo3::import_exception!(legacy_app.errors, AppleStuckInThroat);
pyo3::import_exception!(legacy_app.errors, PointsFormatError);

/// A `HelloError` on its way to Python (a local type, so that `?` can convert it).
pub struct PyHelloError(pub HelloError);

impl From<HelloError> for PyHelloError {
    fn from(error: HelloError) -> Self {
        PyHelloError(error)
    }
}

impl From<PyHelloError> for PyErr {
    fn from(PyHelloError(error): PyHelloError) -> PyErr {
        match error {
            HelloError::Io { path, source } => {
                let errno = source.raw_os_error().unwrap_or(0);
                // As an OsString the path becomes a Python str, as os.fsdecode gives it.
                let filename = path.into_os_string();
                HelloIOError::new_err((errno, HelloError::strerror(&source), filename))
            }
            HelloError::AppleStuckInThroat => AppleStuckInThroat::new_err(()),
            HelloError::PointsFormat { path, line, reason } => {
                PointsFormatError::new_err((path.into_os_string(), line, reason.to_string()))
            }
        }
    }
}
