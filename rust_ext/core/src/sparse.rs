//! The sparse grid of Z-order cells: an index beside the tree for the inputs the
//! uniform grid cannot take (clusters, diagonals, a few columns) as long as their
//! points are about as dense wherever there are any.
//!
//! The cells are the squares of one Z-order level over the distinct positions (already
//! sorted, see `zorder`): runs of equal key prefixes. The level is the coarsest that
//! keeps about `POSITIONS_PER_CELL` positions a cell; a hash table finds a cell from
//! its coordinates. Its search is `nearest/sparse.rs`. Inputs whose positions crowd
//! some cells at that level (very uneven densities) are left to the tree altogether.

use crate::chunks;
use crate::control::{Control, Stopped};
use crate::geometry::Lattice;
use crate::zorder::{morton, Grouped};

/// Positions per occupied cell aimed at.
pub(crate) const POSITIONS_PER_CELL: usize = 8;

/// The occupied cells of one level, and a hash table from cell coordinates to them.
pub(crate) struct SparseGrid {
    /// Cell side: `1 << level`.
    pub level: u32,
    /// Where each cell's positions start; one more entry ends the last.
    pub starts: Vec<u32>,
    /// Open addressing: `(morton(column, row) + 1, cell)`, 0 for an empty slot.
    table: Vec<(u64, u32)>,
    /// The cells over the bounding box (the rest of the level's squares is outside it).
    pub lattice: Lattice,
}

#[inline]
fn slot_of(key: u64, mask: usize) -> usize {
    // Fibonacci hashing: neighbouring cells spread over the table.
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize & mask
}

impl SparseGrid {
    /// The cells for `grouped`, or `None` when no level keeps cells evenly filled.
    pub fn new(grouped: &Grouped, control: &dyn Control) -> Result<Option<SparseGrid>, Stopped> {
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
        Ok(Some(SparseGrid {
            level,
            starts,
            table,
            lattice: Lattice {
                side: 1 << level,
                columns: span(grouped.low.x, grouped.high.x),
                rows: span(grouped.low.y, grouped.high.y),
            },
        }))
    }

    /// The positions of the cell at `column`, `row`, if it holds any.
    #[inline]
    pub fn positions(&self, column: u64, row: u64) -> std::ops::Range<usize> {
        let key = morton(column as u32, row as u32) + 1;
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
}
