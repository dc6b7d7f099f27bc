"""Gated attention multiple-instance pooling (Ilse, Tomczak & Welling, ICML 2018).

The module scores every crop embedding on its own (``a_k = w^T (tanh(V e_k) * sigmoid(U e_k))``),
so crops of one recording can stream through the encoder graph in batches. The softmax over a
recording's crops and the weighted sum are :func:`attention_pool`, which the runtime repeats
in numpy outside the ONNX graph.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class GatedAttention(nn.Module):
    """One attention logit per crop embedding.

    Parameters
    ----------
    embed_dim : int
        Size of the crop embeddings (256).
    hidden : int
        Size of the attention's hidden layer (Ilse et al. use 128).
    """

    def __init__(self, embed_dim: int = 256, hidden: int = 128) -> None:
        super().__init__()
        self.attention_V = nn.Linear(embed_dim, hidden)
        self.attention_U = nn.Linear(embed_dim, hidden)
        self.attention_w = nn.Linear(hidden, 1)

    def forward(self, embeddings: torch.Tensor) -> torch.Tensor:
        """Return the logits [n] of crop embeddings [n, embed_dim] (L2-normalised by the caller)."""
        gate = torch.tanh(self.attention_V(embeddings)) * torch.sigmoid(
            self.attention_U(embeddings)
        )
        return self.attention_w(gate).squeeze(-1)


def attention_pool(
    embeddings: torch.Tensor, logits: torch.Tensor, bag_ids: torch.Tensor, n_bags: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Pool crop embeddings into one L2-normalised embedding per bag.

    Parameters
    ----------
    embeddings : Tensor [n, d]
        Crop embeddings; they are L2-normalised here before pooling.
    logits : Tensor [n]
        Attention logits from :class:`GatedAttention`.
    bag_ids : Tensor [n] of int64
        Bag (recording) index of every crop, in ``0 .. n_bags - 1``.
    n_bags : int
        Number of bags.

    Returns
    -------
    pooled : Tensor [n_bags, d]
        L2-normalised softmax-weighted sums of the L2-normalised crop embeddings.
    weights : Tensor [n]
        Softmax of the logits within each bag.
    """
    logits = logits.float()
    bag_max = torch.full((n_bags,), -torch.inf, device=logits.device)
    bag_max = bag_max.scatter_reduce(0, bag_ids, logits, reduce="amax")
    exp = torch.exp(logits - bag_max[bag_ids])
    totals = torch.zeros(n_bags, device=logits.device).index_add(0, bag_ids, exp)
    weights = exp / totals[bag_ids]
    unit = F.normalize(embeddings.float(), dim=-1)
    summed = torch.zeros(n_bags, unit.shape[1], device=unit.device)
    summed = summed.index_add(0, bag_ids, unit * weights[:, None])
    return F.normalize(summed, dim=-1), weights
