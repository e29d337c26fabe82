"""Benchmarks (`make bench`): throughput and latency measured, never asserted in tests."""
