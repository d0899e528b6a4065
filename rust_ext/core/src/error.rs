//! Everything the core can report, as plain Rust values, each message written once.
//!
//! `HelloError` is the application's own family: the Python layer raises the matching
//! class of `legacy_app.errors`, whose `str()` is the `Display` text here. `Error` adds
//! the argument errors that Python reports as `ValueError`, `IndexError` or
//! `OverflowError`, with the same messages as the pure-Python backend.

use std::fmt;
use std::io;
use std::path::PathBuf;

use num_bigint::BigInt;

use crate::control::Stopped;
use crate::fact::FACT_MAX;
use crate::point::MAX_COORDINATE;

/// A coordinate field of a point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    X,
    Y,
}

impl Field {
    pub fn name(self) -> &'static str {
        match self {
            Field::X => "x",
            Field::Y => "y",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What is wrong with a line of a points file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormatReason {
    NotUtf8,
    FieldCount(usize),
    NotANumber(Field),
    Negative(Field),
    AboveMax(Field),
}

impl fmt::Display for FormatReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatReason::NotUtf8 => f.write_str("not valid UTF-8"),
            FormatReason::FieldCount(found) => write!(f, "expected 2 fields, found {found}"),
            FormatReason::NotANumber(field) => write!(f, "{field} is not a number"),
            FormatReason::Negative(field) => write!(f, "{field} is negative"),
            FormatReason::AboveMax(field) => {
                write!(f, "{field} is above {}", crate::point::MAX_COORDINATE)
            }
        }
    }
}

/// Everything that can go wrong in the application, as the `HelloError` family.
#[derive(Debug)]
pub enum HelloError {
    /// A file cannot be read.
    Io { path: PathBuf, source: io::Error },
    /// What `throws_error()` raises.
    AppleStuckInThroat,
    /// A bad line in a points file; `line` is 1-based.
    PointsFormat {
        path: PathBuf,
        line: u64,
        reason: FormatReason,
    },
}

impl HelloError {
    /// The OS's text for an I/O error without std's ` (os error N)` suffix: the
    /// `strerror` that Python's `OSError` carries.
    pub fn strerror(error: &io::Error) -> String {
        let text = error.to_string();
        match error.raw_os_error() {
            Some(code) => text
                .strip_suffix(&format!(" (os error {code})"))
                .map(str::to_owned)
                .unwrap_or(text),
            None => text,
        }
    }
}

impl fmt::Display for HelloError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Hello Error: ")?;
        match self {
            HelloError::Io { path, source } => write!(
                f,
                "{} (os error {}): '{}'",
                Self::strerror(source),
                source.raw_os_error().unwrap_or(0),
                path.display()
            ),
            HelloError::AppleStuckInThroat => f.write_str("🍏🍏"),
            HelloError::PointsFormat { path, line, reason } => {
                write!(f, "{}:{line}: {reason}", path.display())
            }
        }
    }
}

impl std::error::Error for HelloError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            HelloError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Everything the core can report.
#[derive(Debug)]
pub enum Error {
    /// The application's own errors.
    Hello(HelloError),
    /// A coordinate outside `0 ..= MAX_COORDINATE`; `row` is the array row it came from.
    Coordinate {
        row: Option<usize>,
        field: Field,
        value: BigInt,
    },
    /// A batch function's `points` array does not have the shape `(n, 2)`.
    ArrayShape(Vec<usize>),
    /// A batch function's `points` array holds something else than integers.
    ArrayDtype(String),
    /// A batch function's `points` is a NumPy masked array.
    MaskedArray,
    /// A batch function needs two points at least.
    TooFewPoints {
        function: &'static str,
        count: usize,
    },
    /// More points than the core's `u32` indices can number.
    TooManyPoints {
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
    /// Work ended early because its caller asked (`Control::tick`) and kept no reason.
    Stopped,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Hello(error) => error.fmt(f),
            Error::Coordinate { row, field, value } => {
                if let Some(row) = row {
                    write!(f, "points[{row}]: ")?;
                }
                write!(
                    f,
                    "{field} must be between 0 and {MAX_COORDINATE}, got {value}"
                )
            }
            Error::ArrayShape(shape) => {
                let dimensions: Vec<String> = shape.iter().map(usize::to_string).collect();
                // Python's tuple notation: (5,) for one dimension.
                let trailing = if shape.len() == 1 { "," } else { "" };
                write!(
                    f,
                    "points array must have shape (n, 2), got ({}{trailing})",
                    dimensions.join(", ")
                )
            }
            Error::ArrayDtype(dtype) => {
                write!(f, "points array must have an integer dtype, got {dtype}")
            }
            Error::MaskedArray => {
                f.write_str("points must not be a masked array: masks are not supported")
            }
            Error::TooFewPoints { function, count } => {
                write!(f, "{function}() needs at least 2 points, got {count}")
            }
            Error::TooManyPoints { function, count } => write!(
                f,
                "{function}() takes at most {} points, got {count}",
                u32::MAX - 1
            ),
            Error::StartOutOfRange { start, count } => {
                write!(f, "start {start} out of range for {count} points")
            }
            Error::FactNegative(n) => {
                write!(f, "fact() argument must not be negative, got {n}")
            }
            Error::FactTooLarge(n) => {
                write!(f, "fact() argument must not exceed {FACT_MAX}, got {n}")
            }
            Error::SleepNegative(text) => {
                write!(f, "print_sleep() duration must not be negative, got {text}")
            }
            Error::SleepTooLong(nanos) => write!(
                f,
                "print_sleep() duration is too long for a Duration, got {nanos}ns"
            ),
            Error::Stopped => f.write_str("the work was stopped before it ended"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Hello(error) => Some(error),
            _ => None,
        }
    }
}

impl From<HelloError> for Error {
    fn from(error: HelloError) -> Self {
        Error::Hello(error)
    }
}

impl From<Stopped> for Error {
    fn from(Stopped: Stopped) -> Self {
        Error::Stopped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argument_messages_match_the_python_backend() {
        let cases: [(Error, &str); 14] = [
            (
                Error::TooManyPoints {
                    function: "path_length",
                    count: 1 << 32,
                },
                "path_length() takes at most 4294967294 points, got 4294967296",
            ),
            (
                Error::ArrayShape(vec![5]),
                "points array must have shape (n, 2), got (5,)",
            ),
            (
                Error::ArrayShape(vec![5, 3, 1]),
                "points array must have shape (n, 2), got (5, 3, 1)",
            ),
            (
                Error::ArrayDtype("float64".into()),
                "points array must have an integer dtype, got float64",
            ),
            (
                Error::MaskedArray,
                "points must not be a masked array: masks are not supported",
            ),
            (
                Error::Coordinate {
                    row: None,
                    field: Field::Y,
                    value: BigInt::from(-1),
                },
                "y must be between 0 and 4294967295, got -1",
            ),
            (
                Error::Coordinate {
                    row: Some(3),
                    field: Field::X,
                    value: BigInt::from(1_u64 << 32),
                },
                "points[3]: x must be between 0 and 4294967295, got 4294967296",
            ),
            (
                Error::TooFewPoints {
                    function: "closest_pair",
                    count: 1,
                },
                "closest_pair() needs at least 2 points, got 1",
            ),
            (
                Error::StartOutOfRange {
                    start: BigInt::from(-1),
                    count: 2,
                },
                "start -1 out of range for 2 points",
            ),
            (
                Error::FactNegative(BigInt::from(-5)),
                "fact() argument must not be negative, got -5",
            ),
            (
                Error::FactTooLarge(BigInt::from(1_u64 << 63)),
                "fact() argument must not exceed 9223372036854775807, got 9223372036854775808",
            ),
            (
                Error::SleepNegative("-1 day, 23:59:59".into()),
                "print_sleep() duration must not be negative, got -1 day, 23:59:59",
            ),
            (
                Error::SleepTooLong(1 << 100),
                "print_sleep() duration is too long for a Duration, got 1267650600228229401496703205376ns",
            ),
            (Error::Stopped, "the work was stopped before it ended"),
        ];
        for (error, message) in cases {
            assert_eq!(error.to_string(), message);
        }
        let hello = Error::from(HelloError::AppleStuckInThroat);
        assert_eq!(hello.to_string(), "Hello Error: 🍏🍏");
    }

    #[test]
    fn messages_match_the_python_classes() {
        let missing = HelloError::Io {
            path: "pts.csv".into(),
            source: io::Error::from_raw_os_error(2),
        };
        assert_eq!(
            missing.to_string(),
            "Hello Error: No such file or directory (os error 2): 'pts.csv'"
        );
        assert_eq!(
            HelloError::AppleStuckInThroat.to_string(),
            "Hello Error: 🍏🍏"
        );
        let bad = HelloError::PointsFormat {
            path: "p.csv".into(),
            line: 3,
            reason: FormatReason::AboveMax(Field::Y),
        };
        assert_eq!(
            bad.to_string(),
            "Hello Error: p.csv:3: y is above 4294967295"
        );
    }

    #[test]
    fn strerror_drops_the_os_error_suffix() {
        let error = io::Error::from_raw_os_error(21);
        assert_eq!(HelloError::strerror(&error), "Is a directory");
        let custom = io::Error::other("boom");
        assert_eq!(HelloError::strerror(&custom), "boom");
    }
}
