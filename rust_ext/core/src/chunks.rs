//! Work cut into chunks that run on the calling thread (`threads() == 1`: no rayon call
//! at all) or in the caller's rayon pool, stopping as soon as the `Control` says so.

use std::ops::Range;

use rayon::prelude::*;

use crate::control::{Control, Stopped};

/// Items per chunk: enough for the chunk to dwarf rayon's own cost, few enough that a
/// chunk takes well under a millisecond, so that `tick` is called often.
pub(crate) fn chunk_size(control: &dyn Control, count: usize, smallest: usize) -> usize {
    let threads = control.threads().max(1);
    // Several chunks a thread, so that a thread that finishes early can steal.
    (count / (threads * 8)).clamp(smallest, 1 << 16)
}

/// `work(chunk number, items)` for every chunk of `0..count`, results in chunk order.
pub(crate) fn run<R: Send>(
    control: &dyn Control,
    count: usize,
    chunk: usize,
    work: impl Fn(usize, Range<usize>) -> Result<R, Stopped> + Sync,
) -> Result<Vec<R>, Stopped> {
    let chunk = chunk.max(1);
    let pieces = count.div_ceil(chunk);
    let range = |c: usize| c * chunk..count.min((c + 1) * chunk);
    if control.threads() <= 1 || pieces <= 1 {
        (0..pieces).map(|c| work(c, range(c))).collect()
    } else {
        (0..pieces)
            .into_par_iter()
            .map(|c| work(c, range(c)))
            .collect()
    }
}

/// Mutable pieces of `items`, one per chunk of `chunk` items, each handed to
/// `work(chunk number, first item's position, piece)`.
pub(crate) fn run_mut<T: Send, R: Send>(
    control: &dyn Control,
    items: &mut [T],
    chunk: usize,
    work: impl Fn(usize, usize, &mut [T]) -> Result<R, Stopped> + Sync,
) -> Result<Vec<R>, Stopped> {
    let chunk = chunk.max(1);
    if control.threads() <= 1 || items.len() <= chunk {
        items
            .chunks_mut(chunk)
            .enumerate()
            .map(|(c, piece)| work(c, c * chunk, piece))
            .collect()
    } else {
        items
            .par_chunks_mut(chunk)
            .enumerate()
            .map(|(c, piece)| work(c, c * chunk, piece))
            .collect()
    }
}

/// `(0..count).map(make)` into a vector, filled in parallel when `threads() > 1`: the
/// first touch of a large allocation (its page faults) is then parallel too.
pub(crate) fn collect<T: Send>(
    control: &dyn Control,
    count: usize,
    make: impl Fn(usize) -> T + Sync + Send,
) -> Vec<T> {
    if control.threads() <= 1 || count < (1 << 16) {
        (0..count).map(make).collect()
    } else {
        (0..count).into_par_iter().map(make).collect()
    }
}

/// `items` mapped one by one into a new vector, in parallel when `threads() > 1`.
pub(crate) fn map_into<T: Send, U: Send>(
    control: &dyn Control,
    items: Vec<T>,
    map: impl Fn(T) -> U + Sync + Send,
) -> Vec<U> {
    if control.threads() <= 1 || items.len() < (1 << 16) {
        items.into_iter().map(map).collect()
    } else {
        items.into_par_iter().map(map).collect()
    }
}
