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
            | CoreError::SleepNegative(_) => PyValueError::new_err(message),
            CoreError::StartOutOfRange { .. } => PyIndexError::new_err(message),
            CoreError::FactTooLarge(_)
            | CoreError::SleepTooLong(_)
            | CoreError::TooManyPoints { .. } => PyOverflowError::new_err(message),
            CoreError::Stopped => PyRuntimeError::new_err(message),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use num_bigint::BigInt;
    use pyo3::prelude::*;

    use super::*;

    /// The class name and message each error becomes, seen from Python.
    fn raised(error: impl Into<Error>) -> (String, String) {
        Python::attach(|py| {
            // legacy_app.errors, the classes' one definition, from this checkout.
            let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
            let path = py.import("sys").and_then(|sys| sys.getattr("path"));
            path.and_then(|path| path.call_method1("insert", (0, root)))
                .expect("sys.path takes the checkout");
            let error = PyErr::from(error.into());
            let class = error.get_type(py).name().expect("a class name").to_string();
            (class, error.value(py).to_string())
        })
    }

    #[test]
    fn each_variant_becomes_its_class() {
        let cases: Vec<(Error, &str)> = vec![
            (
                HelloError::Io {
                    path: PathBuf::from("pts.csv"),
                    source: std::io::Error::from_raw_os_error(2),
                }
                .into(),
                "HelloIOError",
            ),
            (HelloError::AppleStuckInThroat.into(), "AppleStuckInThroat"),
            (
                HelloError::PointsFormat {
                    path: PathBuf::from("p.csv"),
                    line: 3,
                    reason: legacy_core::FormatReason::NotUtf8,
                }
                .into(),
                "PointsFormatError",
            ),
            (CoreError::ArrayShape(vec![3]).into(), "ValueError"),
            (CoreError::ArrayDtype("float64".into()).into(), "TypeError"),
            (CoreError::MaskedArray.into(), "TypeError"),
            (
                CoreError::Coordinate {
                    row: None,
                    field: legacy_core::Field::X,
                    value: BigInt::from(-1),
                }
                .into(),
                "ValueError",
            ),
            (
                CoreError::TooFewPoints {
                    function: "closest_pair",
                    count: 0,
                }
                .into(),
                "ValueError",
            ),
            (
                CoreError::StartOutOfRange {
                    start: BigInt::from(5),
                    count: 2,
                }
                .into(),
                "IndexError",
            ),
            (
                CoreError::FactNegative(BigInt::from(-1)).into(),
                "ValueError",
            ),
            (
                CoreError::FactTooLarge(BigInt::from(1) << 64).into(),
                "OverflowError",
            ),
            (
                CoreError::SleepNegative("-1 day".into()).into(),
                "ValueError",
            ),
            (CoreError::SleepTooLong(1 << 100).into(), "OverflowError"),
            (Stopped.into(), "RuntimeError"),
        ];
        for (error, class) in cases {
            let message = match &error {
                Error::Core(core) => core.to_string(),
                Error::Py(_) => unreachable!("only core errors here"),
            };
            assert_eq!(raised(error), (class.to_owned(), message));
        }
    }

    #[test]
    fn a_python_error_passes_through_unchanged() {
        let (class, message) = raised(PyErr::new::<pyo3::exceptions::PyKeyError, _>("k"));
        assert_eq!((class.as_str(), message.as_str()), ("KeyError", "'k'"));
    }
}
