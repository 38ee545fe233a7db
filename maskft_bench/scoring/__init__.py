"""Scoring any checkpoint on the suite with lm-eval (vLLM on GPUs, HF transformers otherwise,
this package's `maskft-dllm` backend for masked diffusion LMs).

Scoring never imports the trainers: third-party checkpoints must score without them.
Importing this package registers `maskft-dllm` with lm-eval's model registry, lazily (the
backend module, and torch, load only when the backend is asked for).
"""

import lm_eval.models  # noqa: F401 - lm-eval's own backends first: it loads them only into an empty registry
from lm_eval.api.registry import model_registry

DLLM_BACKEND = "maskft-dllm"
if DLLM_BACKEND not in model_registry:
    model_registry.register(DLLM_BACKEND, target="maskft_bench.scoring.dllm_lm:DiffusionLM")
