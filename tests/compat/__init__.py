"""Fixtures and driver of `make test-compat` (a package, so its conftest does not shadow tests/conftest.py)."""
