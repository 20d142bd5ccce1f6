"""Benchmarks for pytest-persona: ratios measured side by side on this machine (`make bench`)."""
