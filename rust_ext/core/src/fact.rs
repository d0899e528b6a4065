//! Exact factorials.

use num_bigint::BigUint;

/// The largest `n` accepted by `fact`, as in Python's `math.factorial`: a machine word.
pub const FACT_MAX: u64 = i64::MAX as u64;

/// `n!` exactly.
///
/// The product is split in halves so that the big multiplications meet numbers of
/// similar size; multiplying in one running product would be quadratic in `n`.
pub fn factorial(n: u64) -> BigUint {
    if n < 2 {
        return BigUint::from(1u8);
    }
    product(2, n)
}

/// The product of `low ..= high`.
fn product(low: u64, high: u64) -> BigUint {
    if high - low < 16 {
        let mut acc = BigUint::from(1u8);
        let mut word: u64 = 1;
        for k in low..=high {
            match word.checked_mul(k) {
                Some(next) => word = next,
                None => {
                    acc *= word;
                    word = k;
                }
            }
        }
        return acc * word;
    }
    let middle = low + (high - low) / 2;
    product(low, middle) * product(middle + 1, high)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_values() {
        let expected = [1u64, 1, 2, 6, 24, 120, 720, 5040, 40320, 362_880, 3_628_800];
        for (n, value) in expected.iter().enumerate() {
            assert_eq!(factorial(n as u64), BigUint::from(*value));
        }
        assert_eq!(factorial(20), BigUint::from(2_432_902_008_176_640_000u64));
    }

    #[test]
    fn agrees_with_the_running_product() {
        let mut running = BigUint::from(1u8);
        for n in 1..=300u64 {
            running *= n;
            assert_eq!(factorial(n), running, "n = {n}");
        }
    }
}
