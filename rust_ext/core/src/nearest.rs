//! All nearest neighbours as a query on an index: every point's nearest other point,
//! exact, in parallel, with no input shape that makes it degrade; and the brute force
//! for a few points.
//!
//! Each structure of the index has its own search, and they give the same answers:
//! - `grid`: on the uniform grid, the 3 x 3 cells around a query, then rings of cells.
//! - `sparse`: on the sparse grid of Z-order cells, the same up to a few rings, the
//!   rare isolated point left to the tree.
//! - `tree`: on the bucket tree, a leaf at a time, up the tree until the ball of
//!   candidates lies in the key range searched.
//!
//! `answer_all` chooses the search by the structure the index holds; the searches
//! report each point's answer to an `Answers` collector, so that the closest pair
//! (`closest.rs`) is the same pass keeping only the least answer.
//!
//! Squared distances are `u64`, exact unless they reach `u64::MAX` (points about 2^32
//! apart); a point whose best candidate is that far, of which any input has at most
//! a handful, is answered again exactly with `u128` over all points. Distances are
//! rounded from the exact integer once, as `Point::dist` does.
//!
//! Work runs through `Control`: `threads() == 1` makes no rayon call; every phase
//! ticks (queries tick the points they answered, which add up to `n`).

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

use crate::chunks;
use crate::closest::{keep_least, pair_from_least, Least};
use crate::control::{Control, Stopped};
use crate::geometry::{better, squared};
use crate::index::{Index, Search, Tree};
use crate::point::{distance_from_squared, Point};
use crate::point_set::PointSet;

mod grid;
mod sparse;
mod tree;

/// Up to this many points, `nearest_neighbours` compares every pair directly: no
/// allocation but the result, no sort, no thread. Measured (examples/small_timing):
/// the grid or tree wins above about this size.
pub const BRUTE_FORCE_MAX: usize = 64;

/// Below this many points a call is best run on the calling thread alone
/// (`threads() == 1`): the rayon hand-off costs about what the second thread gains.
/// Measured (examples/kernel_timing, uniform, warm pool of 2): 5k points 0.4 ms on 1
/// or 2 threads, 10k 0.8 vs 0.7 ms, 20k 1.7 vs 1.4 ms, 50k 4.3 vs 2.8 ms.
pub const PARALLEL_MIN: usize = 10_000;

/// For each point, the index of its nearest other point (ties: lowest index) and the
/// distance, as `Point::dist` gives it: what the binding hands to NumPy or to lists.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Neighbours {
    pub indices: Vec<i64>,
    pub distances: Vec<f64>,
}

/// The nearest other point of `points[i]`, exactly, over all points: the brute force
/// for a few points and the fallback for points whose neighbour is 2^32 or more away.
fn nearest_exactly(points: &[Point], i: usize) -> (usize, u128) {
    let p = points[i];
    let mut best = (u128::MAX, usize::MAX);
    for (j, &q) in points.iter().enumerate() {
        let candidate = (p.squared_distance(q), j);
        if j != i && candidate < best {
            best = candidate;
        }
    }
    (best.1, best.0)
}

/// Every pair compared once, in `u64` (with the exact fallback): for a few points,
/// with no allocation but the result, which holds the candidates meanwhile.
pub(crate) fn nearest_directly(points: &[Point]) -> Neighbours {
    let n = points.len();
    let mut indices = vec![i64::MAX; n];
    // The best squared distance so far, as bits, until the end.
    let mut distances = vec![f64::from_bits(u64::MAX); n];
    for (i, &p) in points.iter().enumerate() {
        for (j, &q) in points.iter().enumerate().skip(i + 1) {
            let d = squared(p, q);
            for (a, b) in [(i, j), (j, i)] {
                // `a` and `b` are both below `n`, the length of both vectors.
                if better!((d, b as u32), (distances[a].to_bits(), indices[a] as u32)) {
                    indices[a] = b as i64;
                    distances[a] = f64::from_bits(d);
                }
            }
        }
    }
    for (i, (index, distance)) in indices.iter_mut().zip(distances.iter_mut()).enumerate() {
        let squared = distance.to_bits();
        if squared == u64::MAX {
            let (j, exact) = nearest_exactly(points, i);
            *index = j as i64;
            *distance = distance_from_squared(exact);
        } else {
            // `u64 as f64` rounds as `u128 as f64` does: `distance_from_squared`'s bits.
            *distance = (squared as f64).sqrt();
        }
    }
    Neighbours { indices, distances }
}

/// What the all-nearest passes report, per point `i`: `found(i, j, squared)`.
pub(crate) trait Answers {
    fn found(&mut self, i: u32, j: u32, squared: u64);
}

/// Answers every point of a position held by more than one (`members`, ascending):
/// each its lowest-indexed twin at distance 0, the lowest its second. Whether it did:
/// `false` for a position of one point, whose answer is still to be searched.
#[inline(always)]
pub(crate) fn answer_twins<A: Answers>(members: &[u32], answers: &mut A) -> bool {
    match members {
        [_] => false,
        [lowest, second, rest @ ..] => {
            answers.found(*lowest, *second, 0);
            answers.found(*second, *lowest, 0);
            for &i in rest {
                answers.found(i, *lowest, 0);
            }
            true
        }
        [] => unreachable!("every position holds a point"),
    }
}

/// Every point's nearest other point of `index`, reported to collectors made by
/// `answers()`, one a chunk of work; `done` turns each into the chunk's result.
pub(crate) fn answer_all<A: Answers, R: Send>(
    index: &Index,
    control: &dyn Control,
    answers: impl Fn() -> A + Sync,
    done: impl Fn(A) -> R + Sync,
) -> Result<Vec<R>, Stopped> {
    match index.search() {
        Search::Grid(cells) => grid::answer_all(cells, control, answers, done),
        Search::Tree(Tree {
            grouped,
            buckets,
            sparse: Some(cells),
        }) => sparse::answer_all(grouped, cells, buckets, control, answers, done),
        Search::Tree(Tree {
            grouped,
            buckets,
            sparse: None,
        }) => tree::answer_all(grouped, buckets, control, answers, done),
    }
}

/// Writes answers straight to their places in the result, keeps the least, and notes
/// the few points whose answer was too far for `u64`.
struct Scatter<'a> {
    indices: &'a [AtomicI64],
    distances: &'a [AtomicU64],
    least: Least,
    too_far: Vec<u32>,
}

impl Answers for Scatter<'_> {
    #[inline]
    fn found(&mut self, i: u32, j: u32, squared: u64) {
        if squared == u64::MAX {
            self.too_far.push(i);
        }
        keep_least(&mut self.least, i, j, squared);
        self.indices[i as usize].store(i64::from(j), Relaxed);
        // `u64 as f64` rounds to nearest, ties to even, as `u128 as f64` does for the
        // same value: the same bits as `distance_from_squared`.
        self.distances[i as usize].store((squared as f64).sqrt().to_bits(), Relaxed);
    }
}

/// For each point of `index`, its nearest other point and the distance (see
/// `Neighbours`), and the closest pair, which is the least of those answers. The index
/// holds two points at least.
pub(crate) fn nearest_on(
    index: &Index,
    control: &dyn Control,
) -> Result<(Neighbours, (usize, usize, f64)), Stopped> {
    let points = index.points();
    let n = points.len();
    let indices: Vec<AtomicI64> = chunks::collect(control, n, |_| AtomicI64::new(0));
    let distances: Vec<AtomicU64> = chunks::collect(control, n, |_| AtomicU64::new(0));
    let found = answer_all(
        index,
        control,
        || Scatter {
            indices: &indices,
            distances: &distances,
            least: None,
            too_far: Vec::new(),
        },
        |scatter| (scatter.least, scatter.too_far),
    )?;
    let mut indices: Vec<i64> = chunks::map_into(control, indices, AtomicI64::into_inner);
    let mut distances: Vec<f64> =
        chunks::map_into(control, distances, |bits| f64::from_bits(bits.into_inner()));
    let mut least = None;
    for (chunk_least, too_far) in found {
        if let Some((squared, i, j)) = chunk_least {
            keep_least(&mut least, i, j, squared);
        }
        for i in too_far {
            let (j, squared) = nearest_exactly(points, i as usize);
            indices[i as usize] = j as i64;
            distances[i as usize] = distance_from_squared(squared);
        }
    }
    Ok((
        Neighbours { indices, distances },
        pair_from_least(points, least),
    ))
}

/// For each point, its nearest other point and the distance (see `Neighbours`), on
/// a point set of its own (see `PointSet` to ask more than one question).
pub fn nearest_neighbours(points: &[Point], control: &dyn Control) -> Result<Neighbours, Stopped> {
    PointSet::new(Arc::new(points.to_vec())).nearest_neighbours(control)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::closest::closest_pair;
    use crate::control::Sequential;
    use crate::test_support::{lcg, shapes, Pool};

    fn brute(points: &[Point]) -> Neighbours {
        let mut expected = Neighbours::default();
        for i in 0..points.len() {
            let (j, squared) = nearest_exactly(points, i);
            expected.indices.push(j as i64);
            expected.distances.push(points[i].dist(points[j]));
            assert_eq!(
                distance_from_squared(squared).to_bits(),
                points[i].dist(points[j]).to_bits()
            );
        }
        expected
    }

    fn brute_pair(points: &[Point]) -> (usize, usize, f64) {
        let mut best = (u128::MAX, 0, 0);
        for i in 0..points.len() {
            for j in i + 1..points.len() {
                best = best.min((points[i].squared_distance(points[j]), i, j));
            }
        }
        (best.1, best.2, points[best.1].dist(points[best.2]))
    }

    fn check(points: &[Point], what: &str) {
        let expected = brute(points);
        let pair = brute_pair(points);
        for pool in [Pool::new(1), Pool::new(2)] {
            let found = pool.install(|| nearest_neighbours(points, &pool)).unwrap();
            assert_eq!(
                found.indices,
                expected.indices,
                "{what}, {} points",
                points.len()
            );
            let bits = |d: &[f64]| d.iter().map(|d| d.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&found.distances), bits(&expected.distances), "{what}");
            let closest = pool.install(|| closest_pair(points, &pool)).unwrap();
            assert_eq!(closest, pair, "{what}");
        }
    }

    #[test]
    fn every_shape_matches_brute_force() {
        for n in (2..=40).chain([63, 64, 65, 79, 80, 81, 200, 1000, 3000]) {
            for (what, points) in shapes(n, n as u64) {
                check(&points, &what);
            }
        }
    }

    #[test]
    fn extremes_and_ties() {
        let corners = [
            Point::new(0, 0),
            Point::new(u32::MAX, u32::MAX),
            Point::new(u32::MAX, 0),
        ];
        check(&corners, "corners");
        let opposite = [Point::new(0, 0), Point::new(u32::MAX, u32::MAX)];
        check(&opposite, "opposite corners");
        // Far corners among many: the tree path with neighbours beyond u64.
        let mut seed = 5;
        let mut many: Vec<Point> = (0..500)
            .map(|_| {
                Point::new(
                    lcg(&mut seed) % 1000 + (1 << 31),
                    lcg(&mut seed) % 1000 + (1 << 31),
                )
            })
            .collect();
        many.extend([
            Point::new(0, 0),
            Point::new(u32::MAX, u32::MAX),
            Point::new(0, u32::MAX),
        ]);
        check(&many, "cluster and corners");
        let opposite_many: Vec<Point> = (0..100)
            .map(|k| {
                if k % 2 == 0 {
                    Point::new(0, 0)
                } else {
                    Point::new(u32::MAX, u32::MAX)
                }
            })
            .chain([Point::new(u32::MAX, 0)])
            .collect();
        check(&opposite_many, "twins at the corners");
        let cross = [
            Point::new(1, 2),
            Point::new(2, 1),
            Point::new(1, 1),
            Point::new(0, 1),
            Point::new(1, 0),
        ];
        let found = nearest_neighbours(&cross, &Sequential).unwrap();
        assert_eq!(found.indices[2], 0);
        assert_eq!(found.distances[2], 1.0);
        let same = [Point::new(5, 5); 4];
        assert_eq!(
            nearest_neighbours(&same, &Sequential).unwrap().indices,
            vec![1, 0, 0, 0]
        );
        assert_eq!(closest_pair(&same, &Sequential).unwrap(), (0, 1, 0.0));
    }

    #[test]
    fn too_few_points_do_not_panic() {
        assert_eq!(
            nearest_neighbours(&[], &Sequential).unwrap(),
            Neighbours::default()
        );
        let one = nearest_neighbours(&[Point::new(1, 1)], &Sequential).unwrap();
        assert_eq!(one.indices, vec![-1]);
        assert_eq!(closest_pair(&[], &Sequential).unwrap(), (0, 0, 0.0));
    }

    #[test]
    fn stops_when_told() {
        let mut seed = 9;
        let points: Vec<Point> = (0..50_000)
            .map(|_| Point::new(lcg(&mut seed), lcg(&mut seed)))
            .collect();
        for threads in [1, 2] {
            let pool = Pool::stopping_after(threads, 3);
            assert_eq!(
                pool.install(|| nearest_neighbours(&points, &pool)),
                Err(Stopped)
            );
            let pool = Pool::stopping_after(threads, 3);
            assert_eq!(pool.install(|| closest_pair(&points, &pool)), Err(Stopped));
            let pool = Pool::new(threads);
            pool.install(|| nearest_neighbours(&points, &pool)).unwrap();
            assert_eq!(pool.done(), points.len());
        }
    }
}
