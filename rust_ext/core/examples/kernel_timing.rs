//! Times the geometry kernels on generated shapes: `cargo run --release --example
//! kernel_timing -- [shape] [n] [threads] [repeats] [what]`, one line per run (ms).

use std::time::Instant;

use legacy_core::closest::closest_pair;
use legacy_core::control::{Control, Stopped};
use legacy_core::nearest::nearest_neighbours;
use legacy_core::point_set::PointSet;
use legacy_core::route::greedy_route;
use legacy_core::Point;

struct Threads(usize);

impl Control for Threads {
    fn threads(&self) -> usize {
        self.0
    }
    fn tick(&self, _done: usize) -> Result<(), Stopped> {
        Ok(())
    }
}

fn next(seed: &mut u64) -> u32 {
    *seed = seed
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    (*seed >> 32) as u32
}

fn shape(name: &str, n: usize) -> Vec<Point> {
    let mut seed = 20_261_124;
    let mut r = move || next(&mut seed);
    match name {
        "uniform" => (0..n).map(|_| Point::new(r(), r())).collect(),
        "clustered" => {
            let centres: Vec<(u32, u32)> = (0..1000).map(|_| (r(), r())).collect();
            (0..n)
                .map(|k| {
                    let (cx, cy) = centres[k % 1000];
                    // A rough normal from the sum of uniforms, sigma about 10.
                    let mut g = || (0..4).map(|_| (r() % 35) as i64).sum::<i64>() - 68;
                    let (dx, dy) = (g(), g());
                    Point::new(
                        (i64::from(cx) + dx).clamp(0, u32::MAX as i64) as u32,
                        (i64::from(cy) + dy).clamp(0, u32::MAX as i64) as u32,
                    )
                })
                .collect()
        }
        "vertical" => (0..n).map(|_| Point::new(1 << 31, r())).collect(),
        "horizontal" => (0..n).map(|_| Point::new(r(), 12345)).collect(),
        "diagonal" => (0..n)
            .map(|_| {
                let v = r();
                Point::new(v, v)
            })
            .collect(),
        "fewx" => (0..n).map(|_| Point::new((r() % 5) << 28, r())).collect(),
        "lattice" => {
            let side = (n as f64).sqrt().ceil() as u32;
            (0..n as u32)
                .map(|k| Point::new((k % side) * 1000, (k / side) * 1000))
                .collect()
        }
        "duplicates" => vec![Point::new(7, 7); n],
        "extremes" => (0..n)
            .map(|_| {
                let pick = |v: u32| if v & 1 == 0 { 0 } else { u32::MAX };
                Point::new(pick(r()), pick(r() >> 7))
            })
            .collect(),
        "mixed" => (0..n)
            .map(|k| {
                if k % 2 == 0 {
                    Point::new(r(), r())
                } else {
                    Point::new(1000 + r() % 3000, 1000 + r() % 3000)
                }
            })
            .collect(),
        "tiny" => (0..n).map(|_| Point::new(r() % 1000, r() % 1000)).collect(),
        "sampled" => sampled(n, r, |_, _| Point::new(1 << 31, 1 << 31)),
        "sampled-square" => sampled(n, r, |r, _| {
            Point::new((1 << 31) + r() % 3000, (1 << 31) + r() % 3000)
        }),
        // As benchmarks/shapes.py's "a dense square elsewhere": a unit lattice, its
        // positions in a shuffled order.
        "sampled-lattice" => {
            let side = (n as f64).sqrt().ceil() as u32;
            let mut order: Vec<u32> = (0..n as u32).collect();
            let mut shuffle_seed = 7;
            for k in (1..n).rev() {
                order.swap(k, next(&mut shuffle_seed) as usize % (k + 1));
            }
            sampled(n, r, |_, k| {
                let j = order[k];
                Point::new((1 << 31) + j % side, (1 << 31) + j / side)
            })
        }
        "sampled-clumps" => sampled(n, r, |r, k| {
            let c = (k / 24) as u64;
            let (cx, cy) = (
                (c.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as u32,
                (c.wrapping_mul(0xC2B2_AE3D_27D4_EB4F) >> 32) as u32,
            );
            Point::new(cx.saturating_add(r() % 5), cy.saturating_add(r() % 5))
        }),
        _ => panic!("unknown shape {name}"),
    }
}

/// Uniform points where `grid::suits` samples, `rest` everywhere else.
fn sampled(
    n: usize,
    mut r: impl FnMut() -> u32,
    mut rest: impl FnMut(&mut dyn FnMut() -> u32, usize) -> Point,
) -> Vec<Point> {
    let taken = n.min((n / 8).clamp(256, 4096));
    let stride = n / taken;
    let mut sampled = vec![false; n];
    for k in 0..taken {
        let offset = (k as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
        sampled[k * stride + (offset as usize) % stride.max(1)] = true;
    }
    (0..n)
        .map(|k| {
            if sampled[k] {
                Point::new(r(), r())
            } else {
                rest(&mut r, k)
            }
        })
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let name = args.get(1).map_or("uniform", String::as_str);
    let n: usize = args
        .get(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let threads: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(2);
    let repeats: usize = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(5);
    let what = args.get(5).map_or("nearest", String::as_str);
    let points = shape(name, n);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let control = Threads(threads);
    let mut times = Vec::new();
    for _ in 0..repeats {
        let start = Instant::now();
        let work = || match what {
            "nearest" => nearest_neighbours(&points, &control).map(|n| n.indices.len()),
            "pair" => closest_pair(&points, &control).map(|p| p.0),
            "route" => greedy_route(&points, 0, &control).map(|r| r.len()),
            "index" => {
                let set = PointSet::new(std::sync::Arc::new(points.clone()));
                set.index(&control).map(|index| {
                    eprintln!("{}", index.kind());
                    0
                })
            }
            _ => panic!("unknown work {what}"),
        };
        let result = if threads > 1 {
            pool.install(work)
        } else {
            work()
        };
        std::hint::black_box(result.unwrap());
        times.push(start.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{what} {name} n={n} threads={threads}: median {:.3} ms, min {:.3} ms",
        times[times.len() / 2],
        times[0]
    );
}
