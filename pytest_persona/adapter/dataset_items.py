"""Training-data hygiene as pytest tests: ``pytest --persona-dataset data.jsonl evalsets/``.

One item per hygiene rule per dataset, ``<data file>::hygiene::<rule>``. A persona-train
config (``.yaml``) may stand for its data file, bringing its system prompt, balance bounds and
near-duplicate threshold. Eval sets on the same command line feed the leakage rule.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .session import persona_key

if TYPE_CHECKING:
    from trainers.hygiene import HygieneReport


def dataset_source(value: Path) -> tuple[Path, Any]:
    """(data file, hygiene config) for a ``--persona-dataset`` value; UsageError when unusable."""
    from trainers.config import ConfigError, load_config
    from trainers.hygiene import HygieneConfig

    if value.suffix in (".yaml", ".yml"):
        try:
            config = load_config(value)
        except ConfigError as exc:
            raise pytest.UsageError(f"--persona-dataset {value}: {exc}") from None
        data = config.data
        hygiene = HygieneConfig(
            system_prompt=data.system_prompt,
            near_duplicate_threshold=data.near_duplicate_threshold,
            balance={tag: (bounds[0], bounds[1]) for tag, bounds in data.balance.items()},
        )
        return config.resolve(data.train).resolve(), hygiene
    if not value.is_file():
        raise pytest.UsageError(f"--persona-dataset {value}: no such file")
    return value.resolve(), HygieneConfig()


class DatasetFile(pytest.File):
    """A training-data file named by ``--persona-dataset``."""

    def __init__(self, *, hygiene: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hygiene = hygiene
        self._report: HygieneReport | None = None

    def collect(self) -> Iterator[pytest.Item]:
        from trainers.hygiene import RULES, DatasetError, load_examples

        try:
            self.examples = load_examples(self.path)
        except DatasetError as exc:
            raise _DataProblem(str(exc)) from None
        for rule in RULES:
            yield HygieneItem.from_parent(self, name=f"hygiene::{rule}", rule=rule)

    def report(self) -> HygieneReport:
        """Every rule at once, after collection (so every eval set is known for leakage)."""
        if self._report is None:
            from trainers.hygiene import check_dataset, eval_prompts

            evalsets = self.config.stash[persona_key].state.evalsets.values()
            self._report = check_dataset(self.examples, self.hygiene, eval_prompts(evalsets))
        return self._report

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, _DataProblem):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)  # type: ignore[arg-type]


class HygieneItem(pytest.Item):
    def __init__(self, *, rule: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rule = rule
        self.add_marker("persona")

    def runtest(self) -> None:
        parent = self.parent
        assert isinstance(parent, DatasetFile)
        violations = parent.report().by_rule(self.rule)
        if violations:
            raise _DataProblem("\n".join(f"{self.rule}: {v.message}" for v in violations[:20]))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, _DataProblem):
            return f"{self.path.name} breaks the {self.rule} rule:\n{excinfo.value}"
        return super().repr_failure(excinfo, style)  # type: ignore[arg-type]

    def reportinfo(self) -> tuple[Any, int, str]:
        return self.path, 0, self.name  # no dots: pytest shows dots of a domain as "::"


class _DataProblem(Exception):
    pass
