"""The GGUF reader on files gguf-py writes, the real embedded model, and hostile bytes.

A model file is untrusted input: whatever its bytes, ``read_gguf`` returns or raises GGUFError
naming the file, quickly, and what it returns can be asked for its tokens and template.
"""

from __future__ import annotations

import re
import struct
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import gguf
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_persona.backends.embedded import embedded_model_path
from pytest_persona.backends.llama_cpp.gguf import MAX_DIMS, GGUFError, GGUFInfo, read_gguf

HANG_LIMIT_S = 10.0  # a hang detector for a busy CI machine, not a speed goal


def write_tiny(path: Path, endianess: gguf.GGUFEndian = gguf.GGUFEndian.LITTLE) -> Path:
    """A small but complete GGUF (every common value type, two tensors), written by gguf-py."""
    writer = gguf.GGUFWriter(str(path), "llama", endianess=endianess)
    writer.add_uint32("llama.block_count", 1)
    writer.add_float32("llama.rope.freq_base", 10000.0)
    writer.add_bool("tokenizer.ggml.add_bos_token", True)
    writer.add_chat_template("{{ messages[0]['content'] }}")
    writer.add_token_list(["<s>", "</s>", "<|im_start|>", "hi", " "])
    writer.add_token_types([3, 3, 4, 1, 3])
    writer.add_token_scores([0.0, 0.0, 0.0, -1.5, -2.0])
    writer.add_bos_token_id(0)
    writer.add_eos_token_id(1)
    writer.add_file_type(15)
    writer.add_array("general.languages", ["en", "ar"])
    writer.add_int64("test.int64", -5)
    writer.add_float64("test.float64", 0.5)
    writer.add_int8("test.int8", -1)
    writer.add_uint16("test.uint16", 7)
    writer.add_tensor("token_embd.weight", np.arange(40, dtype=np.float32).reshape(5, 8))
    writer.add_tensor("output_norm.weight", np.ones(8, dtype=np.float16))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("gguf")


@pytest.fixture(scope="module")
def tiny(work: Path) -> Path:
    return write_tiny(work / "tiny.gguf")


# --------------------------------------------------------------------------- files that read


def test_reads_back_what_gguf_py_wrote(tiny: Path) -> None:
    info = read_gguf(tiny)
    assert (info.version, info.tensor_count, info.architecture) == (3, 2, "llama")
    meta = info.metadata
    assert meta["llama.block_count"] == 1 and meta["llama.rope.freq_base"] == 10000.0
    assert meta["tokenizer.ggml.add_bos_token"] is True
    assert (meta["test.int64"], meta["test.float64"], meta["test.int8"], meta["test.uint16"]) == (-5, 0.5, -1, 7)
    assert meta["general.languages"] == ["en", "ar"]
    assert meta["tokenizer.ggml.tokens"] == ["<s>", "</s>", "<|im_start|>", "hi", " "]
    assert "tokenizer.ggml.scores" not in meta  # walked for bounds, not kept
    assert info.chat_template == "{{ messages[0]['content'] }}"
    assert info.file_type == "Q4_K_M"
    assert info.token("tokenizer.ggml.eos_token_id") == "</s>"
    assert info.special_tokens == ("<|im_start|>", "</s>", "<s>")  # control and user-defined; blank ones dropped
    # the regions follow each other; tensor data starts aligned, where gguf-py put it
    assert 24 < info.kv_end < info.tensors_end <= info.data_offset < tiny.stat().st_size
    assert info.data_offset % 32 == 0
    raw = tiny.read_bytes()
    assert np.frombuffer(raw[info.data_offset : info.data_offset + 160], dtype=np.float32).tolist() == list(range(40))


def test_keep_limits_the_metadata_kept(tiny: Path) -> None:
    info = read_gguf(tiny, keep={"general.architecture", "tokenizer.chat_template"})
    assert set(info.metadata) == {"general.architecture", "tokenizer.chat_template"}
    assert info.data_offset == read_gguf(tiny).data_offset  # everything else is still walked and bounds-checked


def test_the_embedded_model() -> None:
    info = read_gguf(embedded_model_path())
    assert (info.architecture, info.file_type, info.tensor_count) == ("llama", "Q4_1", 272)
    assert "<|im_start|>" in (info.chat_template or "")
    assert {"<|im_start|>", "<|im_end|>", "<|endoftext|>"} <= set(info.special_tokens)
    assert len(info.metadata["tokenizer.ggml.tokens"]) == info.metadata["llama.vocab_size"] == 49152


def test_invalid_utf8_in_strings_is_replaced_not_raised(work: Path) -> None:
    path = work / "utf8.gguf"
    path.write_bytes(build([kv_string(b"bad.\xff", b"caf\xc3 \xed\xa0\x80")]))
    info = read_gguf(path)
    assert info.metadata == {"bad.\ufffd": "caf\ufffd \ufffd\ufffd\ufffd"}


def test_token_ids_and_lists_of_the_wrong_type_give_no_tokens(work: Path) -> None:
    """Metadata is the file's word: numbers where token texts belong, ids out of range, types that disagree."""
    path = work / "types.gguf"
    entries = [
        kv_array("tokenizer.ggml.tokens", 5, [7, 8, 9]),  # int32s, not strings
        kv_array("tokenizer.ggml.token_type", 8, [b"x", b"y"]),
        kv(b"tokenizer.ggml.bos_token_id", 5, struct.pack("<i", -1)),
        kv(b"tokenizer.ggml.eos_token_id", 4, u32(2)),
        kv_string(b"general.file_type", b"15"),
        kv(b"tokenizer.chat_template", 4, u32(1)),
    ]
    path.write_bytes(build(entries))
    info = read_gguf(path)
    assert info.token("tokenizer.ggml.bos_token_id") is None
    assert info.token("tokenizer.ggml.eos_token_id") is None
    assert info.special_tokens == ()
    assert info.file_type is None and info.chat_template is None


# --------------------------------------------------------------------------- hand-built hostile files


def u32(n: int) -> bytes:
    return struct.pack("<I", n)


def u64(n: int) -> bytes:
    return struct.pack("<Q", n)


def text(value: bytes | str) -> bytes:
    raw = value.encode() if isinstance(value, str) else value
    return u64(len(raw)) + raw


def kv(key: bytes, kind: int, payload: bytes) -> bytes:
    return text(key) + u32(kind) + payload


def kv_string(key: bytes, value: bytes) -> bytes:
    return kv(key, 8, text(value))


def kv_array(key: str, item_kind: int, items: list) -> bytes:
    if item_kind == 8:
        body = b"".join(text(item) for item in items)
    else:
        body = b"".join(struct.pack("<" + {4: "I", 5: "i"}[item_kind], item) for item in items)
    return kv(key.encode(), 9, u32(item_kind) + u64(len(items)) + body)


def tensor(name: str, dims: list[int], offset: int = 0, ggml_type: int = 0) -> bytes:
    return text(name) + u32(len(dims)) + b"".join(u64(d) for d in dims) + u32(ggml_type) + u64(offset)


def build(
    entries: Sequence[bytes] = (),
    tensors: Sequence[bytes] = (),
    data: bytes = b"",
    version: int = 3,
    pad: bool = True,
    counts: tuple[int, int] | None = None,
) -> bytes:
    """Header, metadata, tensor infos, alignment padding and data, with counts that may lie."""
    n_tensors, n_kv = counts or (len(tensors), len(entries))
    body = b"GGUF" + u32(version) + u64(n_tensors) + u64(n_kv) + b"".join(entries) + b"".join(tensors)
    if pad:
        body += b"\0" * (-len(body) % 32)
    return body + data


HOSTILE = {
    "not-gguf": (b"GGML" + bytes(20), "does not start with the GGUF magic bytes"),
    "version-1": (build(version=1), "GGUF version 1 (supported: 2, 3)"),
    "version-4": (build(version=4), "GGUF version 4"),
    "big-endian": (b"GGUF" + struct.pack(">I", 3) + bytes(16), "big-endian GGUF files are not supported"),
    "tensor-count-2^63": (build(counts=(2**63, 0)), "it claims 9223372036854775808 tensors"),
    "tensor-count-just-over-the-file": (build(counts=(2, 0)), "it claims 2 tensors"),
    "kv-count-2^64-1": (build(counts=(0, 2**64 - 1)), "it claims 18446744073709551615 metadata entries"),
    "key-of-2^64-1-bytes": (build([u64(2**64 - 1) + b"k"]), "a key of 18446744073709551615 bytes"),
    "key-past-the-end": (build([u64(100) + b"abc"], pad=False), "needs 100 more bytes but the file ends"),
    "string-past-the-end": (build([kv(b"k", 8, u64(2**40))]), "needs 1099511627776 more bytes but the file ends"),
    "array-of-2^62-u32": (
        build([kv(b"k", 9, u32(4) + u64(2**62))]),
        "an array of 4611686018427387904 items runs past the end of the file",
    ),
    "array-of-2^61-strings": (
        build([kv(b"k", 9, u32(8) + u64(2**61))]),
        "an array of 2305843009213693952 strings runs past the end of the file",
    ),
    "nested-array": (build([kv(b"k", 9, u32(9) + u64(1))]), "nested arrays in metadata"),
    "unknown-array-item-type": (build([kv(b"k", 9, u32(13) + u64(1))]), "unknown array item type 13"),
    "unknown-value-type": (build([kv(b"k", 99, b"")]), "unknown metadata value type 99"),
    "alignment-48": (build([kv(b"general.alignment", 4, u32(48))]), "general.alignment 48 is not a power of two"),
    "alignment-0": (build([kv(b"general.alignment", 4, u32(0))]), "general.alignment 0 is not a power of two"),
    "alignment-a-string": (build([kv_string(b"general.alignment", b"32")]), "general.alignment '32' is not"),
    "too-many-dims": (build(tensors=[tensor("t", [1] * (MAX_DIMS + 1))]), "tensor 't' has 9 dimensions"),
    "dims-overflow": (
        build(tensors=[tensor("t", [2**32, 2**32])], data=bytes(64)),
        "tensor 't' has more elements than the file can hold",
    ),
    "tensor-past-the-end": (
        build(tensors=[tensor("t", [64], offset=1 << 20)], data=bytes(256)),
        "tensor 't' lies outside the file (offset 1048576)",
    ),
    "tensor-misaligned": (
        build(tensors=[tensor("t", [8], offset=3)], data=bytes(64)),
        "lies outside the file (offset 3)",
    ),
    "no-room-for-data": (
        build(tensors=[tensor("t", [0])], pad=False),
        "the tensor data starts past the end of the file",
    ),
    "random-after-magic": (b"GGUF" + bytes(range(256)) * 4, "GGUF version 50462976"),
}


@pytest.mark.parametrize(("content", "reason"), HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_files_are_a_clear_error(work: Path, content: bytes, reason: str) -> None:
    path = work / "hostile.gguf"
    path.write_bytes(content)
    with pytest.raises(GGUFError) as raised:
        read_gguf(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: not a valid GGUF file: ") and reason in message
    assert message.endswith(f"of {len(content)})")  # the offset where reading stopped


def test_empty_missing_and_unreadable(work: Path) -> None:
    empty = work / "empty.gguf"
    empty.write_bytes(b"")
    with pytest.raises(GGUFError, match=f"^{re.escape(str(empty))}: empty file, not a GGUF model$"):
        read_gguf(empty)
    missing = work / "missing.gguf"
    with pytest.raises(GGUFError, match=f"^{re.escape(str(missing))}: cannot read: No such file or directory$"):
        read_gguf(missing)
    with pytest.raises(GGUFError, match=f"^{re.escape(str(work))}: cannot read: Is a directory$"):
        read_gguf(work)


def test_truncated_anywhere_before_the_last_tensor_is_an_error(tiny: Path, work: Path) -> None:
    """Every prefix: in the header, the metadata, the tensor infos, the padding and the data."""
    raw = tiny.read_bytes()
    info = read_gguf(tiny)
    last_tensor_start = info.data_offset + 160  # output_norm.weight follows 40 float32s
    path = work / "cut.gguf"
    messages = {}
    for cut in range(last_tensor_start + 1):
        path.write_bytes(raw[:cut])
        with pytest.raises(GGUFError) as raised:
            read_gguf(path)
        messages[cut] = str(raised.value)
        assert messages[cut].startswith(f"{path}: ")
    assert "empty file" in messages[0]
    assert "needs 4 more bytes but the file ends (at byte 0 of 3)" in messages[3]  # in the magic
    assert "needs 8 more bytes but the file ends (at byte 16 of 20)" in messages[20]  # in the header's counts
    assert "it claims 2 tensors (at byte 24 of 24)" in messages[24]  # a header alone: no room for its tensors
    entries = struct.unpack_from("<Q", raw, 16)[0]
    assert f"it claims {entries} metadata entries (at byte 24 of 100)" in messages[100]
    assert "more bytes but the file ends" in messages[info.kv_end - 1]  # in the last metadata value
    assert f"(at byte {info.kv_end} of {info.kv_end})" in messages[info.kv_end]  # metadata, no tensor infos
    assert "the tensor data starts past the end of the file" in messages[info.tensors_end]
    assert "tensor 'token_embd.weight' lies outside the file" in messages[info.data_offset]
    assert "tensor 'output_norm.weight' lies outside the file" in messages[last_tensor_start]


def test_a_big_endian_file_is_refused(work: Path) -> None:
    path = write_tiny(work / "big.gguf", gguf.GGUFEndian.BIG)
    with pytest.raises(GGUFError, match="big-endian GGUF files are not supported"):
        read_gguf(path)


# --------------------------------------------------------------------------- random corruption

INTERESTING = [0, 1, 2**31, 2**32 - 1, 2**32, 2**62, 2**63, 2**64 - 1]
where = st.integers(4, 1100)  # past the magic (test_random_bytes covers files that lack it)
overwrite = st.tuples(where, st.integers(0, 255))
flip = st.tuples(where, st.integers(0, 7))
counts = st.tuples(where, st.sampled_from(INTERESTING) | st.integers(0, 2**64 - 1))
hostile_settings = settings(
    max_examples=300, deadline=timedelta(seconds=2), suppress_health_check=[HealthCheck.too_slow]
)


def corrupt(raw: bytes, bytes_set: list, bits: list, words: list, cut: int | None) -> bytes:
    data = bytearray(raw)
    for position, value in bytes_set:
        if position < len(data):
            data[position] = value
    for position, bit in bits:
        if position < len(data):
            data[position] ^= 1 << bit
    for position, value in words:
        if position + 8 <= len(data):
            data[position : position + 8] = u64(value)
    return bytes(data if cut is None else data[:cut])


def read_is_safe(path: Path, data: bytes) -> None:
    """read_gguf returns something usable or raises GGUFError naming the file; nothing else, and soon."""
    path.write_bytes(data)
    started = time.perf_counter()
    try:
        info = read_gguf(path)
    except GGUFError as exc:
        assert str(path) in str(exc)
    else:
        assert isinstance(info, GGUFInfo)
        assert info.tensors_end <= info.data_offset <= len(data)
        # what the backends ask of it must not raise either
        assert isinstance(info.special_tokens, tuple)
        assert info.chat_template is None or isinstance(info.chat_template, str)
        assert info.file_type is None or isinstance(info.file_type, str)
        for key in ("tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id"):
            assert info.token(key) is None or isinstance(info.token(key), str)
    assert time.perf_counter() - started < HANG_LIMIT_S


@hostile_settings
@given(
    bytes_set=st.lists(overwrite, max_size=6),
    bits=st.lists(flip, max_size=6),
    words=st.lists(counts, max_size=3),
    cut=st.none() | st.integers(4, 1100),
)
def test_corrupting_a_small_model_file(tiny: Path, work: Path, bytes_set: list, bits: list, words: list, cut) -> None:
    read_is_safe(work / "corrupt.gguf", corrupt(tiny.read_bytes(), bytes_set, bits, words, cut))


REAL_HEAD = 4096


@pytest.fixture(scope="module")
def real_head() -> bytes:
    with embedded_model_path().open("rb") as fh:
        return fh.read(REAL_HEAD)


@hostile_settings
@given(
    bytes_set=st.lists(st.tuples(st.integers(4, REAL_HEAD - 1), st.integers(0, 255)), max_size=6),
    bits=st.lists(st.tuples(st.integers(4, REAL_HEAD - 1), st.integers(0, 7)), max_size=6),
    words=st.lists(st.tuples(st.integers(4, 64), st.sampled_from(INTERESTING) | st.integers(0, 2**64 - 1)), max_size=3),
    cut=st.none() | st.integers(4, REAL_HEAD),
)
def test_corrupting_the_head_of_the_real_model(
    real_head: bytes, work: Path, bytes_set: list, bits: list, words: list, cut
) -> None:
    read_is_safe(work / "head.gguf", corrupt(real_head, bytes_set, bits, words, cut))


@hostile_settings
@given(data=st.binary(max_size=2048) | st.binary(max_size=2048).map(lambda tail: b"GGUF" + u32(3) + tail))
def test_random_bytes(work: Path, data: bytes) -> None:
    read_is_safe(work / "random.gguf", data)
