//! All nearest neighbours on a uniform grid: the fast path for inputs spread evenly
//! over their bounding box or along an axis-parallel line, which a sample recognises.
//!
//! Square cells, about `POINTS_PER_CELL` points each, numbered row by row; the points
//! are radix-sorted by cell (stably, so a cell's points are in ascending index), and a
//! query scans the rings of cells around its own until the next ring is farther than
//! its best candidate. Rows of a ring are contiguous in the sorted points. Equal
//! positions need no grouping: they share a cell and are found at distance 0. Inputs
//! that crowd some cells (clusters, diagonals, a few columns, heavy duplication) would
//! make that quadratic: they go to the tree (`nearest`), which nothing degrades.

use std::sync::atomic::Ordering::Relaxed;

use crate::buckets::squared;
use crate::chunks;
use crate::control::{Control, Stopped};
use crate::nearest::Answers;
use crate::point::Point;
use crate::zorder;

/// Points per cell aimed at by the all-nearest search: measured on 1M uniform points
/// (instructions a point: 795 at 1, 819 at 1.5, 874 at 2).
pub(crate) const POINTS_PER_CELL: f64 = 1.0;

/// Distance evaluations a point at most in the grid's first pass (`Cells::block_work`):
/// evenly spread points make about 10 (their own cell holds 2 on average, counting
/// themselves, and the eight around it 1 each); inputs above twice that go to the tree.
pub(crate) const WORK_PER_POINT: u64 = 20;

/// Points sampled to judge whether the grid suits the input: an eighth of them, at
/// least 256 and at most 4096 (enough pairs in a cell to tell evenly spread points,
/// about s^2/2n of them, from crowded ones; cheap next to the search at any size).
const SAMPLE: usize = 4096;

/// The grid's cells over a bounding box.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Grid {
    /// Points per cell aimed at.
    per_cell: f64,
    low: Point,
    side: u64,
    columns: u64,
    rows: u64,
}

impl Grid {
    /// Cells for `count` points in the box `low..=high`, about `per_cell` a cell.
    pub fn new(count: usize, low: Point, high: Point, per_cell: f64) -> Grid {
        let width = u64::from(high.x - low.x) + 1;
        let height = u64::from(high.y - low.y) + 1;
        let cells = (count as f64 / per_cell).max(1.0);
        let side = ((width as f64) * (height as f64) / cells).sqrt() as u64;
        // A thin box (a line) fills few cells of a square grid: cells along it, then.
        let side = side.max(width.max(height) / (cells as u64).max(1)).max(1);
        Grid {
            per_cell,
            low,
            side,
            columns: (width - 1) / side + 1,
            rows: (height - 1) / side + 1,
        }
    }

    pub fn columns(&self) -> u64 {
        self.columns
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }

    pub fn cells(&self) -> u64 {
        self.columns * self.rows
    }

    #[inline]
    pub fn column_row(&self, p: Point) -> (u64, u64) {
        (
            u64::from(p.x.saturating_sub(self.low.x)) / self.side,
            u64::from(p.y.saturating_sub(self.low.y)) / self.side,
        )
    }

    #[inline]
    pub fn cell(&self, p: Point) -> u64 {
        let (column, row) = self.column_row(p);
        column + self.columns * row
    }

    /// A lower bound on the distance from `q` (in cell `column`, `row`) to any cell
    /// outside the rings `0..=ring` around it; `None` when there is no such cell.
    #[inline]
    pub fn beyond(&self, q: Point, column: u64, row: u64, ring: u64) -> Option<u64> {
        let (x, y) = (u64::from(q.x - self.low.x), u64::from(q.y - self.low.y));
        let mut bound: Option<u64> = None;
        let mut keep = |gap: u64| bound = Some(bound.map_or(gap, |b| b.min(gap)));
        if column > ring {
            // Points left of the ring have x below its left edge.
            keep(x + 1 - (column - ring) * self.side);
        }
        if column + ring + 1 < self.columns {
            keep((column + ring + 1) * self.side - x);
        }
        if row > ring {
            keep(y + 1 - (row - ring) * self.side);
        }
        if row + ring + 1 < self.rows {
            keep((row + ring + 1) * self.side - y);
        }
        bound
    }
}

/// Whether the grid suits `points`: the pairs of sampled points sharing a cell,
/// scaled to the whole input, stay near what evenly spread points give.
pub(crate) fn suits(points: &[Point], grid: &Grid) -> bool {
    let n = points.len();
    let taken = n.min((n / 8).clamp(256, SAMPLE));
    if taken < 2 {
        return true;
    }
    let stride = n / taken;
    let mut cells = [0u64; SAMPLE];
    for (k, cell) in cells.iter_mut().enumerate().take(taken) {
        // One point of each stride, at a scrambled offset: a regular pattern in the
        // input's order (every other point from elsewhere) cannot hide from it.
        let offset = (k as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
        // Below `(k + 1) * stride <= taken * stride <= n`.
        let index = k * stride + (offset as usize) % stride.max(1);
        *cell = grid.cell(points[index]);
    }
    let cells = &mut cells[..taken];
    cells.sort_unstable();
    let mut pairs = 0u64;
    for run in cells.chunk_by(|a, b| a == b) {
        let r = run.len() as u64;
        pairs += r * (r - 1) / 2;
    }
    // Evenly spread, a cell of c points holds c(c-1)/2 pairs, about n * per_cell / 2
    // in all, and a sample of s sees (s/n)^2 of them. Allow 4 times that.
    let expected = (taken as f64).powi(2) / n as f64 * grid.per_cell / 2.0;
    (pairs as f64) <= 4.0 * expected.max(1.0)
}

/// The points sorted by cell, and where each cell's points start.
pub(crate) struct Cells {
    pub grid: Grid,
    pub order: Vec<u32>,
    pub sorted: Vec<Point>,
    pub starts: Vec<u32>,
}

impl Cells {
    /// `points` sorted by cell of `grid` (stably: a cell's points in ascending index).
    pub fn new(points: &[Point], grid: Grid, control: &dyn Control) -> Result<Cells, Stopped> {
        let n = points.len();
        let chunk = chunks::chunk_size(control, n, 1 << 14);
        let cell_bits = u64::BITS - grid.cells().saturating_sub(1).leading_zeros();
        let keyed = zorder::sort_by_key(points, cell_bits, |p| grid.cell(p), control, chunk)?;
        // Where each cell starts, from the sorted items' keys (no division).
        let mut starts = vec![0u32; grid.cells() as usize + 1];
        let items = &keyed.items;
        let cell_of = |k: usize| items[k].load(Relaxed) >> keyed.index_bits;
        let cell_chunk = chunks::chunk_size(control, starts.len(), 1 << 14);
        chunks::run_mut(control, &mut starts, cell_chunk, |_, first, piece| {
            let mut k = items
                .partition_point(|item| (item.load(Relaxed) >> keyed.index_bits) < first as u64);
            for (c, start) in piece.iter_mut().enumerate() {
                let c = (first + c) as u64;
                while k < n && cell_of(k) < c {
                    k += 1;
                }
                *start = k as u32;
            }
            control.tick(0)
        })?;
        let (order, sorted) = keyed.gather(points, control, chunk)?;
        Ok(Cells {
            grid,
            order,
            sorted,
            starts,
        })
    }
}

impl Cells {
    /// The sorted points of cells `first..=last` of one row, with their place.
    #[inline]
    fn span(&self, row: u64, first: u64, last: u64) -> std::ops::Range<usize> {
        debug_assert!(row < self.grid.rows && first <= last && last < self.grid.columns);
        let base = row * self.grid.columns;
        // `starts` has an entry per cell and one more: cell `c` is `starts[c]..starts[c + 1]`.
        self.starts[(base + first) as usize] as usize
            ..self.starts[(base + last + 1) as usize] as usize
    }

    /// The sorted points of one cell, with their place.
    #[inline]
    pub fn cell(&self, cell: u64) -> std::ops::Range<usize> {
        self.starts[cell as usize] as usize..self.starts[cell as usize + 1] as usize
    }

    /// How many distance evaluations the first pass of a search makes: every point
    /// against the points of the 3 x 3 cells around its own. Counted exactly from
    /// `starts`, in O(cells), so that no input can make that pass quadratic unseen,
    /// whatever the sample of `suits` saw.
    pub fn block_work(&self, control: &dyn Control) -> Result<u64, Stopped> {
        let grid = &self.grid;
        let cells = grid.cells() as usize;
        let chunk = chunks::chunk_size(control, cells, 1 << 14);
        let pieces = chunks::run(control, cells, chunk, |_, range| {
            let mut work = 0u64;
            for cell in range {
                let count = u64::from(self.starts[cell + 1] - self.starts[cell]);
                if count == 0 {
                    continue;
                }
                let (column, row) = (cell as u64 % grid.columns, cell as u64 / grid.columns);
                let (first, last) = (column.saturating_sub(1), (column + 1).min(grid.columns - 1));
                let block: u64 = (row.saturating_sub(1)..=(row + 1).min(grid.rows - 1))
                    .map(|r| self.span(r, first, last).len() as u64)
                    .sum();
                work = work.saturating_add(count.saturating_mul(block));
            }
            control.tick(0)?;
            Ok(work)
        })?;
        Ok(pieces.into_iter().fold(0, u64::saturating_add))
    }

    /// Whether the grid's first pass stays within `WORK_PER_POINT` distance
    /// evaluations a point (see `block_work`).
    pub fn bounded(&self, control: &dyn Control) -> Result<bool, Stopped> {
        let points = self.sorted.len() as u64;
        Ok(self.block_work(control)? <= WORK_PER_POINT.saturating_mul(points))
    }
}

/// Every point's nearest other point on the grid: `answers()` makes each chunk's
/// collector, `done` turns it into the chunk's result.
pub(crate) fn answer_all<A: Answers, R: Send>(
    cells: &Cells,
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
fn scan(cells: &Cells, q: Point, i: u32, range: std::ops::Range<usize>, best: &mut (u64, u32)) {
    for (&p, &id) in cells.sorted[range.clone()].iter().zip(&cells.order[range]) {
        let d = squared(q, p);
        if (d < best.0 || (d == best.0 && id < best.1)) && id != i {
            *best = (d, id);
        }
    }
}

/// Answer the points of `cell`: first against the 3 x 3 cells around it, then ring by
/// ring for the few whose answer may lie farther.
fn answer_cell<A: Answers>(cells: &Cells, cell: u64, answers: &mut A) {
    let grid = &cells.grid;
    let here = cells.cell(cell);
    if here.is_empty() {
        return;
    }
    let (column, row) = (cell % grid.columns, cell / grid.columns);
    // The 3 x 3 block around the cell: three runs of the sorted points, one a row.
    let first = column.saturating_sub(1);
    let last = (column + 1).min(grid.columns - 1);
    let top = row.saturating_sub(1);
    let bottom = (row + 1).min(grid.rows - 1);
    let mut block = [0..0, 0..0, 0..0];
    for (span, r) in block.iter_mut().zip(top..=bottom) {
        *span = cells.span(r, first, last);
    }
    for k in here {
        let (q, i) = (cells.sorted[k], cells.order[k]);
        let mut best = (u64::MAX, u32::MAX);
        for span in &block {
            scan(cells, q, i, span.clone(), &mut best);
        }
        let mut ring = 1u64;
        loop {
            match grid.beyond(q, column, row, ring) {
                None => break,
                // Strictly farther: a point as near beyond could have a lower index.
                // A square beyond u64 saturates, still above any best below u64::MAX.
                Some(bound) if best.0 != u64::MAX && bound.saturating_mul(bound) > best.0 => break,
                Some(_) => ring += 1,
            }
            let first = column.saturating_sub(ring);
            let last = (column + ring).min(grid.columns - 1);
            let top = row.saturating_sub(ring);
            let bottom = (row + ring).min(grid.rows - 1);
            for r in top..=bottom {
                if r + ring == row || r == row + ring {
                    // The ring's top and bottom rows, whole.
                    scan(cells, q, i, cells.span(r, first, last), &mut best);
                } else {
                    if column >= ring {
                        scan(
                            cells,
                            q,
                            i,
                            cells.span(r, column - ring, column - ring),
                            &mut best,
                        );
                    }
                    if column + ring < grid.columns {
                        scan(
                            cells,
                            q,
                            i,
                            cells.span(r, column + ring, column + ring),
                            &mut best,
                        );
                    }
                }
            }
        }
        answers.found(i, best.1, best.0);
    }
}
