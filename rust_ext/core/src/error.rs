//! Everything the core can report, as plain Rust values, each message written once.
//!
//! `HelloError` is the application's own family: the Python layer raises the matching
//! class of `legacy_app.errors`, whose `str()` is the `Display` text here. `Error` adds
//! the argument errors that Python reports as `ValueError`, `IndexError` or
//! `OverflowError`, with the same messages as the pure-Python backend.

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::control::Stopped;

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
            // A text without std's suffix (were std to word it otherwise) is kept whole.
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
                // An error that did not come from the OS has no code: 0, as errno says.
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

/// Everything the core can report: the application's errors, its capacity, and work
/// stopped by its caller. What Python callers pass that the API refuses (a coordinate
/// out of range, an array of the wrong shape, a negative factorial) is the binding's to
/// say (`rust_ext`'s `errors.rs`), in Python's terms.
#[derive(Debug)]
pub enum Error {
    /// The application's own errors.
    Hello(HelloError),
    /// More points than the core's `u32` indices can number (see `check_capacity`).
    TooManyPoints {
        function: &'static str,
        count: usize,
    },
    /// Work ended early because its caller asked (`Control::tick`) and kept no reason.
    Stopped,
}

/// The most points a set holds: indices are `u32`, and `u32::MAX` is kept free.
pub const MAX_POINTS: usize = u32::MAX as usize - 1;

/// `count` points fit a set, or the error `function` raises for them.
pub fn check_capacity(function: &'static str, count: usize) -> Result<(), Error> {
    if count > MAX_POINTS {
        return Err(Error::TooManyPoints { function, count });
    }
    Ok(())
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Hello(error) => error.fmt(f),
            Error::TooManyPoints { function, count } => write!(
                f,
                "{function}() takes at most {MAX_POINTS} points, got {count}"
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
    fn the_core_messages_match_the_python_backend() {
        let cases: [(Error, &str); 2] = [
            (
                Error::TooManyPoints {
                    function: "path_length",
                    count: 1 << 32,
                },
                "path_length() takes at most 4294967294 points, got 4294967296",
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
    fn capacity_is_u32_indices_but_one() {
        assert!(check_capacity("nearest_neighbors", MAX_POINTS).is_ok());
        assert!(matches!(
            check_capacity("nearest_neighbors", MAX_POINTS + 1),
            Err(Error::TooManyPoints {
                function: "nearest_neighbors",
                count
            }) if count == MAX_POINTS + 1
        ));
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
