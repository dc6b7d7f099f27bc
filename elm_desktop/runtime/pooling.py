"""Attention MIL pooling outside the graph, in numpy.

The encoder graph scores each crop on its own; the softmax over all crops of a recording and
the weighted sum happen here, so a recording of any length streams through the graph in
batches. This repeats ``elm_desktop.training.mil.attention_pool`` for one recording.
"""

from __future__ import annotations

import numpy as np


def l2_normalise(vectors: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    """Return the rows of ``vectors`` scaled to unit length (float32)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, eps)


def attention_weights(logits: np.ndarray) -> np.ndarray:
    """Return the softmax of one recording's crop attention logits [n] (sums to 1).

    Parameters
    ----------
    logits : ndarray [n]
        Attention logits of every crop of one recording, in any order.

    Returns
    -------
    ndarray [n] of float64
    """
    logits = np.asarray(logits, dtype=np.float64)
    if logits.size == 0:
        return logits
    exp = np.exp(logits - logits.max())
    return exp / exp.sum()


def recording_embedding(embeddings: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Return the L2-normalised attention-weighted sum of L2-normalised crop embeddings.

    Parameters
    ----------
    embeddings : ndarray [n, d]
        Crop embeddings of one recording (normalised here, so raw or unit rows both work).
    weights : ndarray [n]
        Attention weights from :func:`attention_weights`.

    Returns
    -------
    ndarray [d] of float32
    """
    unit = l2_normalise(embeddings).astype(np.float64)
    pooled = np.asarray(weights, dtype=np.float64) @ unit
    return l2_normalise(pooled[None])[0]
