"""The ELM EEG encoder, ``EEG_ResNet`` of Gijsen & Ritter (ICML 2025), re-implemented.

The module layout and parameter names follow the authors' ``models/models.py`` exactly, so
that their released state dicts (``model_0_checkpoint.pt``) load with ``strict=True``:
``conv1_layers.{i}.1`` (stem convolutions after their reflection padding), ``bn1``,
``res_blocks.{b}.{conv1_layers,bn1,conv2_layers,bn2,stream_conv_layers,stream_bn}`` and
``proj.{0,1,3}``.
"""

from __future__ import annotations

import torch
from torch import nn

N_CHANNELS = 20
SFREQ = 100
KERNELS = (4, 8, 16)
BRANCH_WIDTH = 32
WIDTH = BRANCH_WIDTH * len(KERNELS)  # 96, the size of h
EMBED_DIM = 256
POOL_SIZES = {5: (3, 2, 2, 2), 60: (4, 4, 4, 4)}


def _padded_conv(in_channels: int, kernel: int) -> nn.Sequential:
    """Reflection padding that keeps the length, then a convolution (index 1, as the authors)."""
    return nn.Sequential(
        nn.ReflectionPad1d((kernel // 2, (kernel - 1) // 2)),
        nn.Conv1d(in_channels, BRANCH_WIDTH, kernel_size=kernel),
    )


def _branches(modules: nn.ModuleList, x: torch.Tensor) -> torch.Tensor:
    return torch.cat([module(x) for module in modules], dim=1)


class ResidualBlock(nn.Module):
    """Three-branch residual block: main conv-BN-ELU-conv-BN, 1x1 skip, sum, max-pool.

    There is no activation after the sum, as in the authors' code.
    """

    def __init__(self, pool_size: int) -> None:
        super().__init__()
        self.conv1_layers = nn.ModuleList(_padded_conv(WIDTH, k) for k in KERNELS)
        self.bn1 = nn.BatchNorm1d(WIDTH)
        self.conv2_layers = nn.ModuleList(_padded_conv(WIDTH, k) for k in KERNELS)
        self.bn2 = nn.BatchNorm1d(WIDTH)
        self.stream_conv_layers = nn.ModuleList(
            nn.Conv1d(WIDTH, BRANCH_WIDTH, kernel_size=1) for _ in KERNELS
        )
        self.stream_bn = nn.BatchNorm1d(WIDTH)
        self.elu = nn.ELU()
        self.pool = nn.MaxPool1d(pool_size, stride=pool_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        main = self.elu(self.bn1(_branches(self.conv1_layers, x)))
        main = self.bn2(_branches(self.conv2_layers, main))
        skip = self.stream_bn(_branches(self.stream_conv_layers, x))
        return self.pool(main + skip)


class EEGResNet(nn.Module):
    """ELM's EEG encoder for 5 s or 60 s crops of 20 bipolar channels at 100 Hz.

    Parameters
    ----------
    window_s : int
        Crop length in seconds, 5 (pool sizes 3,2,2,2) or 60 (pool sizes 4,4,4,4).

    Notes
    -----
    ``forward(x)`` takes ``x`` of shape [B, 20, T] (T = 100 * window_s) and returns
    ``(h, z)``: the 96-d globally averaged representation and its 256-d projection.
    Nothing is L2-normalised inside the module; the loss does that. 928,416 parameters.
    """

    def __init__(self, window_s: int = 5) -> None:
        super().__init__()
        if window_s not in POOL_SIZES:
            raise ValueError(f"window_s must be one of {sorted(POOL_SIZES)}, not {window_s}")
        self.window_s = window_s
        self.conv1_layers = nn.ModuleList(_padded_conv(N_CHANNELS, k) for k in KERNELS)
        self.bn1 = nn.BatchNorm1d(WIDTH)
        self.elu = nn.ELU()
        self.res_blocks = nn.ModuleList(ResidualBlock(p) for p in POOL_SIZES[window_s])
        self.avg_pool = nn.AdaptiveAvgPool1d(1)
        self.proj = nn.Sequential(
            nn.Linear(WIDTH, 512),
            nn.BatchNorm1d(512),
            nn.ELU(),
            nn.Linear(512, EMBED_DIM, bias=False),
        )

    @property
    def n_samples(self) -> int:
        """Samples per crop at 100 Hz."""
        return self.window_s * SFREQ

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.elu(self.bn1(_branches(self.conv1_layers, x)))
        for block in self.res_blocks:
            x = block(x)
        h = self.avg_pool(x).flatten(1)
        return h, self.proj(h)
