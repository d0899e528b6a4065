//! Routes: the greedy nearest-neighbour tour and the length of a path.
//!
//! The tour asks "which unvisited point is nearest?" once per point while points leave
//! the set. Evenly spread inputs (the sample of `grid::suits`) run on a uniform grid
//! whose cells keep their unvisited points first; a step scans rings of cells until
//! the next ring is farther than its best candidate.
//!
//! Other inputs run on the bucket tree of the nearest-neighbour search (Z-order, equal
//! positions grouped): a search starts in the current position's leaf and goes up,
//! looking into the sibling of each ancestor only when its box could hold something
//! nearer, or as near with a lower index, until the ball of candidates lies in the key
//! range searched. Removal is O(1) amortised (Bentley 1992): a leaf counts its
//! unvisited positions, an inner node its non-empty children, and only a node that
//! empties tells its parent, once. Empty subtrees are never entered. Arriving at a
//! position (at its lowest index, since ties go to the lowest index) the tour takes
//! all its points at once, in ascending index: they are at distance 0 from each other
//! and nearer than anything else.

use std::sync::Arc;

use crate::buckets::{squared, Buckets};
use crate::chunks;
use crate::control::{Control, Stopped};
use crate::fsum::DistanceSum;
use crate::grid::Cells;
use crate::index::{Index, Search, Tree};
use crate::nearest::{ball_within, better, subtree_keys};
use crate::point::Point;
use crate::point_set::PointSet;
use crate::zorder;

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
    grouped: &zorder::Grouped,
    unvisited: &Unvisited,
    q: Point,
    from: usize,
    stack: &mut Vec<usize>,
) -> Option<(usize, usize)> {
    let leaves = tree.leaves();
    let mut best: (u64, u32) = (u64::MAX, u32::MAX);
    let mut found = None;
    let mut scan = |v: usize, best: &mut (u64, u32)| {
        let range = tree.leaf_range(v - leaves);
        let first = range.start;
        let positions = &grouped.positions[range.clone()];
        let ids = &grouped.lowest[range.clone()];
        let visited = &unvisited.visited[range];
        for (k, ((&p, &id), &gone)) in positions.iter().zip(ids).zip(visited).enumerate() {
            let candidate = (squared(q, p), id);
            if !gone && better(candidate, *best) {
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
        // lies in its key range (see `nearest::ball_within`).
        if ball_within(
            grouped,
            q,
            best,
            subtree_keys(tree, grouped, ancestor, height),
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
            if unvisited.is_empty(v) || !better((node.rect.squared_to_point(q), node.lowest), best)
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
    grouped: &zorder::Grouped,
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

/// The tour on the uniform grid (for evenly spread inputs): each cell keeps its
/// unvisited points first, a visited one is swapped behind them, so a search reads
/// only unvisited points; it scans rings of cells until the next ring is farther than
/// its best candidate. The cells are the index's; what the tour changes is its own.
fn greedy_route_on_grid(
    points: &[Point],
    start: usize,
    cells: &Cells,
    control: &dyn Control,
) -> Result<Vec<i64>, Stopped> {
    let n = points.len();
    let grid = cells.grid;
    // Each point with its index, by cell; each cell's `(start, unvisited count)`; and
    // where each point sits.
    let mut entries: Vec<(Point, u32)> = cells
        .sorted
        .iter()
        .copied()
        .zip(cells.order.iter().copied())
        .collect();
    let mut cells: Vec<(u32, u32)> = cells
        .starts
        .windows(2)
        .map(|pair| (pair[0], pair[1] - pair[0]))
        .collect();
    let mut slot = vec![0u32; n];
    for (k, &(_, i)) in entries.iter().enumerate() {
        slot[i as usize] = k as u32;
    }
    let (columns, rows) = (grid.columns(), grid.rows());
    let mut route: Vec<i64> = Vec::with_capacity(n);
    let mut current = start as u32;
    let mut since_tick = 0;
    loop {
        route.push(i64::from(current));
        let q = points[current as usize];
        let cell = grid.cell(q) as usize;
        // Swap the current point behind its cell's unvisited ones (it is one of them).
        let at = slot[current as usize];
        let (start, count) = &mut cells[cell];
        debug_assert!(
            *start <= at && at < *start + *count,
            "the current point is unvisited"
        );
        *count -= 1;
        let last = *start + *count;
        entries.swap(at as usize, last as usize);
        let moved = entries[at as usize].1;
        slot[moved as usize] = at;
        if route.len() >= n {
            break;
        }
        since_tick += 1;
        if since_tick >= STEPS_PER_TICK {
            control.tick(since_tick)?;
            since_tick = 0;
        }
        let (column, row) = grid.column_row(q);
        let mut best = (u64::MAX, u32::MAX);
        let scan = |span: &[(u32, u32)], best: &mut (u64, u32)| {
            for &(start, count) in span {
                if count == 0 {
                    continue;
                }
                for &(p, id) in &entries[start as usize..(start + count) as usize] {
                    let candidate = (squared(q, p), id);
                    if better(candidate, *best) {
                        *best = candidate;
                    }
                }
            }
        };
        let mut ring = 0u64;
        loop {
            let top = row.saturating_sub(ring);
            let bottom = (row + ring).min(rows - 1);
            let first = column.saturating_sub(ring);
            let last = (column + ring).min(columns - 1);
            for r in top..=bottom {
                let base = (r * columns) as usize;
                if r + ring == row || r == row + ring {
                    // The ring's top and bottom rows, whole.
                    scan(
                        &cells[base + first as usize..=base + last as usize],
                        &mut best,
                    );
                } else {
                    // Middle rows: the ring's two end cells, where inside the grid.
                    if column >= ring {
                        let c = base + (column - ring) as usize;
                        scan(&cells[c..=c], &mut best);
                    }
                    if column + ring < columns {
                        let c = base + (column + ring) as usize;
                        scan(&cells[c..=c], &mut best);
                    }
                }
            }
            match grid.beyond(q, column, row, ring) {
                None => break,
                // Strictly farther: a point as near beyond could have a lower index.
                Some(bound) if best.0 != u64::MAX && bound.saturating_mul(bound) > best.0 => break,
                Some(_) => ring += 1,
            }
        }
        if best.0 == u64::MAX {
            // Every unvisited point is 2^32 or more away (a few steps at most in any
            // input): compare them exactly.
            let mut exact = (u128::MAX, u32::MAX);
            for &(start, count) in &cells {
                for &(p, id) in &entries[start as usize..(start + count) as usize] {
                    exact = exact.min((q.squared_distance(p), id));
                }
            }
            best.1 = exact.1;
        }
        current = best.1;
    }
    control.tick(since_tick)?;
    Ok(route)
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
        Search::Grid(cells) => greedy_route_on_grid(index.points(), start, cells, control),
        Search::Tree(tree) => greedy_route_on_tree(index.points(), start, tree, control),
    }
}

/// The tour on the bucket tree (see the module documentation).
fn greedy_route_on_tree(
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
