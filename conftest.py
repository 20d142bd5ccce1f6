"""Root conftest: the project's own tests drive the plugin through pytester.

pytester's in-process runs drop every module first imported during a run. The plugin imports
its machinery lazily (so that projects without eval sets pay nothing), so import it here once,
before any run: re-importing it per run would be slow, and PyYAML's C extension cannot be
imported twice.
"""

import pytest_persona.adapter.dataset_items  # noqa: F401
import pytest_persona.adapter.scheduling  # noqa: F401
import pytest_persona.adapter.startup  # noqa: F401
import pytest_persona.adapter.terminal  # noqa: F401
import pytest_persona.api  # noqa: F401
import pytest_persona.checks.catalog  # noqa: F401
import pytest_persona.core.peek  # noqa: F401
import pytest_persona.hookspecs  # noqa: F401
import pytest_persona.reports.html  # noqa: F401
import pytest_persona.reports.json_report  # noqa: F401
import pytest_persona.reports.markdown  # noqa: F401

pytest_plugins = ["pytester"]
