"""Benchmarks: each module `bench_*.py` has `main(argv) -> dict` and prints ratios measured in one run."""
