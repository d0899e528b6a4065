//! `print_sleep`: a Rust future awaited by asyncio.
//!
//! PyO3's own coroutine type drives the future on the event loop's thread; the timer
//! is `futures-timer`'s, whose single helper thread wakes the coroutine through
//! asyncio's thread-safe callback, so a sleep never blocks the loop and thousands of
//! them share one thread. Cancelling the task drops the future and its timer.

use std::time::{Duration, Instant};

use futures_timer::Delay;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

use crate::py::hello::write_stdout;
use crate::py::values::type_name;

/// A `datetime.timedelta` as a `Duration`, with the pure-Python backend's errors.
fn duration(value: &Bound<'_, PyAny>) -> PyResult<Duration> {
    static TIMEDELTA: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    let py = value.py();
    let timedelta = TIMEDELTA.import(py, "datetime", "timedelta")?;
    if !value.is_instance(timedelta)? {
        return Err(PyTypeError::new_err(format!(
            "print_sleep() argument must be a datetime.timedelta, not {}",
            type_name(value)
        )));
    }
    let days: i64 = value.getattr(pyo3::intern!(py, "days"))?.extract()?;
    let seconds: u64 = value.getattr(pyo3::intern!(py, "seconds"))?.extract()?;
    let micros: u32 = value
        .getattr(pyo3::intern!(py, "microseconds"))?
        .extract()?;
    // timedelta normalises so that only `days` carries the sign.
    let Ok(days) = u64::try_from(days) else {
        return Err(PyValueError::new_err(format!(
            "print_sleep() duration must not be negative, got {}",
            value.str()?
        )));
    };
    Ok(Duration::new(days * 86_400 + seconds, micros * 1_000))
}

/// Announce, sleep without blocking the event loop, then say how long it took.
#[pyfunction]
#[pyo3(signature = (duration))]
pub async fn print_sleep(duration: Py<PyAny>) -> PyResult<()> {
    let wanted = Python::attach(|py| {
        let wanted = self::duration(duration.bind(py))?;
        write_stdout(py, &format!("🌙 Night night! Sleeping for {wanted:?}\n"))?;
        Ok::<_, PyErr>(wanted)
    })?;
    let start = Instant::now();
    Delay::new(wanted).await;
    let elapsed = start.elapsed();
    Python::attach(|py| write_stdout(py, &format!("🌞 I'm awake after {elapsed:?}\n")))
}
