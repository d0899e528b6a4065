//! All nearest neighbours on a sparse grid of Z-order cells: the fast path for inputs
//! the uniform grid cannot take (clusters, diagonals, a few columns) as long as their
//! points are about as dense wherever there are any.
//!
//! The cells are the squares of one Z-order level over the distinct positions (already
//! sorted, see `zorder`): runs of equal key prefixes. The level is the coarsest that
//! keeps about `POSITIONS_PER_CELL` positions a cell; a hash table finds a cell from
//! its coordinates. A query compares against the 3 x 3 cells around its own, then
//! ring 2; the rare query whose answer may lie farther still (an isolated point) is
//! answered by the tree. Inputs whose positions crowd some cells at that level (very
//! uneven densities) are left to the tree altogether.

use crate::buckets::{squared, Buckets};
use crate::chunks;
use crate::control::{Control, Stopped};
use crate::nearest::{better, Answers};
use crate::zorder::Grouped;

/// Positions per occupied cell aimed at.
const POSITIONS_PER_CELL: usize = 8;

/// Rings searched on the grid before a query goes to the tree.
const MAX_RING: u64 = 3;

/// The occupied cells of one level, and a hash table from cell coordinates to them.
pub(crate) struct Cells {
    /// Cell side: `1 << level`.
    level: u32,
    /// Where each cell's positions start; one more entry ends the last.
    starts: Vec<u32>,
    /// Open addressing: `(morton(column, row) + 1, cell)`, 0 for an empty slot.
    table: Vec<(u64, u32)>,
    /// Cells per axis (the rest is outside the bounding box).
    columns: u64,
    rows: u64,
}

#[inline]
fn slot_of(key: u64, mask: usize) -> usize {
    // Fibonacci hashing: neighbouring cells spread over the table.
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize & mask
}

impl Cells {
    /// The cells for `grouped`, or `None` when no level keeps cells evenly filled.
    pub fn new(grouped: &Grouped, control: &dyn Control) -> Result<Option<Cells>, Stopped> {
        let m = grouped.positions.len();
        if m < 2 {
            return Ok(None);
        }
        let keys_at = |p: usize| grouped.key(grouped.positions[p]);
        // Where consecutive positions part: the highest bit in which their keys differ.
        let chunk = chunks::chunk_size(control, m, 1 << 14);
        let histograms = chunks::run(control, m, chunk, |_, range| {
            let mut histogram = [0u32; 65];
            let mut previous = keys_at(range.start.saturating_sub(1));
            for p in range {
                let key = keys_at(p);
                histogram[(u64::BITS - (key ^ previous).leading_zeros()) as usize] += 1;
                previous = key;
            }
            control.tick(0)?;
            Ok(histogram)
        })?;
        let mut parted = [0usize; 65];
        for histogram in &histograms {
            for (total, &count) in parted.iter_mut().zip(histogram) {
                *total += count as usize;
            }
        }
        // Cells of level k: 1 + the positions parting from the previous one in a bit
        // at or above 2k. The coarsest level with enough cells.
        let wanted = m / POSITIONS_PER_CELL;
        let mut level = 0;
        for k in (0..32u32).rev() {
            let cells = 1 + parted[(2 * k + 1) as usize..].iter().sum::<usize>();
            if cells >= wanted {
                level = k;
                break;
            }
        }
        let shift = 2 * level;
        let mut starts = Vec::with_capacity(m / POSITIONS_PER_CELL + 2);
        let mut previous = u64::MAX;
        let mut crowding = 0usize;
        for p in 0..m {
            let prefix = keys_at(p) >> shift;
            if prefix != previous || p == 0 {
                starts.push(p as u32);
                previous = prefix;
            }
            if p % (1 << 16) == 0 {
                control.tick(0)?;
            }
        }
        starts.push(m as u32);
        for pair in starts.windows(2) {
            let c = (pair[1] - pair[0]) as usize;
            crowding += c * c;
        }
        // Evenly filled cells of about c positions give a sum of squared counts of
        // about (c + 1) m; allow three times that, so that the search stays linear.
        if crowding > 3 * (POSITIONS_PER_CELL + 1) * m {
            return Ok(None);
        }
        let cells = starts.len() - 1;
        let capacity = (2 * cells).next_power_of_two();
        let mut table = vec![(0u64, 0u32); capacity];
        for (cell, &start) in starts.iter().take(cells).enumerate() {
            let key = (keys_at(start as usize) >> shift) + 1;
            let mut slot = slot_of(key, capacity - 1);
            while table[slot].0 != 0 {
                slot = (slot + 1) & (capacity - 1);
            }
            table[slot] = (key, cell as u32);
        }
        let span = |low: u32, high: u32| (u64::from(high - low) >> level) + 1;
        Ok(Some(Cells {
            level,
            starts,
            table,
            columns: span(grouped.low.x, grouped.high.x),
            rows: span(grouped.low.y, grouped.high.y),
        }))
    }

    /// The positions of the cell at `column`, `row`, if it holds any.
    #[inline]
    fn positions(&self, column: u64, row: u64) -> std::ops::Range<usize> {
        let key = crate::zorder::morton(column as u32, row as u32) + 1;
        let mask = self.table.len() - 1;
        let mut slot = slot_of(key, mask);
        loop {
            match self.table[slot] {
                (k, cell) if k == key => {
                    return self.starts[cell as usize] as usize
                        ..self.starts[cell as usize + 1] as usize;
                }
                (0, _) => return 0..0,
                _ => slot = (slot + 1) & mask,
            }
        }
    }

    /// A lower bound on the distance from `q` (relative to the box) in cell `column`,
    /// `row` to any cell outside rings `0..=ring`; `None` when none is outside.
    #[inline]
    fn beyond(&self, x: u64, y: u64, column: u64, row: u64, ring: u64) -> Option<u64> {
        let side = 1u64 << self.level;
        let mut bound: Option<u64> = None;
        let mut keep = |gap: u64| bound = Some(bound.map_or(gap, |b| b.min(gap)));
        if column > ring {
            keep(x + 1 - (column - ring) * side);
        }
        if column + ring + 1 < self.columns {
            keep((column + ring + 1) * side - x);
        }
        if row > ring {
            keep(y + 1 - (row - ring) * side);
        }
        if row + ring + 1 < self.rows {
            keep((row + ring + 1) * side - y);
        }
        bound
    }
}

/// Every position's answer, a chunk of cells at a time; `None` from `Cells::new` means
/// the caller uses the tree instead.
pub(crate) fn answer_all<A: Answers, R: Send>(
    grouped: &Grouped,
    cells: &Cells,
    tree: &Buckets,
    control: &dyn Control,
    answers: impl Fn() -> A + Sync,
    done: impl Fn(A) -> R + Sync,
) -> Result<Vec<R>, Stopped> {
    let count = cells.starts.len().saturating_sub(1);
    let chunk = (chunks::chunk_size(control, grouped.positions.len(), 1 << 12).min(1 << 14)
        / POSITIONS_PER_CELL)
        .max(1);
    chunks::run(control, count, chunk, |_, range| {
        let mut collector = answers();
        // The 3 x 3 cells around a cell: `(column offset, row offset, positions)`,
        // its own first, then edges, then corners (nearest cells first).
        let mut around: [(i8, i8, std::ops::Range<usize>); 9] = Default::default();
        let mut to_tree: Vec<usize> = Vec::new();
        let mut stack = Vec::with_capacity(64);
        for cell in range.clone() {
            let (start, end) = (cells.starts[cell] as usize, cells.starts[cell + 1] as usize);
            // A cell is a run of one or more positions.
            let first = grouped.positions[start];
            let x0 = u64::from(first.x - grouped.low.x);
            let y0 = u64::from(first.y - grouped.low.y);
            let (column, row) = (x0 >> cells.level, y0 >> cells.level);
            let mut gathered = false;
            for p in start..end {
                let members = grouped.members(p);
                if let [lowest, second, rest @ ..] = members {
                    collector.found(*lowest, *second, 0);
                    collector.found(*second, *lowest, 0);
                    for &i in rest {
                        collector.found(i, *lowest, 0);
                    }
                    continue;
                }
                let (q, i) = (grouped.positions[p], grouped.lowest[p]);
                if !gathered {
                    gathered = true;
                    const OFFSETS: [(i8, i8); 9] = [
                        (0, 0),
                        (-1, 0),
                        (1, 0),
                        (0, -1),
                        (0, 1),
                        (-1, -1),
                        (1, -1),
                        (-1, 1),
                        (1, 1),
                    ];
                    for (slot, &(dc, dr)) in around.iter_mut().zip(&OFFSETS) {
                        let c = column.checked_add_signed(i64::from(dc));
                        let r = row.checked_add_signed(i64::from(dr));
                        let span = match (c, r) {
                            (Some(c), Some(r)) if c < cells.columns && r < cells.rows => {
                                cells.positions(c, r)
                            }
                            _ => 0..0,
                        };
                        *slot = (dc, dr, span);
                    }
                }
                let (x, y) = (
                    u64::from(q.x - grouped.low.x),
                    u64::from(q.y - grouped.low.y),
                );
                // How far q is inside its cell from each side, for the neighbours' gaps.
                let side = 1u64 << cells.level;
                let (dx_low, dy_low) = (
                    x - (column << cells.level) + 1,
                    y - (row << cells.level) + 1,
                );
                let (dx_high, dy_high) = (side + 1 - dx_low, side + 1 - dy_low);
                let mut best = (u64::MAX, u32::MAX);
                for (dc, dr, span) in &around {
                    let gap_x = match dc {
                        -1 => dx_low,
                        1 => dx_high,
                        _ => 0,
                    };
                    let gap_y = match dr {
                        -1 => dy_low,
                        1 => dy_high,
                        _ => 0,
                    };
                    // Strictly farther than the best: nothing to win there.
                    if (gap_x * gap_x).saturating_add(gap_y * gap_y) > best.0 || span.is_empty() {
                        continue;
                    }
                    let points = &grouped.positions[span.clone()];
                    let ids = &grouped.lowest[span.clone()];
                    for (&p, &id) in points.iter().zip(ids) {
                        let candidate = (squared(q, p), id);
                        if better(candidate, best) && id != i {
                            best = candidate;
                        }
                    }
                }
                let mut ring = 1;
                let answered = loop {
                    match cells.beyond(x, y, column, row, ring) {
                        None => break true,
                        Some(bound)
                            if best.0 != u64::MAX && bound.saturating_mul(bound) > best.0 =>
                        {
                            break true
                        }
                        Some(_) if ring >= MAX_RING => break false,
                        Some(_) => ring += 1,
                    }
                    let top = row.saturating_sub(ring);
                    let bottom = (row + ring).min(cells.rows - 1);
                    let left = column.saturating_sub(ring);
                    let right = (column + ring).min(cells.columns - 1);
                    for r in top..=bottom {
                        for c in left..=right {
                            if r.abs_diff(row) != ring && c.abs_diff(column) != ring {
                                continue;
                            }
                            let span = cells.positions(c, r);
                            let points = &grouped.positions[span.clone()];
                            let ids = &grouped.lowest[span];
                            for (&p, &id) in points.iter().zip(ids) {
                                let candidate = (squared(q, p), id);
                                if better(candidate, best) && id != i {
                                    best = candidate;
                                }
                            }
                        }
                    }
                };
                if answered {
                    collector.found(i, best.1, best.0);
                } else {
                    to_tree.push(p);
                }
            }
        }
        // Isolated points: their leaves on the tree (which answers a whole leaf again,
        // with the same answers).
        let mut last_leaf = usize::MAX;
        for &p in &to_tree {
            let leaf = tree.leaf_of(p);
            if leaf != last_leaf {
                crate::nearest::answer_leaf(tree, grouped, leaf, &mut stack, &mut collector);
                last_leaf = leaf;
            }
        }
        let first = cells.starts[range.start] as usize;
        let end = cells.starts[range.end] as usize;
        let points_done = grouped.starts[end] - grouped.starts[first];
        control.tick(points_done as usize)?;
        Ok(done(collector))
    })
}
