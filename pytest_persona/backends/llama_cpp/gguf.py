"""A bounds-checked GGUF header and metadata reader, run before llama.cpp sees a file.

Model files are untrusted: every length and count is checked against the bytes that are
really there, so a truncated or hostile file gives a clear ``GGUFError`` naming the file
and the offset, never a crash. It also gives the chat template, the special tokens and the
file type without loading any weights.
"""

from __future__ import annotations

import mmap
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAGIC = b"GGUF"
SUPPORTED_VERSIONS = (2, 3)
MAX_KV = 1 << 20
MAX_KEY_BYTES = 1 << 16
MAX_TENSORS = 1 << 24
MAX_DIMS = 8
DEFAULT_ALIGNMENT = 32

# value types of the GGUF spec: (struct code, size)
_SCALARS: dict[int, tuple[str, int]] = {
    0: ("B", 1),  # uint8
    1: ("b", 1),  # int8
    2: ("H", 2),  # uint16
    3: ("h", 2),  # int16
    4: ("I", 4),  # uint32
    5: ("i", 4),  # int32
    6: ("f", 4),  # float32
    7: ("?", 1),  # bool
    10: ("Q", 8),  # uint64
    11: ("q", 8),  # int64
    12: ("d", 8),  # float64
}
_STRING, _ARRAY = 8, 9

# llama.cpp's file types (general.file_type) by number, for the ones users meet
FILE_TYPES = {
    0: "F32",
    1: "F16",
    2: "Q4_0",
    3: "Q4_1",
    7: "Q8_0",
    8: "Q5_0",
    9: "Q5_1",
    10: "Q2_K",
    11: "Q3_K_S",
    12: "Q3_K_M",
    13: "Q3_K_L",
    14: "Q4_K_S",
    15: "Q4_K_M",
    16: "Q5_K_S",
    17: "Q5_K_M",
    18: "Q6_K",
    32: "BF16",
}
TOKEN_TYPE_CONTROL = 3
TOKEN_TYPE_USER_DEFINED = 4

# large arrays nobody here needs: walked for bounds, not kept
_SKIP_VALUES = frozenset({"tokenizer.ggml.merges", "tokenizer.ggml.scores"})


class GGUFError(ValueError):
    """A file that is not a readable GGUF; the message names the file and what is wrong."""


@dataclass(frozen=True)
class GGUFInfo:
    path: Path
    version: int
    tensor_count: int
    metadata: dict[str, Any] = field(repr=False)
    kv_end: int = 0  # byte offset where the tensor infos start
    tensors_end: int = 0  # byte offset where the tensor infos end
    data_offset: int = 0  # byte offset of the (aligned) tensor data

    @property
    def architecture(self) -> str | None:
        return self.metadata.get("general.architecture")

    @property
    def file_type(self) -> str | None:
        code = self.metadata.get("general.file_type")
        return FILE_TYPES.get(code, f"type {code}") if isinstance(code, int) else None

    @property
    def chat_template(self) -> str | None:
        template = self.metadata.get("tokenizer.chat_template")
        return template if isinstance(template, str) and template.strip() else None

    def token(self, key: str) -> str | None:
        """The text of a token named by id in the metadata (e.g. ``tokenizer.ggml.eos_token_id``)."""
        tokens = self.metadata.get("tokenizer.ggml.tokens")
        index = self.metadata.get(key)
        if isinstance(tokens, list) and isinstance(index, int) and 0 <= index < len(tokens):
            text = tokens[index]
            return text if isinstance(text, str) else None  # a hostile file may list numbers
        return None

    @property
    def special_tokens(self) -> tuple[str, ...]:
        """Control and user-defined tokens (``<|im_start|>``, ``<|endoftext|>``…), longest first."""
        tokens = self.metadata.get("tokenizer.ggml.tokens")
        types = self.metadata.get("tokenizer.ggml.token_type")
        found: set[str] = set()
        if isinstance(tokens, list) and isinstance(types, list):
            for text, kind in zip(tokens, types, strict=False):  # hostile files may disagree
                if kind in (TOKEN_TYPE_CONTROL, TOKEN_TYPE_USER_DEFINED) and isinstance(text, str) and text.strip():
                    found.add(text)
        for key in ("bos", "eos", "eot", "eom", "unknown", "padding", "sep", "cls", "mask"):
            text = self.token(f"tokenizer.ggml.{key}_token_id")
            if text and text.strip():
                found.add(text)
        return tuple(sorted(found, key=lambda t: (-len(t), t)))


def read_gguf(path: Path, keep: Iterable[str] | None = None) -> GGUFInfo:
    """Read and validate the header and metadata of ``path`` (no tensor data is touched)."""
    try:
        size = path.stat().st_size
        if size == 0:
            raise GGUFError(f"{path}: empty file, not a GGUF model")
        with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as view:
            return _Reader(path, view, size, set(keep) if keep is not None else None).read()
    except OSError as exc:
        raise GGUFError(f"{path}: cannot read: {exc.strerror or exc}") from None


class _Reader:
    def __init__(self, path: Path, view: mmap.mmap, size: int, keep: set[str] | None) -> None:
        self.path, self.view, self.size, self.keep = path, view, size, keep
        self.pos = 0
        self.endian = "<"

    def fail(self, what: str) -> GGUFError:
        return GGUFError(f"{self.path}: not a valid GGUF file: {what} (at byte {self.pos} of {self.size})")

    def take(self, count: int) -> memoryview:
        if count < 0 or self.pos + count > self.size:
            raise self.fail(f"needs {count} more bytes but the file ends")
        start, self.pos = self.pos, self.pos + count
        return memoryview(self.view)[start : self.pos]

    def scalar(self, code: str, width: int) -> Any:
        return struct.unpack(self.endian + code, self.take(width))[0]

    def string(self, limit: int | None = None) -> str:
        length = self.scalar("Q", 8)
        if limit is not None and length > limit:
            raise self.fail(f"a key of {length} bytes")
        raw = self.take(length)
        try:
            return str(raw, "utf-8")
        except UnicodeDecodeError:
            return str(raw, "utf-8", errors="replace")

    def strings(self, count: int, keep: bool) -> list[str] | None:
        """An array of strings in one tight loop (a vocabulary is 50-250k of them); bounds-checked."""
        view, end, pos = self.view, self.size, self.pos
        length_at = struct.Struct(self.endian + "Q").unpack_from
        kept: list[str] | None = [] if keep else None
        for _ in range(count):
            if pos + 8 > end:
                break
            length = length_at(view, pos)[0]
            pos += 8
            if pos + length > end:
                break
            if kept is not None:
                raw = view[pos : pos + length]
                try:
                    kept.append(raw.decode("utf-8"))
                except UnicodeDecodeError:
                    kept.append(raw.decode("utf-8", errors="replace"))
            pos += length
        else:
            self.pos = pos
            return kept
        self.pos = pos
        raise self.fail("a string runs past the end of the file")

    def read(self) -> GGUFInfo:
        if bytes(self.take(4)) != MAGIC:
            self.pos = 0
            raise self.fail("it does not start with the GGUF magic bytes")
        version = self.scalar("I", 4)
        if version not in SUPPORTED_VERSIONS:
            swapped = struct.unpack(">I", struct.pack("<I", version))[0]
            if swapped in SUPPORTED_VERSIONS:
                raise self.fail("big-endian GGUF files are not supported")
            raise self.fail(f"GGUF version {version} (supported: {', '.join(map(str, SUPPORTED_VERSIONS))})")
        tensor_count = self.scalar("Q", 8)
        kv_count = self.scalar("Q", 8)
        if tensor_count > MAX_TENSORS or tensor_count * 24 > self.size:
            raise self.fail(f"it claims {tensor_count} tensors")
        if kv_count > MAX_KV or kv_count * 12 > self.size:
            raise self.fail(f"it claims {kv_count} metadata entries")
        metadata: dict[str, Any] = {}
        for _ in range(kv_count):
            key = self.string(MAX_KEY_BYTES)
            kind = self.scalar("I", 4)
            wanted = key not in _SKIP_VALUES and (self.keep is None or key in self.keep)
            value = self.value(kind, keep=wanted)
            if wanted:
                metadata[key] = value
        kv_end = self.pos
        alignment = metadata.get("general.alignment", DEFAULT_ALIGNMENT)
        if not isinstance(alignment, int) or alignment <= 0 or alignment & (alignment - 1):
            raise self.fail(f"general.alignment {alignment!r} is not a power of two")
        extents = [self.tensor_info() for _ in range(tensor_count)]
        tensors_end = self.pos
        data_offset = tensors_end + (-tensors_end % alignment)
        if data_offset > self.size:
            raise self.fail("the tensor data starts past the end of the file")
        for name, start, minimum in extents:
            if start % alignment or data_offset + start + minimum > self.size:
                raise self.fail(f"tensor {name!r} lies outside the file (offset {start})")
        return GGUFInfo(self.path, version, tensor_count, metadata, kv_end, tensors_end, data_offset)

    def tensor_info(self) -> tuple[str, int, int]:
        """(name, offset into the data, a lower bound of its size in bytes)."""
        name = self.string(MAX_KEY_BYTES)
        n_dims = self.scalar("I", 4)
        if n_dims > MAX_DIMS:
            raise self.fail(f"tensor {name!r} has {n_dims} dimensions")
        elements = 1
        for _ in range(n_dims):
            dim = self.scalar("Q", 8)
            elements *= dim
            if elements > self.size * 8:  # even 1-bit weights would not fit in the file
                raise self.fail(f"tensor {name!r} has more elements than the file can hold")
        self.scalar("I", 4)  # ggml type: sizes per type are llama.cpp's business
        offset = self.scalar("Q", 8)
        return name, offset, elements // 8

    def value(self, kind: int, keep: bool = True) -> Any:
        if kind in _SCALARS:
            return self.scalar(*_SCALARS[kind])
        if kind == _STRING:
            if keep:
                return self.string()
            self.take(self.scalar("Q", 8))
            return None
        if kind == _ARRAY:
            item_kind = self.scalar("I", 4)
            count = self.scalar("Q", 8)
            if item_kind in _SCALARS:
                code, width = _SCALARS[item_kind]
                if count * width > self.size - self.pos:
                    raise self.fail(f"an array of {count} items runs past the end of the file")
                raw = self.take(count * width)
                return list(struct.unpack(f"{self.endian}{count}{code}", raw)) if keep else None
            if item_kind == _STRING:
                if count * 8 > self.size - self.pos:
                    raise self.fail(f"an array of {count} strings runs past the end of the file")
                return self.strings(count, keep)
            if item_kind == _ARRAY:
                raise self.fail("nested arrays in metadata")
            raise self.fail(f"unknown array item type {item_kind}")
        raise self.fail(f"unknown metadata value type {kind}")
