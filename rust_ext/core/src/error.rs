//! The application's error family, as plain Rust values.
//!
//! The Python layer turns each variant into the matching class of
//! `legacy_app.errors`; the `Display` text here is the same `str()` those classes give.

use std::fmt;
use std::io;
use std::path::PathBuf;

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

#[cfg(test)]
mod tests {
    use super::*;

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
