//! The two measurements behind `rust_ext/README.md`'s "Where work runs": `cargo run
//! --release --example where_work_runs`.
//!
//! 1. Batch work on a pool of two threads, with a 3 s job sent 0.1 s in: to no one, to
//!    a thread of its own, to the same pool. A pool thread that waits in a `join` runs
//!    jobs queued meanwhile, so the batch call may end only with the 3 s job.
//! 2. How long the last multiplication of `n!`'s product tree takes: the longest time
//!    a factorial cannot look up to ask whether to stop.

use std::sync::mpsc::channel;
use std::time::{Duration, Instant};

use num_bigint::BigUint;
use rayon::prelude::*;

/// A few microseconds of arithmetic: 200,000 of them are about a second of work.
fn piece(seed: u64) -> u64 {
    let mut x = seed | 1;
    for _ in 0..4_000 {
        // Opaque to the optimiser: the loop is done as written.
        x = std::hint::black_box(x)
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
    }
    x
}

fn spin(length: Duration) {
    let start = Instant::now();
    while start.elapsed() < length {
        std::hint::spin_loop();
    }
}

/// The product of `low ..= high`, split in halves as `legacy_core::fact` splits it.
fn product(low: u64, high: u64) -> BigUint {
    if high - low < 16 {
        return (low..=high).fold(BigUint::from(1u8), |acc, k| acc * k);
    }
    let middle = low + (high - low) / 2;
    product(low, middle) * product(middle + 1, high)
}

fn main() {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("two threads");
    let places = ["no other job", "own thread", "same pool"];
    let mut times: [Vec<f64>; 3] = Default::default();
    for trial in 0..15 {
        let place = trial % 3;
        let (batch_done, batch_time) = channel();
        let start = Instant::now();
        pool.spawn(move || {
            let sum: u64 = (0..200_000u64).into_par_iter().map(piece).sum();
            std::hint::black_box(sum);
            let _ = batch_done.send(start.elapsed());
        });
        std::thread::sleep(Duration::from_millis(100));
        let (long_done, long_over) = channel();
        let long = move || {
            spin(Duration::from_secs(3));
            let _ = long_done.send(());
        };
        let long_thread = match place {
            1 => Some(std::thread::spawn(long)),
            2 => {
                pool.spawn(long);
                None
            }
            // Dropped unrun: no other job.
            _ => None,
        };
        let batch = batch_time.recv().expect("the batch call ends");
        if place > 0 {
            long_over.recv().expect("the long job ends");
        }
        if let Some(thread) = long_thread {
            thread.join().expect("no panic");
        }
        times[place].push(batch.as_secs_f64());
    }
    for (place, seconds) in places.iter().zip(&mut times) {
        seconds.sort_by(f64::total_cmp);
        println!("batch call, 3 s job sent 0.1 s in ({place}): {seconds:.2?} s");
    }
    for n in [1_000_000u64, 4_000_000] {
        let middle = n / 2;
        let (left, right) = (product(2, middle), product(middle + 1, n));
        let start = Instant::now();
        let whole = left * right;
        println!(
            "{n}!: its last multiplication took {:.2?} ({} bits)",
            start.elapsed(),
            whole.bits()
        );
    }
}
