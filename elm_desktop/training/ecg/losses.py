"""MERL's losses: CLIP between ECGs and their report sentences, and between two ECG views.

:func:`multi_positive_clip` is the ECG-text term: every distinct sentence of the batch is one
column, and a record's positives are all the sentences of its reports (a sentence shared by
several records, "Sinus rhythm.", is a positive of each, never a negative of one of them).
:func:`clip_loss` is MERL's symmetric InfoNCE with one positive per row, used for the uni-modal
alignment of two dropout views of the same ECG.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def clip_loss(x: torch.Tensor, y: torch.Tensor, temperature: float = 0.1) -> torch.Tensor:
    """Symmetric InfoNCE: row i of ``x`` matches row i of ``y`` (mean of both directions)."""
    similarity = F.normalize(x.float(), dim=-1) @ F.normalize(y.float(), dim=-1).T / temperature
    targets = torch.arange(len(x), device=x.device)
    return (F.cross_entropy(similarity, targets) + F.cross_entropy(similarity.T, targets)) / 2


def multi_positive_clip(
    ecg: torch.Tensor, text: torch.Tensor, positives: torch.Tensor, temperature: float = 0.1
) -> torch.Tensor:
    """Symmetric multi-positive InfoNCE between ECGs [B, d] and sentences [S, d].

    Parameters
    ----------
    ecg, text : Tensor
        Embeddings (normalised here).
    positives : Tensor [B, S] of bool
        Which sentences belong to which record; every row and column needs one positive.
    temperature : float
    """
    similarity = F.normalize(ecg.float(), dim=-1) @ F.normalize(text.float(), dim=-1).T
    similarity = similarity / temperature
    weights = positives.float()
    ecg_to_text = -(weights * F.log_softmax(similarity, dim=1)).sum(1) / weights.sum(1)
    text_to_ecg = -(weights * F.log_softmax(similarity, dim=0)).sum(0) / weights.sum(0)
    return (ecg_to_text.mean() + text_to_ecg.mean()) / 2
