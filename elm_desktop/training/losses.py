"""ELM's contrastive losses.

:func:`multi_positive_infonce` is ``ELM_MIL_FrozenLM_Loss`` with ``x,y`` positive sampling:
every (crop, text segment) pair of the same recording is a positive, the log-softmax is
averaged over a row's (or column's) positives, and both directions are averaged.
:func:`recording_contrastive` applies the same loss to attention-pooled recording embeddings
against the mean of each recording's segment embeddings (one positive per recording), which
is what trains the attention head.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def multi_positive_infonce(
    eeg: torch.Tensor,
    text: torch.Tensor,
    eeg_ids: torch.Tensor,
    text_ids: torch.Tensor,
    temperature: float = 0.3,
) -> torch.Tensor:
    """Multi-positive InfoNCE over all EEG x text pairs of a batch, both directions.

    Parameters
    ----------
    eeg : Tensor [n_e, d]
        EEG embeddings (normalised here).
    text : Tensor [n_t, d]
        Text embeddings (normalised here).
    eeg_ids, text_ids : Tensor [n_e], [n_t]
        Recording of every row; pairs with equal ids are positives. Every id must occur on both
        sides, or a row has no positive.
    temperature : float
        Fixed softmax temperature (ELM: 0.3).

    Returns
    -------
    Tensor
        ``(L_text|eeg + L_eeg|text) / 2``.
    """
    similarity = F.normalize(eeg.float(), dim=1) @ F.normalize(text.float(), dim=1).T / temperature
    positives = (eeg_ids[:, None] == text_ids[None, :]).float()
    eeg_to_text = -(positives * F.log_softmax(similarity, dim=1)).sum(1) / positives.sum(1)
    text_to_eeg = -(positives * F.log_softmax(similarity, dim=0)).sum(0) / positives.sum(0)
    return (eeg_to_text.mean() + text_to_eeg.mean()) / 2


def recording_contrastive(
    pooled_eeg: torch.Tensor,
    text: torch.Tensor,
    text_bags: torch.Tensor,
    temperature: float = 0.3,
) -> torch.Tensor:
    """Symmetric InfoNCE between recording embeddings and their mean text embeddings.

    Parameters
    ----------
    pooled_eeg : Tensor [n_bags, d]
        Attention-pooled recording embeddings, one per bag (distinct recordings).
    text : Tensor [n_t, d]
        Segment embeddings.
    text_bags : Tensor [n_t]
        Bag index (0 .. n_bags - 1) of every segment.
    temperature : float
        Softmax temperature.
    """
    n_bags = pooled_eeg.shape[0]
    unit = F.normalize(text.float(), dim=1)
    summed = torch.zeros(n_bags, unit.shape[1], device=unit.device).index_add(0, text_bags, unit)
    bag_ids = torch.arange(n_bags, device=pooled_eeg.device)
    return multi_positive_infonce(pooled_eeg, summed, bag_ids, bag_ids, temperature)
