//! The binding crate's one error type, and its one conversion to Python exceptions.
//!
//! Every fallible function here returns `Result<T>`: a `legacy_core::Error` (the core's
//! own: the application's errors, its capacity, work stopped), an `Argument` the API
//! refuses (said in Python's terms, as the pure-Python backend says it), or a `PyErr`
//! already raised by Python code (a signal handler, a progress callback, a failing
//! `__index__`). Each `Display` is the message. The application's
//! classes are `legacy_app.errors`' own (the single definition), imported lazily:
//! `import_exception!` looks a class up the first time it is raised, so importing
//! `rust_ext` never imports `legacy_app` while either is initialising.

use std::fmt;

use legacy_core::control::Stopped;
use legacy_core::fact::FACT_MAX;
use legacy_core::{Error as CoreError, Field, HelloError, MAX_COORDINATE};
use num_bigint::BigInt;
use pyo3::exceptions::{PyIndexError, PyOverflowError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::PyErr;

pyo3::import_exception!(legacy_app.errors, HelloIOError);
pyo3::import_exception!(legacy_app.errors, AppleStuckInThroat);
pyo3::import_exception!(legacy_app.errors, PointsFormatError);

/// Everything a binding can fail with.
#[derive(Debug)]
pub enum Error {
    Core(CoreError),
    Argument(Argument),
    Py(PyErr),
}

pub type Result<T> = std::result::Result<T, Error>;

/// What a Python caller passed that the API refuses.
#[derive(Debug)]
pub enum Argument {
    /// A coordinate outside `0 ..= MAX_COORDINATE`; `row` is the array row it came from.
    Coordinate {
        row: Option<usize>,
        field: Field,
        value: BigInt,
    },
    /// A `points` array whose shape is not `(n, 2)`.
    ArrayShape(Vec<usize>),
    /// A `points` array of something else than integers.
    ArrayDtype(String),
    /// A NumPy masked array as `points`.
    MaskedArray,
    /// A question that needs two points at least.
    TooFewPoints {
        function: &'static str,
        count: usize,
    },
    /// `greedy_route`'s `start` is not an index of the points.
    StartOutOfRange { start: BigInt, count: usize },
    /// `fact` of a negative number.
    FactNegative(BigInt),
    /// `fact` of more than a machine word, as `math.factorial` refuses.
    FactTooLarge(BigInt),
    /// `print_sleep` of a negative duration, shown as Python's `str(timedelta)`.
    SleepNegative(String),
    /// `print_sleep` of more nanoseconds than Rust's `Duration` holds.
    SleepTooLong(i128),
}

impl fmt::Display for Argument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Argument::Coordinate { row, field, value } => {
                if let Some(row) = row {
                    write!(f, "points[{row}]: ")?;
                }
                write!(
                    f,
                    "{field} must be between 0 and {MAX_COORDINATE}, got {value}"
                )
            }
            Argument::ArrayShape(shape) => {
                let dimensions: Vec<String> = shape.iter().map(usize::to_string).collect();
                // Python's tuple notation: (5,) for one dimension.
                let trailing = if shape.len() == 1 { "," } else { "" };
                write!(
                    f,
                    "points array must have shape (n, 2), got ({}{trailing})",
                    dimensions.join(", ")
                )
            }
            Argument::ArrayDtype(dtype) => {
                write!(f, "points array must have an integer dtype, got {dtype}")
            }
            Argument::MaskedArray => {
                f.write_str("points must not be a masked array: masks are not supported")
            }
            Argument::TooFewPoints { function, count } => {
                write!(f, "{function}() needs at least 2 points, got {count}")
            }
            Argument::StartOutOfRange { start, count } => {
                write!(f, "start {start} out of range for {count} points")
            }
            Argument::FactNegative(n) => {
                write!(f, "fact() argument must not be negative, got {n}")
            }
            Argument::FactTooLarge(n) => {
                write!(f, "fact() argument must not exceed {FACT_MAX}, got {n}")
            }
            Argument::SleepNegative(text) => {
                write!(f, "print_sleep() duration must not be negative, got {text}")
            }
            Argument::SleepTooLong(nanos) => write!(
                f,
                "print_sleep() duration is too long for a Duration, got {nanos}ns"
            ),
        }
    }
}

impl From<Argument> for Error {
    fn from(argument: Argument) -> Self {
        Error::Argument(argument)
    }
}

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
        match error {
            Error::Py(error) => error,
            Error::Core(error) => {
                let message = error.to_string();
                match error {
                    CoreError::Hello(error) => hello_error(error),
                    CoreError::TooManyPoints { .. } => PyOverflowError::new_err(message),
                    CoreError::Stopped => PyRuntimeError::new_err(message),
                }
            }
            Error::Argument(argument) => {
                let message = argument.to_string();
                match argument {
                    Argument::ArrayDtype(_) | Argument::MaskedArray => {
                        PyTypeError::new_err(message)
                    }
                    Argument::Coordinate { .. }
                    | Argument::ArrayShape(_)
                    | Argument::TooFewPoints { .. }
                    | Argument::FactNegative(_)
                    | Argument::SleepNegative(_) => PyValueError::new_err(message),
                    Argument::StartOutOfRange { .. } => PyIndexError::new_err(message),
                    Argument::FactTooLarge(_) | Argument::SleepTooLong(_) => {
                        PyOverflowError::new_err(message)
                    }
                }
            }
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
            (Argument::ArrayShape(vec![3]).into(), "ValueError"),
            (Argument::ArrayDtype("float64".into()).into(), "TypeError"),
            (Argument::MaskedArray.into(), "TypeError"),
            (
                Argument::Coordinate {
                    row: None,
                    field: legacy_core::Field::X,
                    value: BigInt::from(-1),
                }
                .into(),
                "ValueError",
            ),
            (
                Argument::TooFewPoints {
                    function: "closest_pair",
                    count: 0,
                }
                .into(),
                "ValueError",
            ),
            (
                Argument::StartOutOfRange {
                    start: BigInt::from(5),
                    count: 2,
                }
                .into(),
                "IndexError",
            ),
            (
                Argument::FactNegative(BigInt::from(-1)).into(),
                "ValueError",
            ),
            (
                Argument::FactTooLarge(BigInt::from(1) << 64).into(),
                "OverflowError",
            ),
            (
                Argument::SleepNegative("-1 day".into()).into(),
                "ValueError",
            ),
            (Argument::SleepTooLong(1 << 100).into(), "OverflowError"),
            (
                CoreError::TooManyPoints {
                    function: "PointSet",
                    count: 1 << 32,
                }
                .into(),
                "OverflowError",
            ),
            (Stopped.into(), "RuntimeError"),
        ];
        for (error, class) in cases {
            let message = match &error {
                Error::Core(core) => core.to_string(),
                Error::Argument(argument) => argument.to_string(),
                Error::Py(_) => unreachable!("no Python errors here"),
            };
            assert_eq!(raised(error), (class.to_owned(), message));
        }
    }

    #[test]
    fn argument_messages_match_the_python_backend() {
        let cases: [(Argument, &str); 12] = [
            (
                Argument::ArrayShape(vec![5]),
                "points array must have shape (n, 2), got (5,)",
            ),
            (
                Argument::ArrayShape(vec![5, 3, 1]),
                "points array must have shape (n, 2), got (5, 3, 1)",
            ),
            (
                Argument::ArrayDtype("float64".into()),
                "points array must have an integer dtype, got float64",
            ),
            (
                Argument::MaskedArray,
                "points must not be a masked array: masks are not supported",
            ),
            (
                Argument::Coordinate {
                    row: None,
                    field: legacy_core::Field::Y,
                    value: BigInt::from(-1),
                },
                "y must be between 0 and 4294967295, got -1",
            ),
            (
                Argument::Coordinate {
                    row: Some(3),
                    field: legacy_core::Field::X,
                    value: BigInt::from(1_u64 << 32),
                },
                "points[3]: x must be between 0 and 4294967295, got 4294967296",
            ),
            (
                Argument::TooFewPoints {
                    function: "closest_pair",
                    count: 1,
                },
                "closest_pair() needs at least 2 points, got 1",
            ),
            (
                Argument::StartOutOfRange {
                    start: BigInt::from(-1),
                    count: 2,
                },
                "start -1 out of range for 2 points",
            ),
            (
                Argument::FactNegative(BigInt::from(-5)),
                "fact() argument must not be negative, got -5",
            ),
            (
                Argument::FactTooLarge(BigInt::from(1_u64 << 63)),
                "fact() argument must not exceed 9223372036854775807, got 9223372036854775808",
            ),
            (
                Argument::SleepNegative("-1 day, 23:59:59".into()),
                "print_sleep() duration must not be negative, got -1 day, 23:59:59",
            ),
            (
                Argument::SleepTooLong(1 << 100),
                "print_sleep() duration is too long for a Duration, got 1267650600228229401496703205376ns",
            ),
        ];
        for (argument, message) in cases {
            assert_eq!(argument.to_string(), message);
        }
    }

    #[test]
    fn a_python_error_passes_through_unchanged() {
        let (class, message) = raised(PyErr::new::<pyo3::exceptions::PyKeyError, _>("k"));
        assert_eq!((class.as_str(), message.as_str()), ("KeyError", "'k'"));
    }
}
