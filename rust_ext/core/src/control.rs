//! How long computations run: on how many threads, and how a caller stops them.
//!
//! The core knows nothing of Python, signals or progress bars. A caller hands in a
//! `Control`; the work reports every few milliseconds how many items it finished
//! since the last report, and ends with `Stopped` as soon as the caller says so.
//! The Python layer uses that to check for Ctrl-C and to drive progress callbacks.

/// Work ended early because `Control::tick` asked for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped;

/// What a long computation asks of its caller.
pub trait Control: Sync {
    /// How many threads may work at once. `1`: the calling thread alone, and no
    /// rayon call at all (no pool is woken, none is created). More: the work runs
    /// inside a rayon pool of that many threads, installed by the caller, and may use
    /// parallel iterators.
    fn threads(&self) -> usize;

    /// `done` more items (points, lines) are finished. `Err(Stopped)` means: end now.
    /// Called from whichever thread did the work, every few milliseconds of work;
    /// `tick(0)` only asks (a factorial, which counts no items, asks that way).
    fn tick(&self, done: usize) -> Result<(), Stopped>;
}

/// Runs to the end on the calling thread, never stopped: for tests and plain callers.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sequential;

impl Control for Sequential {
    fn threads(&self) -> usize {
        1
    }

    fn tick(&self, _done: usize) -> Result<(), Stopped> {
        Ok(())
    }
}
