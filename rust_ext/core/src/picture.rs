//! What the report's picture draws of a long route: its vertices with the steps too
//! short to see merged, a rule that runs along the route and so does not vectorise.

use std::num::{NonZeroU64, NonZeroUsize};

/// Where "the last vertex kept" starts, as in the picture's Python rule: far enough
/// from any grid position that the first vertex is kept at any sensible `merge`.
const FAR: i64 = -1_000_000_000;

const TWO: NonZeroU64 = NonZeroU64::new(2).expect("2 is not zero");

/// The indices of the `vertices` (grid positions `[x, y]`, in route order) that the
/// picture draws, and the merge length they were thinned at.
///
/// A vertex is kept when its Manhattan distance from the last one kept is at least
/// `merge`, and the last vertex always is. While that keeps more than `limit`
/// vertices, `merge` doubles and the route is thinned again. The loop ends: once
/// `merge` exceeds every distance (each under 2**33), only the last vertex is kept,
/// and `limit` is at least one.
pub fn thin_route(
    vertices: &[[i32; 2]],
    merge: NonZeroU64,
    limit: NonZeroUsize,
) -> (Vec<usize>, NonZeroU64) {
    let mut merge = merge;
    let mut kept = Vec::new();
    while !keep_vertices(vertices, merge.get(), limit.get(), &mut kept) {
        merge = merge
            .checked_mul(TWO)
            .expect("doubled only while some step is at least merge, so under 2**33");
    }
    (kept, merge)
}

/// One thinning at `merge` into `kept`: false, stopping early, once it would keep
/// more than `limit` (a million-vertex route is thinned several times over).
fn keep_vertices(vertices: &[[i32; 2]], merge: u64, limit: usize, kept: &mut Vec<usize>) -> bool {
    kept.clear();
    let last_index = vertices.len().saturating_sub(1);
    let (mut last_x, mut last_y) = (FAR, FAR);
    for (index, &[x, y]) in vertices.iter().enumerate() {
        let (x, y) = (i64::from(x), i64::from(y));
        let step = x.abs_diff(last_x) + y.abs_diff(last_y);
        if step >= merge || index == last_index {
            if kept.len() == limit {
                return false;
            }
            kept.push(index);
            (last_x, last_y) = (x, y);
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::lcg;

    /// The rule as the picture's Python states it: each pass in full, no early stop.
    fn thin_plainly(vertices: &[[i32; 2]], mut merge: u64, limit: usize) -> (Vec<usize>, u64) {
        loop {
            let mut kept = Vec::new();
            let (mut last_x, mut last_y) = (FAR, FAR);
            for (index, &[x, y]) in vertices.iter().enumerate() {
                let step = (i64::from(x) - last_x).abs() + (i64::from(y) - last_y).abs();
                if step >= merge as i64 || index == vertices.len() - 1 {
                    kept.push(index);
                    (last_x, last_y) = (i64::from(x), i64::from(y));
                }
            }
            if kept.len() <= limit {
                return (kept, merge);
            }
            merge *= 2;
        }
    }

    fn thin(vertices: &[[i32; 2]], merge: u64, limit: usize) -> (Vec<usize>, u64) {
        let (kept, merge) = thin_route(
            vertices,
            NonZeroU64::new(merge).expect("a test's merge is positive"),
            NonZeroUsize::new(limit).expect("a test's limit is positive"),
        );
        (kept, merge.get())
    }

    #[test]
    fn empty_and_single_routes() {
        assert_eq!(thin(&[], 5, 1), (vec![], 5));
        assert_eq!(thin(&[[3, 4]], 5, 1), (vec![0], 5));
    }

    #[test]
    fn short_steps_merge_and_the_last_vertex_stays() {
        let route = [[0, 0], [2, 0], [4, 1], [5, 1], [5, 9], [6, 9]];
        // From (0, 0): (4, 1) is the first at distance 5; then (5, 9); the end stays.
        assert_eq!(thin(&route, 5, 10), (vec![0, 2, 4, 5], 5));
        assert_eq!(thin(&route, 5, 3), (vec![0, 4, 5], 10));
        assert_eq!(thin(&route, 5, 1).0, vec![5]);
    }

    #[test]
    fn the_same_as_the_rule_stated_plainly() {
        let mut seed = 17;
        for (count, spread, merge, limit) in [
            (2_000, 8_000, 5, 150),
            (2_000, 40, 5, 7),
            (5_000, 8_000, 1, 2_000),
            (300, 3, 5, 2),
            (1_000, i32::MAX as u32, 5, 40),
        ] {
            let mut walk = |_| {
                let x = (lcg(&mut seed) % spread) as i32;
                [x, (lcg(&mut seed) % spread) as i32]
            };
            let vertices: Vec<[i32; 2]> = (0..count).map(&mut walk).collect();
            assert_eq!(
                thin(&vertices, merge, limit),
                thin_plainly(&vertices, merge, limit)
            );
        }
    }

    #[test]
    fn extreme_coordinates_neither_overflow_nor_loop() {
        let route = [[i32::MIN, i32::MIN], [i32::MAX, i32::MAX], [i32::MIN, 0]];
        let (kept, merge) = thin(&route, 1, 1);
        assert_eq!(kept, vec![2]);
        assert_eq!(merge, 1 << 33);
    }
}
