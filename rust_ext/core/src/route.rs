//! Routes: the greedy nearest-neighbour tour as a query on an index, and the length
//! of a path.
//!
//! The tour asks "which unvisited point is nearest?" once per point while points leave
//! the set; the removals are the query's own, the index is not changed. Each structure
//! of the index has its tour: on the uniform grid (`grid`), whose cells keep their
//! unvisited points first, a step scans rings of cells until the next ring is farther
//! than its best candidate; on the bucket tree (`tree`), with amortised O(1) removal,
//! for every other input (the sparse grid, an all-nearest search only, is not used),
//! except one: when more than half of the points crowd one part of the box (`crowd`),
//! the tour runs on a grid of that part's own, with the points outside it on a tree.

use std::sync::Arc;

use crate::chunks;
use crate::control::{Control, Stopped};
use crate::fsum::DistanceSum;
use crate::index::{Index, Search};
use crate::point::Point;
use crate::point_set::PointSet;

mod crowd;
mod grid;
mod tree;

/// Up to this many points the tour compares every remaining point at each step: no
/// allocation but the result. Measured (examples/small_timing): the tree wins above
/// about this size.
pub const ROUTE_BRUTE_FORCE_MAX: usize = 128;

/// Below this many points `greedy_route` is best run with `threads() == 1`: only its
/// sort is parallel, the tour itself is one step after another. Measured (uniform, 1
/// vs 2 threads): 200k points 34.2 vs 33.8 ms, 1M 228 vs 224 ms.
pub const ROUTE_PARALLEL_MIN: usize = 500_000;

/// Route steps between two ticks.
const STEPS_PER_TICK: usize = 1 << 12;

/// Legs per chunk of `path_length`.
const LEGS_PER_CHUNK: usize = 1 << 15;

/// The tour for a few points: the result holds the points not yet visited, after the
/// route so far, and each step swaps the nearest one into place.
pub(crate) fn greedy_route_directly(points: &[Point], start: usize) -> Vec<i64> {
    let mut route: Vec<i64> = (0..points.len() as i64).collect();
    route.swap(0, start);
    // Keep the unvisited part in ascending index, so the first of equals is the lowest.
    route[1..].sort_unstable();
    let at = |k: i64| points[k as usize];
    for step in 1..route.len() {
        let here = at(route[step - 1]);
        let mut best = (u128::MAX, i64::MAX, step);
        for (slot, &k) in route.iter().enumerate().skip(step) {
            let candidate = (here.squared_distance(at(k)), k, slot);
            if candidate < best {
                best = candidate;
            }
        }
        // Remove the chosen one and shift, so the rest stays in ascending index.
        route[step..=best.2].rotate_right(1);
    }
    route
}

/// The greedy nearest-neighbour tour from `start`: each step goes to the nearest
/// unvisited point, ties to the lowest index, on a point set of its own (see
/// `PointSet` to ask more than one question). `start` out of range: an empty route
/// (callers raise before that).
pub fn greedy_route(
    points: &[Point],
    start: usize,
    control: &dyn Control,
) -> Result<Vec<i64>, Stopped> {
    PointSet::new(Arc::new(points.to_vec())).greedy_route(start, control)
}

/// The tour over the points of `index` from `start` (in range).
pub(crate) fn route_on(
    index: &Index,
    start: usize,
    control: &dyn Control,
) -> Result<Vec<i64>, Stopped> {
    match index.search() {
        Search::Grid(cells) => grid::greedy_route(index.points(), start, cells, control),
        Search::Tree(tree) => match crowd::greedy_route(index.points(), start, tree, control)? {
            Some(route) => Ok(route),
            None => tree::greedy_route(index.points(), start, tree, control),
        },
    }
}

/// The length of the path through `points` in order, correctly rounded (as
/// `math.fsum` of the legs); in parallel when `threads() > 1`, with the same result.
pub fn path_length(points: &[Point], control: &dyn Control) -> Result<f64, Stopped> {
    path_length_by(points.len(), |k| points[k], control)
}

/// The length of the path through `point(0)`, ..., `point(count - 1)`, as
/// `path_length`: the path need not be made to be measured.
pub(crate) fn path_length_by(
    count: usize,
    point: impl Fn(usize) -> Point + Sync,
    control: &dyn Control,
) -> Result<f64, Stopped> {
    let legs = count.saturating_sub(1);
    let sums = chunks::run(control, legs, LEGS_PER_CHUNK, |_, range| {
        let mut sum = DistanceSum::default();
        let mut previous = point(range.start);
        for k in range.clone() {
            let next = point(k + 1);
            sum.add(previous.dist(next));
            previous = next;
        }
        control.tick(range.len())?;
        Ok(sum)
    })?;
    let mut total = DistanceSum::default();
    for &sum in &sums {
        total.merge(sum);
    }
    Ok(total.value())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::Sequential;
    use crate::test_support::{shapes, Pool};

    fn brute(points: &[Point], start: usize) -> Vec<i64> {
        let mut route = vec![start];
        let mut left: Vec<usize> = (0..points.len()).filter(|&j| j != start).collect();
        while !left.is_empty() {
            let here = points[*route.last().unwrap()];
            let (k, _) = left
                .iter()
                .enumerate()
                .min_by_key(|(_, &j)| (here.squared_distance(points[j]), j))
                .unwrap();
            route.push(left.remove(k));
        }
        route.into_iter().map(|i| i as i64).collect()
    }

    #[test]
    fn every_shape_matches_brute_force() {
        for n in (1..=20).chain([127, 128, 129, 300, 1500]) {
            for (what, points) in shapes(n, 100 + n as u64) {
                for start in [0, n / 2, n - 1] {
                    let expected = brute(&points, start);
                    for pool in [Pool::new(1), Pool::new(2)] {
                        let found = pool
                            .install(|| greedy_route(&points, start, &pool))
                            .unwrap();
                        assert_eq!(found, expected, "{what}, {n} points from {start}");
                    }
                }
            }
        }
    }

    #[test]
    fn small_cases() {
        let line = [
            Point::new(0, 0),
            Point::new(10, 0),
            Point::new(1, 0),
            Point::new(5, 0),
        ];
        assert_eq!(
            greedy_route(&line, 0, &Sequential).unwrap(),
            vec![0, 2, 3, 1]
        );
        assert_eq!(greedy_route(&line[..1], 0, &Sequential).unwrap(), vec![0]);
        assert_eq!(
            greedy_route(&line, 4, &Sequential).unwrap(),
            Vec::<i64>::new()
        );
        assert_eq!(
            greedy_route(&[], 0, &Sequential).unwrap(),
            Vec::<i64>::new()
        );
        let corners: Vec<Point> = (0..200)
            .map(|k| match k % 4 {
                0 => Point::new(0, 0),
                1 => Point::new(u32::MAX, u32::MAX),
                2 => Point::new(u32::MAX, 0),
                _ => Point::new(0, u32::MAX),
            })
            .chain([Point::new(1 << 31, 1 << 31)])
            .collect();
        assert_eq!(
            greedy_route(&corners, 200, &Sequential).unwrap(),
            brute(&corners, 200)
        );
        let opposite: Vec<Point> = (0..100)
            .map(|k| {
                if k < 50 {
                    Point::new(0, 0)
                } else {
                    Point::new(u32::MAX, u32::MAX)
                }
            })
            .collect();
        assert_eq!(
            greedy_route(&opposite, 70, &Sequential).unwrap(),
            brute(&opposite, 70)
        );
    }

    #[test]
    fn stops_when_told_and_counts_every_point() {
        let points: Vec<Point> = (0..20_000u32)
            .map(|k| Point::new(k * 7919 % 20_011, k))
            .collect();
        let pool = Pool::stopping_after(1, 2);
        assert_eq!(
            pool.install(|| greedy_route(&points, 0, &pool)),
            Err(Stopped)
        );
        let pool = Pool::new(2);
        let route = pool.install(|| greedy_route(&points, 5, &pool)).unwrap();
        assert_eq!(route.len(), points.len());
        // Every point but the first position's is counted as the route reaches it.
        assert!(pool.done() + 1 >= points.len() - 1);
    }

    #[test]
    fn path_length_is_fsum_of_the_legs() {
        let points = [Point::new(0, 0), Point::new(3, 4), Point::new(3, 0)];
        assert_eq!(path_length(&points, &Sequential), Ok(9.0));
        assert_eq!(path_length(&points[..1], &Sequential), Ok(0.0));
        assert_eq!(path_length(&[], &Sequential), Ok(0.0));
        let many: Vec<Point> = (0..100_000u32)
            .map(|k| Point::new(k * 31 % 1000, k / 7))
            .collect();
        let one = Pool::new(1);
        let two = Pool::new(2);
        let a = one.install(|| path_length(&many, &one)).unwrap();
        let b = two.install(|| path_length(&many, &two)).unwrap();
        assert_eq!(a.to_bits(), b.to_bits());
    }
}
