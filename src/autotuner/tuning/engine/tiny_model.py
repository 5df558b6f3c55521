"""A small, real GGUF model made offline: ``autotuner models make-tiny PATH``.

It is a llama-architecture transformer with random weights (seeded, so the same options write the
same file) and a working SentencePiece-style tokenizer whose vocabulary holds every word of the
benchmark's word pool (:data:`autotuner.tuning.benchmark.WORD_POOL`) as one token, the prefixes
that lead to them, the printable ASCII characters and the 256 byte tokens (any other text falls
back to bytes). Its output is gibberish; its compute is real: with the defaults (4 layers,
512 wide, 1536 feed-forward, f16 weights, about 30 MB) a token costs a few milliseconds on one
core, so llama-server's threads, batch sizes and slots visibly matter.

Any other ``.gguf`` file works the same way as a task's model (``model.id_or_path`` is its path).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autotuner.tuning.benchmark import WORD_POOL

SPACE = "\u2581"  # SentencePiece's word-start mark


@dataclass(frozen=True)
class TinyModelShape:
    layers: int = 8
    embedding: int = 768
    feed_forward: int = 2048
    heads: int = 12
    kv_heads: int = 4
    context: int = 4096
    seed: int = 0

    def check(self) -> None:
        for name in ("layers", "embedding", "feed_forward", "heads", "kv_heads", "context"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.embedding % self.heads:
            raise ValueError("embedding must be a multiple of heads")
        if self.heads % self.kv_heads:
            raise ValueError("heads must be a multiple of kv_heads")
        if (self.embedding // self.heads) % 2:
            raise ValueError("embedding / heads (the head size) must be even")


def vocabulary() -> tuple[list[str], list[float], list[int]]:
    """Tokens, scores and token types (GGUF's TokenType numbers) of the tiny tokenizer."""
    tokens = ["<unk>", "<s>", "</s>"]
    types = [2, 3, 3]  # unknown, control, control
    tokens += [f"<0x{byte:02X}>" for byte in range(256)]
    types += [6] * 256  # byte
    pieces: list[str] = [SPACE] + [chr(code) for code in range(33, 127)]
    seen = set(pieces)
    for word in WORD_POOL:
        piece = SPACE + word
        for end in range(2, len(piece) + 1):  # every prefix, so merges reach the whole word
            if piece[:end] not in seen:
                seen.add(piece[:end])
                pieces.append(piece[:end])
    tokens += pieces
    types += [1] * len(pieces)  # normal
    # The tokenizer merges the pair whose result scores highest: longer pieces first.
    scores = [0.0] * (3 + 256) + [float(len(piece)) - 100.0 for piece in pieces]
    return tokens, scores, types


def make_tiny_model(path: str | Path, shape: TinyModelShape | None = None) -> dict[str, Any]:
    """Write the model to ``path`` and return what it holds (sizes, parameters, bytes)."""
    import gguf
    import numpy as np

    shape = shape or TinyModelShape()
    shape.check()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tokens, scores, types = vocabulary()
    n_vocab = len(tokens)
    head = shape.embedding // shape.heads
    kv = head * shape.kv_heads
    rng = np.random.default_rng(shape.seed)

    def weight(rows: int, cols: int) -> Any:
        return (rng.standard_normal((rows, cols), dtype=np.float32) * 0.02).astype(np.float16)

    def norm(size: int) -> Any:
        return np.ones(size, dtype=np.float32)

    tensors: list[tuple[str, Any]] = [("token_embd.weight", weight(n_vocab, shape.embedding))]
    for layer in range(shape.layers):
        block = f"blk.{layer}"
        tensors += [
            (f"{block}.attn_norm.weight", norm(shape.embedding)),
            (f"{block}.attn_q.weight", weight(shape.embedding, shape.embedding)),
            (f"{block}.attn_k.weight", weight(kv, shape.embedding)),
            (f"{block}.attn_v.weight", weight(kv, shape.embedding)),
            (f"{block}.attn_output.weight", weight(shape.embedding, shape.embedding)),
            (f"{block}.ffn_norm.weight", norm(shape.embedding)),
            (f"{block}.ffn_gate.weight", weight(shape.feed_forward, shape.embedding)),
            (f"{block}.ffn_up.weight", weight(shape.feed_forward, shape.embedding)),
            (f"{block}.ffn_down.weight", weight(shape.embedding, shape.feed_forward)),
        ]
    tensors += [
        ("output_norm.weight", norm(shape.embedding)),
        ("output.weight", weight(n_vocab, shape.embedding)),
    ]

    tmp = path.with_name(path.name + ".part")
    writer = gguf.GGUFWriter(str(tmp), "llama")
    writer.add_name("autotuner-tiny-llama")
    writer.add_context_length(shape.context)
    writer.add_embedding_length(shape.embedding)
    writer.add_block_count(shape.layers)
    writer.add_feed_forward_length(shape.feed_forward)
    writer.add_head_count(shape.heads)
    writer.add_head_count_kv(shape.kv_heads)
    writer.add_rope_dimension_count(head)
    writer.add_rope_freq_base(10000.0)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_vocab_size(n_vocab)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(types)
    writer.add_unk_token_id(0)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    writer.add_add_bos_token(True)
    writer.add_add_eos_token(False)
    writer.add_add_space_prefix(True)
    writer.add_chat_template(
        "{% for message in messages %}<|{{ message['role'] }}|>\n{{ message['content'] }}\n{% endfor %}"
        "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
    )
    for name, array in tensors:
        writer.add_tensor(name, array)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    tmp.replace(path)
    parameters = sum(int(array.size) for _, array in tensors)
    return {
        "path": str(path),
        "architecture": "llama",
        "layers": shape.layers,
        "embedding": shape.embedding,
        "feed_forward": shape.feed_forward,
        "heads": shape.heads,
        "kv_heads": shape.kv_heads,
        "context": shape.context,
        "vocabulary": n_vocab,
        "parameters": parameters,
        "bytes": path.stat().st_size,
        "seed": shape.seed,
    }
