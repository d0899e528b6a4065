//! The uniform grid: the index for inputs spread evenly over their bounding box or
//! along an axis-parallel line, which a sample recognises and an exact count confirms.
//!
//! Square cells, about `POINTS_PER_CELL` points each, numbered row by row; the points
//! are radix-sorted by cell (stably, so a cell's points are in ascending index), so
//! that the cells of one row are contiguous in the sorted points: a search scans the
//! rings of cells around a query's own (`nearest/grid.rs`, `route/grid.rs`). Equal
//! positions need no grouping: they share a cell and are found at distance 0. Inputs
//! that crowd some cells (clusters, diagonals, a few columns, heavy duplication) would
//! make those searches quadratic: they go to the tree (`index.rs`), which nothing
//! degrades.

use std::sync::atomic::Ordering::Relaxed;

use crate::chunks;
use crate::control::{Control, Stopped};
use crate::geometry::{Lattice, Rect};
use crate::point::Point;
use crate::zorder;

/// Points per cell aimed at by the all-nearest search: measured on 1M uniform points
/// (instructions a point: 795 at 1, 819 at 1.5, 874 at 2).
pub(crate) const POINTS_PER_CELL: f64 = 1.0;

/// Distance evaluations a point at most in the grid's first pass
/// (`UniformGrid::block_work`): evenly spread points make about 10 (their own cell
/// holds 2 on average, counting themselves, and the eight around it 1 each); inputs
/// above twice that go to the tree.
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
    lattice: Lattice,
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
            lattice: Lattice {
                side,
                columns: (width - 1) / side + 1,
                rows: (height - 1) / side + 1,
            },
        }
    }

    /// The cells as a lattice: their rings, and a lower bound on what lies beyond.
    #[inline]
    pub fn lattice(&self) -> &Lattice {
        &self.lattice
    }

    #[inline]
    pub fn columns(&self) -> u64 {
        self.lattice.columns
    }

    #[inline]
    pub fn rows(&self) -> u64 {
        self.lattice.rows
    }

    pub fn cells(&self) -> u64 {
        self.lattice.columns * self.lattice.rows
    }

    /// Whether a cell outside rings `0..=ring` around cell `column`, `row` may hold a
    /// point better than `best` for the query `q` in that cell (see `Lattice`).
    #[inline]
    pub fn nearer_beyond(&self, q: Point, column: u64, row: u64, ring: u64, best: u64) -> bool {
        let (x, y) = (u64::from(q.x - self.low.x), u64::from(q.y - self.low.y));
        self.lattice.nearer_beyond(x, y, column, row, ring, best)
    }

    #[inline]
    pub fn column_row(&self, p: Point) -> (u64, u64) {
        (
            u64::from(p.x.saturating_sub(self.low.x)) / self.lattice.side,
            u64::from(p.y.saturating_sub(self.low.y)) / self.lattice.side,
        )
    }

    #[inline]
    pub fn cell(&self, p: Point) -> u64 {
        let (column, row) = self.column_row(p);
        column + self.lattice.columns * row
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

/// When more than half of `points` fall in one cell of `grid` (a grid over the box
/// `within`, whose points alone are counted), the box around the points of that cell:
/// the part of the input a grid of its own may suit although the
/// grid over the whole box does not (a dense square among points spread far and wide,
/// or evenly spread points with a few strays far away). `None` otherwise, or when that
/// box is a single position. Two passes, no memory beyond the chunks' results: the
/// majority vote of Boyer and Moore finds the only cell that can hold more than half
/// (each chunk votes, the votes combine), then a count confirms it.
pub(crate) fn crowded_cell(
    points: &[Point],
    grid: &Grid,
    within: Rect,
    control: &dyn Control,
) -> Result<Option<Rect>, Stopped> {
    let n = points.len();
    let chunk = chunks::chunk_size(control, n, 1 << 14);
    let votes = chunks::run(control, n, chunk, |_, range| {
        let (mut candidate, mut votes) = (0u64, 0usize);
        for &p in points[range].iter().filter(|&&p| within.contains(p)) {
            let cell = grid.cell(p);
            if votes == 0 {
                candidate = cell;
            }
            if cell == candidate {
                votes += 1;
            } else {
                votes -= 1;
            }
        }
        control.tick(0)?;
        Ok((candidate, votes))
    })?;
    // A cell holding more than half of all points holds more than half of some
    // chunk's, and survives the merge of the chunks' votes (the vote is associative
    // in this form: equal candidates add, different ones cancel).
    let (candidate, votes) = votes.into_iter().fold((0, 0), |(c, v), (d, w)| {
        if c == d {
            (c, v + w)
        } else if v >= w {
            (c, v - w)
        } else {
            (d, w - v)
        }
    });
    if votes == 0 {
        return Ok(None);
    }
    let parts = chunks::run(control, n, chunk, |_, range| {
        let (mut count, mut rect) = (0usize, Rect::EMPTY);
        for &p in points[range].iter().filter(|&&p| within.contains(p)) {
            if grid.cell(p) == candidate {
                count += 1;
                rect = rect.union(Rect { min: p, max: p });
            }
        }
        control.tick(0)?;
        Ok((count, rect))
    })?;
    let (count, rect) = parts
        .into_iter()
        .fold((0, Rect::EMPTY), |(c, r), (d, s)| (c + d, r.union(s)));
    Ok((2 * count > n && rect.min != rect.max).then_some(rect))
}

/// The uniform grid as an index: the points sorted by cell, and where each cell's
/// points start.
pub(crate) struct UniformGrid {
    pub grid: Grid,
    pub order: Vec<u32>,
    pub sorted: Vec<Point>,
    pub starts: Vec<u32>,
}

impl UniformGrid {
    /// `points` sorted by cell of `grid` (stably: a cell's points in ascending index).
    pub fn new(
        points: &[Point],
        grid: Grid,
        control: &dyn Control,
    ) -> Result<UniformGrid, Stopped> {
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
        Ok(UniformGrid {
            grid,
            order,
            sorted,
            starts,
        })
    }
}

impl UniformGrid {
    /// The sorted points of cells `first..=last` of one row, with their place.
    #[inline]
    pub fn span(&self, row: u64, first: u64, last: u64) -> std::ops::Range<usize> {
        debug_assert!(row < self.grid.rows() && first <= last && last < self.grid.columns());
        let base = row * self.grid.columns();
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
                let (columns, rows) = (grid.columns(), grid.rows());
                let (column, row) = (cell as u64 % columns, cell as u64 / columns);
                let (first, last) = (column.saturating_sub(1), (column + 1).min(columns - 1));
                let block: u64 = (row.saturating_sub(1)..=(row + 1).min(rows - 1))
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
