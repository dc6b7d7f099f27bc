"""Layer 2: model bundles and the ONNX Runtime engine (no torch, no transformers).

``Bundle.load(path)`` verifies a bundle folder; ``Engine(bundle)`` runs it on CUDA when it can
really run and on the CPU otherwise. Attention pooling happens outside the graph
(:func:`attention_weights`, :func:`recording_embedding`).
"""

from elm_desktop.runtime.bundle import FORMAT_VERSION, Bundle, write_manifest
from elm_desktop.runtime.engine import Encoding, Engine
from elm_desktop.runtime.pooling import attention_weights, l2_normalise, recording_embedding

__all__ = [
    "FORMAT_VERSION",
    "Bundle",
    "Encoding",
    "Engine",
    "attention_weights",
    "l2_normalise",
    "recording_embedding",
    "write_manifest",
]
