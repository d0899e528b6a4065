//! legacy_app's logic in plain Rust: points, factorials, points files and the error
//! family. Nothing here knows about Python; `rust_ext` binds it with PyO3.
#![forbid(unsafe_code)]

mod buckets;
mod chunks;
pub mod closest;
pub mod control;
pub mod error;
pub mod fact;
pub mod fsum;
mod geometry;
mod grid;
pub mod index;
pub mod nearest;
pub mod picture;
pub mod point;
pub mod point_set;
pub mod points_file;
pub mod route;
mod sparse;
mod zorder;

pub use error::{Error, Field, FormatReason, HelloError};
pub use point::{Coordinate, Point, MAX_COORDINATE};

#[cfg(test)]
mod test_support {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};

    use crate::control::{Control, Stopped};
    use crate::point::Point;

    thread_local! {
        static EVALUATIONS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    }

    /// Counts one distance evaluation on this thread (test builds only).
    #[inline]
    pub fn count_evaluation() {
        EVALUATIONS.with(|count| count.set(count.get() + 1));
    }

    /// The distance evaluations this thread made while running `work`.
    pub fn evaluations_of<R>(work: impl FnOnce() -> R) -> (R, u64) {
        let before = EVALUATIONS.with(std::cell::Cell::get);
        let result = work();
        (result, EVALUATIONS.with(std::cell::Cell::get) - before)
    }

    /// A small deterministic generator, so the tests need no extra crate.
    pub fn lcg(seed: &mut u64) -> u32 {
        *seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (*seed >> 33) as u32
    }

    /// A `Control` as the binding's: `threads` workers in a rayon pool of its own (none
    /// for 1), ticks counted, optionally stopping after some ticks.
    pub struct Pool {
        threads: usize,
        pool: Option<rayon::ThreadPool>,
        done: AtomicUsize,
        ticks: AtomicUsize,
        stop_after: Option<usize>,
        /// A tick from a rayon worker while `threads == 1`: a rayon call was made.
        pub used_rayon: AtomicBool,
    }

    impl Pool {
        pub fn new(threads: usize) -> Self {
            let pool = (threads > 1).then(|| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap()
            });
            Pool {
                threads,
                pool,
                done: AtomicUsize::new(0),
                ticks: AtomicUsize::new(0),
                stop_after: None,
                used_rayon: AtomicBool::new(false),
            }
        }

        pub fn stopping_after(threads: usize, ticks: usize) -> Self {
            Pool {
                stop_after: Some(ticks),
                ..Pool::new(threads)
            }
        }

        pub fn install<R: Send>(&self, work: impl FnOnce() -> R + Send) -> R {
            let result = match &self.pool {
                Some(pool) => pool.install(work),
                None => work(),
            };
            assert!(
                !self.used_rayon.load(Relaxed),
                "a rayon call with threads() == 1"
            );
            result
        }

        pub fn done(&self) -> usize {
            self.done.load(Relaxed)
        }
    }

    impl Control for Pool {
        fn threads(&self) -> usize {
            self.threads
        }

        fn tick(&self, done: usize) -> Result<(), Stopped> {
            if self.threads == 1 && rayon::current_thread_index().is_some() {
                self.used_rayon.store(true, Relaxed);
            }
            self.done.fetch_add(done, Relaxed);
            let ticks = self.ticks.fetch_add(1, Relaxed) + 1;
            match self.stop_after {
                Some(limit) if ticks > limit => Err(Stopped),
                _ => Ok(()),
            }
        }
    }

    /// The indices that `grid::suits` samples among `n` points.
    pub fn sample_positions(n: usize) -> Vec<bool> {
        let taken = n.min((n / 8).clamp(256, 4096));
        let stride = n / taken.max(1);
        let mut sampled = vec![false; n];
        for k in 0..taken {
            let offset = (k as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
            sampled[k * stride + (offset as usize) % stride.max(1)] = true;
        }
        sampled
    }

    /// `n` points of every shape the searches must not degrade on, with their names.
    pub fn shapes(n: usize, seed: u64) -> Vec<(String, Vec<Point>)> {
        let mut seed = seed.wrapping_mul(0x9E37_79B9) + 1;
        let mut next = move || lcg(&mut seed);
        let n32 = n as u32;
        let mut shapes: Vec<(String, Vec<Point>)> = Vec::new();
        let mut add = |name: &str, points: Vec<Point>| shapes.push((name.to_string(), points));
        add(
            "uniform",
            (0..n).map(|_| Point::new(next(), next())).collect(),
        );
        add(
            "small square",
            (0..n).map(|_| Point::new(next() % 5, next() % 5)).collect(),
        );
        add(
            "clusters",
            (0..n)
                .map(|k| {
                    let c = (k % 7) as u32;
                    let base = c.wrapping_mul(0x2545_F491);
                    Point::new(
                        base.wrapping_add(next() % 9),
                        (base >> 3).wrapping_add(next() % 9),
                    )
                })
                .collect(),
        );
        add(
            "vertical line",
            (0..n).map(|_| Point::new(12345, next())).collect(),
        );
        add(
            "horizontal line",
            (0..n).map(|_| Point::new(next() % 100_000, 7)).collect(),
        );
        add(
            "diagonal",
            (0..n)
                .map(|_| {
                    let v = next();
                    Point::new(v, v)
                })
                .collect(),
        );
        add(
            "few x",
            (0..n)
                .map(|_| Point::new((next() % 3) * 1000, next() % 5000))
                .collect(),
        );
        let side = (n as f64).sqrt().ceil() as u32;
        add(
            "lattice",
            (0..n32)
                .map(|k| Point::new((k % side) * 3, (k / side) * 3))
                .rev()
                .collect(),
        );
        add("duplicates", vec![Point::new(42, 43); n]);
        add(
            "extremes",
            (0..n)
                .map(|_| {
                    let pick = |v: u32| if v.is_multiple_of(2) { 0 } else { u32::MAX };
                    Point::new(pick(next()), pick(next() >> 1))
                })
                .collect(),
        );
        // Dense and sparse at once: crowds every level of the sparse grid.
        add(
            "mixed density",
            (0..n)
                .map(|k| {
                    if k % 2 == 0 {
                        Point::new(next(), next())
                    } else {
                        Point::new(1000 + next() % 30, 1000 + next() % 30)
                    }
                })
                .collect(),
        );
        // Evenly dense in a square, with a few points far out: the sparse grid hands
        // those to the tree.
        add(
            "outliers",
            (0..n)
                .map(|k| match k % 500 {
                    0 => Point::new(u32::MAX - next() % 7, next()),
                    1 => Point::new(next() % 3, u32::MAX),
                    _ => Point::new((1 << 31) | (next() % 200), (1 << 31) | (next() % 200)),
                })
                .collect(),
        );
        // Most points on a unit lattice, the rest strays: spread, repeated near the
        // origin, or at the corners: the route's crowd (`route/crowd.rs`) and its rest.
        add(
            "a crowd and strays",
            (0..n)
                .map(|k| match k % 10 {
                    0 => Point::new(next(), next()),
                    1 if k % 20 == 1 => {
                        let pick = |v: u32| if v.is_multiple_of(2) { 0 } else { u32::MAX };
                        Point::new(pick(next()), pick(next() >> 1))
                    }
                    1 => Point::new(next() % 4 * 1000, 7),
                    _ => {
                        // Distinct positions, in a scrambled order (7919 is prime).
                        let j = (k as u32).wrapping_mul(7919) % (211 * 211);
                        Point::new((1 << 31) + j % 211, (1 << 31) + j / 211)
                    }
                })
                .collect(),
        );
        // Shapes made against the choice of search: evenly spread points exactly where
        // `grid::suits` samples, and elsewhere one repeated point, a small square
        // (distinct points), or clumps of 24 (just past what the grid takes).
        let at_sample = sample_positions(n);
        let mut sampled = |rest: &mut dyn FnMut(usize) -> Point| -> Vec<Point> {
            (0..n)
                .map(|k| {
                    if at_sample[k] {
                        Point::new(next(), next())
                    } else {
                        rest(k)
                    }
                })
                .collect()
        };
        let sampled_one = sampled(&mut |_| Point::new(1 << 31, 1 << 31));
        let sampled_square = sampled(&mut |k| {
            let k = k as u32;
            Point::new((1 << 31) + k % 211, (1 << 31) + k / 211 % 211)
        });
        let sampled_clumps = sampled(&mut |k| {
            let c = (k / 24) as u64;
            let scatter = |m: u64| (c.wrapping_mul(m) >> 32) as u32;
            let k = k as u32;
            Point::new(
                scatter(0x9E37_79B9_7F4A_7C15).saturating_add(k % 5),
                scatter(0xC2B2_AE3D_27D4_EB4F).saturating_add(k / 5 % 5),
            )
        });
        add("at the sample, one point elsewhere", sampled_one);
        add("at the sample, a square elsewhere", sampled_square);
        add("at the sample, clumps elsewhere", sampled_clumps);
        add(
            "near the top",
            (0..n)
                .map(|_| Point::new(u32::MAX - next() % 50, u32::MAX - next() % 50))
                .collect(),
        );
        shapes
    }
}
