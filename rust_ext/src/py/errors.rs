//! The binding crate's one error type, and its one conversion to Python exceptions.
//!
//! Every fallible function here returns `Result<T>`: either a `legacy_core::Error`,
//! whose `Display` is the message, or a `PyErr` already raised by Python code (a
//! signal handler, a progress callback, a failing `__index__`). The application's
//! classes are `legacy_app.errors`' own (the single definition), imported lazily:
//! `import_exception!` looks a class up the first time it is raised, so importing
//! `rust_ext` never imports `legacy_app` while either is initialising.

use legacy_core::control::Stopped;
use legacy_core::{Error as CoreError, HelloError};
use pyo3::exceptions::{PyIndexError, PyOverflowError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::PyErr;

pyo3::import_exception!(legacy_app.errors, HelloIOError);
pyo3::import_exception!(legacy_app.errors, AppleStuckInThroat);
pyo3::import_exception!(legacy_app.errors, PointsFormatError);

/// Everything a binding can fail with.
#[derive(Debug)]
pub enum Error {
    Core(CoreError),
    Py(PyErr),
}

pub type Result<T> = std::result::Result<T, Error>;

impl From<CoreError> for Error {
    fn from(error: CoreError) -> Self {
        Error::Core(error)
    }
}

impl From<HelloError> for Error {
    fn from(error: HelloError) -> Self {
        Error::Core(error.into())
    }
}

impl From<Stopped> for Error {
    fn from(stopped: Stopped) -> Self {
        Error::Core(stopped.into())
    }
}

impl From<PyErr> for Error {
    fn from(error: PyErr) -> Self {
        Error::Py(error)
    }
}

impl From<pyo3::CastError<'_, '_>> for Error {
    fn from(error: pyo3::CastError<'_, '_>) -> Self {
        Error::Py(error.into())
    }
}

fn hello_error(error: HelloError) -> PyErr {
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

impl From<Error> for PyErr {
    fn from(error: Error) -> PyErr {
        let error = match error {
            Error::Py(error) => return error,
            Error::Core(error) => error,
        };
        let message = error.to_string();
        match error {
            CoreError::Hello(error) => hello_error(error),
            CoreError::ArrayDtype(_) | CoreError::MaskedArray => PyTypeError::new_err(message),
            CoreError::Coordinate { .. }
            | CoreError::ArrayShape(_)
            | CoreError::TooFewPoints { .. }
            | CoreError::FactNegative(_)
            | CoreError::SleepNegative(_)
            | CoreError::Threads(_) => PyValueError::new_err(message),
            CoreError::StartOutOfRange { .. } => PyIndexError::new_err(message),
            CoreError::FactTooLarge(_) | CoreError::SleepTooLong(_) => {
                PyOverflowError::new_err(message)
            }
            CoreError::Stopped => PyRuntimeError::new_err(message),
        }
    }
}
