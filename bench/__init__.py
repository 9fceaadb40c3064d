"""Benchmarks of rehearsal against what a user would do by hand, measured in the same run."""
