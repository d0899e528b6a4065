//! Correctly rounded summation, as Python's `math.fsum`.
//!
//! Shewchuk's algorithm keeps the running sum exactly, as a list of non-overlapping
//! partials; partial sums of chunks merge exactly, so a parallel sum is bit-identical
//! to a sequential one, and to Python's `fsum`, whatever the order of the terms.

use crate::chunks;
use crate::control::{Control, Stopped};

/// `math.fsum(values)`, in chunks (in parallel when `threads() > 1`), with the same
/// result whatever the chunks; as fast as an integer addition a value when every value
/// could be a distance between two points (`DistanceSum`).
pub fn fsum(values: &[f64], control: &dyn Control) -> Result<f64, Stopped> {
    let chunk = chunks::chunk_size(control, values.len(), 1 << 15);
    if values.iter().all(|&v| DistanceSum::holds(v)) {
        let sums = chunks::run(control, values.len(), chunk, |_, range| {
            let mut sum = DistanceSum::default();
            for &value in &values[range.clone()] {
                sum.add(value);
            }
            control.tick(range.len())?;
            Ok(sum)
        })?;
        return Ok(sums
            .into_iter()
            .fold(DistanceSum::default(), |mut total, sum| {
                total.merge(sum);
                total
            })
            .value());
    }
    let sums = chunks::run(control, values.len(), chunk, |_, range| {
        let mut sum = ExactSum::new();
        for &value in &values[range.clone()] {
            sum.add(value);
        }
        control.tick(range.len())?;
        Ok(sum)
    })?;
    let mut total = ExactSum::new();
    for sum in &sums {
        total.merge(sum);
    }
    Ok(total.value())
}

/// An exact running sum of distances between points (`Point::dist`), kept as one
/// integer: every such distance is 0 or at least 1 and below 2^33, so its value times
/// 2^52 is an integer below 2^85, and 2^32 of them add up below 2^117. The sum is
/// rounded once at the end, so it is `math.fsum`'s, at the cost of an integer addition
/// a term (`ExactSum` keeps a list of partials for any float).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DistanceSum {
    /// The sum times 2^52.
    scaled: u128,
}

impl DistanceSum {
    /// Whether `value` can be added: +0, or in `1.0..2^33` (every distance between two
    /// points is).
    #[inline]
    pub fn holds(value: f64) -> bool {
        value.to_bits() == 0 || (1.0..8_589_934_592.0).contains(&value)
    }

    /// Add a distance between two points (see `holds`).
    #[inline]
    pub fn add(&mut self, distance: f64) {
        debug_assert!(
            DistanceSum::holds(distance),
            "not a distance between two points: {distance}"
        );
        if distance == 0.0 {
            return;
        }
        let bits = distance.to_bits();
        // distance = mantissa * 2^(exponent - 52), exponent in 0..33.
        let exponent = ((bits >> 52) & 0x7ff) as u32 - 1023;
        let mantissa = (bits & ((1 << 52) - 1)) | (1 << 52);
        self.scaled += u128::from(mantissa) << exponent;
    }

    pub fn merge(&mut self, other: DistanceSum) {
        self.scaled += other.scaled;
    }

    /// The sum, rounded once (`u128 as f64` rounds to nearest, ties to even; the power
    /// of two is exact).
    pub fn value(self) -> f64 {
        self.scaled as f64 * 2f64.powi(-52)
    }
}

/// An exact running sum of finite `f64` values.
#[derive(Debug, Clone, Default)]
pub struct ExactSum {
    partials: Vec<f64>,
}

impl ExactSum {
    pub fn new() -> Self {
        Self::default()
    }

    /// Add `x` exactly.
    pub fn add(&mut self, mut x: f64) {
        let mut kept = 0;
        for k in 0..self.partials.len() {
            let mut y = self.partials[k];
            if x.abs() < y.abs() {
                std::mem::swap(&mut x, &mut y);
            }
            let hi = x + y;
            let lo = y - (hi - x);
            if lo != 0.0 {
                self.partials[kept] = lo;
                kept += 1;
            }
            x = hi;
        }
        self.partials.truncate(kept);
        self.partials.push(x);
    }

    /// Add another exact sum, exactly.
    pub fn merge(&mut self, other: &ExactSum) {
        for &partial in &other.partials {
            self.add(partial);
        }
    }

    /// The sum, rounded once to nearest (ties to even), as CPython's `math.fsum` does.
    pub fn value(&self) -> f64 {
        let partials = &self.partials;
        let mut n = partials.len();
        if n == 0 {
            return 0.0;
        }
        n -= 1;
        let mut hi = partials[n];
        let mut lo = 0.0;
        while n > 0 {
            let x = hi;
            n -= 1;
            let y = partials[n];
            hi = x + y;
            let rounded = hi - x;
            lo = y - rounded;
            if lo != 0.0 {
                break;
            }
        }
        // Half-way cases: round half-even across the remaining partials.
        if n > 0 && ((lo < 0.0 && partials[n - 1] < 0.0) || (lo > 0.0 && partials[n - 1] > 0.0)) {
            let y = lo * 2.0;
            let x = hi + y;
            if y == x - hi {
                hi = x;
            }
        }
        hi
    }
}

impl FromIterator<f64> for ExactSum {
    fn from_iter<I: IntoIterator<Item = f64>>(iter: I) -> Self {
        let mut sum = ExactSum::new();
        for x in iter {
            sum.add(x);
        }
        sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_sums_are_exact_sums() {
        use crate::point::Point;
        let mut seed = 3u64;
        let mut points = vec![Point::new(0, 0), Point::new(u32::MAX, u32::MAX)];
        for _ in 0..5000 {
            points.push(Point::new(
                crate::test_support::lcg(&mut seed),
                crate::test_support::lcg(&mut seed) % 1000,
            ));
        }
        let (mut exact, mut fixed) = (ExactSum::new(), DistanceSum::default());
        for pair in points.windows(2) {
            exact.add(pair[0].dist(pair[1]));
            fixed.add(pair[0].dist(pair[1]));
            assert_eq!(exact.value().to_bits(), fixed.value().to_bits());
        }
    }

    #[test]
    fn exact_where_naive_sums_are_not() {
        let values = [1e100, 1.0, -1e100, 1e-100, 1e50, -1.0, -1e50];
        assert_eq!(values.into_iter().collect::<ExactSum>().value(), 1e-100);
        let tenths = std::iter::repeat_n(0.1, 10).collect::<ExactSum>();
        assert_eq!(tenths.value(), 1.0);
        assert_eq!(ExactSum::new().value(), 0.0);
    }

    #[test]
    fn half_even_rounding_across_partials() {
        // From CPython's test_math: fsum([1.0, 2**-53, 2**-106]) rounds up.
        let values = [1.0, 2f64.powi(-53), 2f64.powi(-106)];
        assert_eq!(
            values.into_iter().collect::<ExactSum>().value(),
            1.0 + 2f64.powi(-52)
        );
        let values = [1.0, 2f64.powi(-53), -(2f64.powi(-106))];
        assert_eq!(values.into_iter().collect::<ExactSum>().value(), 1.0);
    }

    #[test]
    fn merging_chunks_matches_one_pass() {
        let values: Vec<f64> = (1..5000u32)
            .map(|k| (f64::from(k) * 7.3).sqrt() * 1e6)
            .collect();
        let whole = values.iter().copied().collect::<ExactSum>().value();
        let mut merged = ExactSum::new();
        for chunk in values.chunks(333).rev() {
            merged.merge(&chunk.iter().copied().collect());
        }
        assert_eq!(merged.value(), whole);
    }
}
