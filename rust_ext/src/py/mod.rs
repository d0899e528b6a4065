//! The PyO3 layer: conversions between Python values and `legacy_core`.

pub mod arguments;
pub mod batch;
pub mod errors;
pub mod factorial;
pub mod greeting;
pub mod interruptible;
#[cfg(feature = "test-panic")]
pub mod panic_for_tests;
pub mod picture;
pub mod point;
pub mod points_file;
pub mod points_input;
pub mod sleep;
pub mod workers;
