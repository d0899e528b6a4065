//! The spatial index: built once from the points, then asked as often as needed for
//! every point's nearest neighbour, the closest pair, or a greedy route (as SciPy's
//! `cKDTree` or rstar's `RTree::bulk_load` are built once and queried).
//!
//! Which structure it holds is decided by the input, and no decision made from a
//! sample decides the worst case:
//! - `Grid`: the uniform grid of `grid.rs`, for points spread evenly over their box or
//!   along an axis-parallel line. A sample proposes it; the real occupancy, counted
//!   once the points are in their cells (`UniformGrid::bounded`), confirms it, or the
//!   cells are dropped and the tree is built instead.
//! - `Tree`: equal positions grouped (`zorder`), a bucket tree over them (`buckets`),
//!   and the sparse grid of `sparse.rs` where its own exact count says it suits. The
//!   tree answers any input without degrading.
//!
//! An index is immutable: queries keep their own state (the route's removals), so any
//! number of threads may query one index at once. The queries live apart, each with a
//! search for every structure: `nearest.rs` (and `closest.rs` over it), `route.rs`.

use std::sync::Arc;

use crate::buckets::{Buckets, LEAF_SIZE};
use crate::control::{Control, Stopped};
use crate::grid::{self, Grid, UniformGrid};
use crate::point::Point;
use crate::sparse::SparseGrid;
use crate::zorder::{self, Grouped};

/// The points and the structure built over them.
pub struct Index {
    points: Arc<Vec<Point>>,
    search: Search,
}

pub(crate) enum Search {
    Grid(UniformGrid),
    Tree(Tree),
}

/// Equal positions grouped, the bucket tree over them, and the sparse grid if it suits.
pub(crate) struct Tree {
    pub grouped: Grouped,
    pub buckets: Buckets,
    pub sparse: Option<SparseGrid>,
}

impl Index {
    /// The index of `points`, which must number fewer than `u32::MAX` (indices are
    /// `u32` inside; callers check the count first).
    pub fn build(points: Arc<Vec<Point>>, control: &dyn Control) -> Result<Index, Stopped> {
        assert!(
            points.len() < u32::MAX as usize,
            "callers refuse more than u32::MAX - 1 points"
        );
        let (low, high) = zorder::bounds(&points, control)?;
        let grid = Grid::new(points.len(), low, high, grid::POINTS_PER_CELL);
        if grid::suits(&points, &grid) {
            let cells = UniformGrid::new(&points, grid, control)?;
            if cells.bounded(control)? {
                return Ok(Index {
                    points,
                    search: Search::Grid(cells),
                });
            }
        }
        let grouped = zorder::group(&points, control)?;
        let buckets = Buckets::new(&grouped.positions, &grouped.lowest, LEAF_SIZE, control)?;
        // The test-only `ablate-sparse` build leaves the sparse grid out, so that the
        // benchmarks can time the tree answering in its place (benchmarks/ablation.py).
        let sparse = if cfg!(feature = "ablate-sparse") {
            None
        } else {
            SparseGrid::new(&grouped, control)?
        };
        Ok(Index {
            points,
            search: Search::Tree(Tree {
                grouped,
                buckets,
                sparse,
            }),
        })
    }

    /// The points, in their order.
    pub fn points(&self) -> &[Point] {
        &self.points
    }

    /// Which structure answers: `"grid"`, `"sparse"` or `"tree"` (for tests and
    /// benchmarks).
    pub fn kind(&self) -> &'static str {
        match &self.search {
            Search::Grid(_) => "grid",
            Search::Tree(Tree {
                sparse: Some(_), ..
            }) => "sparse",
            Search::Tree(_) => "tree",
        }
    }

    pub(crate) fn search(&self) -> &Search {
        &self.search
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::Index;
    use crate::control::Sequential;
    use crate::point::Point;
    use crate::point_set::PointSet;
    use crate::test_support::{evaluations_of, shapes};

    /// Distance evaluations a point at most, for every shape, in each search and in
    /// the route (the grid's own bound is 20 in its first pass).
    const EVALUATIONS_PER_POINT: u64 = 64;

    #[test]
    fn no_shape_makes_a_search_quadratic() {
        let n = 20_000;
        for (what, points) in shapes(n, 7) {
            let set = PointSet::new(Arc::new(points));
            let kind = set.index(&Sequential).unwrap().kind();
            let (_, nearest) = evaluations_of(|| set.nearest_neighbours(&Sequential).unwrap());
            let (_, route) = evaluations_of(|| set.greedy_route(n / 3, &Sequential).unwrap());
            eprintln!(
                "{what:40} {kind:6} nearest {:6.1} route {:6.1} a point",
                nearest as f64 / n as f64,
                route as f64 / n as f64
            );
            let limit = EVALUATIONS_PER_POINT * n as u64;
            assert!(nearest <= limit, "{what}: nearest, {nearest} evaluations");
            assert!(route <= limit, "{what}: route, {route} evaluations");
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
}
