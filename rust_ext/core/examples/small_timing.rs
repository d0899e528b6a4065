//! Per-call times of the kernels on small inputs, single-threaded: `cargo run --release
//! --example small_timing`; used to place the brute-force thresholds.

use std::time::Instant;

use legacy_core::closest::closest_pair;
use legacy_core::control::Sequential;
use legacy_core::nearest::nearest_neighbours;
use legacy_core::route::greedy_route;
use legacy_core::Point;

fn main() {
    let mut seed = 7u64;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 32) as u32
    };
    for n in [2usize, 10, 16, 24, 32, 48, 64, 96, 128, 192, 256] {
        let points: Vec<Point> = (0..n).map(|_| Point::new(next(), next())).collect();
        let calls = (200_000 / n).max(200);
        let mut line = format!("n={n:4}");
        for what in ["nearest", "pair", "route"] {
            let mut best = f64::MAX;
            for _ in 0..5 {
                let start = Instant::now();
                for _ in 0..calls {
                    let _ = std::hint::black_box(match what {
                        "nearest" => {
                            nearest_neighbours(&points, &Sequential).map(|r| r.indices.len())
                        }
                        "pair" => closest_pair(&points, &Sequential).map(|r| r.0),
                        _ => greedy_route(&points, 0, &Sequential).map(|r| r.len()),
                    });
                }
                best = best.min(start.elapsed().as_secs_f64() * 1e6 / calls as f64);
            }
            line += &format!("  {what} {best:8.2} us");
        }
        println!("{line}");
    }
}
