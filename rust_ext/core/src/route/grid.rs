//! The greedy tour on the uniform grid (`grid.rs`), for evenly spread inputs.

use crate::control::{Control, Stopped};
use crate::geometry::{better, squared, Best, NO_CANDIDATE};
use crate::grid::UniformGrid;
use crate::point::Point;

use super::STEPS_PER_TICK;

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
    let lattice = grid.lattice();
    let columns = grid.columns();
    let mut route: Vec<i64> = Vec::with_capacity(n);
    // The current point, its index, and where it sits among the entries.
    let mut q = points[start];
    let mut current = start as u32;
    let mut at = {
        let (first, count) = unvisited[grid.cell(q) as usize];
        let cell = &entries[first as usize..(first + count) as usize];
        let k = cell
            .iter()
            .position(|&(_, id)| id == current)
            .expect("every point is in its cell");
        first + k as u32
    };
    let mut since_tick = 0;
    loop {
        route.push(i64::from(current));
        // Swap the current point behind its cell's unvisited ones (it is one of them).
        let (first, count) = &mut unvisited[grid.cell(q) as usize];
        debug_assert!(
            *first <= at && at < *first + *count && entries[at as usize].1 == current,
            "the current point sits among its cell's unvisited ones"
        );
        *count -= 1;
        entries.swap(at as usize, (*first + *count) as usize);
        if route.len() >= n {
            break;
        }
        since_tick += 1;
        if since_tick >= STEPS_PER_TICK {
            control.tick(since_tick)?;
            since_tick = 0;
        }
        let (column, row) = grid.column_row(q);
        let mut best = NO_CANDIDATE;
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
            if !grid.nearer_beyond(q, column, row, ring, best.0) {
                break;
            }
            ring += 1;
        }
        if best.0 == u64::MAX {
            // Every unvisited point is 2^32 or more away (a few steps at most in any
            // input): compare them exactly.
            let mut exact = (u128::MAX, u32::MAX, u32::MAX);
            for &(first, count) in &unvisited {
                for k in first..first + count {
                    let (p, id) = entries[k as usize];
                    exact = exact.min((q.squared_distance(p), id, k));
                }
            }
            (best.1, best_at) = (exact.1, exact.2);
        }
        current = best.1;
        at = best_at;
        q = entries[at as usize].0;
    }
    control.tick(since_tick)?;
    Ok(route)
}
