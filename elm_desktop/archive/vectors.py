"""Vector helpers both stores share: blob encoding, normalisation, exact top-k, crop pairs."""

from __future__ import annotations

import numpy as np

from elm_desktop.errors import ArchiveError


def to_blob16(matrix: np.ndarray) -> bytes:
    """Encode a matrix as little-endian float16 bytes (crop and segment embeddings)."""
    return np.ascontiguousarray(matrix, dtype="<f2").tobytes()


def to_blob32(array: np.ndarray) -> bytes:
    """Encode an array as little-endian float32 bytes."""
    return np.ascontiguousarray(array, dtype="<f4").tobytes()


def from_blob16(blob: bytes, dim: int) -> np.ndarray:
    """Decode float16 bytes into a float32 matrix of ``dim`` columns."""
    return np.frombuffer(blob, dtype="<f2").reshape(-1, dim).astype(np.float32)


def from_blob32(blob: bytes) -> np.ndarray:
    """Decode float32 bytes into a 1-D float32 array."""
    return np.frombuffer(blob, dtype="<f4").astype(np.float32)


def decode_crops(row: tuple[bytes, bytes, bytes]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Decode a stored (embeddings, starts, weights) row of float16/float32/float32 blobs."""
    starts = from_blob32(row[1])
    dim = len(row[0]) // 2 // len(starts)
    return from_blob16(row[0], dim), starts, from_blob32(row[2])


def normalized(matrix: np.ndarray) -> np.ndarray:
    """Return float32 rows scaled to unit length (zero rows stay zero)."""
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


def query_vector(query: np.ndarray, dim: int | None) -> np.ndarray:
    """Check a query embedding's shape against the archive and return it normalised."""
    query = np.asarray(query, dtype=np.float32)
    if query.ndim != 1:
        raise ArchiveError(f"a query embedding must be one vector, got shape {query.shape}")
    if dim is not None and query.shape[0] != dim:
        raise ArchiveError(
            f"the query embedding has {query.shape[0]} values but the archive holds "
            f"{dim}-dimensional embeddings: use the model the archive was built with"
        )
    return normalized(query)


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest scores, best first."""
    k = min(k, scores.shape[0])
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    if k < scores.shape[0]:
        candidates = np.argpartition(-scores, k - 1)[:k]
    else:
        candidates = np.arange(scores.shape[0])
    return candidates[np.argsort(-scores[candidates], kind="stable")]


def best_crop_pair(
    case_crops: np.ndarray, query: np.ndarray, query_crops: np.ndarray | None
) -> tuple[int, int | None, float]:
    """Find the case crop that matches the query best.

    Parameters
    ----------
    case_crops : ndarray, shape (n, d)
        The archived case's crop embeddings.
    query : ndarray, shape (d,)
        The query embedding (used when there are no query crops).
    query_crops : ndarray, shape (q, d) | None
        The query recording's crop embeddings, to find the best pair of crops.

    Returns
    -------
    case_crop, query_crop, score
        Index of the case crop, of the query crop (None without query crops) and their cosine.
    """
    case_crops = normalized(case_crops)
    if query_crops is None or len(query_crops) == 0:
        scores = case_crops @ query
        best = int(np.argmax(scores))
        return best, None, float(scores[best])
    pair_scores = normalized(query_crops) @ case_crops.T
    query_crop, case_crop = np.unravel_index(int(np.argmax(pair_scores)), pair_scores.shape)
    return int(case_crop), int(query_crop), float(pair_scores[query_crop, case_crop])
