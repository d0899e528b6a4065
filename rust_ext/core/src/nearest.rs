//! Nearest neighbours and the closest pair, exact, in parallel, with no input shape
//! that makes them degrade.
//!
//! Three searches, chosen by the input, give the same answers:
//! - `grid`: a uniform grid over the bounding box, for points spread evenly over it or
//!   along an axis-parallel line (a 4096-point sample decides). Fastest by far.
//! - `sparse`: a grid of the occupied Z-order cells of one level, for inputs evenly
//!   dense wherever they have points (clusters, diagonals, a few columns).
//! - the tree, below: for everything else (very uneven densities, heavy duplication),
//!   and for the isolated points of the sparse grid.
//!
//! The tree: points are sorted into Z-order and equal positions grouped (`zorder`); a
//! bucket tree is cut from that order (`buckets`). A point with twins has its answer at
//! once: its lowest-indexed twin, at distance 0. The others are answered a leaf at a
//! time: the pairs within the leaf give every query a first candidate, then the search
//! goes up from the leaf, into the sibling of each ancestor (nearer child first),
//! pruned by the exact integer distance between boxes and by the lowest index under a
//! node (equal distance and no lower index: nothing to win), until every query's ball
//! of candidates lies in the key range searched so far (`ball_within`).
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

use crate::buckets::{squared, Buckets, Node};
use crate::chunks;
use crate::control::{Control, Stopped};
use crate::index::{Index, Tree};
use crate::point::{distance_from_squared, Point};
use crate::point_set::PointSet;
use crate::zorder::Grouped;

/// Positions per leaf at most. Measured on 1M uniform points: see the report.
pub const LEAF_SIZE: usize = 8;

/// Up to this many points, `nearest_neighbours` compares every pair directly: no
/// allocation but the result, no sort, no thread. Measured (examples/small_timing):
/// the grid or tree wins above about this size.
pub const BRUTE_FORCE_MAX: usize = 64;

/// The same for `closest_pair`, whose direct loop keeps one candidate only.
pub const CLOSEST_BRUTE_FORCE_MAX: usize = 80;

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

/// The best candidate so far: `(squared distance, index)`, compared as a pair so
/// that equal distances go to the lower index.
type Best = (u64, u32);
const NO_CANDIDATE: Best = (u64::MAX, u32::MAX);

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
                if let (Some(index), Some(distance)) = (indices.get_mut(a), distances.get_mut(a)) {
                    if better((d, b as u32), (distance.to_bits(), *index as u32)) {
                        *index = b as i64;
                        *distance = f64::from_bits(d);
                    }
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

/// `candidate` is nearer than `best`, or as near with a lower index. Written with
/// `||` rather than as a tuple comparison: equal distances are rare, and the branch
/// on them is predicted.
#[inline]
pub(crate) fn better(candidate: Best, best: Best) -> bool {
    candidate.0 < best.0 || (candidate.0 == best.0 && candidate.1 < best.1)
}

/// The Z-order keys of the first and last positions under `node` of `tree`, `height`
/// levels above the leaves: every position the subtree holds has a key between them.
pub(crate) fn subtree_keys(
    tree: &Buckets,
    grouped: &Grouped,
    node: usize,
    height: u32,
) -> (u64, u64) {
    let key_at = |p: usize| grouped.key(grouped.positions[p]);
    let first_leaf = (node << height) - tree.leaves();
    // No leaf is empty, so the last leaf's range ends after its first position.
    (
        key_at(tree.leaf_range(first_leaf).start),
        key_at(tree.leaf_range(first_leaf + (1 << height) - 1).end - 1),
    )
}

/// Whether every point as near to `q` as `best` has a Z-order key in `keys`: then the
/// positions with keys in that range, once searched, hold the answer. Keys grow with
/// each coordinate, so the box around the ball of candidates has its keys between
/// those of its corners.
#[inline(always)]
pub(crate) fn ball_within(grouped: &Grouped, q: Point, best: Best, keys: (u64, u64)) -> bool {
    if best.0 == u64::MAX {
        return false;
    }
    // Any r at least the exact root will do (a bigger box is only less often inside):
    // the float root is within a few units in the last place, so one more covers it.
    let r = ((best.0 as f64).sqrt() as u64 + 1).min(u64::from(u32::MAX)) as u32;
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

/// The search of one leaf's queries. `found` gets every point of the leaf.
pub(crate) fn answer_leaf<A: Answers>(
    tree: &Buckets,
    grouped: &Grouped,
    leaf: usize,
    stack: &mut Vec<(usize, u64)>,
    answers: &mut A,
) {
    let range = tree.leaf_range(leaf);
    let first = range.start;
    let here = &grouped.positions[range.clone()];
    let ids = &grouped.lowest[range.clone()];
    let count = here.len();
    debug_assert!(
        count <= LEAF_SIZE,
        "the tree's leaves hold LEAF_SIZE positions at most"
    );
    let mut best = [NO_CANDIDATE; LEAF_SIZE];
    // Queries still searching: positions held by one point (the others are answered
    // by their twins) whose answer may still lie beyond what was searched.
    let mut open = [false; LEAF_SIZE];
    for (p, open) in open.iter_mut().enumerate().take(count) {
        match grouped.members(first + p) {
            [_] => *open = true,
            [lowest, second, rest @ ..] => {
                answers.found(*lowest, *second, 0);
                answers.found(*second, *lowest, 0);
                for &i in rest {
                    answers.found(i, *lowest, 0);
                }
            }
            [] => unreachable!("every position holds a point"),
        }
    }
    let single = open;
    if !open.iter().any(|&open| open) {
        return;
    }
    for j in 0..count {
        for k in j + 1..count {
            let d = squared(here[j], here[k]);
            if better((d, ids[k]), best[j]) {
                best[j] = (d, ids[k]);
            }
            if better((d, ids[j]), best[k]) {
                best[k] = (d, ids[j]);
            }
        }
    }
    // The largest best among the open queries: a node farther than that (or as far,
    // with no lower index) has nothing for any of them.
    let bound = |best: &[Best; LEAF_SIZE], open: &[bool; LEAF_SIZE]| {
        (0..count)
            .filter(|&j| open[j])
            .map(|j| best[j])
            .max()
            .expect("asked only while some query is open")
    };
    let leaves = tree.leaves();
    let own = tree.node(leaves + leaf).rect;
    // Bottom-up: while some query may have its answer outside the subtree searched so
    // far, search the sibling of the next ancestor (depth-first, nearer child on top).
    let mut ancestor = leaves + leaf;
    let mut height = 0;
    loop {
        let keys = subtree_keys(tree, grouped, ancestor, height);
        let mut any_open = false;
        for j in 0..count {
            if open[j] {
                open[j] = !ball_within(grouped, here[j], best[j], keys);
                any_open |= open[j];
            }
        }
        if !any_open || ancestor <= 1 {
            break;
        }
        let mut radius = bound(&best, &open);
        let sibling = ancestor ^ 1;
        ancestor /= 2;
        height += 1;
        stack.clear();
        stack.push((sibling, own.squared_to_rect(&tree.node(sibling).rect)));
        while let Some((v, distance)) = stack.pop() {
            let node = tree.node(v);
            if (distance, node.lowest) > radius {
                continue;
            }
            if v >= leaves {
                let range = tree.leaf_range(v - leaves);
                let there = &grouped.positions[range.clone()];
                let their_ids = &grouped.lowest[range];
                for j in 0..count {
                    if !open[j]
                        || !better((node.rect.squared_to_point(here[j]), node.lowest), best[j])
                    {
                        continue;
                    }
                    let q = here[j];
                    let mut b = best[j];
                    for (&p, &id) in there.iter().zip(their_ids) {
                        let candidate = (squared(q, p), id);
                        if better(candidate, b) {
                            b = candidate;
                        }
                    }
                    best[j] = b;
                }
                radius = bound(&best, &open);
                continue;
            }
            let (left, right) = (tree.node(2 * v), tree.node(2 * v + 1));
            let (dl, dr) = (
                own.squared_to_rect(&left.rect),
                own.squared_to_rect(&right.rect),
            );
            let mut push = |child: usize, node: Node, d: u64| {
                if (d, node.lowest) <= radius {
                    stack.push((child, d));
                }
            };
            if dl <= dr {
                push(2 * v + 1, right, dr);
                push(2 * v, left, dl);
            } else {
                push(2 * v, left, dl);
                push(2 * v + 1, right, dr);
            }
        }
    }
    for j in 0..count {
        if single[j] {
            answers.found(ids[j], best[j].1, best[j].0);
        }
    }
}

/// Every point's nearest other point on the tree, a chunk of leaves at a time.
pub(crate) fn answer_on_tree<A: Answers, R: Send>(
    tree: &Tree,
    control: &dyn Control,
    answers: impl Fn() -> A + Sync,
    done: impl Fn(A) -> R + Sync,
) -> Result<Vec<R>, Stopped> {
    let Tree {
        grouped, buckets, ..
    } = tree;
    let leaves = buckets.leaves();
    // Leaves per chunk: a few thousand points, well under a millisecond.
    let chunk = chunks::chunk_size(control, leaves, 64).min(1024);
    chunks::run(control, leaves, chunk, |_, range| {
        let mut collector = answers();
        let mut stack = Vec::with_capacity(64);
        for leaf in range.clone() {
            answer_leaf(buckets, grouped, leaf, &mut stack, &mut collector);
        }
        let first = buckets.leaf_range(range.start).start;
        let end = buckets.leaf_range(range.end - 1).end;
        let points_done = grouped.starts[end] - grouped.starts[first];
        control.tick(points_done as usize)?;
        Ok(done(collector))
    })
}

/// The least `(squared, i, j)` found, or none yet: `i` is the smallest index on a
/// closest pair once every point has reported (see `closest_pair`).
type Least = Option<(u64, u32, u32)>;

fn keep_least(least: &mut Least, i: u32, j: u32, squared: u64) {
    if least.is_none_or(|(s, k, _)| (squared, i) < (s, k)) {
        *least = Some((squared, i, j));
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

/// The closest pair `(i, j, distance)` from the least answer of an all-nearest pass.
///
/// The smallest index on any closest pair pairs with its own nearest neighbour: that
/// neighbour has the lowest index at the minimum distance, and cannot be lower than
/// `i`, or it would itself be the smallest index on a closest pair.
fn pair_from_least(points: &[Point], least: Least) -> (usize, usize, f64) {
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
    let found = index.answer_all(
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
    let found = index.answer_all(control, || Closest(None), |closest| closest.0)?;
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

/// For each point, its nearest other point and the distance (see `Neighbours`), on
/// a point set of its own (see `PointSet` to ask more than one question).
pub fn nearest_neighbours(points: &[Point], control: &dyn Control) -> Result<Neighbours, Stopped> {
    PointSet::new(Arc::new(points.to_vec())).nearest_neighbours(control)
}

/// The closest pair `(i, j, distance)`, `i < j`, smallest `(i, j)` on ties, on a point
/// set of its own. Fewer than two points: `(0, 0, 0.0)` (callers raise before that).
pub fn closest_pair(
    points: &[Point],
    control: &dyn Control,
) -> Result<(usize, usize, f64), Stopped> {
    PointSet::new(Arc::new(points.to_vec())).closest_pair(control)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
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

    /// Which search answers `points`.
    fn path(points: &[Point]) -> &'static str {
        Index::build(Arc::new(points.to_vec()), &Sequential)
            .unwrap()
            .kind()
    }

    #[test]
    fn each_search_gets_the_shapes_it_is_for() {
        let shapes: std::collections::HashMap<String, Vec<Point>> =
            shapes(3000, 1).into_iter().collect();
        for (shape, expected) in [
            ("uniform", "grid"),
            ("vertical line", "grid"),
            ("lattice", "grid"),
            ("clusters", "sparse"),
            ("diagonal", "sparse"),
            ("outliers", "sparse"),
            ("mixed density", "tree"),
            ("duplicates", "tree"),
        ] {
            // The test-only `ablate-sparse` build has no sparse grid: the tree takes its shapes.
            let expected = match expected {
                "sparse" if cfg!(feature = "ablate-sparse") => "tree",
                other => other,
            };
            assert_eq!(path(&shapes[shape]), expected, "{shape}");
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
