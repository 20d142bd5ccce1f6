"""tests/compat/ holds fixtures for `make test-compat` (tests/compat/run_compat.py), which runs
them in throwaway venvs, one per pytest version. The main suite must not collect them: the
plain folder is meant to run alone, and the gate folder's eval set needs a --model."""

collect_ignore = ["plain", "gate", "run_compat.py"]
