//! The greedy tour on the bucket tree (`buckets.rs`), for inputs the uniform grid does
//! not take: a search starts in the current position's leaf and goes up, looking into
//! the sibling of each ancestor only when its box could hold something nearer, or as
//! near with a lower index, until the ball of candidates lies in the key range
//! searched. Removal is O(1) amortised (Bentley 1992): a leaf counts its unvisited
//! positions, an inner node its non-empty children, and only a node that empties tells
//! its parent, once. Empty subtrees are never entered. Arriving at a position (at its
//! lowest index, since ties go to the lowest index) the tour takes all its points at
//! once, in ascending index: they are at distance 0 from each other and nearer than
//! anything else.

use crate::buckets::{ball_within, Buckets};
use crate::control::{Control, Stopped};
use crate::geometry::{better, squared, Best, NO_CANDIDATE};
use crate::index::Tree;
use crate::point::Point;
use crate::zorder::Grouped;

use super::STEPS_PER_TICK;

/// The unvisited positions: counts per node, see the module documentation.
struct Unvisited {
    /// A leaf: its unvisited positions; an inner node: its non-empty children.
    left: Vec<u8>,
    visited: Vec<bool>,
}

impl Unvisited {
    fn new(tree: &Buckets) -> Self {
        let leaves = tree.leaves();
        let mut left = vec![0u8; 2 * leaves];
        for leaf in 0..leaves {
            left[leaves + leaf] = tree.leaf_range(leaf).len() as u8;
        }
        for v in (1..leaves).rev() {
            left[v] = u8::from(left[2 * v] > 0) + u8::from(left[2 * v + 1] > 0);
        }
        Unvisited {
            left,
            visited: vec![false; tree.leaf_starts[leaves] as usize],
        }
    }

    #[inline]
    fn is_empty(&self, v: usize) -> bool {
        self.left[v] == 0
    }

    fn remove(&mut self, position: usize, leaf_node: usize) {
        debug_assert!(!self.visited[position], "a position is visited once");
        self.visited[position] = true;
        let mut v = leaf_node;
        loop {
            // A node that empties tells its parent, which counts it as non-empty.
            self.left[v] -= 1;
            if self.left[v] > 0 || v <= 1 {
                break;
            }
            v /= 2;
        }
    }
}

/// The nearest unvisited position to `q` (ties: lowest index), starting from the leaf
/// node `from`: `(position, its leaf node)`. `stack` is scratch space, kept between
/// calls.
fn nearest_unvisited(
    tree: &Buckets,
    grouped: &Grouped,
    unvisited: &Unvisited,
    q: Point,
    from: usize,
    stack: &mut Vec<usize>,
) -> Option<(usize, usize)> {
    let leaves = tree.leaves();
    let mut best = NO_CANDIDATE;
    let mut found = None;
    let mut scan = |v: usize, best: &mut Best| {
        let range = tree.leaf_range(v - leaves);
        let first = range.start;
        let positions = &grouped.positions[range.clone()];
        let ids = &grouped.lowest[range.clone()];
        let visited = &unvisited.visited[range];
        for (k, ((&p, &id), &gone)) in positions.iter().zip(ids).zip(visited).enumerate() {
            let candidate = (squared(q, p), id);
            if !gone && better!(candidate, *best) {
                *best = candidate;
                found = Some((first + k, v));
            }
        }
    };
    if !unvisited.is_empty(from) {
        scan(from, &mut best);
    }
    let mut ancestor = from;
    let mut height = 0;
    while ancestor > 1 {
        // Everything under `ancestor` is searched: done if the ball of candidates
        // lies in its key range (see `buckets::ball_within`).
        if ball_within(
            grouped,
            q,
            best,
            tree.subtree_keys(grouped, ancestor, height),
        ) {
            break;
        }
        let sibling = ancestor ^ 1;
        ancestor /= 2;
        height += 1;
        stack.clear();
        stack.push(sibling);
        while let Some(v) = stack.pop() {
            let node = tree.node(v);
            if unvisited.is_empty(v) || !better!((node.rect.squared_to_point(q), node.lowest), best)
            {
                continue;
            }
            if v >= leaves {
                scan(v, &mut best);
                continue;
            }
            let (left, right) = (tree.node(2 * v), tree.node(2 * v + 1));
            if left.rect.squared_to_point(q) <= right.rect.squared_to_point(q) {
                stack.extend([2 * v + 1, 2 * v]);
            } else {
                stack.extend([2 * v, 2 * v + 1]);
            }
        }
    }
    // The squared distance saturates at u64::MAX only for points 2^32 apart or more;
    // then candidates are compared again exactly.
    if best.0 == u64::MAX {
        return nearest_unvisited_exactly(tree, grouped, unvisited, q);
    }
    found
}

/// As `nearest_unvisited`, over every unvisited position with exact distances.
fn nearest_unvisited_exactly(
    tree: &Buckets,
    grouped: &Grouped,
    unvisited: &Unvisited,
    q: Point,
) -> Option<(usize, usize)> {
    let leaves = tree.leaves();
    let mut best = None;
    for leaf in 0..leaves {
        for position in tree.leaf_range(leaf) {
            if unvisited.visited[position] {
                continue;
            }
            let (p, id) = (grouped.positions[position], grouped.lowest[position]);
            let candidate = (q.squared_distance(p), id, position, leaves + leaf);
            if best.is_none_or(|b| candidate < b) {
                best = Some(candidate);
            }
        }
    }
    best.map(|(_, _, position, v)| (position, v))
}

/// The tour from `start` over the points of `tree` (see the module documentation).
pub(super) fn greedy_route(
    points: &[Point],
    start: usize,
    tree: &Tree,
    control: &dyn Control,
) -> Result<Vec<i64>, Stopped> {
    let n = points.len();
    let Tree {
        grouped,
        buckets: tree,
        ..
    } = tree;
    let leaves = tree.leaves();
    let mut unvisited = Unvisited::new(tree);
    let mut route: Vec<i64> = Vec::with_capacity(n);
    // The start's position: positions are in Z-order, distinct.
    let key = grouped.key(points[start]);
    let first = grouped.positions.partition_point(|&p| grouped.key(p) < key);
    debug_assert_eq!(grouped.positions[first], points[start]);
    route.push(start as i64);
    route.extend(
        grouped
            .members(first)
            .iter()
            .filter(|&&i| i as usize != start)
            .map(|&i| i64::from(i)),
    );
    let mut current = (first, leaves + tree.leaf_of(first));
    unvisited.remove(current.0, current.1);
    let mut since_tick = 0;
    let mut stack = Vec::with_capacity(64);
    while route.len() < n {
        let q = grouped.positions[current.0];
        let next = nearest_unvisited(tree, grouped, &unvisited, q, current.1, &mut stack)
            .expect("a point is left while the route is shorter than the points");
        unvisited.remove(next.0, next.1);
        let members = grouped.members(next.0);
        route.extend(members.iter().map(|&i| i64::from(i)));
        since_tick += members.len();
        if since_tick >= STEPS_PER_TICK {
            control.tick(since_tick)?;
            since_tick = 0;
        }
        current = next;
    }
    control.tick(since_tick)?;
    Ok(route)
}
