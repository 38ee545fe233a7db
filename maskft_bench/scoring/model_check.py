"""Fail fast, before an engine starts, on a model path that cannot be scored.

A hub id ("gpt2", "org/name"; nothing of that name on disk) goes to the backend untouched
(offline, it must be in the hub cache: maskft_bench/model_ref.py).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from ..atomic import sha256_file
from ..model_ref import check_model_ref, looks_like_path
from ..models import default_model_dir
from .errors import ScoreError

WEIGHT_PATTERNS = ("*.safetensors", "*.bin", "*.pt")


@dataclass(frozen=True)
class ModelInfo:
    name_or_path: str
    local: bool
    content_sha256: str | None  # of every file in a local model directory


def _content_hash(directory: Path) -> str:
    """Hash of (relative path, file hash) for every file: identifies the exact weights scored."""
    outer = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        outer.update(f"{path.relative_to(directory).as_posix()}\0{sha256_file(path)}\n".encode())
    return outer.hexdigest()


def _check_weights(directory: Path) -> None:
    weights = [p for pattern in WEIGHT_PATTERNS for p in directory.glob(pattern)]
    if not weights:
        raise ScoreError(f"{directory} has no weight files (*.safetensors or *.bin); "
                         "save the model with save_pretrained()")
    from safetensors import safe_open

    for path in weights:
        if path.suffix == ".safetensors":
            try:
                with safe_open(str(path), "pt") as f:
                    f.keys()
            except Exception as err:  # noqa: BLE001 - any parse failure means a corrupt file
                raise ScoreError(f"{path} is corrupt or truncated ({err}); re-save or "
                                 "re-download the model") from err


def _check_chat_template(directory: Path) -> None:
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(directory)
    except Exception as err:  # noqa: BLE001 - transformers raises many types here
        raise ScoreError(f"cannot load a tokenizer from {directory} ({err})") from err
    if not tokenizer.chat_template:
        raise ScoreError(f"the tokenizer in {directory} has no chat template; score it with "
                         "--no-chat-template (plain prompts) or add a template")


def check_model(name_or_path: str, chat_template: bool) -> ModelInfo:
    """What `name_or_path` names (model_ref's rules; `default` is the embedded model's
    directory), with a local directory's weights and tokenizer checked."""
    if check_model_ref(name_or_path) == "default":
        name_or_path = str(default_model_dir())
    if not looks_like_path(name_or_path):
        return ModelInfo(name_or_path, local=False, content_sha256=None)
    directory = Path(name_or_path).expanduser()
    if not directory.exists():
        raise ScoreError(f"model directory {directory} does not exist")
    if not directory.is_dir():
        raise ScoreError(f"{directory} is a file; --model takes a model directory or a hub id")
    config = directory / "config.json"
    if not config.is_file():
        raise ScoreError(f"{directory} is not a model directory (no config.json); expected what "
                         "save_pretrained() writes")
    try:
        json.loads(config.read_text())
    except (OSError, ValueError) as err:
        raise ScoreError(f"{config} is unreadable or not JSON ({err})") from err
    _check_weights(directory)
    if chat_template:
        _check_chat_template(directory)
    return ModelInfo(str(directory.resolve()), local=True, content_sha256=_content_hash(directory))
