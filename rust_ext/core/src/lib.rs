//! legacy_app's logic in plain Rust: points, factorials, points files and the error
//! family. Nothing here knows about Python; `rust_ext` binds it with PyO3.
#![forbid(unsafe_code)]

pub mod control;
pub mod error;
pub mod fact;
pub mod fsum;
pub mod nearest;
pub mod point;
pub mod points_file;
pub mod route;

pub use error::{Error, Field, FormatReason, HelloError};
pub use point::{Coordinate, Point, MAX_COORDINATE};

#[cfg(test)]
mod test_support {
    /// A small deterministic generator, so the tests need no extra crate.
    pub fn lcg(seed: &mut u64) -> u32 {
        *seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (*seed >> 33) as u32
    }
}
