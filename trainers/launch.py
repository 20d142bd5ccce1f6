"""Training under a launcher (``torchrun``, ``accelerate launch``): which process this is.

Only ``sft`` runs on several processes: the launcher starts them, trl/transformers set up
distributed data parallel from the environment the launcher exported (gloo on CPU, NCCL on
CUDA), and only the main process writes the adapter, the loss curve and the stage's output.
Every other stage is one process and refuses to run on several.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class World:
    rank: int
    size: int

    @property
    def main(self) -> bool:
        return self.rank == 0


def world() -> World:
    """This process's rank and the number of processes, from the launcher's environment."""

    def number(name: str, default: int) -> int:
        try:
            return int(os.environ.get(name, default))
        except ValueError:
            return default

    return World(rank=number("RANK", 0), size=max(1, number("WORLD_SIZE", 1)))
