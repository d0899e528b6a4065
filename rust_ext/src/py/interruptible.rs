//! Long work that Ctrl-C can interrupt although the work cannot look up from itself.
//!
//! `py.check_signals()` needs the calling thread and the GIL, and a big factorial
//! spends seconds in `legacy_core` without returning. So such work runs on a worker
//! thread while the calling thread waits with the GIL released, waking every 50 ms to
//! check for signals. On a signal the caller raises at once and raises a flag that the
//! work polls: the worker ends at its next poll and its partial result is dropped.
//! `watch`, the wait itself, is shared with the worker pool's jobs (`workers.rs`).

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
    let outcome = watch(py, receiver, WAKE_EVERY, &stop, || py.check_signals());
    if outcome.is_ok() {
        // The worker has nothing left to do but return: leave no thread behind.
        let _ = worker.join();
    }
    returned(outcome?)
}

/// What a worker sent back: a value, a stop, or a panic.
pub type Outcome<T> = thread::Result<std::result::Result<T, Stopped>>;

/// Wait, with the GIL released, for the outcome a worker sends on `receiver`, waking
/// every `every` to run `tick` (signals, progress). When `tick` fails, `stop` tells the
/// work to end and its error is returned at once: the worker is not waited for.
pub fn watch<T: Send>(
    py: Python<'_>,
    receiver: mpsc::Receiver<Outcome<T>>,
    every: Duration,
    stop: &AtomicBool,
    mut tick: impl FnMut() -> PyResult<()>,
) -> Result<Outcome<T>> {
    let mut receiver = receiver;
    loop {
        // The receiver travels into the GIL-free wait and back (it is not Sync).
        let (back, received) = py.detach(move || {
            let received = receiver.recv_timeout(every);
            (receiver, received)
        });
        receiver = back;
        match received {
            Ok(outcome) => return Ok(outcome),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if let Err(error) = tick() {
                    stop.store(true, Ordering::Relaxed);
                    return Err(error.into());
                }
            }
            // The worker always sends before it ends; without it, it was stopped.
            Err(mpsc::RecvTimeoutError::Disconnected) => return Err(Stopped.into()),
        }
    }
}

/// The value of a worker's outcome; its panic goes on unwinding here, out of the
/// `#[pyfunction]`, which is what PyO3 turns into `PanicException`.
pub fn returned<T>(outcome: Outcome<T>) -> Result<T> {
    match outcome {
        Ok(value) => Ok(value?),
        Err(payload) => panic::resume_unwind(payload),
    }
}
