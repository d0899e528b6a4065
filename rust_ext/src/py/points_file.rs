//! `load_points`: the streaming parser of `legacy_core`, run without the GIL.

use std::path::PathBuf;

use legacy_core::points_file::{open, parse_points_with};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyList, PyString};

use crate::py::errors::Error;
use crate::py::point::Point;

/// What stops a load early: a bad file, or a signal such as Ctrl-C.
enum Stop {
    Hello(legacy_core::HelloError),
    Python(PyErr),
}

impl From<legacy_core::HelloError> for Stop {
    fn from(error: legacy_core::HelloError) -> Self {
        Stop::Hello(error)
    }
}

/// The path as Python's `os.fsdecode` gives it: the same name, and the same
/// `TypeError` for a non-path, as the pure-Python backend.
fn fsdecode<'py>(path: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyString>> {
    static FSDECODE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let py = path.py();
    let fsdecode = FSDECODE.get_or_try_init(py, || {
        py.import("os")?.getattr("fsdecode").map(Bound::unbind)
    })?;
    Ok(fsdecode.bind(py).call1((path,))?.cast_into::<PyString>()?)
}

/// Read the points of a file, one ``x,y`` a line.
#[pyfunction]
#[pyo3(signature = (path))]
pub fn load_points<'py>(py: Python<'py>, path: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
    let name = fsdecode(path)?;
    // open() refuses such names before asking the OS; so does the Python backend.
    if name.to_string_lossy().contains('\0') {
        return Err(PyValueError::new_err("embedded null byte"));
    }
    let path: PathBuf = name.extract()?;
    let result = py.detach(|| {
        let mut reader = open(&path)?;
        // Every 64 Ki lines, look for Ctrl-C: the GIL is only taken for that instant.
        parse_points_with(&mut reader, &path, &mut |_| {
            Python::attach(|py| py.check_signals()).map_err(Stop::Python)
        })
    });
    let points = match result {
        Ok(points) => points,
        Err(Stop::Hello(error)) => return Err(Error::from(error).into()),
        Err(Stop::Python(error)) => return Err(error),
    };
    // A million new objects would set off hundreds of collections, each walking every
    // tracked object, for nothing: a Point holds no references, so it is never part of
    // a cycle. The collector rests while they are made (the GIL is held throughout,
    // so no other thread sees it paused) and is restored even on error.
    let gc = py.import("gc")?;
    let paused = gc.call_method0("isenabled")?.is_truthy()?;
    if paused {
        gc.call_method0("disable")?;
    }
    let objects = points
        .into_iter()
        .map(|inner| Bound::new(py, Point::from(inner)))
        .collect::<PyResult<Vec<_>>>();
    if paused {
        gc.call_method0("enable")?;
    }
    PyList::new(py, objects?)
}
