"""Low-rank adapters (LoRA, Hu et al. 2021) on a frozen model's linear layers.

``W x + (alpha / r) B A x`` with ``A`` random and ``B`` zero, so an adapted model starts out
computing exactly what the frozen one did; only ``A`` and ``B`` train.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class LoRALinear(nn.Module):
    """A frozen ``nn.Linear`` plus a trained low-rank update.

    Parameters
    ----------
    base : nn.Linear
        The layer to adapt; its weights are frozen.
    rank : int
    alpha : float
        The update is scaled by ``alpha / rank``.
    """

    def __init__(self, base: nn.Linear, rank: int, alpha: float) -> None:
        super().__init__()
        self.base = base
        self.base.requires_grad_(False)
        self.lora_a = nn.Parameter(torch.empty(rank, base.in_features))
        self.lora_b = nn.Parameter(torch.zeros(base.out_features, rank))
        nn.init.kaiming_uniform_(self.lora_a, a=math.sqrt(5))
        self.scale = alpha / rank

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + (x @ self.lora_a.t() @ self.lora_b.t()) * self.scale


def apply_lora(model: nn.Module, targets: list[str], rank: int, alpha: float) -> list[str]:
    """Replace every ``nn.Linear`` whose attribute name is in ``targets`` by a :class:`LoRALinear`.

    Returns
    -------
    list of str
        The qualified names of the adapted layers (none found: an empty list).
    """
    adapted = []
    for parent_name, parent in list(model.named_modules()):
        for name, child in list(parent.named_children()):
            if name in targets and isinstance(child, nn.Linear):
                setattr(parent, name, LoRALinear(child, rank, alpha))
                adapted.append(f"{parent_name}.{name}" if parent_name else name)
    return adapted
