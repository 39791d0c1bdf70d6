"""Speed and memory benchmarks, run by `make bench` (never as timed unit tests)."""
