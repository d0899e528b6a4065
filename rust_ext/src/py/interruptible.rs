//! Long work that Ctrl-C can interrupt although the work cannot look up from itself.
//!
//! `py.check_signals()` needs the calling thread and the GIL, and a big factorial
//! spends seconds in `legacy_core` without returning. So such work runs on a worker
//! thread while the calling thread waits with the GIL released, waking every 50 ms to
//! check for signals. On a signal the caller raises at once and raises a flag that the
//! work polls: the worker ends at its next poll and its partial result is dropped.

use std::any::Any;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::Duration;

use pyo3::exceptions::PySystemError;
use pyo3::prelude::*;

/// How often the waiting thread looks for signals: well inside the second that a
/// person waits for Ctrl-C to work, and rare enough to cost nothing.
const WAKE_EVERY: Duration = Duration::from_millis(50);

/// Why the wait ended without a value.
enum Ended {
    /// A signal handler raised (`KeyboardInterrupt` for Ctrl-C).
    Signal(PyErr),
    /// The worker panicked: its payload, to be re-raised on the calling thread.
    Panic(Box<dyn Any + Send>),
    /// The worker returned `None` without being told to stop: a bug in the work.
    NoValue,
}

/// Run `work` on a worker thread and return its value, or the error of a signal
/// handler that ran meanwhile (then the worker is told to stop and not waited for).
///
/// `work` gets a stop callback to poll, and returns `None` when it stopped. A panic
/// in it reaches Python as PyO3's `PanicException`, as a panic on this thread would.
pub fn run<T, F>(py: Python<'_>, name: &str, work: F) -> PyResult<T>
where
    T: Send + 'static,
    F: FnOnce(&dyn Fn() -> bool) -> Option<T> + Send + 'static,
{
    let stop = Arc::new(AtomicBool::new(false));
    let (sender, receiver) = mpsc::sync_channel::<T>(1);
    let worker = {
        let stop = Arc::clone(&stop);
        thread::Builder::new()
            .name(format!("legacy-app-{name}"))
            .spawn(move || {
                if let Some(value) = work(&|| stop.load(Ordering::Relaxed)) {
                    // After a signal nobody listens any more: the value is dropped.
                    let _ = sender.send(value);
                }
            })?
    };
    let waited = py.detach(move || loop {
        match receiver.recv_timeout(WAKE_EVERY) {
            Ok(value) => {
                // The worker has nothing left to do but return: leave no thread behind.
                let _ = worker.join();
                break Ok(value);
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if let Err(error) = Python::attach(|py| py.check_signals()) {
                    stop.store(true, Ordering::Relaxed);
                    break Err(Ended::Signal(error));
                }
            }
            // The sender is gone without a value, so the worker has ended.
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                break Err(match worker.join() {
                    Err(payload) => Ended::Panic(payload),
                    Ok(()) => Ended::NoValue,
                })
            }
        }
    });
    match waited {
        Ok(value) => Ok(value),
        Err(Ended::Signal(error)) => Err(error),
        // Unwinding out of this #[pyfunction] is what PyO3 turns into PanicException.
        Err(Ended::Panic(payload)) => std::panic::resume_unwind(payload),
        Err(Ended::NoValue) => Err(PySystemError::new_err(format!(
            "{name}: the worker thread ended without a result"
        ))),
    }
}
