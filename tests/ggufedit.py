"""Test helper: copies of a GGUF with one metadata entry removed or changed, or one byte flipped."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

from pytest_persona.backends.llama_cpp.gguf import read_gguf


def without_key(source: Path, target: Path, key: str) -> Path:
    """Copy ``source`` without metadata ``key``, re-aligning the tensor data as GGUF requires."""
    info = read_gguf(source)
    raw = source.read_bytes()
    header = bytearray(raw[:24])
    position, kept = 24, []
    entries = struct.unpack_from("<Q", raw, 16)[0]
    for _ in range(entries):
        start = position
        name_len = struct.unpack_from("<Q", raw, position)[0]
        name = raw[position + 8 : position + 8 + name_len].decode()
        position = _skip_value(raw, position + 8 + name_len)
        if name != key:
            kept.append(raw[start:position])
    assert position == info.kv_end
    struct.pack_into("<Q", header, 16, len(kept))
    body = bytes(header) + b"".join(kept) + raw[info.kv_end : info.tensors_end]
    alignment = info.metadata.get("general.alignment", 32)
    body += b"\0" * (-len(body) % alignment)
    target.write_bytes(body + raw[info.data_offset :])
    return target


def with_value(source: Path, target: Path, key: str, value: int | float) -> Path:
    """Copy ``source`` with the scalar metadata ``key`` set to ``value`` in place (same type, same size)."""
    raw = bytearray(source.read_bytes())
    position = 24
    for _ in range(struct.unpack_from("<Q", raw, 16)[0]):
        name_len = struct.unpack_from("<Q", raw, position)[0]
        name = raw[position + 8 : position + 8 + name_len].decode()
        position += 8 + name_len
        if name == key:
            kind = struct.unpack_from("<I", raw, position)[0]
            struct.pack_into("<" + _CODES[kind], raw, position + 4, value)
            target.write_bytes(raw)
            read_gguf(target)  # still passes the Python checks
            return target
        position = _skip_value(raw, position)
    raise KeyError(f"{source} has no metadata {key!r}")


def flipped_copy(source: Path, target: Path, offset_from_end: int = 4096) -> Path:
    """Copy ``source`` with one byte of tensor data flipped (still a loadable model)."""
    shutil.copyfile(source, target)
    with target.open("r+b") as fh:
        fh.seek(-offset_from_end, 2)
        byte = fh.read(1)
        fh.seek(-offset_from_end, 2)
        fh.write(bytes([byte[0] ^ 0x01]))
    return target


_SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
_CODES = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}


def _skip_value(raw: bytes, position: int) -> int:
    kind = struct.unpack_from("<I", raw, position)[0]
    position += 4
    if kind in _SIZES:
        return position + _SIZES[kind]
    if kind == 8:
        return position + 8 + struct.unpack_from("<Q", raw, position)[0]
    item_kind, count = struct.unpack_from("<IQ", raw, position)
    position += 12
    if item_kind in _SIZES:
        return position + count * _SIZES[item_kind]
    for _ in range(count):
        position += 8 + struct.unpack_from("<Q", raw, position)[0]
    return position
