//! The tour when most of the points crowd one part of their box: a dense square among
//! points spread far and wide, or evenly spread points with a few strays far away.
//! The uniform grid over the whole box is refused there (one of its cells holds most
//! of the points), and the tree's tour is slow on a crowd whose steps tie (a lattice:
//! every search must rule out the other neighbours at the same distance). The crowd's
//! box often suits a grid of its own: the tour then runs on that grid, with the
//! points outside the box on a tree (`tree::Rest`), as `grid::tour` describes.

use crate::control::{Control, Stopped};
use crate::geometry::Rect;
use crate::grid::{self, Grid, UniformGrid, POINTS_PER_CELL};
use crate::index::Tree;
use crate::point::Point;

use super::grid::{tour, Outside};
use super::tree::Rest;

/// The tour from `start` on a grid over the crowd of `points`, or `None` when they
/// have no crowd, or its box does not suit a grid (the caller's tree tour then).
pub(super) fn greedy_route(
    points: &[Point],
    start: usize,
    tree: &Tree,
    control: &dyn Control,
) -> Result<Option<Vec<i64>>, Stopped> {
    // The crowd narrows: the box around the fullest cell of the refused grid may hold
    // a few strays besides the crowd, which make a grid over it refuse again; the
    // fullest cell of that grid holds the crowd alone. Each round's box lies in one
    // cell of the last (of about as many cells as points), so there are few rounds.
    let mut grid_box = Rect {
        min: tree.grouped.low,
        max: tree.grouped.high,
    };
    let mut refused = Grid::new(points.len(), grid_box.min, grid_box.max, POINTS_PER_CELL);
    loop {
        match grid::crowded_cell(points, &refused, grid_box, control)? {
            Some(narrower) if narrower != grid_box => grid_box = narrower,
            _ => return Ok(None),
        }
        let (inside, outside) = split(points, grid_box, control)?;
        let grid = Grid::new(inside.0.len(), grid_box.min, grid_box.max, POINTS_PER_CELL);
        refused = grid;
        // Every point in the box: the grid over it is the one refused.
        if outside.0.is_empty() || !grid::suits(&inside.0, &grid) {
            continue;
        }
        let mut cells = UniformGrid::new(&inside.0, grid, control)?;
        if !cells.bounded(control)? {
            continue;
        }
        // The grid's indices are the input's from here on.
        for id in &mut cells.order {
            *id = inside.1[*id as usize];
        }
        let mut rest = Rest::new(&outside.0, &outside.1, control)?;
        let outside = Outside {
            grid_box,
            rest: &mut rest,
        };
        return tour(points, start, &cells, Some(outside), control).map(Some);
    }
}

/// The points in the box and outside it, each with their indices, ascending.
type Part = (Vec<Point>, Vec<u32>);

fn split(points: &[Point], grid_box: Rect, control: &dyn Control) -> Result<(Part, Part), Stopped> {
    let mut inside: Part = (
        Vec::with_capacity(points.len()),
        Vec::with_capacity(points.len()),
    );
    let mut outside: Part = (Vec::new(), Vec::new());
    for (i, &p) in points.iter().enumerate() {
        let part = if grid_box.contains(p) {
            &mut inside
        } else {
            &mut outside
        };
        part.0.push(p);
        part.1.push(i as u32);
        if i % (1 << 16) == 0 {
            control.tick(0)?;
        }
    }
    Ok((inside, outside))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use crate::control::{Sequential, Stopped};
    use crate::index::{Index, Search};
    use crate::point::Point;
    use crate::test_support::{shapes, Pool};

    /// The crowd's tour of `points` from `start`, if it takes them, and the tree's.
    fn both_tours(points: &[Point], start: usize) -> (Option<Vec<i64>>, Vec<i64>) {
        let index = Index::build(Arc::new(points.to_vec()), &Sequential).unwrap();
        let Search::Tree(tree) = index.search() else {
            panic!("the grid takes these {} points", points.len());
        };
        (
            super::greedy_route(points, start, tree, &Sequential).unwrap(),
            super::super::tree::greedy_route(points, start, tree, &Sequential).unwrap(),
        )
    }

    #[test]
    fn a_crowd_gets_a_grid_of_its_own_and_the_same_route() {
        for n in [2000, 5000, 20_000] {
            let shapes: HashMap<String, Vec<Point>> = shapes(n, 11).into_iter().collect();
            for shape in [
                "a crowd and strays",
                "outliers",
                "at the sample, a square elsewhere",
            ] {
                let points = &shapes[shape];
                // From a stray (index 0 and 1 are strays in the first two shapes), and
                // from the crowd.
                for start in [0, 1, n / 2 + 2, n - 1] {
                    let (crowd, tree) = both_tours(points, start);
                    let crowd = crowd.unwrap_or_else(|| panic!("{shape}, {n}: no crowd"));
                    assert_eq!(crowd, tree, "{shape}, {n} points from {start}");
                }
            }
        }
    }

    #[test]
    fn the_crowd_stops_when_told_and_counts_every_point() {
        let shapes: HashMap<String, Vec<Point>> = shapes(20_000, 2).into_iter().collect();
        let points = &shapes["a crowd and strays"];
        let index = Index::build(Arc::new(points.clone()), &Sequential).unwrap();
        let Search::Tree(tree) = index.search() else {
            panic!("the grid takes these points");
        };
        // Told to stop at any tick, in the search for the crowd or in the tour, it stops.
        let mut ticks = 1;
        loop {
            let pool = Pool::stopping_after(1, ticks);
            match pool.install(|| super::greedy_route(points, 0, tree, &pool)) {
                Err(Stopped) => ticks += 1,
                Ok(route) => {
                    assert_eq!(route.map(|r| r.len()), Some(points.len()));
                    break;
                }
            }
        }
        // The tour itself ticks every STEPS_PER_TICK steps.
        assert!(
            ticks > points.len() / super::super::STEPS_PER_TICK,
            "{ticks}"
        );
        for start in [0, 5] {
            let pool = Pool::new(2);
            let route = pool
                .install(|| super::greedy_route(points, start, tree, &pool))
                .unwrap()
                .expect("a crowd");
            assert_eq!(route.len(), points.len());
            assert_eq!(pool.done(), points.len(), "from {start}");
        }
    }

    /// The route by its definition, in O(n^2).
    fn brute(points: &[Point], start: usize) -> Vec<i64> {
        let mut left: Vec<usize> = (0..points.len()).filter(|&j| j != start).collect();
        let mut route = vec![start as i64];
        let mut here = points[start];
        while !left.is_empty() {
            let (k, _) = left
                .iter()
                .enumerate()
                .min_by_key(|&(_, &j)| (here.squared_distance(points[j]), j))
                .expect("a point is left");
            let j = left.remove(k);
            route.push(j as i64);
            here = points[j];
        }
        route
    }

    #[test]
    fn crowds_anywhere_route_as_the_definition() {
        // Crowds of every density at the range's corners and edges and inside it, strays
        // spread, repeated, inside the crowd's cell and at the extremes; every route that
        // takes the crowd's path must be the definition's.
        let mut seed = 99;
        let mut next = move || crate::test_support::lcg(&mut seed);
        let mut taken = 0;
        for case in 0..60 {
            let n = 130 + (next() % 1400) as usize;
            let share = 50 + next() % 50; // percent in the crowd
            let spacing = 1 + next() % 3;
            let side = ((n as f64).sqrt() as u32 + 1) * spacing;
            let corner = match case % 5 {
                0 => (0, 0),
                1 => (u32::MAX - side, u32::MAX - side),
                2 => (0, u32::MAX - side),
                3 => (next() % (u32::MAX - side), 5),
                _ => (next() % (u32::MAX - side), next() % (u32::MAX - side)),
            };
            // The crowd's points on distinct sites of its lattice, in a scrambled order
            // (7919 is prime, and more than `columns`).
            let columns = side / spacing;
            let mut sites = 0u32;
            let points: Vec<Point> = (0..n)
                .map(|_| {
                    if next() % 100 < share {
                        let site = sites * 7919 % (columns * columns);
                        sites += 1;
                        Point::new(
                            corner.0 + site % columns * spacing,
                            corner.1 + site / columns * spacing,
                        )
                    } else {
                        match next() % 4 {
                            0 => Point::new(next(), next()),
                            1 => Point::new(77, u32::MAX),
                            // Near the crowd, in the refused grid's cell, but far enough
                            // for the crowd alone to fill one cell of its box's grid.
                            2 => Point::new(corner.0.saturating_add(1 << 24), corner.1),
                            _ => {
                                let pick = |v: u32| if v.is_multiple_of(2) { 0 } else { u32::MAX };
                                Point::new(pick(next()), pick(next()))
                            }
                        }
                    }
                })
                .collect();
            let index = Index::build(Arc::new(points.clone()), &Sequential).unwrap();
            let Search::Tree(tree) = index.search() else {
                continue;
            };
            let start = next() as usize % n;
            if let Some(route) = super::greedy_route(&points, start, tree, &Sequential).unwrap() {
                taken += 1;
                assert_eq!(route, brute(&points, start), "case {case}");
            }
        }
        assert!(taken >= 20, "only {taken} cases took the crowd's path");
    }

    #[test]
    fn no_crowd_no_grid() {
        let shapes: HashMap<String, Vec<Point>> = shapes(5000, 5).into_iter().collect();
        for shape in [
            "clusters",
            "mixed density",
            "duplicates",
            "at the sample, one point elsewhere",
            "at the sample, clumps elsewhere",
        ] {
            assert_eq!(both_tours(&shapes[shape], 0).0, None, "{shape}");
        }
    }
}
