//! Nearest neighbours and the closest pair, exact and in parallel.
//!
//! A k-d tree (kiddo's immutable tree, over `f64` copies of the coordinates, which
//! are exact below 2^53) finds candidates fast; every decision is then taken on exact
//! `u128` squared distances, so results equal `Point.dist` to the bit and ties go to
//! the lowest index, as the pure-Python reference decides them.
//!
//! Points with equal coordinates enter the tree once, represented by their lowest
//! index: a duplicate's nearest neighbour is its lowest-indexed twin at distance 0,
//! and a tree of distinct positions never has to separate equal ones.

use std::num::NonZero;
use std::ops::Range;

use kiddo::immutable::float::kdtree::ImmutableKdTree;
use kiddo::SquaredEuclidean;
use rayon::prelude::*;

use crate::point::Point;

/// Leaves of 32 points: kiddo's default bucket size.
type Tree = ImmutableKdTree<f64, u32, 2, 32>;

/// The nearest other point of one point: its index and the exact squared distance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Neighbour {
    pub index: usize,
    pub squared: u128,
}

/// Fewer than two points: there is no neighbour to find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooFewPoints(pub usize);

/// A searchable set of points, for nearest-neighbour queries.
pub struct NearestIndex {
    points: Vec<Point>,
    /// For each point, the lowest index with the same coordinates.
    first_twin: Vec<u32>,
    /// For each point with twins, the second-lowest index of its position.
    second_twin: Vec<u32>,
    /// The distinct positions, each as the lowest index holding it.
    positions: Vec<u32>,
    tree: Tree,
    /// Every index, in Z-order (Morton order) of its position: queries taken in this
    /// order visit neighbouring parts of the tree one after another, so they find it
    /// in cache, which is several times faster than taking them in index order.
    curve_order: Vec<u32>,
}

/// The Z-order (Morton) key of a position: the bits of `x` and `y` interleaved.
fn morton(p: Point) -> u64 {
    fn spread(v: u32) -> u64 {
        let mut v = u64::from(v);
        v = (v | (v << 16)) & 0x0000_FFFF_0000_FFFF;
        v = (v | (v << 8)) & 0x00FF_00FF_00FF_00FF;
        v = (v | (v << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
        v = (v | (v << 2)) & 0x3333_3333_3333_3333;
        (v | (v << 1)) & 0x5555_5555_5555_5555
    }
    spread(p.x) | (spread(p.y) << 1)
}

const NONE: u32 = u32::MAX;
/// Itself and two other positions: enough to tell a clear nearest from a near tie.
const CANDIDATES: NonZero<usize> = NonZero::new(3).unwrap();

impl NearestIndex {
    /// Index `points`; at least two are needed, and at most `u32::MAX - 1`.
    pub fn new(points: Vec<Point>) -> Result<Self, TooFewPoints> {
        if points.len() < 2 {
            return Err(TooFewPoints(points.len()));
        }
        assert!(
            points.len() < NONE as usize,
            "too many points for u32 indices"
        );
        // One sort serves twice: equal positions end up side by side (the Z-order key
        // is one-to-one), and the order is the query order of `curve_order`.
        let mut keyed: Vec<(u64, u32)> = (0..points.len() as u32)
            .into_par_iter()
            .map(|i| (morton(points[i as usize]), i))
            .collect();
        keyed.par_sort_unstable();
        let order: Vec<u32> = keyed.into_iter().map(|(_, i)| i).collect();
        let mut first_twin = vec![NONE; points.len()];
        let mut second_twin = vec![NONE; points.len()];
        let mut positions = Vec::with_capacity(points.len());
        for group in order.chunk_by(|&a, &b| points[a as usize] == points[b as usize]) {
            let second = group.get(1).copied().unwrap_or(NONE);
            for &i in group {
                first_twin[i as usize] = group[0];
                second_twin[i as usize] = second;
            }
            positions.push(group[0]);
        }
        let coordinates: Vec<[f64; 2]> = positions
            .iter()
            .map(|&i| {
                let p = points[i as usize];
                [f64::from(p.x), f64::from(p.y)]
            })
            .collect();
        let tree = Tree::new_from_slice(&coordinates);
        let curve_order = order;
        Ok(NearestIndex {
            points,
            first_twin,
            second_twin,
            positions,
            tree,
            curve_order,
        })
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// The nearest other point of point `i`.
    pub fn nearest(&self, i: usize) -> Neighbour {
        let first = self.first_twin[i];
        if self.second_twin[i] != NONE {
            // A twin sits at distance 0; the lowest-indexed one other than `i`.
            let twin = if first as usize == i {
                self.second_twin[i]
            } else {
                first
            };
            return Neighbour {
                index: twin as usize,
                squared: 0,
            };
        }
        let p = self.points[i];
        let exact = |j: usize| Neighbour {
            index: j,
            squared: p.squared_distance(self.points[j]),
        };
        let query = [f64::from(p.x), f64::from(p.y)];
        // Itself (distance 0) and the two nearest other positions, by f64 distance.
        let found = self.tree.nearest_n::<SquaredEuclidean>(&query, CANDIDATES);
        let mut others = found
            .iter()
            .filter(|n| self.positions[n.item as usize] != first);
        let Some(best) = others.next() else {
            // Unreachable: with no twin there are at least two distinct positions.
            return exact(first as usize);
        };
        // f64 squared distances are within a relative 2^-51 of the exact ones, so if
        // the runner-up is clearly farther, the first candidate is the nearest.
        let radius = best.distance + best.distance * 1e-9 + 1.0;
        let candidate = exact(self.positions[best.item as usize] as usize);
        match others.next() {
            Some(runner_up) if runner_up.distance <= radius => {}
            _ => return candidate,
        }
        // A near tie: decide among every position that might be as near, exactly.
        self.tree
            .within_unsorted::<SquaredEuclidean>(&query, radius)
            .into_iter()
            .map(|n| self.positions[n.item as usize] as usize)
            .filter(|&j| j != first as usize)
            .map(exact)
            .chain(std::iter::once(candidate))
            .min_by_key(|n| (n.squared, n.index))
            .unwrap_or(candidate)
    }

    /// The nearest neighbours of the points in `range`, in parallel.
    pub fn nearest_in(&self, range: Range<usize>) -> Vec<Neighbour> {
        range.into_par_iter().map(|i| self.nearest(i)).collect()
    }

    /// The nearest neighbours of the points at `range` in Z-order (see `curve_order`),
    /// in parallel, as `(index, neighbour)` pairs: the fast way to do them all.
    pub fn nearest_in_curve_order(&self, range: Range<usize>) -> Vec<(usize, Neighbour)> {
        self.curve_order[range]
            .par_iter()
            .map(|&i| (i as usize, self.nearest(i as usize)))
            .collect()
    }

    /// The nearest neighbour of every point, by index.
    pub fn nearest_all(&self) -> Vec<Neighbour> {
        let mut found = vec![
            Neighbour {
                index: 0,
                squared: 0
            };
            self.len()
        ];
        for (i, neighbour) in self.nearest_in_curve_order(0..self.len()) {
            found[i] = neighbour;
        }
        found
    }
}

/// The closest pair `(i, j, squared)`, `i < j`, smallest `(i, j)` on ties, from the
/// nearest neighbour of every point.
///
/// The smallest index on any closest pair pairs with its own nearest neighbour: that
/// neighbour has the lowest index at the minimum distance, and cannot be lower than
/// `i`, or it would itself be the smallest index on a closest pair.
pub fn closest_pair(neighbours: &[Neighbour]) -> Option<(usize, usize, u128)> {
    let (i, best) = neighbours
        .iter()
        .enumerate()
        .min_by_key(|(i, n)| (n.squared, *i))?;
    Some((i, best.index, best.squared))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::lcg;

    fn brute(points: &[Point]) -> Vec<Neighbour> {
        (0..points.len())
            .map(|i| {
                (0..points.len())
                    .filter(|&j| j != i)
                    .map(|j| Neighbour {
                        index: j,
                        squared: points[i].squared_distance(points[j]),
                    })
                    .min_by_key(|n| (n.squared, n.index))
                    .unwrap()
            })
            .collect()
    }

    #[test]
    fn matches_brute_force() {
        let mut seed = 7;
        for side in [3u32, 20, 1000, u32::MAX] {
            let points: Vec<Point> = (0..400)
                .map(|_| {
                    Point::new(
                        lcg(&mut seed) % side.saturating_add(1).max(1),
                        lcg(&mut seed) % side.saturating_add(1).max(1),
                    )
                })
                .collect();
            let index = NearestIndex::new(points.to_vec()).unwrap();
            assert_eq!(
                index.nearest_in(0..points.len()),
                brute(&points),
                "side {side}"
            );
            assert_eq!(index.nearest_all(), brute(&points), "side {side}");
        }
    }

    #[test]
    fn extremes_and_ties() {
        let points = [
            Point::new(0, 0),
            Point::new(u32::MAX, u32::MAX),
            Point::new(u32::MAX, 0),
        ];
        let index = NearestIndex::new(points.to_vec()).unwrap();
        let found = index.nearest_in(0..3);
        assert_eq!(
            found.iter().map(|n| n.index).collect::<Vec<_>>(),
            vec![2, 2, 0]
        );
        let cross = [
            Point::new(1, 2),
            Point::new(2, 1),
            Point::new(1, 1),
            Point::new(0, 1),
            Point::new(1, 0),
        ];
        let index = NearestIndex::new(cross.to_vec()).unwrap();
        assert_eq!(
            index.nearest(2),
            Neighbour {
                index: 0,
                squared: 1
            }
        );
        let same = [Point::new(5, 5); 4];
        let index = NearestIndex::new(same.to_vec()).unwrap();
        let found: Vec<usize> = index.nearest_in(0..4).iter().map(|n| n.index).collect();
        assert_eq!(found, vec![1, 0, 0, 0]);
    }

    #[test]
    fn too_few() {
        assert_eq!(NearestIndex::new(vec![]).err(), Some(TooFewPoints(0)));
        assert_eq!(
            NearestIndex::new(vec![Point::new(1, 1)]).err(),
            Some(TooFewPoints(1))
        );
    }

    #[test]
    fn closest_pair_takes_the_smallest_pair() {
        let points = [
            Point::new(100, 100),
            Point::new(0, 0),
            Point::new(50, 50),
            Point::new(1, 0),
            Point::new(51, 50),
            Point::new(0, 1),
        ];
        let index = NearestIndex::new(points.to_vec()).unwrap();
        let neighbours = index.nearest_in(0..points.len());
        assert_eq!(closest_pair(&neighbours), Some((1, 3, 1)));
    }
}
