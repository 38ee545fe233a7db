"""lm-eval model backend `maskft-dllm`: generate_until for masked diffusion LMs.

lm-eval has no generation backend for diffusion LMs; this one answers with the package's
sampler (maskft_bench/dllm/sampler.py: semi-autoregressive low-confidence remasking, greedy),
so that `maskft-bench score --backend dllm` scores LLaDA, Dream or a checkpoint of
`maskft-bench train --method dllm` on the same prompts, chat template and metrics as the
autoregressive backends. From Python:

    import lm_eval, maskft_bench.scoring   # the import registers the backend
    lm_eval.simple_evaluate(model="maskft-dllm", model_args={"pretrained": "GSAI-ML/LLaDA-8B-"
        "Instruct", "trust_remote_code": True, "dtype": "bfloat16"}, apply_chat_template=True,
        tasks=[...])

model_args: pretrained, dtype ("auto"), device (cuda when present, else cpu), batch_size,
trust_remote_code, revision, gen_length (default: the task's max_gen_toks, 128 for the
suite's knowledge tasks as in the paper), block_length (4), steps (default gen_length: one
token per step; give gen_length with it), mask_id (default: the tokenizer's mask token, else
config.mask_token_id), shift_logits (default: only for Dream-type models).

An answer ends at the first end-of-sequence or chat-template special token (LLaDA fills the
rest of the window with EOS); the task's `until` strings then cut it as lm-eval's hf backend
does. Only greedy decoding (temperature 0) is offered, and no log-likelihoods: the suite is
generate-only, and a diffusion LM has no left-to-right likelihood to report.
"""

from __future__ import annotations

import torch
from lm_eval.api.model import TemplateLM
from lm_eval.api.registry import register_model
from lm_eval.models.utils import Collator, normalize_gen_kwargs, postprocess_generated_text
from tqdm import tqdm

from ..dllm.model import DiffusionModel, DiffusionModelError, load_model
from ..dllm.sampler import SamplerSettings

NAME = "maskft-dllm"
DEFAULT_GEN_LENGTH = 128  # the paper's evaluation, when a task gives no max_gen_toks


@register_model(NAME)
class DiffusionLM(TemplateLM):
    def __init__(self, pretrained: str, dtype: str = "auto", device: str | None = None,
                 batch_size: int | str = 1, max_batch_size: int | None = None,
                 trust_remote_code: bool = False, revision: str | None = None,
                 gen_length: int | None = None, block_length: int = 4, steps: int | None = None,
                 mask_id: int | None = None, shift_logits: bool | None = None):
        super().__init__()
        from transformers import AutoTokenizer

        if steps is not None and gen_length is None:
            raise DiffusionModelError(f"{NAME}: steps counts model calls over the whole "
                                      "gen_length; give gen_length with it")
        if str(batch_size).startswith("auto"):
            raise DiffusionModelError(f"{NAME}: batch_size must be a number, not {batch_size!r}")
        self.batch_size = int(batch_size)
        self.block_length, self.gen_length, self.steps = block_length, gen_length, steps
        if gen_length is not None:
            self._settings(gen_length)  # a bad combination fails before the model loads
        self._device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.pretrained, self.revision = pretrained, revision
        self.tokenizer = AutoTokenizer.from_pretrained(pretrained, revision=revision,
                                                       trust_remote_code=trust_remote_code)
        model = load_model(pretrained, dtype, str(self._device), trust_remote_code, revision)
        self.diffusion = DiffusionModel.wrap(model, self.tokenizer, mask_id, shift_logits)

    def _settings(self, max_gen_toks: int) -> SamplerSettings:
        try:
            return SamplerSettings(gen_length=self.gen_length or max_gen_toks,
                                   block_length=self.block_length, steps=self.steps)
        except ValueError as err:
            raise DiffusionModelError(f"{NAME}: {err}; choose gen_length, block_length and "
                                      "steps that fit") from err

    @property
    def eot_token_id(self) -> int:
        return self.tokenizer.eos_token_id

    @property
    def tokenizer_name(self) -> str:
        return self.tokenizer.name_or_path.replace("/", "__")

    def tok_encode(self, string: str, add_special_tokens: bool | None = None, **kwargs) -> list[int]:
        return self.tokenizer(string, add_special_tokens=bool(add_special_tokens))["input_ids"]

    def apply_chat_template(self, chat_history: list[dict[str, str]],
                            add_generation_prompt: bool = True) -> str:
        return self.tokenizer.apply_chat_template(
            chat_history, tokenize=False, add_generation_prompt=add_generation_prompt,
            continue_final_message=not add_generation_prompt)

    def get_model_info(self) -> dict:
        """What lm-eval's results record about the model (the hf backend reports the same keys)."""
        model = self.diffusion.model
        return {"model_dtype": str(model.dtype), "model_revision": self.revision,
                "model_num_parameters": sum(p.numel() for p in model.parameters()),
                "model_family": "diffusion"}

    def _loglikelihood_tokens(self, requests, **kwargs):
        raise NotImplementedError(f"{NAME} only generates (generate_until tasks): a masked "
                                  "diffusion LM has no left-to-right log-likelihood")

    def loglikelihood_rolling(self, requests, disable_tqdm: bool = False):
        return self._loglikelihood_tokens(requests)

    def generate_until(self, requests, disable_tqdm: bool = False) -> list[str]:
        """Batches of prompts of similar length that share generation settings."""
        batches = Collator([r.args for r in requests], group_by="gen_kwargs",
                           sort_fn=lambda a: (-len(self.tok_encode(a[0])), a[0]))
        answers = []
        progress = tqdm(total=len(requests), disable=disable_tqdm,
                        desc="Running generate_until requests (diffusion)")
        for chunk in batches.get_batched(n=self.batch_size):
            contexts, all_kwargs = zip(*chunk, strict=True)
            kwargs = normalize_gen_kwargs(all_kwargs[0], DEFAULT_GEN_LENGTH)
            if kwargs["do_sample"]:
                raise ValueError(f"{NAME} decodes greedily; the task asks for sampling "
                                 f"(temperature {kwargs['temperature']})")
            texts = self.diffusion.generate(list(contexts), self._settings(kwargs["max_gen_toks"]))
            for context, text in zip(contexts, texts, strict=True):
                text = postprocess_generated_text(text, kwargs["until"], think_end_token=None)
                self.cache_hook.add_partial("generate_until", (context, all_kwargs[0]), text)
                answers.append(text)
                progress.update(1)
        progress.close()
        return batches.get_original(answers)
