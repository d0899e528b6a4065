//! `fact`: exact factorials, on a thread of their own when they take long, so that
//! Ctrl-C works.

use legacy_core::fact::{factorial, factorial_with, FACT_MAX};
use num_bigint::{BigInt, BigUint};
use pyo3::prelude::*;

use crate::py::arguments::index;
use crate::py::errors::{Argument, Result};
use crate::py::workers;

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
    // Seconds to forever, with multiplications of seconds that cannot look up: apart,
    // so that Ctrl-C interrupts the wait at once.
    workers::run_apart(py, "fact", move |control| factorial_with(n, control))
}
