//! Where batch work runs: on the calling thread, or on this process's worker pool.
//!
//! Either way the calling thread stays in charge: it checks for Ctrl-C and calls the
//! caller's `progress(done, total)`, while the work itself, in `legacy_core`, only
//! reports through `legacy_core::control::Control` and stops when told to.
//!
//! - Small inputs, and `LEGACY_APP_THREADS=1`, run inline: no thread is started or
//!   woken, the GIL is released around the work, and the work's own ticks take the
//!   GIL back for an instant to check signals.
//! - Larger inputs go to one pool of `min(LEGACY_APP_THREADS, cores)` threads for the
//!   whole process, made on first use. A pool of another size replaces it, so changing
//!   the variable never leaves threads behind. A forked child finds its parent's pool
//!   without its threads (fork copies only the forking thread) and makes its own.

use std::num::NonZero;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use legacy_core::control::{Control, Stopped};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use rayon::{ThreadPool, ThreadPoolBuilder};

use crate::py::errors::{Error, Result};
use crate::py::interruptible::{returned, watch};

/// How often the calling thread looks for signals and reports progress while the pool
/// works: well inside the second a person waits for Ctrl-C, and often enough for a
/// progress bar to move smoothly.
const WATCH_EVERY: Duration = Duration::from_millis(25);

/// The cores this process may run on (affinity and cgroup quotas included), read
/// once: asking costs system calls, and a forked child inherits the answer.
fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, NonZero::get))
}

/// `min(LEGACY_APP_THREADS, cores)`, asked at every call so that it can change between
/// calls; unset means all cores. Python reads and checks the variable
/// (`legacy_app.threads.cap`, for both backends: one rule, one message) and hands over
/// the number: a `getenv` here could race a Python thread that changes the environment
/// without the GIL.
pub fn threads(py: Python<'_>) -> Result<usize> {
    static CAP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let cap: Option<usize> = CAP
        .import(py, "legacy_app.threads", "cap")?
        .call0()?
        .extract()?;
    Ok(cap.map_or(cores(), |cap| cap.min(cores())))
}

/// The process's worker pool, and what it was made for.
struct Pool {
    /// The process that made it: in a forked child, its threads do not exist.
    pid: u32,
    threads: usize,
    pool: Arc<ThreadPool>,
}

/// The worker pool of `threads` threads for this process.
///
/// Called with the GIL held, so no Python thread can fork while the lock is taken:
/// a child never inherits it locked.
fn pool(threads: usize) -> Result<Arc<ThreadPool>> {
    static POOL: Mutex<Option<Pool>> = Mutex::new(None);
    let mut slot = POOL.lock().unwrap_or_else(PoisonError::into_inner);
    let pid = std::process::id();
    if let Some(current) = slot.as_ref() {
        if current.pid == pid && current.threads == threads {
            return Ok(Arc::clone(&current.pool));
        }
    }
    let pool = Arc::new(
        ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|k| format!("legacy-app-worker-{k}"))
            .build()
            .map_err(|error| {
                PyErr::from(std::io::Error::other(format!(
                    "cannot start {threads} worker threads: {error}"
                )))
            })?,
    );
    let previous = slot.replace(Pool {
        pid,
        threads,
        pool: Arc::clone(&pool),
    });
    if let Some(previous) = previous {
        if previous.pid != pid {
            // Inherited through fork: its threads were never copied here, and dropping
            // it would signal them and wait on state copied mid-flight. Leave it be.
            std::mem::forget(previous);
        }
        // Otherwise it goes now, or when the calls still using it end: its threads exit.
    }
    Ok(pool)
}

/// Calls `progress(done, total)`, if given.
fn report(progress: Option<&Bound<'_, PyAny>>, done: usize, total: usize) -> PyResult<()> {
    if let Some(progress) = progress {
        progress.call1((done, total))?;
    }
    Ok(())
}

/// Work done on the calling thread, GIL released: each tick takes the GIL back for an
/// instant to check signals and report progress.
struct Inline {
    total: usize,
    done: AtomicUsize,
    progress: Option<Py<PyAny>>,
    /// Why the work was told to stop: a signal handler's or `progress`'s exception.
    error: Mutex<Option<PyErr>>,
}

impl Control for Inline {
    fn threads(&self) -> usize {
        1
    }

    fn tick(&self, done: usize) -> std::result::Result<(), Stopped> {
        let done = (self.done.fetch_add(done, Ordering::Relaxed) + done).min(self.total);
        let checked = Python::attach(|py| {
            py.check_signals()?;
            report(self.progress.as_ref().map(|p| p.bind(py)), done, self.total)
        });
        checked.map_err(|error| {
            *self.error.lock().unwrap_or_else(PoisonError::into_inner) = Some(error);
            Stopped
        })
    }
}

/// Work done on the pool: ticks count, and answer `Stopped` once the watcher says so.
struct Pooled {
    threads: usize,
    done: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl Control for Pooled {
    fn threads(&self) -> usize {
        self.threads
    }

    fn tick(&self, done: usize) -> std::result::Result<(), Stopped> {
        self.done.fetch_add(done, Ordering::Relaxed);
        if self.stop.load(Ordering::Relaxed) {
            Err(Stopped)
        } else {
            Ok(())
        }
    }
}

/// Run `work` over `total` items: inline when `total < parallel_from` or only one
/// thread is allowed, else on the worker pool; Ctrl-C and `progress` are served from
/// the calling thread throughout. `progress` is called first with `(0, total)` and
/// last with `(total, total)`.
pub fn run<T, F>(
    py: Python<'_>,
    total: usize,
    progress: Option<&Bound<'_, PyAny>>,
    parallel_from: usize,
    work: F,
) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce(&dyn Control) -> std::result::Result<T, Stopped> + Send + 'static,
{
    let threads = threads(py)?;
    report(progress, 0, total)?;
    let value = if threads == 1 || total < parallel_from {
        let control = Inline {
            total,
            done: AtomicUsize::new(0),
            progress: progress.map(|p| p.clone().unbind()),
            error: Mutex::new(None),
        };
        match py.detach(|| work(&control)) {
            Ok(value) => value,
            Err(Stopped) => {
                let error = control.error.into_inner();
                return Err(error
                    .unwrap_or_else(PoisonError::into_inner)
                    .map_or(Error::from(Stopped), Error::Py));
            }
        }
    } else {
        on_pool(py, total, progress, pool(threads)?, threads, work)?
    };
    report(progress, total, total)?;
    Ok(value)
}

fn on_pool<T, F>(
    py: Python<'_>,
    total: usize,
    progress: Option<&Bound<'_, PyAny>>,
    pool: Arc<ThreadPool>,
    threads: usize,
    work: F,
) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce(&dyn Control) -> std::result::Result<T, Stopped> + Send + 'static,
{
    let done = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let control = Pooled {
        threads,
        done: Arc::clone(&done),
        stop: Arc::clone(&stop),
    };
    let (sender, receiver) = mpsc::sync_channel(1);
    pool.spawn(move || {
        // A panic must come back to the caller: unwinding out of a spawned job would
        // abort the process.
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| work(&control)));
        // After Ctrl-C nobody waits any more: the value is dropped.
        let _ = sender.send(outcome);
    });
    let mut reported = 0;
    let outcome = watch(py, receiver, WATCH_EVERY, &stop, || {
        py.check_signals()?;
        let now = done.load(Ordering::Relaxed).min(total);
        if now > reported {
            reported = now;
            report(progress, now, total)?;
        }
        Ok(())
    })?;
    returned(outcome)
}
