//! `load_points`: `legacy_core`'s chunked reader and one `Point` object per point.
//!
//! A regular file, with more than one thread allowed, is read and parsed on a helper
//! thread while this one makes the objects. Anything else (a pipe, a FIFO, a terminal,
//! or `LEGACY_APP_THREADS=1`) is read and parsed first, without the GIL, on this
//! thread, where a signal interrupts a read that waits; the objects are made after.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use legacy_core::control::{Control, Stopped};
use legacy_core::points_file::{
    open, parse_ahead, read_points, read_points_sized, read_points_sized_with, second_parser,
    ParsedChunks, CHUNK_BYTES,
};
use legacy_core::{Error as CoreError, HelloError, Point as CorePoint};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyList, PyString};

use crate::py::errors::{Error, Result};
use crate::py::point::Point;
use crate::py::workers;

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
#[derive(Default)]
struct Signals {
    raised: Mutex<Option<PyErr>>,
}

impl Control for Signals {
    /// The reader works on the calling thread alone.
    fn threads(&self) -> usize {
        1
    }

    fn tick(&self, _done: usize) -> std::result::Result<(), Stopped> {
        // The reader calls this on the calling thread, the one Python runs handlers on;
        // the GIL is taken for that instant only.
        Python::attach(|py| py.check_signals()).map_err(|error| {
            *self.raised.lock().unwrap_or_else(PoisonError::into_inner) = Some(error);
            Stopped
        })
    }
}

impl Signals {
    /// The error to raise for `error`: when the work stopped for a signal handler's
    /// exception (`KeyboardInterrupt`), that exception.
    fn stopped_by(&self, error: CoreError) -> Error {
        let raised = self
            .raised
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        match (error, raised) {
            (CoreError::Stopped, Some(raised)) => Error::Py(raised),
            (error, _) => Error::Core(error),
        }
    }
}

/// How long to wait for the helper's next chunk before looking for Ctrl-C.
const WAIT_FOR_CHUNK: Duration = Duration::from_millis(50);

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

/// Run `make` with the garbage collector resting, and restore it even on error.
///
/// A million new objects would set off hundreds of collections, each walking every
/// tracked object, for nothing: a Point holds no references, so it is never part of a
/// cycle. The GIL is held throughout, so no other thread sees the collector paused.
fn with_collector_resting<'py, T, E: From<PyErr>>(
    py: Python<'py>,
    make: impl FnOnce() -> std::result::Result<T, E>,
) -> std::result::Result<T, E> {
    let gc = py.import("gc")?;
    let paused = gc.call_method0("isenabled")?.is_truthy()?;
    if paused {
        gc.call_method0("disable")?;
    }
    let made = make();
    if paused {
        gc.call_method0("enable")?;
    }
    made
}

/// A `Point` object for each point, in a new list.
fn point_objects<'py>(py: Python<'py>, points: Vec<CorePoint>) -> PyResult<Bound<'py, PyList>> {
    with_collector_resting(py, || {
        // Straight into the list (its length is known): no vector of objects in between.
        let objects = points.into_iter().enumerate().map(|(k, point)| NewPoint {
            point,
            check_signals: k % SIGNAL_EVERY == SIGNAL_EVERY - 1,
        });
        PyList::new(py, objects)
    })
}

/// Make the objects while a helper thread reads and parses the next chunks: with two
/// cores, the parsing then costs next to nothing, the objects taking three times as
/// long. The GIL is held throughout: the helper never needs it.
fn load_beside<'py>(py: Python<'py>, file: File, path: &Path) -> Result<Bound<'py, PyList>> {
    with_collector_resting(py, || {
        let (read_ahead, chunks) = parse_ahead(file, path, CHUNK_BYTES);
        let helper = workers::beside("load", move || read_ahead.run()).map_err(|source| {
            Error::from(HelloError::Io {
                path: path.to_path_buf(),
                source,
            })
        })?;
        let made = point_objects_of(py, &chunks);
        // Dropping the chunks ends the helper at its next hand-over, early or not.
        drop(chunks);
        helper.join();
        made
    })
}

/// A `Point` object for each point of `chunks`, in a new list, as the chunks come.
fn point_objects_of<'py>(py: Python<'py>, chunks: &ParsedChunks) -> Result<Bound<'py, PyList>> {
    // Appended to the list as they are made: the list grows in place (its buffer is
    // remapped, not copied), where a vector of objects would be copied as it grows and
    // once more into the list.
    let objects = PyList::empty(py);
    loop {
        match chunks.next_within(WAIT_FOR_CHUNK) {
            // A slow disk: Ctrl-C works meanwhile all the same.
            Err(_) => py.check_signals()?,
            Ok(None) => return Ok(objects),
            Ok(Some(Err(error))) => return Err(Error::from(error)),
            Ok(Some(Ok(points))) => {
                for &point in &points {
                    objects.append(Bound::new(py, Point::from(point))?)?;
                }
                chunks.give_back(points);
                py.check_signals()?;
            }
        }
    }
}

/// The file at `path` (a `str` or path-like, as `open` takes it), opened for reading
/// without the GIL, Ctrl-C heard while a FIFO waits for a writer.
fn open_points_file(py: Python<'_>, path: &Bound<'_, PyAny>) -> Result<(File, PathBuf)> {
    let name = fsdecode(path)?;
    // open() refuses such names before asking the OS; so does the Python backend.
    if name.to_string_lossy().contains('\0') {
        return Err(PyValueError::new_err("embedded null byte").into());
    }
    let path: PathBuf = name.extract()?;
    // Opening a FIFO waits for a writer: not with the GIL, and not deaf to Ctrl-C.
    let control = Signals::default();
    match py.detach(|| open(&path, &control)) {
        Ok(file) => Ok((file, path)),
        Err(error) => Err(control.stopped_by(error)),
    }
}

/// Reports a load's progress in bytes, and hears Ctrl-C, from the calling thread.
struct Loading {
    signals: Signals,
    /// The size at open of a regular file; `None` for a pipe, FIFO or terminal.
    size: Option<u64>,
    done: std::sync::atomic::AtomicU64,
    progress: Option<Py<PyAny>>,
}

impl Loading {
    /// `(done, total)`: the total is the size at open, or what was read so far (also
    /// when a file grew since it was opened).
    fn report(&self, py: Python<'_>, done: u64) -> PyResult<()> {
        if let Some(progress) = &self.progress {
            let total = self.size.map_or(done, |size| size.max(done));
            progress.bind(py).call1((done, total))?;
        }
        Ok(())
    }
}

impl Control for Loading {
    fn threads(&self) -> usize {
        1
    }

    fn tick(&self, bytes: usize) -> std::result::Result<(), Stopped> {
        let done = self
            .done
            .fetch_add(bytes as u64, std::sync::atomic::Ordering::Relaxed)
            + bytes as u64;
        Python::attach(|py| {
            py.check_signals()?;
            self.report(py, done)
        })
        .map_err(|error| {
            *self
                .signals
                .raised
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some(error);
            Stopped
        })
    }
}

/// The points of a file as plain pairs, for `PointSet.load`: read on the calling thread
/// without the GIL (a signal interrupts a read that waits) and parsed there, with a
/// second parser beside it for a regular file, with no Python object a point. `progress(done, total)` counts bytes: first `(0, total)`,
/// last `(total, total)` on success.
pub fn load_columns(
    path: &Bound<'_, PyAny>,
    progress: Option<&Bound<'_, PyAny>>,
) -> Result<Vec<CorePoint>> {
    let py = path.py();
    let (file, path) = open_points_file(py, path)?;
    let threads = workers::threads(py)?;
    let size = file
        .metadata()
        .ok()
        .filter(std::fs::Metadata::is_file)
        .map(|metadata| metadata.len());
    // A regular file's chunks are parsed on two cores where two may work: the reads
    // stay here, every other chunk goes to a second parser. No thread, no second parser.
    let second = (threads > 1 && size.is_some())
        .then(|| {
            let (parser, link) = second_parser();
            workers::beside("parse", move || parser.run())
                .ok()
                .map(|helper| (helper, link))
        })
        .flatten();
    let loading = Loading {
        signals: Signals::default(),
        size,
        done: std::sync::atomic::AtomicU64::new(0),
        progress: progress.map(|p| p.clone().unbind()),
    };
    loading.report(py, 0)?;
    let read = match second {
        Some((helper, link)) => {
            let read = py.detach(|| read_points_sized_with(file, &path, &loading, size, link));
            // The link is gone with the read, so the second parser has ended.
            helper.join();
            read
        }
        None => py.detach(|| read_points_sized(file, &path, &loading, size)),
    };
    let points = match read {
        Ok(points) => points,
        Err(error) => return Err(loading.signals.stopped_by(error)),
    };
    // Last, everything read is done: the size at open unless the file changed since.
    let done = loading.done.load(std::sync::atomic::Ordering::Relaxed);
    if let Some(progress) = progress {
        progress.call1((done, done))?;
    }
    Ok(points)
}

/// Read the points of a file, one ``x,y`` a line, into a list of ``Point``.
///
/// Raises ``HelloIOError`` (an ``OSError``) when the file cannot be read, and
/// ``PointsFormatError`` (a ``ValueError``) naming the file, the line and what is wrong
/// with the first bad line.
#[pyfunction]
#[pyo3(signature = (path))]
pub fn load_points<'py>(py: Python<'py>, path: &Bound<'py, PyAny>) -> Result<Bound<'py, PyList>> {
    let (file, path) = open_points_file(py, path)?;
    let control = Signals::default();
    // A regular file's reads never wait for a writer, so they may leave this thread.
    if workers::threads(py)? > 1 && file.metadata().is_ok_and(|metadata| metadata.is_file()) {
        return load_beside(py, file, &path);
    }
    match py.detach(|| read_points(file, &path, &control)) {
        Ok(points) => Ok(point_objects(py, points)?),
        Err(error) => Err(control.stopped_by(error)),
    }
}
