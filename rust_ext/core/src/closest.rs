//! The closest pair as a query on an index: the least of every point's answer in the
//! all-nearest pass (`nearest.rs`), kept without keeping the answers; and the brute
//! force for a few points.

use std::sync::Arc;

use crate::control::{Control, Stopped};
use crate::index::Index;
use crate::nearest::{answer_all, Answers};
use crate::point::{distance_from_squared, Point};
use crate::point_set::PointSet;

/// Up to this many points, `closest_pair` compares every pair directly (as
/// `nearest::BRUTE_FORCE_MAX`, higher: the direct loop keeps one candidate only).
pub const CLOSEST_BRUTE_FORCE_MAX: usize = 80;

/// The least `(squared, i, j)` found, or none yet: `i` is the smallest index on a
/// closest pair once every point has reported (see `closest_pair`).
pub(crate) type Least = Option<(u64, u32, u32)>;

pub(crate) fn keep_least(least: &mut Least, i: u32, j: u32, squared: u64) {
    if least.is_none_or(|(s, k, _)| (squared, i) < (s, k)) {
        *least = Some((squared, i, j));
    }
}

/// The closest pair `(i, j, distance)` from the least answer of an all-nearest pass.
///
/// The smallest index on any closest pair pairs with its own nearest neighbour: that
/// neighbour has the lowest index at the minimum distance, and cannot be lower than
/// `i`, or it would itself be the smallest index on a closest pair.
pub(crate) fn pair_from_least(points: &[Point], least: Least) -> (usize, usize, f64) {
    match least {
        // Every point is 2^32 or more from all others: a handful of points at most.
        None | Some((u64::MAX, _, _)) => closest_directly(points),
        Some((squared, i, j)) => (
            i as usize,
            j as usize,
            distance_from_squared(u128::from(squared)),
        ),
    }
}

/// The smallest `(squared, i, j)` answer of a chunk.
struct Closest(Least);

impl Answers for Closest {
    #[inline]
    fn found(&mut self, i: u32, j: u32, squared: u64) {
        keep_least(&mut self.0, i, j, squared);
    }
}

/// The closest pair `(i, j, distance)` of `index`, `i < j`, smallest `(i, j)` on ties,
/// without keeping every point's answer. The index holds two points at least.
pub(crate) fn closest_on(
    index: &Index,
    control: &dyn Control,
) -> Result<(usize, usize, f64), Stopped> {
    let found = answer_all(index, control, || Closest(None), |closest| closest.0)?;
    let least = found.into_iter().flatten().min_by_key(|&(s, i, _)| (s, i));
    Ok(pair_from_least(index.points(), least))
}

/// The closest pair by comparing every pair exactly: for a few points.
pub(crate) fn closest_directly(points: &[Point]) -> (usize, usize, f64) {
    let mut best = (u128::MAX, 0, 0);
    for (i, &p) in points.iter().enumerate() {
        for (j, &q) in points.iter().enumerate().skip(i + 1) {
            let candidate = (p.squared_distance(q), i, j);
            if candidate < best {
                best = candidate;
            }
        }
    }
    (best.1, best.2, distance_from_squared(best.0))
}

/// The closest pair `(i, j, distance)`, `i < j`, smallest `(i, j)` on ties, on a point
/// set of its own. Fewer than two points: `(0, 0, 0.0)` (callers raise before that).
pub fn closest_pair(
    points: &[Point],
    control: &dyn Control,
) -> Result<(usize, usize, f64), Stopped> {
    PointSet::new(Arc::new(points.to_vec())).closest_pair(control)
}
