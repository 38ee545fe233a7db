"""`score --backend auto`: which backend it picks, and that it says why (no silent fallback)."""

import pytest

from maskft_bench.scoring.backends import choose, resolve, vllm_available


@pytest.mark.parametrize(("requested", "on_gpu", "has_vllm", "name", "warns"), [
    ("auto", True, True, "vllm", False),
    ("auto", True, False, "hf", True),
    ("auto", False, True, "hf", False),
    ("auto", False, False, "hf", False),
    ("hf", True, False, "hf", False),   # asked for: no second-guessing
    ("vllm", False, True, "vllm", False),
])
def test_auto_picks_vllm_only_on_a_gpu_and_warns_when_it_is_missing_there(
        requested, on_gpu, has_vllm, name, warns):
    chosen, reason, warning = choose(requested, on_gpu, has_vllm)
    assert chosen == name and reason.startswith(f"--backend {requested}")
    assert (warning is not None) == warns
    if warns:
        assert "scripts/gpu-requirements.txt" in warning


def test_resolve_reports_the_choice_for_this_machines_device():
    import torch

    backend = resolve("auto", "some/model", "auto")
    assert (backend.name, backend.reason, backend.warning) == choose(
        "auto", torch.cuda.is_available(), vllm_available())
