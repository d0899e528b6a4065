//! A bucket tree over positions in Z-order: leaves are runs of consecutive positions,
//! nodes are implicit (heap order over a power-of-two number of leaves, root 1, the
//! children of `v` are `2v` and `2v + 1`), and each node keeps the tight box of its
//! positions and the lowest point index under it.
//!
//! Cutting leaves from the Z-order rather than splitting on coordinates needs no
//! partitioning pass and cannot degrade on lines, lattices or clusters: every leaf has
//! between half of and the full leaf size, whatever the input. Boxes of siblings may
//! overlap, which costs some pruning, never exactness.

use crate::chunks;
use crate::control::{Control, Stopped};
use crate::point::Point;

/// The squared distance of two points, in `u64`: exact below `u64::MAX`, and
/// `u64::MAX` when the exact value is `u64::MAX` or more (only points about 2^32
/// apart, which a caller settles exactly).
#[inline]
pub(crate) fn squared(a: Point, b: Point) -> u64 {
    #[cfg(test)]
    crate::test_support::count_evaluation();
    // |dx| < 2^32, so dx * dx < 2^64: the wrapping i64 product has its bits.
    let dx = i64::from(a.x) - i64::from(b.x);
    let dy = i64::from(a.y) - i64::from(b.y);
    (dx.wrapping_mul(dx) as u64).saturating_add(dy.wrapping_mul(dy) as u64)
}

/// An axis-aligned box, corners included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rect {
    pub min: Point,
    pub max: Point,
}

/// The gap between the intervals `[lo_a, hi_a]` and `[lo_b, hi_b]`: 0 when they meet.
/// In `i64`, so that it compiles to subtractions and maxima, with no branch.
#[inline]
fn gap(lo_a: u32, hi_a: u32, lo_b: u32, hi_b: u32) -> u64 {
    let below = i64::from(lo_b) - i64::from(hi_a);
    let above = i64::from(lo_a) - i64::from(hi_b);
    below.max(above).max(0) as u64
}

impl Rect {
    /// The box of no point: the neutral element of `union`.
    pub const EMPTY: Rect = Rect {
        min: Point::new(u32::MAX, u32::MAX),
        max: Point::new(0, 0),
    };

    #[inline]
    pub fn union(self, other: Rect) -> Rect {
        Rect {
            min: Point::new(self.min.x.min(other.min.x), self.min.y.min(other.min.y)),
            max: Point::new(self.max.x.max(other.max.x), self.max.y.max(other.max.y)),
        }
    }

    pub fn around(points: &[Point]) -> Rect {
        points
            .iter()
            .fold(Rect::EMPTY, |rect, &p| rect.union(Rect { min: p, max: p }))
    }

    /// The smallest squared distance from `p` to a point of the box (as `squared`).
    #[inline]
    pub fn squared_to_point(&self, p: Point) -> u64 {
        let dx = gap(self.min.x, self.max.x, p.x, p.x);
        let dy = gap(self.min.y, self.max.y, p.y, p.y);
        (dx * dx).saturating_add(dy * dy)
    }

    /// The smallest squared distance between a point of each box (as `squared`).
    #[inline]
    pub fn squared_to_rect(&self, other: &Rect) -> u64 {
        let dx = gap(self.min.x, self.max.x, other.min.x, other.max.x);
        let dy = gap(self.min.y, self.max.y, other.min.y, other.max.y);
        (dx * dx).saturating_add(dy * dy)
    }
}

/// A node: the box of its positions and the lowest point index among them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Node {
    pub rect: Rect,
    pub lowest: u32,
}

const EMPTY_NODE: Node = Node {
    rect: Rect::EMPTY,
    lowest: u32::MAX,
};

/// The tree over `positions` (in Z-order), see the module documentation.
#[derive(Debug, Clone)]
pub(crate) struct Buckets {
    /// `1 << height` leaves.
    pub height: u32,
    /// For each leaf, where its positions start; one more entry ends the last leaf.
    pub leaf_starts: Vec<u32>,
    /// Heap order; entry 0 is unused.
    pub nodes: Vec<Node>,
}

impl Buckets {
    /// Leaves of at most `leaf_size` positions (at least half of it, unless there
    /// are fewer positions); `lowest[p]` is the lowest index at position `p`.
    pub fn new(
        positions: &[Point],
        lowest: &[u32],
        leaf_size: usize,
        control: &dyn Control,
    ) -> Result<Buckets, Stopped> {
        let m = positions.len();
        assert!(m > 0, "a tree is built over one position at least");
        let mut leaves = m.div_ceil(leaf_size.max(1)).max(1).next_power_of_two();
        while leaves > m.max(1) {
            leaves /= 2;
        }
        let height = leaves.trailing_zeros();
        let leaf_starts: Vec<u32> = (0..=leaves)
            .map(|k| ((k as u128 * m as u128) / leaves as u128) as u32)
            .collect();
        let mut nodes = vec![EMPTY_NODE; 2 * leaves];
        let (inner, leaf_nodes) = nodes.split_at_mut(leaves);
        let chunk = chunks::chunk_size(control, leaves, 256);
        chunks::run_mut(control, leaf_nodes, chunk, |_, first, piece| {
            for (k, node) in piece.iter_mut().enumerate() {
                let leaf = first + k;
                let range = leaf_starts[leaf] as usize..leaf_starts[leaf + 1] as usize;
                *node = Node {
                    rect: Rect::around(&positions[range.clone()]),
                    lowest: lowest[range]
                        .iter()
                        .copied()
                        .min()
                        .expect("no leaf is empty: there are no more leaves than positions"),
                };
            }
            control.tick(0)
        })?;
        // Level by level towards the root: each level's nodes from the one below.
        let mut below: &[Node] = leaf_nodes;
        let mut rest = inner;
        while rest.len() > 1 {
            let (upper, level) = rest.split_at_mut(rest.len() / 2);
            let chunk = chunks::chunk_size(control, level.len(), 1024);
            chunks::run_mut(control, level, chunk, |_, first, piece| {
                for (k, node) in piece.iter_mut().enumerate() {
                    let v = 2 * (first + k);
                    let (a, b) = (below[v], below[v + 1]);
                    *node = Node {
                        rect: a.rect.union(b.rect),
                        lowest: a.lowest.min(b.lowest),
                    };
                }
                control.tick(0)
            })?;
            below = level;
            rest = upper;
        }
        Ok(Buckets {
            height,
            leaf_starts,
            nodes,
        })
    }

    pub fn leaves(&self) -> usize {
        1 << self.height
    }

    /// The positions of `leaf`, as a range.
    #[inline]
    pub fn leaf_range(&self, leaf: usize) -> std::ops::Range<usize> {
        self.leaf_starts[leaf] as usize..self.leaf_starts[leaf + 1] as usize
    }

    /// The leaf holding position `p`.
    pub fn leaf_of(&self, p: usize) -> usize {
        debug_assert!(
            p < self.leaf_starts[self.leaves()] as usize,
            "a position of the tree"
        );
        // leaf_starts[0] = 0 <= p < leaf_starts[leaves]: the last leaf starting at or
        // before p is one of the leaves.
        self.leaf_starts
            .partition_point(|&start| start as usize <= p)
            - 1
    }

    #[inline]
    pub fn node(&self, v: usize) -> Node {
        self.nodes[v]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::Sequential;

    #[test]
    fn boxes_and_leaves() {
        let positions: Vec<Point> = (0..37).map(|k| Point::new(k, 100 - k)).collect();
        let lowest: Vec<u32> = (0..37).map(|k| 100 + k).collect();
        let tree = Buckets::new(&positions, &lowest, 8, &Sequential).unwrap();
        assert_eq!(tree.leaves(), 8);
        for leaf in 0..tree.leaves() {
            let range = tree.leaf_range(leaf);
            assert!((4..=8).contains(&range.len()), "{range:?}");
        }
        let root = tree.node(1);
        assert_eq!(root.rect.min, Point::new(0, 64));
        assert_eq!(root.rect.max, Point::new(36, 100));
        assert_eq!(root.lowest, 100);
        let one = Buckets::new(&positions[..1], &lowest[..1], 8, &Sequential).unwrap();
        assert_eq!(one.leaves(), 1);
        assert_eq!(one.node(1).rect, Rect::around(&positions[..1]));
        let far = Rect::around(&[Point::new(u32::MAX, u32::MAX)]);
        let origin = Point::new(0, 0);
        assert_eq!(far.squared_to_point(origin), u64::MAX);
        assert_eq!(
            squared(origin, Point::new(u32::MAX, 0)),
            (u64::from(u32::MAX)).pow(2)
        );
        assert_eq!(
            Rect::around(&[Point::new(3, 4)]).squared_to_rect(&Rect::around(&[origin])),
            25
        );
    }
}
