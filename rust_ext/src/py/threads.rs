//! Worker threads for batch work, capped by `LEGACY_APP_THREADS`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

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

/// One pool per thread count asked for, kept for the life of the process.
fn pool(threads: usize) -> Option<Arc<ThreadPool>> {
    static POOLS: OnceLock<Mutex<HashMap<usize, Arc<ThreadPool>>>> = OnceLock::new();
    let mut pools = POOLS.get_or_init(Default::default).lock().ok()?;
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
}

/// Run `work` with rayon's parallel iterators limited to the configured threads.
pub fn install<R: Send>(work: impl FnOnce() -> R + Send) -> R {
    match cap().and_then(pool) {
        Some(pool) => pool.install(work),
        None => work(),
    }
}
