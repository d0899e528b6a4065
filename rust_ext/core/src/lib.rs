//! legacy_app's logic in plain Rust: points, factorials, points files and the error
//! family. Nothing here knows about Python; `rust_ext` binds it with PyO3.
#![forbid(unsafe_code)]

pub mod error;
pub mod fact;
pub mod fsum;
pub mod nearest;
pub mod point;
pub mod points_file;
pub mod route;

pub use error::{Field, FormatReason, HelloError};
pub use point::{Coordinate, Point, MAX_COORDINATE};
