//! All nearest neighbours on the sparse grid (`sparse.rs`): a query compares against
//! the 3 x 3 cells around its own, then the rings farther out up to `MAX_RING`; the
//! rare query whose answer may lie farther still (an isolated point) is answered by
//! the tree.

use crate::buckets::Buckets;
use crate::chunks;
use crate::control::{Control, Stopped};
use crate::geometry::{better, squared, Best, NO_CANDIDATE};
use crate::sparse::{SparseGrid, POSITIONS_PER_CELL};
use crate::zorder::Grouped;

use super::tree::answer_leaf;
use super::{answer_twins, Answers};

/// Rings searched on the grid before a query goes to the tree.
const MAX_RING: u64 = 3;

/// Every position's answer, a chunk of cells at a time, on the sparse grid `cells`
/// of `grouped` beside its tree.
pub(crate) fn answer_all<A: Answers, R: Send>(
    grouped: &Grouped,
    cells: &SparseGrid,
    tree: &Buckets,
    control: &dyn Control,
    answers: impl Fn() -> A + Sync,
    done: impl Fn(A) -> R + Sync,
) -> Result<Vec<R>, Stopped> {
    let lattice = &cells.lattice;
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
                if answer_twins(grouped.members(p), &mut collector) {
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
                            (Some(c), Some(r)) if c < lattice.columns && r < lattice.rows => {
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
                let side = lattice.side;
                let (dx_low, dy_low) = (
                    x - (column << cells.level) + 1,
                    y - (row << cells.level) + 1,
                );
                let (dx_high, dy_high) = (side + 1 - dx_low, side + 1 - dy_low);
                let mut best = NO_CANDIDATE;
                let scan = |span: std::ops::Range<usize>, best: &mut Best| {
                    let points = &grouped.positions[span.clone()];
                    let ids = &grouped.lowest[span];
                    for (&p, &id) in points.iter().zip(ids) {
                        let candidate = (squared(q, p), id);
                        if better!(candidate, *best) && id != i {
                            *best = candidate;
                        }
                    }
                };
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
                    scan(span.clone(), &mut best);
                }
                let mut ring = 1;
                let answered = loop {
                    if !lattice.nearer_beyond(x, y, column, row, ring, best.0) {
                        break true;
                    }
                    if ring >= MAX_RING {
                        break false;
                    }
                    ring += 1;
                    lattice.ring(column, row, ring, |r, first, last| {
                        for c in first..=last {
                            scan(cells.positions(c, r), &mut best);
                        }
                    });
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
                answer_leaf(tree, grouped, leaf, &mut stack, &mut collector);
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
