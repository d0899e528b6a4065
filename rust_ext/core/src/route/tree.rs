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

use crate::buckets::{ball_within, Buckets, LEAF_SIZE};
use crate::control::{Control, Stopped};
use crate::geometry::{better, squared, Best, NO_CANDIDATE};
use crate::index::Tree;
use crate::point::Point;
use crate::zorder::{self, Grouped};

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

/// `best` improved by the unvisited positions of the leaf node `v`; `found` is then
/// `(position, v)` of the best.
#[inline(always)]
fn scan_leaf(
    tree: &Buckets,
    grouped: &Grouped,
    unvisited: &Unvisited,
    q: Point,
    v: usize,
    best: &mut Best,
    found: &mut Option<(usize, usize)>,
) {
    let range = tree.leaf_range(v - tree.leaves());
    let first = range.start;
    let positions = &grouped.positions[range.clone()];
    let ids = &grouped.lowest[range.clone()];
    let visited = &unvisited.visited[range];
    for (k, ((&p, &id), &gone)) in positions.iter().zip(ids).zip(visited).enumerate() {
        let candidate = (squared(q, p), id);
        if !gone && better!(candidate, *best) {
            *best = candidate;
            *found = Some((first + k, v));
        }
    }
}

/// Searches the subtrees on `stack` for something better than `best`, nearer
/// children first, passing over empty ones and those whose box cannot hold a point
/// better than `best`, each leaf reached with `scan_leaf`.
#[inline(always)]
fn search_down(
    tree: &Buckets,
    grouped: &Grouped,
    unvisited: &Unvisited,
    q: Point,
    stack: &mut Vec<usize>,
    best: &mut Best,
    found: &mut Option<(usize, usize)>,
) {
    let leaves = tree.leaves();
    while let Some(v) = stack.pop() {
        let node = tree.node(v);
        if unvisited.is_empty(v) || !better!((node.rect.squared_to_point(q), node.lowest), *best) {
            continue;
        }
        if v >= leaves {
            scan_leaf(tree, grouped, unvisited, q, v, best, found);
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
    let mut best = NO_CANDIDATE;
    let mut found = None;
    if !unvisited.is_empty(from) {
        scan_leaf(tree, grouped, unvisited, q, from, &mut best, &mut found);
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
        search_down(tree, grouped, unvisited, q, stack, &mut best, &mut found);
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

/// The points a crowd leaves out (see `route/crowd.rs`), on a tree of their own, with
/// the tour's removals: the grid's tour asks it for the nearest of them. Indices are
/// the input's, so that ties compare across the two.
pub(super) struct Rest {
    grouped: Grouped,
    tree: Buckets,
    unvisited: Unvisited,
    /// Positions not yet visited.
    left: usize,
    stack: Vec<usize>,
}

impl Rest {
    /// The tree over `points` (one at least), whose indices in the input are `ids`
    /// (ascending, so that the order of the points is the input's).
    pub fn new(points: &[Point], ids: &[u32], control: &dyn Control) -> Result<Rest, Stopped> {
        debug_assert!(ids.windows(2).all(|pair| pair[0] < pair[1]));
        let mut grouped = zorder::group(points, control)?;
        for id in grouped.order.iter_mut().chain(&mut grouped.lowest) {
            *id = ids[*id as usize];
        }
        let tree = Buckets::new(&grouped.positions, &grouped.lowest, LEAF_SIZE, control)?;
        let unvisited = Unvisited::new(&tree);
        Ok(Rest {
            left: grouped.positions.len(),
            grouped,
            tree,
            unvisited,
            stack: Vec::with_capacity(64),
        })
    }

    /// The position of `p`, which is one of the points.
    pub fn position_of(&self, p: Point) -> usize {
        let key = self.grouped.key(p);
        let position = self
            .grouped
            .positions
            .partition_point(|&q| self.grouped.key(q) < key);
        assert_eq!(self.grouped.positions[position], p, "a point of the rest");
        position
    }

    pub fn point(&self, position: usize) -> Point {
        self.grouped.positions[position]
    }

    /// Visits `position`: the indices of its points, ascending.
    pub fn take(&mut self, position: usize) -> &[u32] {
        let leaf_node = self.tree.leaves() + self.tree.leaf_of(position);
        self.unvisited.remove(position, leaf_node);
        self.left -= 1;
        self.grouped.members(position)
    }

    /// The nearest unvisited position to the rest's own `position`: `((squared
    /// distance, lowest index), position)`, ties to the lowest index (`None` when none
    /// is left).
    pub fn nearest_from(&mut self, position: usize) -> Option<(Best, usize)> {
        if self.left == 0 {
            return None;
        }
        let q = self.grouped.positions[position];
        let from = self.tree.leaves() + self.tree.leaf_of(position);
        let (next, _) = nearest_unvisited(
            &self.tree,
            &self.grouped,
            &self.unvisited,
            q,
            from,
            &mut self.stack,
        )?;
        let p = self.grouped.positions[next];
        Some(((squared(q, p), self.grouped.lowest[next]), next))
    }

    /// The best unvisited position to `q`, a point elsewhere, among those at squared
    /// distance `bound` or less: `((squared distance, lowest index), position)`. From
    /// the root down, nearer boxes first, farther ones passed over.
    pub fn nearest_within(&mut self, q: Point, bound: u64) -> Option<(Best, usize)> {
        if self.left == 0 {
            return None;
        }
        // Any candidate as near as `bound` beats this one.
        let mut best: Best = (bound, u32::MAX);
        let mut found = None;
        self.stack.clear();
        self.stack.push(1);
        search_down(
            &self.tree,
            &self.grouped,
            &self.unvisited,
            q,
            &mut self.stack,
            &mut best,
            &mut found,
        );
        found.map(|(position, _)| (best, position))
    }

    /// Every unvisited position: `(point, lowest index, position)`.
    pub fn unvisited(&self) -> impl Iterator<Item = (Point, u32, usize)> + '_ {
        (0..self.grouped.positions.len())
            .filter(|&position| !self.unvisited.visited[position])
            .map(|position| {
                (
                    self.grouped.positions[position],
                    self.grouped.lowest[position],
                    position,
                )
            })
    }
}
