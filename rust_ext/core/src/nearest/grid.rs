//! All nearest neighbours on the uniform grid (`grid.rs`): a query compares against
//! the 3 x 3 cells around its own, then scans the rings of cells farther out until
//! the next ring is farther than its best candidate.

use crate::chunks;
use crate::control::{Control, Stopped};
use crate::geometry::{better, squared, Best, NO_CANDIDATE};
use crate::grid::{UniformGrid, POINTS_PER_CELL};
use crate::point::Point;

use super::Answers;

/// Every point's nearest other point on the grid: `answers()` makes each chunk's
/// collector, `done` turns it into the chunk's result.
pub(crate) fn answer_all<A: Answers, R: Send>(
    cells: &UniformGrid,
    control: &dyn Control,
    answers: impl Fn() -> A + Sync,
    done: impl Fn(A) -> R + Sync,
) -> Result<Vec<R>, Stopped> {
    let n = cells.sorted.len();
    // A chunk of cells holds a few thousand points.
    let cell_count = cells.grid.cells() as usize;
    let cell_chunk =
        (chunks::chunk_size(control, n, 1 << 12).min(1 << 14) as f64 / POINTS_PER_CELL) as usize;
    chunks::run(control, cell_count, cell_chunk.max(1), |_, range| {
        let mut collector = answers();
        for cell in range.clone() {
            answer_cell(cells, cell as u64, &mut collector);
        }
        let points_done = cells.starts[range.end] - cells.starts[range.start];
        control.tick(points_done as usize)?;
        Ok(done(collector))
    })
}

/// `best` improved by the points of `range` (sorted), the query `i` left out.
#[inline]
fn scan(cells: &UniformGrid, q: Point, i: u32, range: std::ops::Range<usize>, best: &mut Best) {
    for (&p, &id) in cells.sorted[range.clone()].iter().zip(&cells.order[range]) {
        let d = squared(q, p);
        if better!((d, id), *best) && id != i {
            *best = (d, id);
        }
    }
}

/// Answer the points of `cell`: first against the 3 x 3 cells around it, then ring by
/// ring for the few whose answer may lie farther.
fn answer_cell<A: Answers>(cells: &UniformGrid, cell: u64, answers: &mut A) {
    let grid = &cells.grid;
    let lattice = grid.lattice();
    let here = cells.cell(cell);
    if here.is_empty() {
        return;
    }
    let (columns, rows) = (grid.columns(), grid.rows());
    let (column, row) = (cell % columns, cell / columns);
    // The 3 x 3 block around the cell: three runs of the sorted points, one a row.
    let first = column.saturating_sub(1);
    let last = (column + 1).min(columns - 1);
    let top = row.saturating_sub(1);
    let bottom = (row + 1).min(rows - 1);
    let mut block = [0..0, 0..0, 0..0];
    for (span, r) in block.iter_mut().zip(top..=bottom) {
        *span = cells.span(r, first, last);
    }
    for k in here {
        let (q, i) = (cells.sorted[k], cells.order[k]);
        let mut best = NO_CANDIDATE;
        for span in &block {
            scan(cells, q, i, span.clone(), &mut best);
        }
        let mut ring = 1u64;
        while grid.nearer_beyond(q, column, row, ring, best.0) {
            ring += 1;
            lattice.ring(column, row, ring, |r, first, last| {
                scan(cells, q, i, cells.span(r, first, last), &mut best);
            });
        }
        answers.found(i, best.1, best.0);
    }
}
