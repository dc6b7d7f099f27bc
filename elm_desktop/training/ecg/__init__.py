"""The ECG-language model (MERL style): ResNet18-1D encoder, attention pooling, the shared
frozen text tower, CLIP + uni-modal alignment training, evaluation and ONNX export.

Chosen by ``modality = "ecg"`` at the top of a training configuration (``configs/ecg-*.toml``),
so ``elm-desktop train`` and ``elm-desktop model export`` serve both modalities.
"""
