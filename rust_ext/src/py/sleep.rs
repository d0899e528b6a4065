//! The Rust half of `print_sleep`: checking the duration, timing, formatting, printing.
//!
//! `print_sleep` itself is an `async def` in `legacy_app/_rust.py`, so that it is a
//! coroutine function as `inspect` and `asyncio` see it, and the running event loop's
//! own timer (an awaited `asyncio.sleep`) wakes it: no thread of ours, nothing that
//! outlives the loop or the interpreter, and a pending task is freed with its loop.
//!
//! ```python
//! nap = rust_ext.Nap.announce(duration)  # checks, prints the night line, starts the clock
//! await asyncio.sleep(nap.seconds)
//! nap.wake()                             # prints the awake line
//! ```

use std::time::{Duration, Instant};

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

use crate::py::arguments::type_name;
use crate::py::errors::{Argument, Result};
use crate::py::greeting::write_stdout;

const SECONDS_PER_DAY: i128 = 86_400;
const NANOS_PER_SECOND: i128 = 1_000_000_000;
const NANOS_PER_MICRO: i128 = 1_000;

/// One stored field of a `timedelta`, read through the base class's own descriptor:
/// a subclass that overrides `days` (or `seconds`, `microseconds`) is not consulted.
fn stored_field(
    value: &Bound<'_, PyAny>,
    timedelta: &Bound<'_, PyType>,
    name: &str,
) -> PyResult<i128> {
    timedelta
        .getattr(name)?
        .call_method1(pyo3::intern!(value.py(), "__get__"), (value, timedelta))?
        .extract()
}

/// A `datetime.timedelta` as a `Duration`, with the pure-Python backend's errors.
fn duration(value: &Bound<'_, PyAny>) -> Result<Duration> {
    static TIMEDELTA: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    let py = value.py();
    let timedelta = TIMEDELTA.import(py, "datetime", "timedelta")?;
    if !value.is_instance(timedelta)? {
        return Err(PyTypeError::new_err(format!(
            "print_sleep() argument must be a datetime.timedelta, not {}",
            type_name(value)
        ))
        .into());
    }
    let days = stored_field(value, timedelta, "days")?;
    let seconds = stored_field(value, timedelta, "seconds")?;
    let micros = stored_field(value, timedelta, "microseconds")?;
    // A timedelta's fields are bounded (|days| < 10^9), so this cannot overflow i128.
    let nanos = (days * SECONDS_PER_DAY + seconds) * NANOS_PER_SECOND + micros * NANOS_PER_MICRO;
    if nanos < 0 {
        // The base class's str(), not a subclass's: the stored value, as everywhere here.
        let text = timedelta.getattr("__str__")?.call1((value,))?;
        return Err(Argument::SleepNegative(text.to_string()).into());
    }
    let whole =
        u64::try_from(nanos / NANOS_PER_SECOND).map_err(|_| Argument::SleepTooLong(nanos))?;
    // 0 <= remainder < 10^9: a valid sub-second nanosecond count.
    let sub = u32::try_from(nanos % NANOS_PER_SECOND).unwrap_or(0);
    Ok(Duration::new(whole, sub))
}

/// One ``print_sleep`` call, for the ``async def print_sleep`` of ``legacy_app``'s Rust
/// backend: ``Nap.announce(duration)`` checks the duration, prints the night line and
/// starts the clock; ``await asyncio.sleep(nap.seconds)``; ``nap.wake()`` prints the
/// awake line with the time that passed.
#[pyclass(module = "rust_ext", frozen)]
pub struct Nap {
    wanted: Duration,
    start: Instant,
}

#[pymethods]
impl Nap {
    /// Check ``duration``, print ``🌙 Night night! Sleeping for {duration:?}`` and start the clock.
    #[staticmethod]
    #[pyo3(signature = (duration))]
    fn announce(py: Python<'_>, duration: &Bound<'_, PyAny>) -> Result<Nap> {
        let wanted = self::duration(duration)?;
        write_stdout(py, &format!("🌙 Night night! Sleeping for {wanted:?}\n"))?;
        Ok(Nap {
            wanted,
            start: Instant::now(),
        })
    }

    /// The duration in seconds, for ``asyncio.sleep``.
    #[getter]
    fn seconds(&self) -> f64 {
        self.wanted.as_secs_f64()
    }

    /// Print ``🌞 I'm awake after {elapsed:?}``: the time since ``announce``.
    fn wake(&self, py: Python<'_>) -> PyResult<()> {
        let elapsed = self.start.elapsed();
        write_stdout(py, &format!("🌞 I'm awake after {elapsed:?}\n"))
    }
}
