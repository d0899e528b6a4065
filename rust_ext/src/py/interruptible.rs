//! Long work that Ctrl-C can interrupt although the work cannot look up from itself.
//!
//! `py.check_signals()` needs the calling thread and the GIL, and a big factorial
//! spends seconds in `legacy_core` without returning. So such work runs on a worker
//! thread while the calling thread waits with the GIL released, waking every 50 ms to
//! check for signals. On a signal the caller raises at once and raises a flag that the
//! work polls: the worker ends at its next poll and its partial result is dropped.

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::Duration;

use legacy_core::control::Stopped;
use pyo3::prelude::*;

use crate::py::errors::Result;

/// How often the waiting thread looks for signals: well inside the second that a
/// person waits for Ctrl-C to work, and rare enough to cost nothing.
const WAKE_EVERY: Duration = Duration::from_millis(50);

/// Run `work` on a worker thread and return its value, or the error of a signal
/// handler that ran meanwhile (then the worker is told to stop and not waited for).
///
/// `work` gets a stop callback to poll, and returns `Err(Stopped)` when it stopped. A
/// panic in it reaches Python as PyO3's `PanicException`, as a panic on this thread
/// would, instead of ending the worker silently.
pub fn run<T, F>(py: Python<'_>, name: &str, work: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce(&dyn Fn() -> bool) -> std::result::Result<T, Stopped> + Send + 'static,
{
    let stop = Arc::new(AtomicBool::new(false));
    let (sender, receiver) = mpsc::sync_channel(1);
    let worker = {
        let stop = Arc::clone(&stop);
        thread::Builder::new()
            .name(format!("legacy-app-{name}"))
            .spawn(move || {
                let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
                    work(&|| stop.load(Ordering::Relaxed))
                }));
                // After a signal nobody listens any more: the value is dropped.
                let _ = sender.send(outcome);
            })
            .map_err(PyErr::from)?
    };
    let mut receiver = receiver;
    loop {
        // The receiver travels into the GIL-free wait and back (it is not Sync).
        let (back, received) = py.detach(move || {
            let received = receiver.recv_timeout(WAKE_EVERY);
            (receiver, received)
        });
        receiver = back;
        match received {
            Ok(outcome) => {
                // The worker has nothing left to do but return: leave no thread behind.
                let _ = worker.join();
                match outcome {
                    Ok(value) => return Ok(value?),
                    // Unwinding out of the #[pyfunction] is what PyO3 turns into
                    // PanicException.
                    Err(payload) => panic::resume_unwind(payload),
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if let Err(error) = py.check_signals() {
                    stop.store(true, Ordering::Relaxed);
                    return Err(error.into());
                }
            }
            // The worker always sends before it ends; without it, it was stopped.
            Err(mpsc::RecvTimeoutError::Disconnected) => return Err(Stopped.into()),
        }
    }
}
