//! The PyO3 layer: conversions between Python values and `legacy_core`.

pub mod arguments;
pub mod batch;
pub mod errors;
pub mod factorial;
pub mod greeting;
pub mod numpy_api;
#[cfg(feature = "test-panic")]
pub mod panic_for_tests;
pub mod picture;
pub mod point;
pub mod point_set;
pub mod points_file;
pub mod points_input;
pub mod sleep;
pub mod sums;
pub mod workers;
