//! The greedy tour on the uniform grid (`grid.rs`), for evenly spread inputs, and for
//! the crowd of an input most of whose points crowd one part of its box (`crowd.rs`),
//! with the points outside that part on a tree of their own (`tree::Rest`).

use crate::control::{Control, Stopped};
use crate::geometry::{better, squared, Best, Rect, NO_CANDIDATE};
use crate::grid::UniformGrid;
use crate::point::Point;

use super::tree::Rest;
use super::STEPS_PER_TICK;

/// The points outside the grid's box (`grid_box`), on their tree.
pub(super) struct Outside<'a> {
    pub grid_box: Rect,
    pub rest: &'a mut Rest,
}

/// Where the tour stands: among the grid's entries, or at a position of the rest.
#[derive(Debug, Clone, Copy)]
enum At {
    Grid(u32),
    Rest(usize),
}

/// The tour on the uniform grid (for evenly spread inputs): each cell keeps its
/// unvisited points first, a visited one is swapped behind them, so a search reads
/// only unvisited points; it scans rings of cells until the next ring is farther than
/// its best candidate. The cells are the index's; what the tour changes is its own.
///
/// A step knows where its point sits among the cells' entries (the search found it
/// there), so it never looks a point up by index: in a large input each such lookup is
/// a cache miss, and the tour is one step after another.
pub(super) fn greedy_route(
    points: &[Point],
    start: usize,
    cells: &UniformGrid,
    control: &dyn Control,
) -> Result<Vec<i64>, Stopped> {
    tour(points, start, cells, None, control)
}

/// The tour over the grid's points (`cells.order` holds their indices in `points`)
/// and, if given, the points outside its box. A step from a point in the box scans
/// the grid, then asks the rest only if the box's edge is as near as the best found;
/// a step from a point outside asks the rest first, then scans the grid from the
/// box's nearest point only if the box is as near as that. The rings' bounds, taken
/// from that nearest point of the box, hold for the point outside: it is at least as
/// far from every cell beyond them.
pub(super) fn tour(
    points: &[Point],
    start: usize,
    cells: &UniformGrid,
    mut outside: Option<Outside<'_>>,
    control: &dyn Control,
) -> Result<Vec<i64>, Stopped> {
    let n = points.len();
    let grid = cells.grid;
    // Each point with its index, by cell; and each cell's `(start, unvisited count)`.
    let mut entries: Vec<(Point, u32)> = cells
        .sorted
        .iter()
        .copied()
        .zip(cells.order.iter().copied())
        .collect();
    let mut unvisited: Vec<(u32, u32)> = cells
        .starts
        .windows(2)
        .map(|pair| (pair[0], pair[1] - pair[0]))
        .collect();
    let mut grid_left = entries.len();
    let lattice = grid.lattice();
    let columns = grid.columns();
    let mut route: Vec<i64> = Vec::with_capacity(n);
    // The current point, and where it sits among the entries or in the rest.
    let mut q = points[start];
    let mut at = match &outside {
        Some(o) if !o.grid_box.contains(q) => At::Rest(o.rest.position_of(q)),
        _ => {
            let (first, count) = unvisited[grid.cell(q) as usize];
            let cell = &entries[first as usize..(first + count) as usize];
            let k = cell
                .iter()
                .position(|&(_, id)| id as usize == start)
                .expect("every point is in its cell");
            At::Grid(first + k as u32)
        }
    };
    let mut since_tick = 0;
    loop {
        match at {
            At::Grid(at) => {
                let current = entries[at as usize].1;
                route.push(i64::from(current));
                // Swap the current point behind its cell's unvisited ones.
                let (first, count) = &mut unvisited[grid.cell(q) as usize];
                debug_assert!(
                    *first <= at && at < *first + *count,
                    "the current point sits among its cell's unvisited ones"
                );
                *count -= 1;
                entries.swap(at as usize, (*first + *count) as usize);
                grid_left -= 1;
                since_tick += 1;
            }
            At::Rest(position) => {
                let o = outside.as_mut().expect("a position of the rest has one");
                let members = o.rest.take(position);
                // Its points are at distance 0 from each other: all of them, in
                // ascending index (the start first, where the tour starts).
                if route.is_empty() {
                    route.push(start as i64);
                }
                route.extend(
                    members
                        .iter()
                        .filter(|&&i| i as usize != start)
                        .map(|&i| i64::from(i)),
                );
                since_tick += members.len();
            }
        }
        if route.len() >= n {
            break;
        }
        if since_tick >= STEPS_PER_TICK {
            control.tick(since_tick)?;
            since_tick = 0;
        }
        let mut best = NO_CANDIDATE;
        let mut next = None;
        // From outside the grid's box: the rest first; its answer bounds the grid's.
        let mut to_grid = grid_left > 0;
        let mut from = q;
        if let (At::Rest(position), Some(o)) = (at, outside.as_mut()) {
            if let Some((found, p)) = o.rest.nearest_from(position) {
                (best, next) = (found, Some(At::Rest(p)));
            }
            to_grid = to_grid && o.grid_box.squared_to_point(q) <= best.0;
            from = o.grid_box.clamp(q);
        }
        if to_grid {
            let (column, row) = grid.column_row(from);
            let mut best_at = u32::MAX;
            let scan = |span: &[(u32, u32)], best: &mut Best, best_at: &mut u32| {
                for &(first, count) in span {
                    let cell = &entries[first as usize..(first + count) as usize];
                    for (k, &(p, id)) in cell.iter().enumerate() {
                        let candidate = (squared(q, p), id);
                        if better!(candidate, *best) {
                            *best = candidate;
                            *best_at = first + k as u32;
                        }
                    }
                }
            };
            let mut ring = 0u64;
            loop {
                lattice.ring(column, row, ring, |r, first, last| {
                    let base = (r * columns) as usize;
                    scan(
                        &unvisited[base + first as usize..=base + last as usize],
                        &mut best,
                        &mut best_at,
                    );
                });
                if !grid.nearer_beyond(from, column, row, ring, best.0) {
                    break;
                }
                ring += 1;
            }
            if best_at != u32::MAX {
                next = Some(At::Grid(best_at));
            }
        }
        // From inside the box: the rest, if its edge is as near as the best.
        if let (At::Grid(_), Some(o)) = (at, outside.as_mut()) {
            if o.grid_box.squared_to_outside(q) <= best.0 {
                if let Some((found, p)) = o.rest.nearest_within(q, best.0) {
                    if better!(found, best) {
                        (best, next) = (found, Some(At::Rest(p)));
                    }
                }
            }
        }
        if best.0 == u64::MAX {
            // Every unvisited point is 2^32 or more away (a few steps at most in any
            // input): compare them exactly.
            let mut exact = (u128::MAX, u32::MAX);
            let mut consider = |p: Point, id: u32, there: At| {
                let candidate = (q.squared_distance(p), id);
                if candidate < exact {
                    (exact, next) = (candidate, Some(there));
                }
            };
            for &(first, count) in &unvisited {
                for k in first..first + count {
                    let (p, id) = entries[k as usize];
                    consider(p, id, At::Grid(k));
                }
            }
            if let Some(o) = &outside {
                for (p, id, position) in o.rest.unvisited() {
                    consider(p, id, At::Rest(position));
                }
            }
        }
        at = next.expect("a point is left while the route is shorter than the points");
        q = match at {
            At::Grid(k) => entries[k as usize].0,
            At::Rest(position) => outside.as_ref().expect("found there").rest.point(position),
        };
    }
    control.tick(since_tick)?;
    Ok(route)
}
