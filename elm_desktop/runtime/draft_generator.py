"""A bundle's report generator: greedy section-JSON drafts with numpy and ONNX Runtime, no torch.

The generator (issue 18, CELM) is a small decoder conditioned on the recording: the crop
embeddings go through a linear projector into prefix tokens ``[start] P(e_1) ... P(e_n)
[separator] [end]``, then come the prompt's tokens, then the decoder writes the report's section
JSON. The decoder graph runs once over the prefix and prompt and then once per new token with its
key/value cache; the next token is the argmax of the logits. ``on_token`` sees every token as it
comes, so a caller can stream the draft and stop it.

A generator may also read the recording's finding scores: one prefix token per finding, its
learned embedding plus the score's margin over its threshold (:func:`score_margins`) times a
learned direction, so that what it writes follows the scores the draft is checked against.
Its entry's ``finding_scores`` says which scores it was trained on (``finding_ids`` in its
order, ``prompt_style``, ``thresholds``); a recording scored otherwise (other prompts, a
changed threshold) gets no generated draft, for its margins would mean something else.

In a bundle the generator is three files named by the manifest's ``generator`` entry (``file``,
``prefix``, ``tokenizer``), with the prompt it was trained on, the sections it writes, its
token limit and, for one that reads finding scores, ``finding_scores``
(:func:`generator_entry_problem` says what a valid entry holds).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from elm_desktop.errors import BundleError

#: Keys a bundle's ``generator`` entry must hold.
GENERATOR_KEYS = ("file", "prefix", "tokenizer", "prompt", "sections", "max_new_tokens")

#: Score margins are clipped to this many logits either side of the threshold.
MARGIN_LIMIT = 8.0

#: How far a threshold may be from the one a generator was trained with (thresholds are
#: written with four decimals).
THRESHOLD_TOLERANCE = 1e-4


def score_margins(probability: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """The finding scores' margins as a generator reads them: logit(p) - logit(threshold),
    clipped to +-:data:`MARGIN_LIMIT` (positive where the finding is scored over its
    threshold, 0 at it).

    Parameters
    ----------
    probability : ndarray
        float [..., n_findings], finding scores.
    threshold : ndarray
        float [n_findings] (or broadcastable to ``probability``), their thresholds.

    Returns
    -------
    ndarray
        float32, the shape of ``probability``.
    """

    def logit(x: np.ndarray) -> np.ndarray:
        x = np.clip(np.asarray(x, np.float64), 1e-6, 1 - 1e-6)
        return np.log(x) - np.log1p(-x)

    margin = logit(probability) - logit(threshold)
    return np.clip(margin, -MARGIN_LIMIT, MARGIN_LIMIT).astype(np.float32)


def generator_entry_problem(entry: Any) -> str | None:
    """Say what is wrong with a manifest's ``generator`` entry, or None when it is complete."""
    if not isinstance(entry, dict):
        return "is not an object"
    missing = [key for key in GENERATOR_KEYS if key not in entry]
    if missing:
        return f"lacks {', '.join(missing)}"
    if not isinstance(entry["prompt"], str) or not isinstance(entry["sections"], list):
        return "has a prompt or sections of the wrong type"
    reads = entry.get("finding_scores")
    if reads is not None:
        ids = reads.get("finding_ids") if isinstance(reads, dict) else None
        thresholds = reads.get("thresholds") if isinstance(reads, dict) else None
        if (
            not isinstance(ids, list)
            or not ids
            or not all(isinstance(f, str) for f in ids)
            or not isinstance(thresholds, list)
            or len(thresholds) != len(ids)
            or not all(isinstance(t, int | float) for t in thresholds)
            or reads.get("prompt_style") not in ("knowledge", "plain")
        ):
            return "has finding_scores without finding_ids, a threshold for each and a prompt_style"
    return None


class DraftGenerator:
    """An exported generator (decoder graph, prefix tensors, tokenizer) for greedy drafts.

    Parameters
    ----------
    decoder, prefix, tokenizer : path-like
        The decoder graph (``inputs_embeds``, ``past_key``, ``past_value`` -> ``logits``,
        ``key``, ``value``), the ``.npz`` of the projector, special and token embeddings and
        ``eos_id``, and the ``tokenizer.json``.
    threads : int
        ONNX Runtime's intra-op threads.
    """

    def __init__(
        self, decoder: str | Path, prefix: str | Path, tokenizer: str | Path, threads: int = 1
    ) -> None:
        from tokenizers import Tokenizer

        from elm_desktop.runtime.offline_ort import ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = ort.InferenceSession(
            str(decoder), options, providers=["CPUExecutionProvider"]
        )
        with np.load(prefix) as arrays:
            self.arrays = {name: arrays[name] for name in arrays.files}
        self.eos_id = int(self.arrays.pop("eos_id"))
        self.tokenizer = Tokenizer.from_file(str(tokenizer))
        shape = self.session.get_inputs()[1].shape  # [layers, 1, kv_heads, past, head_dim]
        self._empty = np.zeros((shape[0], 1, shape[2], 0, shape[4]), np.float32)

    def prefix(self, crops: np.ndarray, margins: np.ndarray | None = None) -> np.ndarray:
        """The recording's prefix embeddings ``[n + 3 (+ k), width]`` (as the torch model's)."""
        a = self.arrays
        tokens = np.asarray(crops, np.float32) @ a["projector_weight"].T + a["projector_bias"]
        parts = [a["start"], tokens, a["separator"]]
        if "finding_embeddings" in a:
            if margins is None:
                raise ValueError("this generator reads finding scores: give their margins")
            column = np.asarray(margins, np.float32).reshape(-1, 1)
            parts.append(a["finding_embeddings"] + column * a["finding_directions"])
        return np.concatenate([*parts, a["end"]]).astype(np.float32)

    def encode(self, text: str) -> list[int]:
        """Token ids of a text (no special tokens added)."""
        return self.tokenizer.encode(text, add_special_tokens=False).ids

    def decode(self, ids: list[int]) -> str:
        """Text of token ids, special tokens dropped."""
        return self.tokenizer.decode(ids, skip_special_tokens=True)

    def generate_ids(
        self,
        crops: np.ndarray,
        prompt: str,
        margins: np.ndarray | None = None,
        max_new_tokens: int = 256,
        on_token: Callable[[int], bool | None] | None = None,
    ) -> list[int]:
        """Greedy new token ids of one recording, up to and without end-of-sequence.

        ``on_token(id)`` is called with each new token; returning ``True`` stops decoding
        (a cancel).
        """
        table = self.arrays["token_embeddings"]
        embeds = np.concatenate([self.prefix(crops, margins), table[self.encode(prompt)]])
        key = value = self._empty
        ids: list[int] = []
        for _ in range(max_new_tokens):
            logits, key, value = self.session.run(
                None, {"inputs_embeds": embeds[None], "past_key": key, "past_value": value}
            )
            token = int(np.argmax(logits[0]))
            if token == self.eos_id:
                break
            ids.append(token)
            if on_token is not None and on_token(token):
                break
            embeds = table[[token]]
        return ids


class BundleGenerator:
    """A bundle's generator with the prompt, sections and token limit its manifest gives.

    Parameters
    ----------
    folder : path-like
        The bundle folder.
    entry : mapping
        The manifest's ``generator`` entry (already checked by the bundle loader).
    threads : int
        ONNX Runtime's intra-op threads.
    """

    def __init__(self, folder: str | Path, entry: Mapping[str, Any], threads: int = 1) -> None:
        folder = Path(folder)
        self.entry = dict(entry)
        self.prompt = str(entry["prompt"])
        self.sections = tuple(entry["sections"])
        self.max_new_tokens = int(entry["max_new_tokens"])
        reads = entry.get("finding_scores") or {}
        self.finding_ids = tuple(reads.get("finding_ids", ()))
        self.prompt_style = reads.get("prompt_style")
        self.trained_thresholds = dict(
            zip(self.finding_ids, reads.get("thresholds", ()), strict=True)
        )
        self.decoder = DraftGenerator(
            folder / entry["file"], folder / entry["prefix"], folder / entry["tokenizer"], threads
        )
        tokens = self.decoder.arrays.get("finding_embeddings", np.empty((0, 0)))
        if len(tokens) != len(self.finding_ids):
            raise BundleError(
                f"{folder}: the report generator's prefix has {len(tokens)} finding-score "
                f"tokens, its manifest entry names {len(self.finding_ids)} findings"
            )

    def score_problem(
        self,
        probabilities: Mapping[str, float],
        thresholds: Mapping[str, float],
        prompt_style: str | None,
    ) -> str | None:
        """Why this generator cannot read a recording's finding scores (scored otherwise than
        it was trained on), or None when it can (or reads none)."""
        if not self.finding_ids:
            return None
        missing = [f for f in self.finding_ids if f not in probabilities or f not in thresholds]
        if len(missing) == len(self.finding_ids):
            return "the report generator reads the model's finding scores, and none was scored."
        if missing:
            return f"the report generator reads findings not scored: {', '.join(missing)}."
        if prompt_style != self.prompt_style:
            return (
                f"the report generator reads finding scores of {self.prompt_style} prompts, "
                f"and these were scored with {prompt_style} prompts."
            )
        changed = [
            f
            for f in self.finding_ids
            if abs(thresholds[f] - self.trained_thresholds[f]) > THRESHOLD_TOLERANCE
        ]
        if changed:
            return (
                "the report generator reads finding scores against the thresholds it was "
                f"trained with, and these differ for {', '.join(changed)}."
            )
        return None

    def margins(
        self, probabilities: Mapping[str, float], thresholds: Mapping[str, float]
    ) -> np.ndarray | None:
        """The margins of the findings this generator reads, in its order (every one scored:
        :meth:`score_problem` first); None when it reads none."""
        if not self.finding_ids:
            return None
        return score_margins(
            np.array([probabilities[f] for f in self.finding_ids]),
            np.array([thresholds[f] for f in self.finding_ids]),
        )

    def stream(
        self,
        crops: np.ndarray,
        on_text: Callable[[str], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
        margins: np.ndarray | None = None,
    ) -> tuple[str, bool]:
        """Generate the section JSON of one recording.

        Parameters
        ----------
        crops : ndarray
            float32 [n_crops, dim], the recording's L2-normalised crop embeddings.
        on_text : callable, optional
            Called with the whole text decoded so far after each new token.
        should_stop : callable, optional
            Asked after each token; True stops decoding (a cancel).
        margins : ndarray, optional
            float32 [n_findings], :meth:`margins` of the recording's scores; required when
            the generator reads them.

        Returns
        -------
        text : str
            The generated JSON text (cut off when stopped or at the token limit).
        finished : bool
            Whether the decoder ended the draft itself (not stopped, not cut at the limit).
        """
        ids: list[int] = []
        stopped = False

        def step(token: int) -> bool:
            nonlocal stopped
            ids.append(token)
            if on_text is not None:
                on_text(self.decoder.decode(ids))
            stopped = should_stop is not None and should_stop()
            return stopped

        self.decoder.generate_ids(crops, self.prompt, margins, self.max_new_tokens, step)
        finished = not stopped and len(ids) < self.max_new_tokens
        return self.decoder.decode(ids), finished


_ITEM = re.compile(
    r'"section_name"\s*:\s*"((?:[^"\\]|\\.)*)"\s*,\s*"section_text"\s*:\s*"((?:[^"\\]|\\.)*)("?)'
)


def parse_sections(generated: str) -> dict[str, str]:
    """Read generated section JSON back into heading -> text, tolerant of a cut-off end.

    A complete JSON object is read as JSON; otherwise each ``section_name`` / ``section_text``
    pair found is kept (a text cut off by the token limit, or still streaming, keeps what was
    written).
    """
    start = generated.find("{")
    if start >= 0:
        try:
            payload = json.loads(generated[start : generated.rfind("}") + 1])
            return {
                str(item["section_name"]).strip(): str(item["section_text"]).strip()
                for item in payload["report_sections"]
                if isinstance(item, dict) and "section_name" in item and "section_text" in item
            }
        except (json.JSONDecodeError, KeyError, TypeError):
            pass
    sections: dict[str, str] = {}
    for match in _ITEM.finditer(generated):
        try:
            text = json.loads(f'"{match.group(2)}"')
        except json.JSONDecodeError:
            text = match.group(2).replace('\\"', '"')
        sections.setdefault(match.group(1).strip(), text.strip())
    return sections
