//! Points with unsigned 32-bit coordinates and their exact distance.

/// The largest coordinate: the legacy app's points are `u32` pairs.
pub const MAX_COORDINATE: u32 = u32::MAX;

/// One coordinate value.
pub type Coordinate = u32;

/// A point in the plane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Point {
    pub x: Coordinate,
    pub y: Coordinate,
}

impl Point {
    pub const fn new(x: Coordinate, y: Coordinate) -> Self {
        Point { x, y }
    }

    /// The squared distance, exactly. A squared difference of two `u32` needs 64 bits
    /// and the sum of two of them 65, hence `u128`.
    #[inline]
    pub fn squared_distance(self, other: Point) -> u128 {
        #[cfg(test)]
        crate::test_support::count_evaluation();
        let dx = u128::from(self.x.abs_diff(other.x));
        let dy = u128::from(self.y.abs_diff(other.y));
        dx * dx + dy * dy
    }

    /// The distance, bit for bit what Python computes with `math.sqrt` over exact
    /// integers: the sum is rounded once (to nearest, ties to even) to `f64`, then
    /// square-rooted (IEEE 754 `sqrt` is correctly rounded too).
    #[inline]
    pub fn dist(self, other: Point) -> f64 {
        distance_from_squared(self.squared_distance(other))
    }
}

/// The distance for an exact squared distance.
#[inline]
pub fn distance_from_squared(squared: u128) -> f64 {
    // `as f64` on an integer rounds to nearest, ties to even, like Python's int -> float.
    (squared as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_is_exact_at_the_extremes() {
        let origin = Point::new(0, 0);
        let far = Point::new(u32::MAX, u32::MAX);
        assert_eq!(
            origin.squared_distance(far),
            2 * (u128::from(u32::MAX)).pow(2)
        );
        // Python: math.sqrt(2 * (2**32 - 1)**2)
        assert_eq!(origin.dist(far), 6_074_000_998.537_886);
        assert_eq!(Point::new(0, 0).dist(Point::new(3, 4)), 5.0);
    }
}
