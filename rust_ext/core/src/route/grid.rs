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
pub(super) fn greedy_route(
    points: &[Point],
    start: usize,
    cells: &UniformGrid,
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
    let mut unvisited: Vec<(u32, u32)> = cells
        .starts
        .windows(2)
        .map(|pair| (pair[0], pair[1] - pair[0]))
        .collect();
    let mut slot = vec![0u32; n];
    for (k, &(_, i)) in entries.iter().enumerate() {
        slot[i as usize] = k as u32;
    }
    let lattice = grid.lattice();
    let columns = grid.columns();
    let mut route: Vec<i64> = Vec::with_capacity(n);
    let mut current = start as u32;
    let mut since_tick = 0;
    loop {
        route.push(i64::from(current));
        let q = points[current as usize];
        let cell = grid.cell(q) as usize;
        // Swap the current point behind its cell's unvisited ones (it is one of them).
        let at = slot[current as usize];
        let (start, count) = &mut unvisited[cell];
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
        let mut best = NO_CANDIDATE;
        let scan = |span: &[(u32, u32)], best: &mut Best| {
            for &(start, count) in span {
                if count == 0 {
                    continue;
                }
                for &(p, id) in &entries[start as usize..(start + count) as usize] {
                    let candidate = (squared(q, p), id);
                    if better!(candidate, *best) {
                        *best = candidate;
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
            let mut exact = (u128::MAX, u32::MAX);
            for &(start, count) in &unvisited {
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
