"""persona-train: the minimal training package that produces the artifacts pytest-persona gates."""
