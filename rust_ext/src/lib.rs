//! `rust_ext`: the Rust backend of `legacy_app`, registered in one place.
//!
//! Each name below is bound by a thin layer in `py/` that converts Python values to
//! plain Rust ones, calls `legacy_core` (which knows nothing of Python) and converts
//! results and errors back. Exceptions are `legacy_app.errors`' own classes, looked up
//! lazily on first use, never while this module initialises.
#![forbid(unsafe_code)]

use pyo3::prelude::*;

mod py;

// Batch calls allocate tens of megabytes and free them at the end; glibc hands such
// blocks back to the kernel, so the next call faults every page in again (measured:
// 1M-point all-NN 87 -> 70 ms on 2 cores, 130 -> 112 ms on one). mimalloc keeps
// freed memory for reuse.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The Rust backend of ``legacy_app``: use it through ``legacy_app``, which chooses
/// the backend (``LEGACY_APP_BACKEND``) and re-exports these names.
#[pymodule]
fn rust_ext(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // Benchmarks refuse to time anything but an optimised build.
    let profile = if cfg!(debug_assertions) {
        "dev"
    } else {
        "release"
    };
    m.add("BUILD_PROFILE", profile)?;
    m.add_class::<py::point::Point>()?;
    // PyO3 gives the class the C name `legacy_app.Point`, and the interpreter's own
    // messages ("'<' not supported between instances of ...") use the C name, where
    // the legacy class said 'Point'. Setting `__name__` on a heap type resets its C
    // name; `__module__` stays `legacy_app`, so pickles name the public place.
    m.getattr("Point")?.setattr("__name__", "Point")?;
    m.add_function(wrap_pyfunction!(py::greeting::say_hello, m)?)?;
    m.add_function(wrap_pyfunction!(py::factorial::fact, m)?)?;
    m.add_function(wrap_pyfunction!(py::greeting::throws_error, m)?)?;
    m.add_function(wrap_pyfunction!(py::points_file::load_points, m)?)?;
    m.add_class::<py::sleep::Nap>()?;
    m.add_function(wrap_pyfunction!(py::batch::nearest_neighbors, m)?)?;
    m.add_function(wrap_pyfunction!(py::batch::closest_pair, m)?)?;
    m.add_function(wrap_pyfunction!(py::batch::path_length, m)?)?;
    m.add_function(wrap_pyfunction!(py::batch::greedy_route, m)?)?;
    m.add_class::<py::point_set::PointSet>()?;
    m.getattr("PointSet")?.setattr("__name__", "PointSet")?;
    m.add_function(wrap_pyfunction!(py::sums::_fsum, m)?)?;
    // A read-only sequence of Points for `isinstance` and friends, as the reference's
    // class is (the methods Sequence would mix in are its own).
    m.py()
        .import("collections.abc")?
        .getattr("Sequence")?
        .call_method1("register", (m.getattr("PointSet")?,))?;
    // Test builds only (`--features test-panic`): a panic on purpose.
    #[cfg(feature = "test-panic")]
    m.add_function(wrap_pyfunction!(py::panic_for_tests::panic_for_tests, m)?)?;
    // Private: the picture's route thinning (legacy_app.picture).
    m.add_function(wrap_pyfunction!(py::picture::thin_route, m)?)?;
    Ok(())
}
