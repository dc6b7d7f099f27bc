"""Choosing where the model runs: the CUDA execution provider when it can really run, else CPU.

ONNX Runtime lists ``CUDAExecutionProvider`` whenever the GPU build is installed, even on a
machine without a GPU, a driver or cuDNN; asking for it there prints pages of errors and falls
back to the CPU. :func:`probe_cuda` checks quietly, step by step, and says why not.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import os
from dataclasses import dataclass
from pathlib import Path

from elm_desktop.errors import ConfigError
from elm_desktop.runtime.offline_ort import ort

CUDA = "CUDAExecutionProvider"
CPU = "CPUExecutionProvider"
DEVICES = ("auto", "cpu", "cuda")

# ORT's own logger: errors only. Warnings (nodes placed on the CPU, etc.) mean nothing to a
# clinician; a real failure still raises an exception we turn into a clear message.
ORT_LOG_ERROR = 3
ORT_LOG_FATAL = 4
ort.set_default_logger_severity(ORT_LOG_ERROR)


@dataclass(frozen=True)
class ProviderChoice:
    """Where the sessions run and why."""

    provider: str
    reason: str

    @property
    def is_cuda(self) -> bool:
        return self.provider == CUDA


@contextlib.contextmanager
def quiet_ort():
    """Silence ONNX Runtime's logger and Python prints while probing the CUDA provider."""
    ort.set_default_logger_severity(ORT_LOG_FATAL)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            yield
    finally:
        ort.set_default_logger_severity(ORT_LOG_ERROR)


def _load(library: str | Path, mode: int = ctypes.RTLD_LOCAL) -> str | None:
    """dlopen a shared library; return None on success or the loader's message."""
    try:
        ctypes.CDLL(str(library), mode=mode)
    except OSError as error:
        return str(error).splitlines()[0]
    return None


def _gpu_count() -> tuple[int, str]:
    """Count CUDA devices through the driver API (libcuda); return (count, problem)."""
    try:
        driver = ctypes.CDLL("libcuda.so.1")
    except OSError:
        return 0, "no NVIDIA driver (libcuda.so.1 not found)"
    if driver.cuInit(0) != 0:
        return 0, "the NVIDIA driver found no usable GPU (cuInit failed)"
    count = ctypes.c_int(0)
    if driver.cuDeviceGetCount(ctypes.byref(count)) != 0 or count.value == 0:
        return 0, "the NVIDIA driver reports no GPU"
    return count.value, ""


def probe_cuda() -> tuple[bool, str]:
    """Check quietly whether ONNX Runtime's CUDA provider can run here.

    Returns
    -------
    usable : bool
    reason : str
        What was found (the GPU count) or, when not usable, what is missing and what to do.
    """
    if CUDA not in ort.get_available_providers():
        return False, "this onnxruntime build has no CUDA provider (install onnxruntime-gpu)"
    if os.name != "posix":
        # The library checks below are Linux-specific; let session creation decide.
        return True, "onnxruntime-gpu is installed"
    count, problem = _gpu_count()
    if problem:
        return False, problem
    with quiet_ort():
        # CUDA and cuDNN from the pip packages of `elm-desktop[cuda]`, if installed.
        with contextlib.suppress(Exception):
            ort.preload_dlls(cuda=True, cudnn=True, msvc=False)
    capi = Path(ort.__file__).parent / "capi"
    shared = capi / "libonnxruntime_providers_shared.so"
    if (problem := _load(shared, ctypes.RTLD_GLOBAL)) is not None:
        return False, f"onnxruntime's provider bridge does not load ({problem})"
    if (problem := _load(capi / "libonnxruntime_providers_cuda.so")) is not None:
        return False, (
            f"CUDA libraries are missing ({problem}); install them with "
            "`pip install 'elm-desktop[cuda]'`"
        )
    if _load("libcudnn.so.9") is not None:
        return False, "cuDNN 9 is missing; install it with `pip install 'elm-desktop[cuda]'`"
    return True, f"{count} NVIDIA GPU(s) with CUDA and cuDNN libraries"


def choose_provider(device: str = "auto") -> ProviderChoice:
    """Pick the execution provider for ``device`` (``"auto"``, ``"cpu"`` or ``"cuda"``).

    ``"auto"`` takes CUDA when :func:`probe_cuda` says it can run and the CPU otherwise.

    Raises
    ------
    ConfigError
        If ``device`` is unknown, or is ``"cuda"`` and CUDA cannot run here.
    """
    if device not in DEVICES:
        raise ConfigError(f"device must be one of {', '.join(DEVICES)}, not {device!r}")
    if device == "cpu":
        return ProviderChoice(CPU, "CPU requested")
    usable, reason = probe_cuda()
    if usable:
        return ProviderChoice(CUDA, f"CUDA: {reason}")
    if device == "cuda":
        raise ConfigError(f"CUDA was requested but cannot run here: {reason}")
    return ProviderChoice(CPU, f"CPU, because CUDA cannot run: {reason}")


def cpu_threads() -> int:
    """Threads for one session: the CPUs this process may use (ORT's default counts them all)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def session_options(threads: int | None = None) -> ort.SessionOptions:
    """Session options for inference: all graph optimisations, one op at a time, quiet log."""
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.intra_op_num_threads = threads or cpu_threads()
    options.inter_op_num_threads = 1
    options.log_severity_level = ORT_LOG_ERROR
    return options
