"""What a `--model` (or a recipe's `model:`) names, checked before anything loads or is written.

Three things are accepted: `default` (the embedded SmolLM2-135M-Instruct), a model directory
(it must exist and hold the config.json that save_pretrained() writes) and a hub id (`name` or
`org/name`). A hub id is passed on untouched when the hub can be reached, so users with a hub
keep their models; offline (HF_HUB_OFFLINE=1) it must already be in the local hub cache. A
value that is none of these (`./typo`, `a/b/c`, `my model`) is refused here, in one line,
rather than by the loader minutes later.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from .errors import MaskftError, brief

DEFAULT = "default"


class ModelRefError(MaskftError, ValueError):
    pass


def looks_like_path(name: str) -> bool:
    """Hub ids are "name" or "org/name"; anything else, or anything on disk, is a path."""
    return name.startswith(("/", ".", "~")) or "\\" in name or name.count("/") > 1 \
        or Path(name).expanduser().exists()


def _check_directory(name: str) -> None:
    directory = Path(name).expanduser()
    if not directory.exists():
        raise ModelRefError(f"model directory {brief(name)} does not exist; expected a model "
                            f"directory, a hub id (org/name) or {DEFAULT}")
    if not directory.is_dir():
        raise ModelRefError(f"model {brief(name)} is a file; expected a model directory (what "
                            "save_pretrained() writes), a hub id or default")
    if not (directory / "config.json").is_file():
        raise ModelRefError(f"model {brief(name)} is not a model directory (no config.json); "
                            "expected what save_pretrained() writes")


def _check_hub_id(name: str) -> None:
    import huggingface_hub
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    try:
        validate_repo_id(name)
    except HFValidationError:
        raise ModelRefError(f"model {brief(name)} is neither {DEFAULT}, a model directory nor a "
                            "hub id (name or org/name: letters, digits, '-', '_', '.')") from None
    if huggingface_hub.is_offline_mode() and \
            huggingface_hub.try_to_load_from_cache(name, "config.json") is None:
        raise ModelRefError(f"model {brief(name)}: not a directory, and a hub id that is not in "
                            "the local hub cache while HF_HUB_OFFLINE is set; download it first "
                            "or give a model directory")


def check_model_ref(name: str) -> Literal["default", "directory", "hub"]:
    """Refuse a model name that cannot load, and say which kind of name it is."""
    if name == DEFAULT:
        from .models import find_gguf

        find_gguf()  # the package that carries the default model's weights
        return "default"
    if looks_like_path(name):
        _check_directory(name)
        return "directory"
    _check_hub_id(name)
    return "hub"
