//! What every spatial search shares: the `u64` squared distance, boxes, the tie rule
//! between candidates, and the rings of square cells that the grids scan outwards.

use crate::point::Point;

/// The squared distance of two points, in `u64`: exact below `u64::MAX`, and
/// `u64::MAX` when the exact value is `u64::MAX` or more (only points about 2^32
/// apart, which a caller settles exactly).
#[inline]
pub(crate) fn squared(a: Point, b: Point) -> u64 {
    #[cfg(test)]
    crate::test_support::count_evaluation();
    // |dx| < 2^32, so dx * dx < 2^64: the wrapping i64 product has its bits.
    let dx = i64::from(a.x) - i64::from(b.x);
    let dy = i64::from(a.y) - i64::from(b.y);
    (dx.wrapping_mul(dx) as u64).saturating_add(dy.wrapping_mul(dy) as u64)
}

/// The best candidate so far: `(squared distance, index)`, compared as a pair so
/// that equal distances go to the lower index.
pub(crate) type Best = (u64, u32);

/// No candidate yet: worse than any.
pub(crate) const NO_CANDIDATE: Best = (u64::MAX, u32::MAX);

/// Whether the candidate `(squared distance, index)` is better than `best`: nearer,
/// or as near with a lower index (the tie rule of every search). Written with `||`
/// rather than as a tuple comparison: equal distances are rare, and the branch on
/// them is predicted. A macro rather than a function, so that in an `if` it stays
/// those branches: as a function's `bool` it is computed whole first, which took 9%
/// more instructions in the uniform grid's all-nearest search (examples/kernel_timing
/// under cachegrind). The operands are expanded more than once: pass plain values.
macro_rules! better {
    (($distance:expr, $index:expr), $best:expr) => {
        ($distance < $best.0 || ($distance == $best.0 && $index < $best.1))
    };
    ($candidate:ident, $best:expr) => {
        $crate::geometry::better!(($candidate.0, $candidate.1), $best)
    };
}
pub(crate) use better;

/// An axis-aligned box, corners included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rect {
    pub min: Point,
    pub max: Point,
}

/// The gap between the intervals `[lo_a, hi_a]` and `[lo_b, hi_b]`: 0 when they meet.
/// In `i64`, so that it compiles to subtractions and maxima, with no branch.
#[inline]
fn gap(lo_a: u32, hi_a: u32, lo_b: u32, hi_b: u32) -> u64 {
    let below = i64::from(lo_b) - i64::from(hi_a);
    let above = i64::from(lo_a) - i64::from(hi_b);
    below.max(above).max(0) as u64
}

impl Rect {
    /// The box of no point: the neutral element of `union`.
    pub const EMPTY: Rect = Rect {
        min: Point::new(u32::MAX, u32::MAX),
        max: Point::new(0, 0),
    };

    #[inline]
    pub fn union(self, other: Rect) -> Rect {
        Rect {
            min: Point::new(self.min.x.min(other.min.x), self.min.y.min(other.min.y)),
            max: Point::new(self.max.x.max(other.max.x), self.max.y.max(other.max.y)),
        }
    }

    pub fn around(points: &[Point]) -> Rect {
        points
            .iter()
            .fold(Rect::EMPTY, |rect, &p| rect.union(Rect { min: p, max: p }))
    }

    #[inline]
    pub fn contains(&self, p: Point) -> bool {
        self.min.x <= p.x && p.x <= self.max.x && self.min.y <= p.y && p.y <= self.max.y
    }

    /// The point of the box nearest to `p`.
    #[inline]
    pub fn clamp(&self, p: Point) -> Point {
        Point::new(
            p.x.clamp(self.min.x, self.max.x),
            p.y.clamp(self.min.y, self.max.y),
        )
    }

    /// The smallest squared distance from `p`, in the box, to a point outside it (the
    /// nearer of two opposite sides is at most 2^31 away: no overflow).
    #[inline]
    pub fn squared_to_outside(&self, p: Point) -> u64 {
        debug_assert!(self.contains(p));
        let gap = (u64::from(p.x - self.min.x))
            .min(u64::from(self.max.x - p.x))
            .min(u64::from(p.y - self.min.y))
            .min(u64::from(self.max.y - p.y))
            + 1;
        gap * gap
    }

    /// The smallest squared distance from `p` to a point of the box (as `squared`).
    #[inline]
    pub fn squared_to_point(&self, p: Point) -> u64 {
        let dx = gap(self.min.x, self.max.x, p.x, p.x);
        let dy = gap(self.min.y, self.max.y, p.y, p.y);
        (dx * dx).saturating_add(dy * dy)
    }

    /// The smallest squared distance between a point of each box (as `squared`).
    #[inline]
    pub fn squared_to_rect(&self, other: &Rect) -> u64 {
        let dx = gap(self.min.x, self.max.x, other.min.x, other.max.x);
        let dy = gap(self.min.y, self.max.y, other.min.y, other.max.y);
        (dx * dx).saturating_add(dy * dy)
    }
}

/// Square cells of one side laid over a box from its low corner, `columns` by `rows`:
/// the uniform grid's cells and the sparse grid's alike. Ring `k` around a cell is
/// the cells whose column or row, whichever is farther, is `k` away from its own
/// (ring 0 is the cell itself).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lattice {
    pub side: u64,
    pub columns: u64,
    pub rows: u64,
}

impl Lattice {
    /// Whether a cell outside rings `0..=ring` around cell `column`, `row` may hold a
    /// point better than `best` (a squared distance) for the query at `x`, `y` (relative
    /// to the low corner) in that cell. Only strictly farther cells are ruled out: a
    /// point as near beyond could have a lower index. A bound whose square is beyond
    /// `u64` saturates, still above any best below `u64::MAX`.
    #[inline]
    pub fn nearer_beyond(
        &self,
        x: u64,
        y: u64,
        column: u64,
        row: u64,
        ring: u64,
        best: u64,
    ) -> bool {
        match self.beyond(x, y, column, row, ring) {
            None => false,
            Some(bound) => best == u64::MAX || bound.saturating_mul(bound) <= best,
        }
    }

    /// A lower bound on the distance from the query at `x`, `y` in cell `column`, `row`
    /// to any cell outside the rings `0..=ring` around it; `None` when there is no such
    /// cell.
    #[inline]
    fn beyond(&self, x: u64, y: u64, column: u64, row: u64, ring: u64) -> Option<u64> {
        let side = self.side;
        let mut bound: Option<u64> = None;
        let mut keep = |gap: u64| bound = Some(bound.map_or(gap, |b| b.min(gap)));
        if column > ring {
            // Points left of the ring have x below its left edge.
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

    /// The cells of ring `ring` around cell `column`, `row` that lie inside the
    /// lattice, as runs along a row: `visit(row, first, last)` for the cells of columns
    /// `first..=last`, rows and columns ascending. Always inlined: `visit` holds the
    /// caller's best candidate, which then stays in registers (left to the inliner, the
    /// uniform grid's searches took 2% more instructions than with the loop written
    /// out).
    #[inline(always)]
    pub fn ring(&self, column: u64, row: u64, ring: u64, mut visit: impl FnMut(u64, u64, u64)) {
        let top = row.saturating_sub(ring);
        let bottom = (row + ring).min(self.rows - 1);
        let first = column.saturating_sub(ring);
        let last = (column + ring).min(self.columns - 1);
        for r in top..=bottom {
            if r + ring == row || r == row + ring {
                // The ring's top and bottom rows, whole.
                visit(r, first, last);
            } else {
                // Middle rows: the ring's two end cells, where inside the lattice.
                if column >= ring {
                    visit(r, column - ring, column - ring);
                }
                if column + ring < self.columns {
                    visit(r, column + ring, column + ring);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_of_points_and_boxes() {
        let far = Rect::around(&[Point::new(u32::MAX, u32::MAX)]);
        let origin = Point::new(0, 0);
        assert_eq!(far.squared_to_point(origin), u64::MAX);
        assert_eq!(
            squared(origin, Point::new(u32::MAX, 0)),
            (u64::from(u32::MAX)).pow(2)
        );
        assert_eq!(
            Rect::around(&[Point::new(3, 4)]).squared_to_rect(&Rect::around(&[origin])),
            25
        );
    }

    #[test]
    fn ties_go_to_the_lower_index() {
        let best: Best = (2, 4);
        assert!(better!((1, 9), best));
        assert!(better!((2, 3), best));
        assert!(!better!((2, 4), best));
        assert!(!better!((2, 5), best));
        assert!(!better!((3, 0), best));
        assert!(better!((u64::MAX - 1, 0), NO_CANDIDATE));
    }

    #[test]
    fn a_ring_is_its_cells_inside_the_lattice() {
        let lattice = Lattice {
            side: 10,
            columns: 5,
            rows: 4,
        };
        for column in 0..lattice.columns {
            for row in 0..lattice.rows {
                for ring in 0..6 {
                    let mut cells = Vec::new();
                    lattice.ring(column, row, ring, |r, first, last| {
                        cells.extend((first..=last).map(|c| (r, c)));
                    });
                    let mut expected = Vec::new();
                    for r in 0..lattice.rows {
                        for c in 0..lattice.columns {
                            if r.abs_diff(row).max(c.abs_diff(column)) == ring {
                                expected.push((r, c));
                            }
                        }
                    }
                    assert_eq!(cells, expected, "{column}, {row}, ring {ring}");
                }
            }
        }
    }
}
