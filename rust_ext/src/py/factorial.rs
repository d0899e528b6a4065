//! `fact`: exact factorials, on a worker thread when they take long, so Ctrl-C works.

use legacy_core::fact::{factorial, factorial_with, FACT_MAX};
use num_bigint::{BigInt, BigUint};
use pyo3::prelude::*;

use crate::py::arguments::index;
use crate::py::errors::{Argument, Result};
use crate::py::interruptible;

/// Below this `n`, `n!` takes a few milliseconds: not worth a thread.
const ON_THIS_THREAD: u64 = 10_000;

/// Return ``n!`` exactly, for any ``n >= 0`` (arbitrary precision).
///
/// Raises ``ValueError`` for a negative ``n``, ``OverflowError`` beyond
/// ``2**63 - 1`` (as ``math.factorial``), and ``TypeError`` for anything but an int.
#[pyfunction]
#[pyo3(signature = (n))]
pub fn fact(py: Python<'_>, n: &Bound<'_, PyAny>) -> Result<BigUint> {
    let number: BigInt = index(n, "fact() argument")?.extract()?;
    let n = match u64::try_from(&number) {
        Ok(n) if n <= FACT_MAX => n,
        _ if number.sign() == num_bigint::Sign::Minus => {
            return Err(Argument::FactNegative(number).into())
        }
        _ => return Err(Argument::FactTooLarge(number).into()),
    };
    if n < ON_THIS_THREAD {
        // Milliseconds at most: computed here, letting other Python threads run.
        return Ok(py.detach(|| factorial(n)));
    }
    // Seconds to forever: on a worker thread, so that Ctrl-C interrupts it.
    interruptible::run(py, "fact", move |stop| factorial_with(n, stop))
}
