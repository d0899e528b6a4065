//! Exact factorials, with a way to stop a long one early.

use num_bigint::BigUint;

use crate::control::{Control, Sequential, Stopped};

/// The largest `n` accepted by `fact`, as in Python's `math.factorial`: a machine word.
pub const FACT_MAX: u64 = i64::MAX as u64;

/// `n!` exactly.
pub fn factorial(n: u64) -> BigUint {
    match factorial_with(n, &Sequential) {
        Ok(value) => value,
        // `Sequential` never asks to stop.
        Err(Stopped) => unreachable!("factorial stopped without being asked"),
    }
}

/// `n!` exactly, or `Stopped` soon after `control.tick` says so.
///
/// The product is split in halves so that the big multiplications meet numbers of
/// similar size; multiplying in one running product would be quadratic in `n`.
/// `control.tick(0)` is asked before every split of that product tree, so between two
/// questions lies one multiplication at most: microseconds low in the tree, up to
/// about a second for the last few products of `n` in the millions (a multiplication
/// itself cannot be interrupted). The product runs on one thread whatever
/// `control.threads()` allows.
pub fn factorial_with(n: u64, control: &dyn Control) -> Result<BigUint, Stopped> {
    if n < 2 {
        return Ok(BigUint::from(1u8));
    }
    product(2, n, control)
}

/// The product of `low ..= high`.
fn product(low: u64, high: u64, control: &dyn Control) -> Result<BigUint, Stopped> {
    debug_assert!(low <= high);
    control.tick(0)?;
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
        return Ok(acc * word);
    }
    let middle = low + (high - low) / 2;
    let left = product(low, middle, control)?;
    let right = product(middle + 1, high, control)?;
    control.tick(0)?;
    Ok(left * right)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

    use super::*;

    /// Counts the questions, and stops from the `stop_at`-th on, or once `stop` says so.
    struct Asking<F: Fn() -> bool + Sync> {
        asked: AtomicU32,
        stop_at: u32,
        stop: F,
    }

    fn asking(stop_at: u32) -> Asking<impl Fn() -> bool + Sync> {
        Asking {
            asked: AtomicU32::new(0),
            stop_at,
            stop: || false,
        }
    }

    impl<F: Fn() -> bool + Sync> Control for Asking<F> {
        fn threads(&self) -> usize {
            1
        }

        fn tick(&self, done: usize) -> Result<(), Stopped> {
            assert_eq!(done, 0, "a factorial counts no items");
            let asked = self.asked.fetch_add(1, Relaxed) + 1;
            if asked >= self.stop_at || (self.stop)() {
                Err(Stopped)
            } else {
                Ok(())
            }
        }
    }

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

    #[test]
    fn a_control_that_never_stops_changes_nothing() {
        let never = asking(u32::MAX);
        assert_eq!(factorial_with(1000, &never), Ok(factorial(1000)));
        let asked = never.asked.load(Relaxed);
        assert!(asked > 10, "asked only {asked} times");
    }

    #[test]
    fn stops_when_asked_at_once() {
        assert_eq!(factorial_with(1000, &asking(1)), Err(Stopped));
        // 0! and 1! need no product, so there is nothing to stop.
        assert_eq!(factorial_with(1, &asking(1)), Ok(BigUint::from(1u8)));
    }

    #[test]
    fn stops_midway_and_asks_no_more() {
        // Stop on the 50th question: the product gives up right there.
        let control = asking(50);
        assert_eq!(factorial_with(100_000, &control), Err(Stopped));
        assert_eq!(control.asked.load(Relaxed), 50);
    }

    #[test]
    fn a_huge_factorial_stops_promptly() {
        // 2**40! would take longer than the universe has; stopped after 20 ms of
        // work, it returns within a few milliseconds more.
        let start = std::time::Instant::now();
        let control = Asking {
            asked: AtomicU32::new(0),
            stop_at: u32::MAX,
            stop: || start.elapsed() >= std::time::Duration::from_millis(20),
        };
        assert_eq!(factorial_with(1 << 40, &control), Err(Stopped));
        let elapsed = start.elapsed();
        assert!(
            elapsed < std::time::Duration::from_millis(500),
            "{elapsed:?}"
        );
    }
}
