//! Where work runs: the one place that decides which thread does it, and how the
//! calling thread stays in charge meanwhile.
//!
//! The calling thread checks for Ctrl-C and calls the caller's `progress(done,
//! total)`, while the work itself, in `legacy_core`, only reports through
//! `legacy_core::control::Control` and stops when told to. Three placements share one
//! `Control` for work off the calling thread (`Watched`), one GIL-free wait (`watch`)
//! and one way back for a panic (`returned`):
//!
//! - `run`, batch work. Small inputs, and `LEGACY_APP_THREADS=1`, run inline: no
//!   thread is started or woken, the GIL is released around the work, and the work's
//!   own ticks take the GIL back for an instant to check signals. Larger inputs go to
//!   one pool of `min(LEGACY_APP_THREADS, cores)` threads for the whole process, made
//!   on first use. A pool of another size replaces it, so changing the variable never
//!   leaves threads behind. A forked child finds its parent's pool without its
//!   threads (fork copies only the forking thread) and makes its own.
//! - `run_apart`, one long step that cannot look up often enough to run inline (a
//!   multiplication of a huge factorial takes seconds): on a thread of its own, even
//!   with one thread allowed (one thread works, the caller only waits), so that
//!   Ctrl-C interrupts the wait at once.
//! - `beside`, a helper the calling thread works alongside (the loader's read-ahead,
//!   while the caller makes Python objects): on a thread of its own, joined by the
//!   caller.
//!
//! The last two stay off the pool on purpose: a pool thread that waits inside a
//! `join` runs queued jobs meanwhile (rayon takes jobs sent from outside the pool
//! too), so a job that runs for seconds, or waits on a channel, sent to the pool
//! while a batch call runs there would hold that call up for as long as it lasts
//! (measured in `rust_ext/README.md`, "Where work runs").

use std::num::NonZero;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, OnceLock, PoisonError};
use std::thread;
use std::time::Duration;

use legacy_core::control::{Control, Stopped};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use rayon::{ThreadPool, ThreadPoolBuilder};

use crate::py::errors::{Error, Result};

/// How often the calling thread looks for signals and reports progress while work
/// runs elsewhere: well inside the second a person waits for Ctrl-C, and often enough
/// for a progress bar to move smoothly.
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

/// Work done off the calling thread (on the pool, or apart): ticks count, and answer
/// `Stopped` once the watching caller says so.
struct Watched {
    threads: usize,
    done: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl Control for Watched {
    fn threads(&self) -> usize {
        self.threads
    }

    fn tick(&self, done: usize) -> std::result::Result<(), Stopped> {
        // A question alone (a factorial asks thousands of times a second) writes nothing.
        if done > 0 {
            self.done.fetch_add(done, Ordering::Relaxed);
        }
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
        let place = Place::Pool(pool(threads)?);
        elsewhere(py, place, threads, total, progress, work)?
    };
    report(progress, total, total)?;
    Ok(value)
}

/// Run one long step of `work` on a thread of its own (named `legacy-app-{name}`)
/// and return its value, or the error of a signal handler that ran meanwhile: the work
/// is then told to stop, and not waited for. `work` runs on one thread and may stop
/// only between its ticks; a panic in it reaches Python as PyO3's `PanicException`,
/// as a panic on this thread would.
pub fn run_apart<T, F>(py: Python<'_>, name: &str, work: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce(&dyn Control) -> std::result::Result<T, Stopped> + Send + 'static,
{
    elsewhere(py, Place::Apart(name), 1, 0, None, work)
}

/// A helper thread started by `beside`.
pub struct Beside(thread::JoinHandle<()>);

impl Beside {
    /// Wait for the helper to end; its panic goes on unwinding here. The caller has
    /// first made sure that it ends (the helper's channel dropped, say).
    pub fn join(self) {
        if let Err(payload) = self.0.join() {
            panic::resume_unwind(payload)
        }
    }
}

/// Start `helper` on a thread of its own (named `legacy-app-{name}`), for the calling
/// thread to work alongside and then `join`.
pub fn beside(name: &str, helper: impl FnOnce() + Send + 'static) -> std::io::Result<Beside> {
    apart(name, helper).map(Beside)
}

/// A thread of its own for `job`, named `legacy-app-{name}`.
fn apart(
    name: &str,
    job: impl FnOnce() + Send + 'static,
) -> std::io::Result<thread::JoinHandle<()>> {
    thread::Builder::new()
        .name(format!("legacy-app-{name}"))
        .spawn(job)
}

/// Where work off the calling thread runs.
enum Place<'n> {
    /// On the process's worker pool.
    Pool(Arc<ThreadPool>),
    /// On a thread of its own, with this name.
    Apart(&'n str),
}

/// Run `work` at `place`, the calling thread watching: it waits with the GIL released,
/// checks for signals and reports progress every `WATCH_EVERY`, and on a signal tells
/// the work to stop and returns at once.
fn elsewhere<T, F>(
    py: Python<'_>,
    place: Place<'_>,
    threads: usize,
    total: usize,
    progress: Option<&Bound<'_, PyAny>>,
    work: F,
) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce(&dyn Control) -> std::result::Result<T, Stopped> + Send + 'static,
{
    let done = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let control = Watched {
        threads,
        done: Arc::clone(&done),
        stop: Arc::clone(&stop),
    };
    let (sender, receiver) = mpsc::sync_channel(1);
    let job = move || {
        // A panic must come back to the caller: unwinding out of a pool's job would
        // abort the process, and out of a thread's end it would be lost.
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| work(&control)));
        // After Ctrl-C nobody waits any more: the value is dropped.
        let _ = sender.send(outcome);
    };
    let thread = match place {
        Place::Pool(pool) => {
            pool.spawn(job);
            None
        }
        Place::Apart(name) => Some(apart(name, job).map_err(PyErr::from)?),
    };
    let mut reported = 0;
    let outcome = watch(py, receiver, &stop, || {
        py.check_signals()?;
        let now = done.load(Ordering::Relaxed).min(total);
        if now > reported {
            reported = now;
            report(progress, now, total)?;
        }
        Ok(())
    })?;
    if let Some(thread) = thread {
        // It has sent its outcome and has nothing left to do but end: leave no thread
        // behind.
        let _ = thread.join();
    }
    returned(outcome)
}

/// What work off the calling thread sent back: a value, a stop, or a panic.
type Outcome<T> = thread::Result<std::result::Result<T, Stopped>>;

/// Wait, with the GIL released, for the outcome that work sends on `receiver`, waking
/// every `WATCH_EVERY` to run `tick` (signals, progress). When `tick` fails, `stop`
/// tells the work to end and its error is returned at once: the work is not waited for.
fn watch<T: Send>(
    py: Python<'_>,
    receiver: mpsc::Receiver<Outcome<T>>,
    stop: &AtomicBool,
    mut tick: impl FnMut() -> PyResult<()>,
) -> Result<Outcome<T>> {
    let mut receiver = receiver;
    loop {
        // The receiver travels into the GIL-free wait and back (it is not Sync).
        let (back, received) = py.detach(move || {
            let received = receiver.recv_timeout(WATCH_EVERY);
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
            // The job always sends before it ends; without it, it was stopped.
            Err(mpsc::RecvTimeoutError::Disconnected) => return Err(Stopped.into()),
        }
    }
}

/// The value of an outcome; a panic goes on unwinding here, out of the
/// `#[pyfunction]`, which is what PyO3 turns into `PanicException`.
fn returned<T>(outcome: Outcome<T>) -> Result<T> {
    match outcome {
        Ok(value) => Ok(value?),
        Err(payload) => panic::resume_unwind(payload),
    }
}
