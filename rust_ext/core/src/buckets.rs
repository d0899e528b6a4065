//! A bucket tree over positions in Z-order: leaves are runs of consecutive positions,
//! nodes are implicit (heap order over a power-of-two number of leaves, root 1, the
//! children of `v` are `2v` and `2v + 1`), and each node keeps the tight box of its
//! positions and the lowest point index under it.
//!
//! Cutting leaves from the Z-order rather than splitting on coordinates needs no
//! partitioning pass and cannot degrade on lines, lattices or clusters: every leaf has
//! between half of and the full leaf size, whatever the input. Boxes of siblings may
//! overlap, which costs some pruning, never exactness.
//!
//! A search on it (`nearest/tree.rs`, `route/tree.rs`) goes up from a leaf and stops
//! once its ball of candidates lies in the key range of the subtree searched
//! (`subtree_keys`, `ball_within`).

use crate::chunks;
use crate::control::{Control, Stopped};
use crate::geometry::{Best, Rect};
use crate::point::Point;
use crate::zorder::Grouped;

/// Positions per leaf at most. Measured on 1M uniform points: see the report.
pub const LEAF_SIZE: usize = 8;

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

    /// The Z-order keys of the first and last positions under `node`, `height` levels
    /// above the leaves (`grouped` holds the positions the tree was built over): every
    /// position the subtree holds has a key between them.
    pub fn subtree_keys(&self, grouped: &Grouped, node: usize, height: u32) -> (u64, u64) {
        let key_at = |p: usize| grouped.key(grouped.positions[p]);
        let first_leaf = (node << height) - self.leaves();
        // No leaf is empty, so the last leaf's range ends after its first position.
        (
            key_at(self.leaf_range(first_leaf).start),
            key_at(self.leaf_range(first_leaf + (1 << height) - 1).end - 1),
        )
    }
}

/// Whether every point as near to `q` as `best` has a Z-order key in `keys`: then the
/// positions with keys in that range, once searched, hold the answer. Keys grow with
/// each coordinate, so the box around the ball of candidates has its keys between
/// those of its corners. A search going up the tree stops there.
#[inline(always)]
pub(crate) fn ball_within(grouped: &Grouped, q: Point, best: Best, keys: (u64, u64)) -> bool {
    if best.0 == u64::MAX {
        return false;
    }
    // A point as near differs by at most r = floor(sqrt(best)) in each coordinate
    // (integers whose square is at most best). Exactly that, not one more: on a unit
    // lattice the box is then 3 x 3 rather than 5 x 5, and more often inside.
    let r = best.0.isqrt().min(u64::from(u32::MAX)) as u32;
    let low = Point::new(
        q.x.saturating_sub(r).max(grouped.low.x),
        q.y.saturating_sub(r).max(grouped.low.y),
    );
    let high = Point::new(
        q.x.saturating_add(r).min(grouped.high.x),
        q.y.saturating_add(r).min(grouped.high.y),
    );
    grouped.key(low) >= keys.0 && grouped.key(high) <= keys.1
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
    }
}
