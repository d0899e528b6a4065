"""Benchmarks of the Rust backend against the baselines of the contract's performance table."""
