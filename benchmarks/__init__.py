"""Benchmarks of the Rust backend against the baselines of SPEC.md "Performance"."""
