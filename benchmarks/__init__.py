"""Benchmarks for contributors: `python -m benchmarks.metrics` (`make bench`) times every metric of
`utils.metrics` against the reference library its tests check it with. Not course content."""
