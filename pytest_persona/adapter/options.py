"""Every option, declared once with its ini twin. Imports only pytest: the entry-point module
loads this in every pytest run, persona or not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest


@dataclass(frozen=True)
class Option:
    """A command-line flag and its ini twin (same name as the flag's ``dest``)."""

    flag: str | None  # None: ini only
    dest: str
    help: str
    ini_type: str | None = "string"  # None: command line only
    action: str | None = None
    metavar: str | None = None
    choices: tuple[str, ...] | None = None
    ini_help: str = ""
    ini_default: Any = None


CACHE_MODES = ("on", "off", "refresh")
DECODING_MODES = ("deployed", "free", "both")

OPTIONS: tuple[Option, ...] = (
    Option(
        "--model", "persona_models", ini_type="linelist", action="append", metavar="[NAME=]PATH",
        help="checkpoint to gate (repeatable): a .gguf file, an HF or adapter directory, an http(s)://…/v1 server, "
        "a .jsonl replay file, or the alias smollm2-135m. NAME (default: the file stem) appears in test ids",
        ini_help="checkpoints to gate, one [NAME=]PATH a line",
    ),
    Option(
        "--model-manifest", "persona_model_manifest", metavar="PATH",
        help="gate every checkpoint listed in a persona-train manifest.json",
    ),
    Option(
        "--persona-report", "persona_reports", ini_type="linelist", action="append", metavar="PATH",
        help="write a report; format by suffix (.json, .md, .html). Repeatable",
        ini_help="report files to write, one a line",
    ),
    Option(
        "--persona-cache", "persona_cache", choices=CACHE_MODES, ini_default="on",
        help="generation cache: on (default), off, refresh",
    ),
    Option(
        "--persona-decoding", "persona_decoding", choices=DECODING_MODES, ini_default="deployed",
        help="deployed (default): hold replies to each case's response_format; free: ignore it, to see "
        "whether the model writes the format on its own; both: gate deployed, report free beside it",
    ),
    Option(
        None, "persona_cache_dir", ini_default=".persona_cache",
        help="where the generation cache lives (relative to the ini file)",
    ),
    Option(
        "--persona-chat-template", "persona_chat_templates", ini_type="linelist", action="append",
        metavar="NAME=TEMPLATE",
        help="chat template for checkpoint NAME whose file has none (or to override it): a builtin "
        "(see the README) or a path to a Jinja file. Repeatable",
        ini_help="chat templates by checkpoint, one NAME=TEMPLATE a line",
    ),
    Option(
        "--persona-peft-base", "persona_peft_bases", ini_type="linelist", action="append", metavar="NAME=DIR",
        help="base checkpoint directory for adapter checkpoint NAME, when its adapter_config.json does not name "
        "a local one. Repeatable",
        ini_help="base directories of adapter checkpoints, one NAME=DIR a line",
    ),
    Option(
        "--persona-replicas", "persona_replicas", ini_type="linelist", action="append", metavar="NAME=URL",
        help="another server serving server checkpoint NAME's model (the same engine build); requests are "
        "spread over all of them. Repeatable",
        ini_help="server replicas by checkpoint, one NAME=URL a line",
    ),
    Option(
        "--persona-concurrency", "persona_concurrency", ini_type="linelist", action="append", metavar="N|NAME=N",
        help="requests in flight per server replica, for every server checkpoint (N) or one (NAME=N); default 1",
        ini_help="requests in flight per server replica, N or NAME=N a line",
    ),
    Option(
        "--persona-serves", "persona_serves", ini_type="linelist", action="append", metavar="NAME=ARTIFACT",
        help="the GGUF file or model directory server checkpoint NAME serves: its replies are then cached "
        "under the artifact's hash and the engine's identity, and checks use its tokenizer. Repeatable",
        ini_help="artifacts served by server checkpoints, one NAME=ARTIFACT a line",
    ),
    Option(
        "--persona-export-batch", "persona_export_batch", metavar="DIR",
        help="write each checkpoint's requests as an OpenAI batch file DIR/<checkpoint>.batch.jsonl and run "
        "nothing; gate the job's output file later as a replay --model",
    ),
    Option(
        "--persona-allow-pickle", "persona_allow_pickle", ini_type="bool", action="store_true", ini_default=False,
        help="let transformers load pickle (.bin) weights, which can run code: only for files you trust",
    ),
    Option(
        "--persona-reference", "persona_reference", metavar="NAME",
        help="checkpoint every other one is compared with, case by case (default: the merged or fp16 checkpoint "
        "when present)",
    ),
    Option(
        "--persona-baseline", "persona_baseline", metavar="PATH",
        help="an earlier run's JSON report: a case that passed there and fails now fails the run, with both replies",
    ),
    Option(
        "--persona-save-baseline", "persona_save_baseline", metavar="PATH",
        help="write this run's results as a baseline (the JSON report format)",
    ),
    Option(
        "--persona-dataset", "persona_datasets", ini_type="paths", action="append", metavar="PATH",
        help="check training data (JSONL, or a persona-train config) with the hygiene rules; eval sets on the "
        "command line feed the leakage rule. Repeatable",
        ini_help="training data files (or persona-train configs) to check",
    ),
    Option(
        None, "persona_evalsets", ini_type="paths",
        help="eval-set files or folders collected when no paths are given",
    ),
    Option(
        "--persona-checks", "persona_list_checks", ini_type=None, action="store_true",
        help="list every check (built-in, from conftests and plugins) with its arguments, then exit",
    ),
)  # fmt: skip


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("persona", "pytest-persona: gate persona model checkpoints")
    for option in OPTIONS:
        if option.flag is not None:
            kwargs: dict[str, Any] = {"dest": option.dest}
            for name in ("action", "metavar", "choices"):
                if getattr(option, name) is not None:
                    kwargs[name] = getattr(option, name)
            twin = f". ini: {option.dest}" if option.ini_type is not None else ""
            group.addoption(option.flag, help=option.help + twin, **kwargs)
        if option.ini_type is not None:
            default = {} if option.ini_default is None else {"default": option.ini_default}
            parser.addini(option.dest, option.ini_help or option.help, type=option.ini_type, **default)


def persona_requested(config: pytest.Config) -> bool:
    """Whether this run asked for pytest-persona at all: any persona option or ini value set."""
    for option in OPTIONS:
        if option.flag is not None and config.getoption(option.dest, None) not in (None, False, []):
            return True
        if option.ini_type is not None:
            value = config.getini(option.dest)
            if value not in (None, "", [], False) and value != option.ini_default:
                return True
    return False
