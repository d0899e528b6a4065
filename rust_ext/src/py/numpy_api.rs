//! Whether NumPy's C API can be loaded, asked before rust-numpy makes an array.
//!
//! rust-numpy loads NumPy's array API capsule on first use and panics if it cannot
//! (a `numpy` module that is a stub, a mock or a broken install). This looks for the
//! capsule the way rust-numpy does, raising the Python error instead, and then lets
//! rust-numpy load it while the check still holds; after one success the capsule is
//! loaded for good (an extension module is never unloaded).

use numpy::{Element, PyArray1};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyCapsule, PyDict, PyModule};

/// `Ok` once NumPy's array API is loaded; the Python error that prevents it otherwise.
pub fn ensure(py: Python<'_>) -> PyResult<()> {
    static LOADED: PyOnceLock<()> = PyOnceLock::new();
    LOADED
        .get_or_try_init(py, || {
            let numpy = py.import("numpy")?;
            let version = numpy.getattr("__version__")?;
            let major: u8 = py
                .import("numpy.lib")?
                .getattr("NumpyVersion")?
                .call1((version,))?
                .getattr("major")?
                .extract()?;
            // NumPy 2 moved `numpy.core` to `numpy._core`, as rust-numpy knows.
            let core = if major >= 2 {
                "numpy._core.multiarray"
            } else {
                "numpy.core.multiarray"
            };
            let capsule = py.import(core)?.getattr("_ARRAY_API")?;
            capsule.cast_into::<PyCapsule>()?.pointer_checked(None)?;
            // The capsule is there: rust-numpy's own loading of it cannot fail now.
            PyArray1::<i64>::zeros(py, 0, false);
            Ok(())
        })
        .copied()
}

/// A module already imported, if it is (`None` also when `sys.modules` maps it to None).
pub fn imported<'py>(py: Python<'py>, name: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
    // `sys` itself is imported once: `py.import` goes through `__import__` each time,
    // a good part of a whole batch call on a few Points.
    static SYS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    let sys = SYS.get_or_try_init(py, || py.import("sys").map(Bound::unbind))?;
    let modules = sys.bind(py).getattr(pyo3::intern!(py, "modules"))?;
    let Ok(modules) = modules.cast_into::<PyDict>() else {
        return Ok(None);
    };
    Ok(modules.get_item(name)?.filter(|module| !module.is_none()))
}

/// `value` as a one-dimensional NumPy array of `T`, if it is exactly a
/// `numpy.ndarray` (a subclass such as a masked array is read as the sequence it is).
/// NumPy is not imported to ask: an object can only be an array once NumPy was.
pub fn exact_array_of<'py, T: Element>(
    value: &Bound<'py, PyAny>,
) -> Option<Bound<'py, PyArray1<T>>> {
    let py = value.py();
    let ndarray = imported(py, "numpy")
        .ok()
        .flatten()?
        .getattr(pyo3::intern!(py, "ndarray"))
        .ok()?;
    if !value.get_type().is(&ndarray) || ensure(py).is_err() {
        return None;
    }
    value.cast::<PyArray1<T>>().ok().cloned()
}
