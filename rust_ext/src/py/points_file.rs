//! `load_points`: `legacy_core`'s chunked reader, run without the GIL, then one
//! `Point` object per point.

use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

use legacy_core::control::{Control, Stopped};
use legacy_core::points_file::{open, read_points, ReadError};
use legacy_core::Point as CorePoint;
use pyo3::exceptions::{PySystemError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyList, PyString};
use rayon::ThreadPool;

use crate::py::errors::PyHelloError;
use crate::py::point::Point;
use crate::py::threads;

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

/// Lets Ctrl-C in while a load runs: every report of the reader checks for signals
/// and keeps the error a handler raised (`KeyboardInterrupt`) to raise it afterwards.
struct Signals {
    threads: usize,
    raised: Mutex<Option<PyErr>>,
}

impl Control for Signals {
    fn threads(&self) -> usize {
        self.threads
    }

    fn tick(&self, _done: usize) -> Result<(), Stopped> {
        // The reader calls this on the calling thread, the one Python runs handlers on;
        // the GIL is taken for that instant only.
        Python::attach(|py| py.check_signals()).map_err(|error| {
            *self.raised.lock().unwrap_or_else(PoisonError::into_inner) = Some(error);
            Stopped
        })
    }
}

/// How many threads parse: `LEGACY_APP_THREADS`' pool, or every core, and never
/// more threads than cores.
fn thread_count(pool: Option<&ThreadPool>) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    pool.map_or(cores, |pool| pool.current_num_threads().min(cores))
}

/// Objects made between two looks for Ctrl-C: a few milliseconds' worth.
const SIGNAL_EVERY: usize = 1 << 16;

/// A point on its way to becoming a `Point` object, checking first for signals when
/// told to: ten million objects take long enough for Ctrl-C to be pressed meanwhile.
struct NewPoint {
    point: CorePoint,
    check_signals: bool,
}

impl<'py> IntoPyObject<'py> for NewPoint {
    type Target = Point;
    type Output = Bound<'py, Point>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, Point>> {
        if self.check_signals {
            py.check_signals()?;
        }
        Bound::new(py, Point::from(self.point))
    }
}

/// A `Point` object for each point, in a new list.
fn point_objects<'py>(py: Python<'py>, points: Vec<CorePoint>) -> PyResult<Bound<'py, PyList>> {
    // A million new objects would set off hundreds of collections, each walking every
    // tracked object, for nothing: a Point holds no references, so it is never part of
    // a cycle. The collector rests while they are made (the GIL is held throughout,
    // so no other thread sees it paused) and is restored even on error.
    let gc = py.import("gc")?;
    let paused = gc.call_method0("isenabled")?.is_truthy()?;
    if paused {
        gc.call_method0("disable")?;
    }
    // Straight into the list (its length is known): no vector of objects in between.
    let objects = points.into_iter().enumerate().map(|(k, point)| NewPoint {
        point,
        check_signals: k % SIGNAL_EVERY == SIGNAL_EVERY - 1,
    });
    let list = PyList::new(py, objects);
    if paused {
        gc.call_method0("enable")?;
    }
    list
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
    let pool = threads::pool();
    let control = Signals {
        threads: thread_count(pool.as_deref()),
        raised: Mutex::new(None),
    };
    // Not inside `pool.install`: the reads stay on this thread, where a signal
    // interrupts them; only the parsing goes to the pool.
    let result = py.detach(|| read_points(open(&path)?, &path, &control, pool.as_deref()));
    match result {
        Ok(points) => point_objects(py, points),
        Err(ReadError::File(error)) => Err(PyHelloError(error).into()),
        Err(ReadError::Stopped) => Err(control
            .raised
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
            .unwrap_or_else(|| PySystemError::new_err("load_points stopped without a reason"))),
    }
}
