"""Benchmarks for bulk audits: a seeded note generator and the throughput/memory runner."""
