//! Routes: the greedy nearest-neighbour tour and the length of a path.
//!
//! The tour asks "which unvisited point is nearest?" once per point while points
//! leave the set. kiddo's trees either cannot remove points (the immutable one) or
//! keep searching subtrees that have emptied (the mutable one), which makes the late,
//! long jumps of a tour slow; so the tour uses its own small k-d tree whose nodes
//! count their remaining points and know their lowest remaining index. Empty subtrees
//! are skipped, and a subtree is pruned as soon as it cannot hold a nearer point, or
//! an equally near one with a lower index: decisions are exact, ties go to the
//! lowest index.

use rayon::prelude::*;

use crate::fsum::ExactSum;
use crate::point::Point;

const NONE: u32 = u32::MAX;
const LEAF_SIZE: usize = 16;

/// `start` is not an index of the points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StartOutOfRange {
    pub start: usize,
    pub count: usize,
}

#[derive(Debug, Clone)]
struct Node {
    min: [u32; 2],
    max: [u32; 2],
    remaining: u32,
    /// The lowest index still in this subtree, `NONE` when empty.
    lowest: u32,
    parent: u32,
    /// Children, or `NONE` for a leaf.
    left: u32,
    right: u32,
    /// A leaf's points: `items[start..end]`.
    start: u32,
    end: u32,
}

/// The points not yet visited, searchable for the nearest one.
struct Remaining<'a> {
    points: &'a [Point],
    nodes: Vec<Node>,
    items: Vec<u32>,
    leaf_of: Vec<u32>,
    visited: Vec<bool>,
}

fn axis(p: Point, axis: usize) -> u32 {
    if axis == 0 {
        p.x
    } else {
        p.y
    }
}

impl<'a> Remaining<'a> {
    fn new(points: &'a [Point]) -> Self {
        let mut tree = Remaining {
            points,
            nodes: Vec::with_capacity(2 * points.len() / LEAF_SIZE + 2),
            items: (0..points.len() as u32).collect(),
            leaf_of: vec![NONE; points.len()],
            visited: vec![false; points.len()],
        };
        if !points.is_empty() {
            tree.build(0, points.len(), NONE);
        }
        tree
    }

    /// Build the subtree over `items[start..end]`; returns its node.
    fn build(&mut self, start: usize, end: usize, parent: u32) -> u32 {
        let slice = &self.items[start..end];
        let mut min = [u32::MAX; 2];
        let mut max = [0; 2];
        for &i in slice {
            let p = self.points[i as usize];
            min = [min[0].min(p.x), min[1].min(p.y)];
            max = [max[0].max(p.x), max[1].max(p.y)];
        }
        let lowest = slice.iter().copied().min().unwrap_or(NONE);
        let id = self.nodes.len() as u32;
        self.nodes.push(Node {
            min,
            max,
            remaining: (end - start) as u32,
            lowest,
            parent,
            left: NONE,
            right: NONE,
            start: start as u32,
            end: end as u32,
        });
        if end - start <= LEAF_SIZE {
            for k in start..end {
                self.leaf_of[self.items[k] as usize] = id;
            }
            return id;
        }
        // Split the wider side at the median.
        let split_axis = usize::from(max[1] - min[1] > max[0] - min[0]);
        let middle = start + (end - start) / 2;
        let points = self.points;
        self.items[start..end]
            .select_nth_unstable_by_key(middle - start, |&i| axis(points[i as usize], split_axis));
        let left = self.build(start, middle, id);
        let right = self.build(middle, end, id);
        let node = &mut self.nodes[id as usize];
        node.left = left;
        node.right = right;
        id
    }

    /// The smallest squared distance from `q` to the node's box.
    fn box_distance(node: &Node, q: Point) -> u128 {
        let gap = |v: u32, lo: u32, hi: u32| -> u128 {
            u128::from(if v < lo { lo - v } else { v.saturating_sub(hi) })
        };
        let dx = gap(q.x, node.min[0], node.max[0]);
        let dy = gap(q.y, node.min[1], node.max[1]);
        dx * dx + dy * dy
    }

    fn remove(&mut self, i: usize) {
        self.visited[i] = true;
        let leaf = self.leaf_of[i];
        let node = &self.nodes[leaf as usize];
        let lowest = self.items[node.start as usize..node.end as usize]
            .iter()
            .copied()
            .filter(|&j| !self.visited[j as usize])
            .min()
            .unwrap_or(NONE);
        let node = &mut self.nodes[leaf as usize];
        node.remaining -= 1;
        node.lowest = lowest;
        let mut parent = node.parent;
        while parent != NONE {
            let (left, right) = (
                self.nodes[parent as usize].left,
                self.nodes[parent as usize].right,
            );
            let lowest = self.nodes[left as usize]
                .lowest
                .min(self.nodes[right as usize].lowest);
            let node = &mut self.nodes[parent as usize];
            node.remaining -= 1;
            node.lowest = lowest;
            parent = node.parent;
        }
    }

    /// The nearest remaining point to `q`: `(squared distance, index)`, lowest index on ties.
    fn nearest(&self, q: Point) -> Option<(u128, u32)> {
        let mut best = (u128::MAX, NONE);
        if !self.nodes.is_empty() {
            self.search(0, q, &mut best);
        }
        (best.1 != NONE).then_some(best)
    }

    fn search(&self, id: u32, q: Point, best: &mut (u128, u32)) {
        let node = &self.nodes[id as usize];
        if node.remaining == 0 || (Self::box_distance(node, q), node.lowest) >= *best {
            return;
        }
        if node.left == NONE {
            for &j in &self.items[node.start as usize..node.end as usize] {
                if !self.visited[j as usize] {
                    let candidate = (q.squared_distance(self.points[j as usize]), j);
                    if candidate < *best {
                        *best = candidate;
                    }
                }
            }
            return;
        }
        let (left, right) = (node.left, node.right);
        let near_left = Self::box_distance(&self.nodes[left as usize], q)
            <= Self::box_distance(&self.nodes[right as usize], q);
        let (first, second) = if near_left {
            (left, right)
        } else {
            (right, left)
        };
        self.search(first, q, best);
        self.search(second, q, best);
    }
}

/// A greedy nearest-neighbour tour under construction, advanced in steps so that a
/// caller can look up between them (for Ctrl-C, for progress).
pub struct GreedyRoute<'a> {
    remaining: Remaining<'a>,
    route: Vec<usize>,
}

impl<'a> GreedyRoute<'a> {
    pub fn new(points: &'a [Point], start: usize) -> Result<Self, StartOutOfRange> {
        if start >= points.len() {
            return Err(StartOutOfRange {
                start,
                count: points.len(),
            });
        }
        let mut remaining = Remaining::new(points);
        remaining.remove(start);
        let mut route = Vec::with_capacity(points.len());
        route.push(start);
        Ok(GreedyRoute { remaining, route })
    }

    /// How many points the route holds so far.
    pub fn len(&self) -> usize {
        self.route.len()
    }

    pub fn is_empty(&self) -> bool {
        self.route.is_empty()
    }

    /// Whether every point is on the route.
    pub fn is_done(&self) -> bool {
        self.route.len() == self.remaining.points.len()
    }

    /// Add up to `steps` more points; returns whether the route is complete.
    pub fn advance(&mut self, steps: usize) -> bool {
        for _ in 0..steps {
            let Some(&last) = self.route.last() else {
                break;
            };
            let Some((_, next)) = self.remaining.nearest(self.remaining.points[last]) else {
                break;
            };
            self.remaining.remove(next as usize);
            self.route.push(next as usize);
        }
        self.is_done()
    }

    pub fn into_route(self) -> Vec<usize> {
        self.route
    }
}

/// The whole greedy tour from `start`.
pub fn greedy_route(points: &[Point], start: usize) -> Result<Vec<usize>, StartOutOfRange> {
    let mut route = GreedyRoute::new(points, start)?;
    route.advance(usize::MAX);
    Ok(route.into_route())
}

/// The length of the path through `points` in order, correctly rounded (as
/// `math.fsum` of the legs), summed in parallel.
pub fn path_length(points: &[Point]) -> f64 {
    if points.len() < 2 {
        return 0.0;
    }
    points
        .par_windows(2)
        .fold(ExactSum::new, |mut sum, pair| {
            sum.add(pair[0].dist(pair[1]));
            sum
        })
        .reduce(ExactSum::new, |mut a, b| {
            a.merge(&b);
            a
        })
        .value()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::lcg;

    fn brute(points: &[Point], start: usize) -> Vec<usize> {
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
        route
    }

    #[test]
    fn matches_brute_force() {
        let mut seed = 11;
        for side in [1u32, 4, 50, 100_000, u32::MAX] {
            let points: Vec<Point> = (0..300)
                .map(|_| {
                    Point::new(
                        lcg(&mut seed) % side.saturating_add(1),
                        lcg(&mut seed) % side.saturating_add(1),
                    )
                })
                .collect();
            for start in [0, 17, 299] {
                assert_eq!(
                    greedy_route(&points, start).unwrap(),
                    brute(&points, start),
                    "side {side}"
                );
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
        assert_eq!(greedy_route(&line, 0).unwrap(), vec![0, 2, 3, 1]);
        assert_eq!(greedy_route(&line[..1], 0).unwrap(), vec![0]);
        assert_eq!(
            greedy_route(&line, 4),
            Err(StartOutOfRange { start: 4, count: 4 })
        );
        assert_eq!(
            greedy_route(&[], 0),
            Err(StartOutOfRange { start: 0, count: 0 })
        );
    }

    #[test]
    fn path_length_is_fsum_of_the_legs() {
        let points = [Point::new(0, 0), Point::new(3, 4), Point::new(3, 0)];
        assert_eq!(path_length(&points), 9.0);
        assert_eq!(path_length(&points[..1]), 0.0);
        assert_eq!(path_length(&[]), 0.0);
    }
}
