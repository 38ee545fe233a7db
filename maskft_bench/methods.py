"""The training methods, one record each: the only place that says what a method is.

A record names what the method trains on (the suite's documents, which kinds of rewrites,
reversed copies, or the math problems), how each text becomes a training example (a
`training.formats.Formatter` method), how batches are masked (collator), which Trainer runs
it, how it answers validation questions while training, and which method reports compare it
with. The trainer, the pipeline, the report, `--help` and the leaderboard all look methods up
here, so adding a method is one record (plus a formatter if its prompt is new) and its tests.

Like lm-eval's registries, an unknown name is an error that suggests the closest one, and
heavy classes are named as lazy "module:attribute" strings so that reading the registry never
imports torch.

Each record's `chat` shows the user and assistant turns its formatter builds (the chat
template goes around them; {masked} is the text with some tokens replaced by the mask token,
masked afresh in every batch); tests/test_methods.py checks every formatter against it.
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass
from typing import Literal

from .errors import MaskftError
from .training.formats import (
    MASKED_ANSWER_INSTRUCTION,
    MASKED_PASSAGE_INSTRUCTION,
    RECOVERED_PREFIX,
    STANDARD_PROMPT,
)

BASE = "base"  # the untrained model in reports and on the leaderboard; not a training method


class MethodError(MaskftError, ValueError):
    pass


@dataclass(frozen=True)
class Method:
    """One training method.

    name: the `--method` value; it says what the method trains on.
    description: one line for `--help`, the report and the leaderboard.
    data: "knowledge" (the suite's biographies and name/description facts) or "math".
    rewrites: kinds of the suite's paraphrases added to the documents: "stated" (the fact in
        the direction the document states it) or "reversed" (the other direction).
    reversed_copies: adds each document reversed (reverse training, Golovneva et al. 2024).
    formatter: the `Formatter` method that turns a text into an example.
    chat: the (user, assistant) turns the formatter builds, with {text}, {masked}, {problem}
        and {solution} standing for the contents.
    collator: "masking" (masks maskable positions, if the example has any) or "diffusion"
        (LLaDA's forward process on the answer).
    masks: the examples carry a maskable copy, so the run needs a mask token.
    trainer: the Trainer class, as "module:attribute".
    answers: how validation questions are answered during training: "generate" (greedy,
        left to right) or "diffusion" (the diffusion sampler).
    compared_with: the method reports set it against ("base" for the untrained model).
    """

    name: str
    description: str
    data: Literal["knowledge", "math"] = "knowledge"
    rewrites: tuple[str, ...] = ()
    reversed_copies: bool = False
    formatter: str = "standard"
    chat: tuple[str, str] = (STANDARD_PROMPT, "{text}")
    collator: Literal["masking", "diffusion"] = "masking"
    masks: bool = False
    trainer: str = "transformers:Trainer"
    answers: Literal["generate", "diffusion"] = "generate"
    compared_with: str | None = "standard"

    @property
    def knowledge(self) -> bool:
        return self.data == "knowledge"

    @property
    def family(self) -> str:
        """What the leaderboard calls the model this method produces."""
        return "diffusion" if self.collator == "diffusion" else "autoregressive"

    def trainer_class(self) -> type:
        module, attribute = self.trainer.split(":")
        return getattr(importlib.import_module(module), attribute)


_RECORDS = (
    Method("standard", "the paper's AR baseline: 'Tell me a fact.' -> each document",
           compared_with=BASE),
    Method("paraphrase", "the documents and k rewrites of each that keep the direction it states "
           "its facts in (the paper's paraphrase baseline)", rewrites=("stated",)),
    Method("reversed_statements", "the documents and k rewrites of each that state its facts in the "
           "other direction (attributes before the person, description before name): trained on "
           "reversed statements", rewrites=("reversed",)),
    Method("masked", "masked fine-tuning: a masked copy of each document -> the original "
           "(arXiv:2510.09885)", formatter="masked", masks=True,
           chat=(f"{{masked}}\n{MASKED_PASSAGE_INSTRUCTION}", f"{RECOVERED_PREFIX}{{text}}")),
    Method("reverse", "reverse training: the documents and a reversed copy of each (entities kept "
           "whole, Golovneva et al. 2024)", reversed_copies=True),
    Method("sft", "supervised fine-tuning on the math problems: problem -> solution", data="math",
           formatter="sft", chat=("{problem}", "{solution}"), compared_with=BASE),
    Method("masked_sft", "masked SFT: the problem and a masked copy of its solution -> the solution",
           data="math", formatter="masked_sft", masks=True, compared_with="sft",
           chat=(f"{{problem}}\n{{masked}}\n{MASKED_ANSWER_INSTRUCTION}", "{solution}")),
    Method("dllm", "a diffusion LM's own objective (LLaDA SFT) on 'Tell me a fact.' -> each document",
           collator="diffusion", trainer="maskft_bench.training.diffusion_trainer:DiffusionTrainer",
           answers="diffusion"),
)
REGISTRY: dict[str, Method] = {}
for _record in _RECORDS:
    if _record.name in REGISTRY or _record.name == BASE:
        raise MethodError(f"method {_record.name!r} is registered twice")
    REGISTRY[_record.name] = _record
METHODS = tuple(REGISTRY)


def get(name: str) -> Method:
    """The record of `name`; an unknown name is an error that suggests the closest one."""
    try:
        return REGISTRY[name]
    except KeyError:
        close = difflib.get_close_matches(str(name), METHODS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise MethodError(f"unknown method {str(name)[:60]!r}{hint} (methods: "
                          f"{', '.join(METHODS)})") from None


def describe(name: str) -> str:
    """The one-line description, or what `base` means."""
    return "the model before fine-tuning" if name == BASE else get(name).description


def help_lines() -> str:
    """`name: description` per method, for `--help`."""
    return "; ".join(f"{m.name}: {m.description}" for m in REGISTRY.values())
