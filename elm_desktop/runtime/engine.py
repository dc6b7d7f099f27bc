"""The inference engine: a bundle's ONNX graphs in ONNX Runtime sessions, on CUDA or the CPU.

>>> engine = Engine(Bundle.load(path))            # doctest: +SKIP
>>> out = engine.encode(crops)                     # crops [n, 20, T] float32
>>> out.embeddings, out.attention_weights, out.recording_embedding
>>> engine.embed_text(["generalized slowing"])     # [1, 256], L2-normalised
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from elm_desktop.errors import BundleError
from elm_desktop.progress import CancelToken, ProgressCallback
from elm_desktop.runtime.bundle import EEG_INPUT, EEG_OUTPUTS, TEXT_INPUTS, TEXT_OUTPUTS, Bundle
from elm_desktop.runtime.offline_ort import ort
from elm_desktop.runtime.pooling import attention_weights, l2_normalise, recording_embedding
from elm_desktop.runtime.providers import (
    CPU,
    CUDA,
    ProviderChoice,
    choose_provider,
    cpu_threads,
    quiet_ort,
    session_options,
)
from elm_desktop.runtime.tokenizer import PromptTokenizer

# Samples per ONNX Runtime call, more on a GPU. On the CPU 48 crops of 5 s or 4 of 60 s: batches
# of 8 to 256 crops of 5 s ran within ~5 % of each other, and 3 or 5 crops of 60 s ran ~20 %
# slower than 2, 4 or 6 on two threads (benchmarks/results/runtime-cpu.txt).
CPU_BATCH_SAMPLES = 4 * 6000
CUDA_BATCH_SAMPLES = 2048 * 500
TEXT_BATCH = 64
TEXT_CACHE_SIZE = 4096


@dataclass(frozen=True)
class Encoding:
    """The encoder's output for the crops of one recording.

    Attributes
    ----------
    embeddings : ndarray [n, d] float32
        L2-normalised crop embeddings.
    attention_logits : ndarray [n] float32
        One gated-attention logit per crop (all zero for a uniform-attention bundle).
    """

    embeddings: np.ndarray
    attention_logits: np.ndarray

    @cached_property
    def attention_weights(self) -> np.ndarray:
        """Softmax of the logits over all crops [n] (sums to 1)."""
        return attention_weights(self.attention_logits)

    @cached_property
    def recording_embedding(self) -> np.ndarray:
        """L2-normalised attention-weighted mean of the crop embeddings [d]."""
        return recording_embedding(self.embeddings, self.attention_weights)


class Engine:
    """Run a model bundle with ONNX Runtime.

    Parameters
    ----------
    bundle : Bundle or path
        A loaded bundle, or its folder (loaded and verified here).
    device : {"auto", "cpu", "cuda"}
        ``"auto"`` uses CUDA when it can really run (GPU, driver, CUDA and cuDNN libraries)
        and the CPU otherwise; :attr:`provider` and :attr:`provider_reason` say which and why.
    threads : int, optional
        CPU threads per session; default: the CPUs this process may use.
    precision : {"auto", "fp32"}
        ``"auto"`` takes the bundle's fp16 EEG graph on CUDA and its int8 text graph on the
        CPU where the bundle has them (each passed its accuracy check at export, see the
        manifest); ``"fp32"`` always takes the full-precision graphs.
    batch_size : int, optional
        Crops per ONNX Runtime call; default from the crop length and the provider.

    Raises
    ------
    BundleError
        If a graph cannot be loaded or its inputs and outputs do not match the manifest.
    """

    def __init__(
        self,
        bundle: Bundle | str | Path,
        device: str = "auto",
        threads: int | None = None,
        precision: str = "auto",
        batch_size: int | None = None,
    ) -> None:
        if precision not in ("auto", "fp32"):
            raise ValueError(f"precision must be 'auto' or 'fp32', not {precision!r}")
        self.bundle = bundle if isinstance(bundle, Bundle) else Bundle.load(bundle)
        self.threads = threads or cpu_threads()
        self.precision = precision
        choice = choose_provider(device)
        self.eeg_graph = "eeg_fp16" if self._use_variant("eeg_fp16", choice) else "eeg"
        self._eeg, choice = self._open_eeg(choice)
        self.provider, self.provider_reason = choice.provider, choice.reason
        default_batch = CUDA_BATCH_SAMPLES if self.provider == CUDA else CPU_BATCH_SAMPLES
        self.batch_size = batch_size or max(1, default_batch // self.bundle.n_samples)
        self._text: ort.InferenceSession | None = None
        self._tokenizer: PromptTokenizer | None = None
        self._text_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self.text_graph: str | None = None
        if self.bundle.has_text:
            self.text_graph = "text_int8" if self._use_variant("text_int8", choice) else "text"
            self._text = self._session(self.text_graph, self.provider)
            _check_io(self.bundle, self.text_graph, self._text, TEXT_INPUTS, TEXT_OUTPUTS)
            text = self.bundle.manifest["text"]
            self._tokenizer = PromptTokenizer(
                self.bundle.path / text["tokenizer"], text["max_length"]
            )

    def _use_variant(self, role: str, choice: ProviderChoice) -> bool:
        """Whether to run an optional graph: it exists and suits the provider."""
        if self.precision == "fp32" or self.bundle.manifest.get(role) is None:
            return False
        return choice.is_cuda if role == "eeg_fp16" else not choice.is_cuda

    def _session(self, role: str, provider: str) -> ort.InferenceSession:
        path = self.bundle.file(role)
        providers = [provider, CPU] if provider == CUDA else [CPU]
        try:
            return ort.InferenceSession(
                str(path), session_options(self.threads), providers=providers
            )
        except Exception as error:  # ORT raises its own exception types, all mean "cannot load"
            first = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
            raise BundleError(
                f"model bundle {self.bundle.path}: {path.name} is not a loadable ONNX graph "
                f"({first[:200]}); re-export the bundle"
            ) from error

    def _open_eeg(self, choice: ProviderChoice) -> tuple[ort.InferenceSession, ProviderChoice]:
        """Open the EEG session; on CUDA, run one crop to prove it works, else fall back."""
        if choice.is_cuda:
            try:
                with quiet_ort():
                    session = self._session(self.eeg_graph, CUDA)
                    if CUDA not in session.get_providers():
                        raise RuntimeError("onnxruntime did not place the graph on the GPU")
                    probe = np.zeros((1, len(self.bundle.channels), self.bundle.n_samples))
                    session.run(None, {EEG_INPUT: probe.astype(np.float32)})
                _check_io(self.bundle, self.eeg_graph, session, (EEG_INPUT,), EEG_OUTPUTS)
                return session, choice
            except BundleError:
                raise
            except Exception as error:
                reason = str(error).strip().splitlines()[0][:160] if str(error).strip() else ""
                choice = ProviderChoice(CPU, f"CPU, because the CUDA session failed: {reason}")
                self.eeg_graph = "eeg"
        session = self._session(self.eeg_graph, CPU)
        _check_io(self.bundle, self.eeg_graph, session, (EEG_INPUT,), EEG_OUTPUTS)
        return session, choice

    def describe(self) -> str:
        """Where the engine runs, why, and which graphs it uses."""
        graphs = [self.bundle.manifest[self.eeg_graph]["file"]]
        if self.text_graph:
            graphs.append(self.bundle.manifest[self.text_graph]["file"])
        return (
            f"{self.provider} ({self.provider_reason}); {self.threads} CPU thread(s); "
            f"{self.batch_size} crops per batch; graphs: {', '.join(graphs)}"
        )

    def encode(
        self,
        crops: np.ndarray,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> Encoding:
        """Encode the crops of one recording.

        Parameters
        ----------
        crops : ndarray [n, channels, n_samples]
            ELM-preprocessed crops (any float dtype; a memory map streams batch by batch).
        progress : ProgressCallback, optional
            Called with (crops done, crops total, message) after each batch.
        cancel : CancelToken, optional
            Checked between batches.

        Returns
        -------
        Encoding
            L2-normalised embeddings and attention logits; weights and the recording
            embedding are computed from them on demand.
        """
        expected = (len(self.bundle.channels), self.bundle.n_samples)
        if crops.ndim != 3 or tuple(crops.shape[1:]) != expected:
            raise BundleError(
                f"crops of shape {tuple(crops.shape)} do not fit model {self.bundle.name}, "
                f"which takes [n, {expected[0]}, {expected[1]}] "
                f"({self.bundle.window_s:g} s at {self.bundle.sfreq:g} Hz)"
            )
        n = len(crops)
        embeddings = np.empty((n, self.bundle.embedding_dim), dtype=np.float32)
        logits = np.empty(n, dtype=np.float32)
        for start in range(0, n, self.batch_size):
            if cancel is not None:
                cancel.check()
            stop = min(n, start + self.batch_size)
            batch = np.ascontiguousarray(crops[start:stop], dtype=np.float32)
            embeddings[start:stop], logits[start:stop] = self._eeg.run(
                list(EEG_OUTPUTS), {EEG_INPUT: batch}
            )
            if progress is not None:
                progress(stop, n, f"encoding {self.bundle.modality.upper()} windows")
        return Encoding(l2_normalise(embeddings), logits)

    def embed_text(self, prompts: Sequence[str]) -> np.ndarray:
        """Embed prompts into the joint space: [k, d] float32, L2-normalised.

        Embeddings are cached per prompt, so re-scoring the same prompts costs nothing.

        Raises
        ------
        BundleError
            If the bundle is EEG-only (it has no trained text projector).
        """
        if self._text is None or self._tokenizer is None:
            raise BundleError(
                f"model {self.bundle.name} is EEG-only (no text projector), so prompts cannot be "
                "scored; train a projector on your reports with `elm-desktop adapt`"
            )
        prompts = list(prompts)
        missing = list(dict.fromkeys(p for p in prompts if p not in self._text_cache))
        for start in range(0, len(missing), TEXT_BATCH):
            chunk = missing[start : start + TEXT_BATCH]
            (vectors,) = self._text.run(list(TEXT_OUTPUTS), self._tokenizer(chunk))
            for prompt, vector in zip(chunk, l2_normalise(vectors), strict=True):
                self._text_cache[prompt] = vector
        for prompt in prompts:
            self._text_cache.move_to_end(prompt)
        while len(self._text_cache) > TEXT_CACHE_SIZE:
            self._text_cache.popitem(last=False)
        if not prompts:
            return np.zeros((0, self.bundle.embedding_dim), dtype=np.float32)
        return np.stack([self._text_cache[p] for p in prompts])

    def clear_text_cache(self) -> None:
        """Forget cached prompt embeddings (the next :meth:`embed_text` recomputes them)."""
        self._text_cache.clear()


def _check_io(
    bundle: Bundle,
    role: str,
    session: ort.InferenceSession,
    inputs: Sequence[str],
    outputs: Sequence[str],
) -> None:
    """Refuse a graph whose inputs or outputs do not match what the manifest promises."""
    name = bundle.manifest[role]["file"]
    got_inputs = {i.name: i for i in session.get_inputs()}
    got_outputs = {o.name: o for o in session.get_outputs()}
    problem = ""
    if set(got_inputs) != set(inputs):
        problem = f"inputs {sorted(got_inputs)}, expected {sorted(inputs)}"
    elif not set(outputs) <= set(got_outputs):
        problem = f"outputs {sorted(got_outputs)}, expected {sorted(outputs)}"
    elif role.startswith("eeg"):
        crops = got_inputs[EEG_INPUT]
        expected = [len(bundle.channels), bundle.n_samples]
        if crops.type != "tensor(float)" or len(crops.shape) != 3 or crops.shape[1:] != expected:
            problem = f"input {EEG_INPUT} is {crops.type} {crops.shape}, expected [n, *{expected}]"
        elif got_outputs["embedding"].shape[-1] != bundle.embedding_dim:
            problem = f"embedding size {got_outputs['embedding'].shape[-1]}"
    else:
        if any(got_inputs[i].type != "tensor(int64)" for i in inputs):
            problem = "token inputs are not int64"
        elif got_outputs["embedding"].shape[-1] != bundle.embedding_dim:
            problem = f"embedding size {got_outputs['embedding'].shape[-1]}"
    if problem:
        raise BundleError(
            f"model bundle {bundle.path}: {name} does not match its manifest ({problem}); "
            "re-export the bundle"
        )
