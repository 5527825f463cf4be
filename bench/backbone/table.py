#!/usr/bin/env python3
"""Before/after table of the backbone benchmarks: medians from BenchmarkDotNet's console summaries of
`PerceptionJudge.Bench.dll --backbone --threads T` run on the old shim and on TorchSharp (bench/README.md, Backbone).
usage: table.py OLD_1T.log NEW_1T.log [OLD_2T.log NEW_2T.log]"""
import re, sys

NAMES = {
    "Matmul1024": "1024³ fp32 matmul",
    "TinyForward": "Tiny decoder, forward (no grad), 2 × 128 tokens",
    "TinyForwardBackward": "Tiny decoder, forward + backward",
    "M100Forward": "100M decoder, forward (no grad), 2 × 128 tokens",
    "M100ForwardBackward": "100M decoder, forward + backward",
    "DemoSftStep": "demo SFT step (Nano judge, batch 16, full fine-tune)",
    "DemoRlStep": "demo GRPO step (Nano judge, LoRA, 8 prompts × 5 rollouts)",
}
UNIT = {"ns": 1e-6, "us": 1e-3, "μs": 1e-3, "ms": 1.0, "s": 1e3}


def medians(path):
    out = {}
    for line in open(path, encoding="utf-8", errors="replace"):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 5 and cells[0] in NAMES:
            value, unit = cells[-1].replace(",", "").split()
            out[cells[0]] = float(value) * UNIT[unit]
    return out


def fmt(ms):
    return "—" if ms is None else (f"{ms / 1e3:.2f} s" if ms >= 1e3 else f"{ms:.1f} ms")


runs = [(medians(sys.argv[i]), medians(sys.argv[i + 1])) for i in range(1, len(sys.argv), 2)]
head = "| benchmark |" + "".join(f" old, {t + 1} thread{'s' if t else ''} | new | new/old |" for t in range(len(runs)))
print(head)
print("|---|" + "---:|---:|---:|" * len(runs))
for key, name in NAMES.items():
    row = f"| {name} |"
    for old, new in runs:
        o, n = old.get(key), new.get(key)
        row += f" {fmt(o)} | {fmt(n)} | {'—' if o is None or n is None else f'{n / o:.2f}'} |"
    print(row)
