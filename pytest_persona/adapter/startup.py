"""Building the session when pytest-persona is first needed (see plugin.py)."""

from __future__ import annotations

import pytest

from ..core.engine import RunState
from ..core.pool import CheckpointPool
from .progress import ProgressLine
from .session import PersonaSession, persona_key
from .settings import resolve_settings, settings_key


def start_session(config: pytest.Config, plugin_name: str) -> PersonaSession:
    """Settings resolved once, the engine, the session registered as a plugin and stashed."""
    settings = resolve_settings(config)
    config.stash[settings_key] = settings
    progress = ProgressLine(config)
    hook = config.hook.pytest_persona_make_backend
    pool = CheckpointPool(
        {c.name: c for c in settings.checkpoints},
        make_backend=lambda checkpoint: hook(config=config, checkpoint=checkpoint),
        cache_dir=settings.cache_dir,
        cache_mode=settings.cache,
        # asked when generation starts, after every conftest is loaded: replies of a
        # conftest-supplied backend are never cached (its code is not in the key)
        custom_backends=lambda: bool(hook.get_hookimpls()),
    )
    state = RunState(
        pool,
        on_progress=progress.update,
        per_evalset=hasattr(config, "workerinput"),
        decoding=settings.decoding,
    )
    persona = PersonaSession(settings=settings, state=state)
    config.stash[persona_key] = persona
    config.pluginmanager.register(persona, plugin_name)
    if settings.evalset_paths and config.args_source != pytest.Config.ArgsSource.ARGS:
        config.args = [*config.args, *(str(p) for p in settings.evalset_paths)]
    if settings.datasets:
        config.args = [*config.args, *(str(p) for p in settings.datasets)]
    return persona


def parametrize_persona_model(metafunc: pytest.Metafunc, persona: PersonaSession) -> None:
    persona.wants_model = True
    checkpoints = persona.settings.checkpoints
    metafunc.parametrize("persona_model", checkpoints, ids=[c.name for c in checkpoints], indirect=True)
