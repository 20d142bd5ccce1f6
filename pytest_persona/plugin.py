"""pytest-persona's pytest hooks (being written)."""
