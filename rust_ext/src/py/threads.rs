//! Worker threads for batch work, capped by `LEGACY_APP_THREADS`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use rayon::{ThreadPool, ThreadPoolBuilder};

/// The cap from `LEGACY_APP_THREADS`, read on every call so that it can change
/// between calls; unset, empty or not a positive integer means all cores.
fn cap() -> Option<usize> {
    std::env::var("LEGACY_APP_THREADS")
        .ok()?
        .trim()
        .parse::<usize>()
        .ok()
        .filter(|&n| n > 0)
}

thread_local! {
    /// This thread's capped pools, one per size asked for. Per calling thread, not
    /// per process: two Python threads each running batch work with a cap of 1 must
    /// get a worker each, not queue for one shared worker.
    static POOLS: RefCell<HashMap<usize, Arc<ThreadPool>>> = RefCell::new(HashMap::new());
}

/// The pool for batch work started from this thread: `None` for all cores (rayon's
/// global pool), or this thread's own pool of the capped size.
pub fn pool() -> Option<Arc<ThreadPool>> {
    let threads = cap()?;
    POOLS.with(|pools| {
        let mut pools = pools.borrow_mut();
        if let Some(pool) = pools.get(&threads) {
            return Some(Arc::clone(pool));
        }
        let pool = Arc::new(
            ThreadPoolBuilder::new()
                .num_threads(threads)
                .thread_name(|k| format!("legacy-app-{k}"))
                .build()
                .ok()?,
        );
        pools.insert(threads, Arc::clone(&pool));
        Some(pool)
    })
}

/// Run `work` with rayon's parallel iterators inside `pool` (all cores if `None`).
pub fn install<R: Send>(pool: Option<&ThreadPool>, work: impl FnOnce() -> R + Send) -> R {
    match pool {
        Some(pool) => pool.install(work),
        None => work(),
    }
}
