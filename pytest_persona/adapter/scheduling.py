"""xdist scheduling that sends an eval set's items for a checkpoint to one worker, whole.

Replies are generated per checkpoint in one phase, and gate and comparison items need every
case's verdict, so splitting one eval set × checkpoint across workers would generate it twice.
Each such group (each eval set, when checkpoints are compared case by case) is one unit of work;
other tests are scheduled one by one, as with ``--dist load``.
"""

from __future__ import annotations

from typing import Any

import pytest

EVALSET_SUFFIXES = (".yaml", ".yml")


def persona_scope(nodeid: str, compared: bool) -> str | None:
    """The unit of work of an eval-set item (``<yaml>::<evalset>::<name>[<checkpoint>]``), else None."""
    path, _, rest = nodeid.partition("::")
    evalset, _, name = rest.partition("::")
    if not (path.endswith(EVALSET_SUFFIXES) and evalset and name.endswith("]") and "[" in name):
        return None
    if compared:  # a comparison item reads the reference's verdicts: keep the eval set together
        return f"{path}::{evalset}"
    return f"{path}::{evalset}[{name[name.rindex('[') + 1 : -1]}]"


def make_scheduler(config: pytest.Config, log: Any, compared: bool) -> Any:
    from xdist.scheduler import LoadScopeScheduling

    class PersonaScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return persona_scope(nodeid, compared) or nodeid

    return PersonaScheduling(config, log)
