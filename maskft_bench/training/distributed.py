"""What checkpoint selection and model saving need when several processes train one model
(`torchrun`: DDP; `accelerate launch --config_file train/accelerate/fsdp.yaml`: FSDP2).

Selection is shared: each process answers its share of the validation questions and the scores
are gathered, so every process reaches the same decision and none waits in a collective while
another generates the whole set. Under FSDP each process holds a shard of the parameters and
every forward pass gathers them, a collective: all processes must run the same number of
forward passes (equal shares, generation in lock-step), and a model is saved from the full
state dict, gathered onto the main process. In a single process all of this is a no-op.
"""

from __future__ import annotations

import torch.distributed as dist
from torch import nn


def rank_and_world() -> tuple[int, int]:
    """This process's index and the number of processes (0, 1 without a process group)."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def share(count: int, rank: int, world: int) -> list[int]:
    """The indices of `count` items this process handles: every world-th from its rank, padded
    with item 0 to the longest share, so every process runs as many generation batches (under
    FSDP each is a collective). The padding's answers are dropped when merging (`gather`)."""
    mine = list(range(rank, count, world))
    return mine + [0] * (-(-count // world) - len(mine))


def gather(value: object) -> list:
    """Every process's `value`, in rank order; all processes must call it."""
    _, world = rank_and_world()
    if world == 1:
        return [value]
    values: list = [None] * world
    dist.all_gather_object(values, value)
    return values


def sharded(model: nn.Module) -> bool:
    """Whether `model`'s parameters are sharded across processes by FSDP2's fully_shard (the
    engine refuses FSDP1, whose wrapper's generate skips the root's parameter gathering)."""
    from torch.distributed.fsdp import FSDPModule

    return isinstance(model, FSDPModule)


def full_state_dict(model: nn.Module) -> dict | None:
    """The whole model's state dict on the main process ({} on the others), gathered from the
    shards the way accelerate's get_state_dict does for Trainer's own saves; None for a model
    that is not sharded, whose save_pretrained reads its own parameters. All processes must
    call it."""
    if not sharded(model):
        return None
    from torch.distributed.checkpoint.state_dict import StateDictOptions, get_model_state_dict

    options = StateDictOptions(full_state_dict=True, cpu_offload=True)
    return get_model_state_dict(model, options=options)
