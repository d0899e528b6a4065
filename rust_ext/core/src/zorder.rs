//! Points sorted in Z-order (Morton order) with equal positions grouped: the first step
//! of the nearest-neighbour searches and of the greedy route.
//!
//! Z-order keeps points that are near in the plane mostly near in the order, whatever
//! the shape of the input (a line, clusters, a lattice), so that buckets cut from it
//! are compact. The sort is a parallel LSD radix sort of `u64` items that carry a
//! point's key above its index; when key and index do not both fit in 64 bits the key
//! is cut to its high bits and the few runs of equal cut keys are sorted again by
//! their full key. Equal positions become neighbours in the order, lowest index first.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use crate::chunks;
use crate::control::{Control, Stopped};
use crate::point::Point;

/// Bits sorted per radix pass.
const RADIX_BITS: u32 = 11;
const RADIX: usize = 1 << RADIX_BITS;

/// The distinct positions of a set of points, in Z-order, and which points hold each.
#[derive(Debug, Clone, Default)]
pub(crate) struct Grouped {
    /// Every point's index, in Z-order of its position; the points of one position are
    /// side by side, in ascending index.
    pub order: Vec<u32>,
    /// The distinct positions, in Z-order.
    pub positions: Vec<Point>,
    /// For each position, the lowest index holding it.
    pub lowest: Vec<u32>,
    /// For each position, where its points start in `order`; one more entry, `n`, ends it.
    pub starts: Vec<u32>,
    /// The smallest box around all points; the order is the Z-order of positions
    /// relative to its lower corner (see `key`).
    pub low: Point,
    pub high: Point,
}

impl Grouped {
    /// The Z-order key of a position inside the box: positions are sorted by it.
    #[inline]
    pub fn key(&self, p: Point) -> u64 {
        morton(
            p.x.saturating_sub(self.low.x),
            p.y.saturating_sub(self.low.y),
        )
    }

    /// The indices of the points at position `p`, ascending.
    pub fn members(&self, p: usize) -> &[u32] {
        &self.order[self.starts[p] as usize..self.starts[p + 1] as usize]
    }
}

/// Spread the 32 bits of `v` over the even bits of a `u64`.
#[inline]
fn spread(v: u32) -> u64 {
    let mut v = u64::from(v);
    v = (v | (v << 16)) & 0x0000_FFFF_0000_FFFF;
    v = (v | (v << 8)) & 0x00FF_00FF_00FF_00FF;
    v = (v | (v << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
    v = (v | (v << 2)) & 0x3333_3333_3333_3333;
    (v | (v << 1)) & 0x5555_5555_5555_5555
}

/// The Z-order key: the bits of `x` and `y` interleaved, `y` above.
#[inline]
pub(crate) fn morton(x: u32, y: u32) -> u64 {
    spread(x) | (spread(y) << 1)
}

/// The smallest box holding every point: `(min, max)` corners.
pub(crate) fn bounds(points: &[Point], control: &dyn Control) -> Result<(Point, Point), Stopped> {
    let chunk = chunks::chunk_size(control, points.len(), 1 << 14);
    let parts = chunks::run(control, points.len(), chunk, |_, range| {
        let mut low = Point::new(u32::MAX, u32::MAX);
        let mut high = Point::new(0, 0);
        for p in &points[range] {
            low = Point::new(low.x.min(p.x), low.y.min(p.y));
            high = Point::new(high.x.max(p.x), high.y.max(p.y));
        }
        control.tick(0)?;
        Ok((low, high))
    })?;
    Ok(parts.into_iter().fold(
        (Point::new(u32::MAX, u32::MAX), Point::new(0, 0)),
        |(low, high), (l, h)| {
            (
                Point::new(low.x.min(l.x), low.y.min(l.y)),
                Point::new(high.x.max(h.x), high.y.max(h.y)),
            )
        },
    ))
}

/// How the sort items are laid out: the key above `index_bits` bits of index.
#[derive(Debug, Clone, Copy)]
struct Layout {
    origin: Point,
    index_bits: u32,
    /// Bits of the key kept in an item.
    key_bits: u32,
    /// Low bits of the full key cut off to make room for the index.
    cut: u32,
}

impl Layout {
    fn new(count: usize, low: Point, high: Point) -> Self {
        let span = (high.x - low.x).max(high.y - low.y);
        let coordinate_bits = u32::BITS - span.leading_zeros();
        let index_bits = index_bits(count);
        let full_bits = 2 * coordinate_bits;
        let key_bits = full_bits.min(u64::BITS - index_bits);
        Layout {
            origin: low,
            index_bits,
            key_bits,
            cut: full_bits - key_bits,
        }
    }

    #[inline]
    fn full_key(&self, p: Point) -> u64 {
        morton(p.x - self.origin.x, p.y - self.origin.y)
    }

    #[inline]
    fn key_of(&self, item: u64) -> u64 {
        // index_bits is 1..=32: the shift never reaches the width.
        item >> self.index_bits
    }

    #[inline]
    fn index_of(&self, item: u64) -> u32 {
        (item & ((1u64 << self.index_bits) - 1)) as u32
    }
}

/// One LSD pass: `src` to `dst`, stably by the `RADIX_BITS` bits at `shift`.
fn radix_pass(
    control: &dyn Control,
    src: &[AtomicU64],
    dst: &[AtomicU64],
    shift: u32,
    chunk: usize,
) -> Result<(), Stopped> {
    let digit = |item: u64| ((item >> shift) as usize) & (RADIX - 1);
    let counts = chunks::run(control, src.len(), chunk, |_, range| {
        let mut counts = [0u32; RADIX];
        for item in &src[range] {
            counts[digit(item.load(Relaxed))] += 1;
        }
        control.tick(0)?;
        Ok(counts)
    })?;
    // Each chunk writes its items of each digit after those of every earlier digit
    // and after the earlier chunks' items of the same digit: a stable pass.
    let mut starts = counts;
    let mut next = 0u32;
    for d in 0..RADIX {
        for chunk_counts in starts.iter_mut() {
            let count = chunk_counts[d];
            chunk_counts[d] = next;
            next += count;
        }
    }
    chunks::run(control, src.len(), chunk, |c, range| {
        let mut next = starts[c];
        for item in &src[range] {
            let item = item.load(Relaxed);
            let d = digit(item);
            dst[next[d] as usize].store(item, Relaxed);
            next[d] += 1;
        }
        control.tick(0)?;
        Ok(())
    })?;
    Ok(())
}

/// Points sorted by a key: `items` hold `key << index_bits | index`, sorted.
pub(crate) struct Keyed {
    pub items: Vec<AtomicU64>,
    pub index_bits: u32,
}

/// Sort the points by `key(point)` (of at most `key_bits` bits; ties in ascending
/// index: the sort is stable), with a parallel LSD radix sort. At most `u32::MAX`
/// points, and `key_bits + index bits <= 64`.
pub(crate) fn sort_by_key(
    points: &[Point],
    key_bits: u32,
    key: impl Fn(Point) -> u64 + Sync,
    control: &dyn Control,
    chunk: usize,
) -> Result<Keyed, Stopped> {
    let n = points.len();
    let index_bits = index_bits(n);
    // The items, and which key bits differ between any two of them: passes over
    // digits that are the same everywhere change nothing and are skipped.
    debug_assert!(
        key_bits + index_bits <= u64::BITS,
        "a key and an index fit an item"
    );
    let mut items: Vec<AtomicU64> = chunks::collect(control, n, |k| {
        AtomicU64::new((key(points[k]) << index_bits) | k as u64)
    });
    let bits = chunks::run(control, n, chunk, |_, range| {
        let (mut any, mut all) = (0u64, u64::MAX);
        for item in &items[range] {
            let item = item.load(Relaxed);
            any |= item;
            all &= item;
        }
        control.tick(0)?;
        Ok((any, all))
    })?;
    let differ = bits.iter().fold(0u64, |acc, &(any, _)| acc | any)
        ^ bits.iter().fold(u64::MAX, |acc, &(_, all)| acc & all);
    let differ_key = differ >> index_bits;
    let mut spare: Vec<AtomicU64> = chunks::collect(control, n, |_| AtomicU64::new(0));
    let mut shift = 0;
    while shift < key_bits {
        if (differ_key >> shift) & (RADIX as u64 - 1) != 0 {
            radix_pass(control, &items, &spare, index_bits + shift, chunk)?;
            std::mem::swap(&mut items, &mut spare);
        }
        shift += RADIX_BITS;
    }
    Ok(Keyed { items, index_bits })
}

/// Bits for an index below `count`.
pub(crate) fn index_bits(count: usize) -> u32 {
    (usize::BITS - count.saturating_sub(1).leading_zeros()).max(1)
}

impl Keyed {
    /// The indices in sorted order, and the points in that order.
    pub fn gather(
        self,
        points: &[Point],
        control: &dyn Control,
        chunk: usize,
    ) -> Result<(Vec<u32>, Vec<Point>), Stopped> {
        let n = self.items.len();
        let mask = (1u64 << self.index_bits) - 1;
        let mut order = vec![0u32; n];
        chunks::run_mut(control, &mut order, chunk, |_, first, piece| {
            let source = &self.items[first..first + piece.len()];
            for (slot, item) in piece.iter_mut().zip(source) {
                *slot = (item.load(Relaxed) & mask) as u32;
            }
            control.tick(0)?;
            Ok(())
        })?;
        drop(self.items);
        let mut sorted = chunks::collect(control, n, |_| Point::default());
        chunks::run_mut(control, &mut sorted, chunk, |_, first, piece| {
            let source = &order[first..first + piece.len()];
            for (slot, &i) in piece.iter_mut().zip(source) {
                *slot = points[i as usize];
            }
            control.tick(0)?;
            Ok(())
        })?;
        Ok((order, sorted))
    }
}

/// Sort `points` into Z-order and group equal positions. At most `u32::MAX` points.
pub(crate) fn group(points: &[Point], control: &dyn Control) -> Result<Grouped, Stopped> {
    let n = points.len();
    if n == 0 {
        return Ok(Grouped {
            starts: vec![0],
            ..Grouped::default()
        });
    }
    assert!(
        n < u32::MAX as usize,
        "callers refuse more than u32::MAX - 1 points"
    );
    let (low, high) = bounds(points, control)?;
    let layout = Layout::new(n, low, high);
    let chunk = chunks::chunk_size(control, n, 1 << 14);
    let keyed = sort_by_key(
        points,
        layout.key_bits,
        // cut <= 32: a key keeps at least 32 bits beside an index of at most 32.
        |p| layout.full_key(p) >> layout.cut,
        control,
        chunk,
    )?;
    if layout.cut > 0 {
        sort_cut_runs(points, &keyed.items, layout, control, chunk)?;
    }
    let (order, sorted) = keyed.gather(points, control, chunk)?;
    let mut grouped = distinct_positions(order, &sorted, control, chunk)?;
    grouped.low = low;
    grouped.high = high;
    Ok(grouped)
}

/// With a cut key, points of one cell share a key: sort each such run by full key
/// (its points are few unless the input has tight clusters far apart), so that equal
/// positions end side by side, lowest index first, and the order is the Z-order.
fn sort_cut_runs(
    points: &[Point],
    items: &[AtomicU64],
    layout: Layout,
    control: &dyn Control,
    chunk: usize,
) -> Result<(), Stopped> {
    let key = |k: usize| layout.key_of(items[k].load(Relaxed));
    chunks::run(control, items.len(), chunk, |_, range| {
        // Runs that start in this chunk belong to it, even when they end beyond it.
        let mut k = range.start;
        while k > 0 && k < range.end && key(k) == key(k - 1) {
            k += 1;
        }
        let mut run: Vec<(u64, u32)> = Vec::new();
        let mut spare: Vec<(u64, u32)> = Vec::new();
        let low_bits = (1u64 << layout.cut) - 1;
        while k < range.end {
            let mut end = k + 1;
            while end < items.len() && key(end) == key(k) {
                end += 1;
            }
            if end - k > 1 {
                run.clear();
                run.extend(items[k..end].iter().map(|item| {
                    let i = layout.index_of(item.load(Relaxed));
                    (layout.full_key(points[i as usize]) & low_bits, i)
                }));
                sort_run(&mut run, &mut spare);
                // The run shares its key: only the indices move.
                let shared = items[k].load(Relaxed) & !((1u64 << layout.index_bits) - 1);
                for (slot, &(_, i)) in items[k..end].iter().zip(&run) {
                    slot.store(shared | u64::from(i), Relaxed);
                }
            }
            k = end;
        }
        control.tick(0)?;
        Ok(())
    })?;
    Ok(())
}

/// Sort `(low key bits, index)` pairs, given in ascending index, by key then index:
/// byte-wise LSD passes for long runs (a cluster in one cut cell), else a plain sort.
fn sort_run(run: &mut Vec<(u64, u32)>, spare: &mut Vec<(u64, u32)>) {
    if run.len() < 64 {
        run.sort_unstable();
        return;
    }
    let any = run.iter().fold(0u64, |acc, &(key, _)| acc | key);
    let all = run.iter().fold(u64::MAX, |acc, &(key, _)| acc & key);
    for shift in (0..u64::BITS).step_by(8) {
        if ((any ^ all) >> shift) & 0xFF == 0 {
            continue;
        }
        let mut starts = [0usize; 257];
        for &(key, _) in run.iter() {
            starts[((key >> shift) & 0xFF) as usize + 1] += 1;
        }
        for d in 0..256 {
            starts[d + 1] += starts[d];
        }
        spare.clear();
        spare.resize(run.len(), (0, 0));
        for &pair in run.iter() {
            let d = ((pair.0 >> shift) & 0xFF) as usize;
            // The counts above make `starts[d]` below `run.len()` for every pair of digit `d`.
            spare[starts[d]] = pair;
            starts[d] += 1;
        }
        std::mem::swap(run, spare);
    }
}

/// Cut `items` into consecutive pieces of the given lengths.
pub(crate) fn split_by_lengths<'a, T>(
    mut items: &'a mut [T],
    lengths: &[usize],
) -> Vec<&'a mut [T]> {
    let mut pieces = Vec::with_capacity(lengths.len());
    for &length in lengths {
        let (piece, rest) = items.split_at_mut(length.min(items.len()));
        pieces.push(piece);
        items = rest;
    }
    pieces
}

/// The distinct positions of `sorted` (points in Z-order, `order` their indices).
fn distinct_positions(
    order: Vec<u32>,
    sorted: &[Point],
    control: &dyn Control,
    chunk: usize,
) -> Result<Grouped, Stopped> {
    let starts_here = |k: usize| k == 0 || sorted[k] != sorted[k - 1];
    let counts = chunks::run(control, sorted.len(), chunk, |_, range| {
        let count = range.filter(|&k| starts_here(k)).count();
        control.tick(0)?;
        Ok(count)
    })?;
    let m: usize = counts.iter().sum();
    let mut positions = vec![Point::default(); m];
    let mut lowest = vec![0u32; m];
    let mut starts = vec![0u32; m + 1];
    starts[m] = sorted.len() as u32;
    let pieces: Vec<_> = split_by_lengths(&mut positions, &counts)
        .into_iter()
        .zip(split_by_lengths(&mut lowest, &counts))
        .zip(split_by_lengths(&mut starts, &counts))
        .collect();
    let fill =
        |c: usize, ((positions, lowest), starts): ((&mut [Point], &mut [u32]), &mut [u32])| {
            let begin = c * chunk;
            let end = sorted.len().min(begin + chunk);
            let mut p = 0;
            for k in begin..end {
                if starts_here(k) {
                    // The chunk's piece has room for exactly the positions it counted.
                    positions[p] = sorted[k];
                    lowest[p] = order[k];
                    starts[p] = k as u32;
                    p += 1;
                }
            }
            control.tick(0)
        };
    if control.threads() <= 1 {
        pieces
            .into_iter()
            .enumerate()
            .try_for_each(|(c, piece)| fill(c, piece))?;
    } else {
        use rayon::prelude::*;
        pieces
            .into_par_iter()
            .enumerate()
            .try_for_each(|(c, piece)| fill(c, piece))?;
    }
    Ok(Grouped {
        order,
        positions,
        lowest,
        starts,
        ..Grouped::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::Sequential;
    use crate::test_support::lcg;

    fn check(points: &[Point]) {
        let grouped = group(points, &Sequential).unwrap();
        let low_x = points.iter().map(|p| p.x).min().unwrap_or(0);
        let low_y = points.iter().map(|p| p.y).min().unwrap_or(0);
        let mut expected: Vec<(u64, u32)> = points
            .iter()
            .enumerate()
            .map(|(i, p)| (morton(p.x - low_x, p.y - low_y), i as u32))
            .collect();
        expected.sort_unstable();
        let order: Vec<u32> = expected.iter().map(|&(_, i)| i).collect();
        assert_eq!(grouped.order, order);
        let mut positions: Vec<Point> = order.iter().map(|&i| points[i as usize]).collect();
        positions.dedup();
        assert_eq!(grouped.positions, positions);
        for (p, position) in grouped.positions.iter().enumerate() {
            let members = grouped.members(p);
            assert!(!members.is_empty());
            assert_eq!(members[0], grouped.lowest[p]);
            assert!(members.iter().all(|&i| points[i as usize] == *position));
        }
    }

    #[test]
    fn z_order_with_groups() {
        let mut seed = 3;
        for side in [1u32, 2, 7, 1 << 12, 1 << 20, u32::MAX] {
            for n in [1usize, 2, 3, 40, 3000] {
                let points: Vec<Point> = (0..n)
                    .map(|_| Point::new(lcg(&mut seed) % side, lcg(&mut seed) % side))
                    .collect();
                check(&points);
            }
        }
        // Cut keys with big runs: tight clusters at the far ends of the range.
        let mut points: Vec<Point> = (0..5000)
            .map(|k| Point::new(k % 37, (k * 7) % 41))
            .collect();
        points.push(Point::new(u32::MAX, u32::MAX));
        points.push(Point::new(0, u32::MAX));
        check(&points);
        check(&[Point::new(u32::MAX, 0), Point::new(0, u32::MAX)]);
        check(&[]);
    }
}
