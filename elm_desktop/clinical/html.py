"""A self-contained HTML page of an analysis: scores, what the file shows, draft, similar cases.

The page has no external resources (no scripts, fonts or images to fetch). What it draws from the
file is its modality's: for an EEG, the top segments as inline SVG polylines in the longitudinal
bipolar montage the model reads, drawn negative-up at a fixed sensitivity with the segment that
scored high shaded (:func:`eeg_figures`); for an ECG, its tracing on paper and ST per lead
(:mod:`elm_desktop.clinical.html_ecg`). It is built from the JSON-ready dictionary of
:meth:`elm_desktop.analysis.AnalysisResult.to_dict` plus the blocks its modality draws from the
file.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from elm_desktop.clinical.muscle_artifact import MuscleArtifact, muscle_words
from elm_desktop.clinical.photic_driving import PhoticDriving
from elm_desktop.clinical.posterior_rhythm import PosteriorRhythm, rhythm_words
from elm_desktop.clinical.record_score import (
    PROBABILITY,
    RECORD_FINDING,
    measure_words,
    places_words,
)
from elm_desktop.clinical.report import RECORD_UNDER_THRESHOLD, against_threshold
from elm_desktop.clinical.signal_features import signal_words
from elm_desktop.signals.display import DisplayFilter, read_page
from elm_desktop.signals.recording import open_recording
from elm_desktop.signals.time_labels import elapsed, time_of_day

SNIPPET_CONTEXT_S = 2.5
MAX_SNIPPETS = 6
TRACE_WIDTH_PX = 900
ROW_HEIGHT_PX = 26
UV_PER_ROW = 100.0  # a 100 uV deflection spans one row spacing
LABEL_WIDTH_PX = 60


@dataclass(frozen=True)
class TraceSnippet:
    """Bipolar traces around one segment.

    Attributes
    ----------
    title : str
        Why the segment is shown ("attention", a finding's label, a prompt).
    start_s, end_s : float
        The highlighted segment.
    page_start_s : float
        Time of the first sample drawn.
    sfreq : float
    labels : list of str
    data : numpy.ndarray
        [n_traces, n_times] microvolts (NaN rows for traces that cannot be built).
    """

    title: str
    start_s: float
    end_s: float
    page_start_s: float
    sfreq: float
    labels: list[str]
    data: np.ndarray


def snippet_requests(summary: Mapping[str, Any]) -> list[tuple[str, float, float]]:
    """Choose the segments to draw: top attention, present findings, then prompts.

    Returns (title, start_s, end_s) triples, at most :data:`MAX_SNIPPETS`, no two starting at
    the same time.
    """
    wanted: list[tuple[str, dict]] = [
        ("Highest attention", seg) for seg in summary["attended_segments"][:2]
    ]
    wanted += [
        # A finding the draft holds is drawn too, titled so that the picture claims nothing.
        (
            f["label"] if f.get("stated", True) else f"{f['label']} (scored, not stated)",
            f["top_segments"][0],
        )
        for f in summary["findings"]
        if f["present"] and f["top_segments"]  # a measured finding may give no time
    ]
    wanted += [(f'"{p["prompt"]}"', p["top_segments"][0]) for p in summary["prompts"]]
    chosen: dict[float, tuple[str, float, float]] = {}
    for title, segment in wanted:
        start = float(segment["start_s"])
        if start not in chosen and len(chosen) < MAX_SNIPPETS:
            chosen[start] = (title, start, float(segment["end_s"]))
    return list(chosen.values())


def read_snippets(
    path: str | Path, requests: Sequence[tuple[str, float, float]]
) -> list[TraceSnippet]:
    """Read the bipolar traces around each requested segment (display filters 1-70 Hz)."""
    rec = open_recording(path)
    snippets = []
    for title, start_s, end_s in requests:
        page_start = max(start_s - SNIPPET_CONTEXT_S, 0.0)
        page = read_page(
            rec, page_start, end_s - start_s + 2 * SNIPPET_CONTEXT_S, "tcp-elm", DisplayFilter()
        )
        snippets.append(
            TraceSnippet(title, start_s, end_s, page.start_s, page.sfreq, page.labels, page.data)
        )
    return snippets


def eeg_figures(path: str | Path, summary: Mapping[str, Any]) -> list[str]:
    """The page's blocks drawn from an EEG file: the segments :func:`snippet_requests` chooses,
    as longitudinal bipolar traces."""
    snippets = read_snippets(path, snippet_requests(summary))
    if not snippets:
        return []
    when = _time_writer(summary["recording"].get("start_time_of_day"))
    return [
        "<h2>Top segments (longitudinal bipolar, LFF 1 Hz, HFF 70 Hz)</h2>",
        *(_trace_svg(snippet, when) for snippet in snippets),
    ]


def render_html(summary: Mapping[str, Any], figures: Sequence[str]) -> str:
    """Return the page for one analysis.

    Parameters
    ----------
    summary : mapping
        :meth:`~elm_desktop.analysis.AnalysisResult.to_dict` of the analysis.
    figures : sequence of str
        HTML blocks drawn from the recording itself, placed after the scores: its modality's
        (:func:`eeg_figures`, :func:`elm_desktop.clinical.html_ecg.ecg_figures`).
    """
    recording = summary["recording"]
    # The opaque id names the recording unless the file name was asked for (it may identify).
    name = recording.get("file") or f"recording {recording['id']}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>ELM analysis of {_e(name)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>ELM analysis: {_e(name)}</h1>",
        '<p class="draft">Model output for review, not a diagnosis. The draft report below must '
        "be reviewed, edited and signed by a qualified clinician.</p>",
        f'<p class="provenance">Model trained on: {_e(summary["provenance"])}.</p>',
        f'<p class="provenance">Written by {_e(summary["program"])}.</p>',
        "<table class=facts>",
        _row("Recording", f"id {recording['id']}, sha256 {recording['sha256']}"),
        _row("Model", summary["model"]),
        *(
            [_row("Started at", f"{start} (time of day; the date is left out)")]
            if (start := recording.get("start_time_of_day"))
            else []
        ),
        _row("Duration", elapsed(recording["duration_s"])),
        _row("Sampling rate", f"{recording['sfreq']:g} Hz"),
        _row("Channels", f"{len(recording['channels'])}: {', '.join(recording['channels'])}"),
        _row("Crops", f"{len(summary['crops']['start_s'])} of {summary['window_s']:g} s"),
        _row("Familiarity", _familiarity(summary.get("familiarity"))),
        *(
            [_row("Posterior rhythm", _posterior_rhythm(rhythm))]
            if (rhythm := summary.get("posterior_rhythm"))  # an EEG's; None for an ECG
            else []
        ),
        *(
            [_row("Muscle artifact", muscle_words(MuscleArtifact(**muscle)))]
            if (muscle := summary.get("muscle_artifact"))  # an EEG's; None for an ECG
            else []
        ),
        *(
            [_row("Photic driving", PhoticDriving(**_driving_fields(driving)).words())]
            if (driving := summary.get("photic_driving"))  # measured only at known flash rates
            else []
        ),
        *(
            [_row("Measured in the signal", signal_words(features))]
            if (features := summary.get("signal_features"))  # an EEG's; None for an ECG
            else []
        ),
        "</table>",
    ]
    if summary.get("notice"):
        parts.append(f'<p class="notice">{_e(summary["notice"])}</p>')
    # Over one window (a 10 s ECG) there is no course in time to draw.
    over_time = len(summary["crops"]["start_s"]) > 1
    if over_time:
        parts += [
            "<h2>Attention over the recording</h2>",
            _sparkline(summary["crops"]["attention"]),
        ]
    draft = summary.get("draft") or {}
    when = _time_writer(recording.get("start_time_of_day"))
    parts += _findings_table(
        summary["findings"],
        draft.get("unassessed", ()),
        when,
        draft.get("held", {}),
        over_time,
        draft.get("verdicts", {}),
    )
    parts += _prompts_table(summary["prompts"], when, over_time)
    parts += figures
    if summary.get("draft"):
        parts += [
            "<h2>Draft report</h2>",
            f"<pre class=report>{_e(summary['draft']['text'])}</pre>",
        ]
    if summary.get("generated_draft"):
        parts += _generated_draft(summary["generated_draft"])
    parts += _similar_cases(summary["similar_cases"])
    parts.append("</body></html>")
    return "\n".join(parts)


def _generated_draft(generated: Mapping[str, Any]) -> list[str]:
    """The generator's draft, each sentence the zero-shot scores do not support marked, each
    caveat after its sentence."""
    if generated.get("withheld"):
        return [
            "<h2>Generated draft report (DRAFT)</h2>",
            f'<p class="notice">{_e(generated["withheld"])}</p>',
        ]
    parts = [
        "<h2>Generated draft report (DRAFT)</h2>",
        '<p class="draft">Written by a language model from the recording: '
        f"{generated['unsupported']} sentence(s) marked <mark>[unsupported: …]</mark> state a "
        "finding that the model's own scores do not support. Check each one.</p>",
    ]
    if not generated.get("finished", True):
        parts.append('<p class="notice">The generator stopped before the end of its draft.</p>')
    sections: dict[str, list[str]] = {}
    for sentence in generated["sentences"]:
        text = _e(sentence["text"])
        if not sentence["supported"]:
            text = f"<mark>[unsupported: {_e(sentence['note'])}]</mark> {text}"
        if sentence.get("caveat"):
            text += f" [{_e(sentence['caveat'])}]"
        sections.setdefault(sentence["section"], []).append(text)
    body = "\n\n".join(f"{_e(h)}: {' '.join(t)}" for h, t in sections.items())
    omitted = generated.get("omitted") or []
    note = (
        [
            '<p class="notice">Not mentioned here, though the assembled draft states '
            f"{_e(', '.join(omitted))}.</p>"
        ]
        if omitted
        else []
    )
    return [*parts, f"<pre class=report>{body}</pre>", *note]


def _time_writer(start_time_of_day: str | None) -> Callable[[float], str]:
    """Return how a time of the recording is written: elapsed, then the time of day if known."""
    if not start_time_of_day:
        return elapsed
    start = dt.datetime.strptime(start_time_of_day, "%H:%M:%S")
    return lambda seconds: f"{elapsed(seconds)} ({time_of_day(start, seconds)})"


#: Why a finding over its threshold that the draft withholds is not called present.
WITHHELD_FROM_DRAFT = "over its threshold, withheld from the draft (see the notice)"


def _findings_table(
    findings: Sequence[Mapping[str, Any]],
    unassessed: Sequence[str],
    when: Callable[[float], str] = elapsed,
    held: Mapping[str, str] | None = None,
    over_time: bool = True,
    verdicts: Mapping[str, str] | None = None,
) -> list[str]:
    """The findings table: each finding called as the draft's MODEL FINDINGS call it
    (``verdicts``; a finding is present only where the draft states it, not on a recording
    unlike the training data or an ECG whose leads are to be checked), else from the scores."""
    held = held or {}
    verdicts = verdicts or {}
    if not findings:
        return []
    timed = "<th>Most evident at</th><th>Per crop</th>" if over_time else ""
    rows = [
        "<h2>Zero-shot findings</h2>",
        "<table><tr><th>Finding</th><th>Score</th><th>Threshold</th><th>Call</th>"
        f"<th>Where</th>{timed}</tr>",
    ]
    for f in sorted(findings, key=lambda f: -f["probability"]):
        call = verdicts.get(f["id"]) or _call(f, unassessed, held)
        # A finding under its threshold has no place where it is most evident: its curve's
        # peaks (for a spike finding, the sharpest blink or pop) would read as a time it was
        # seen.
        shown = (f["present"] or f["id"] in held) and f["id"] not in unassessed
        times = ", ".join(when(s["start_s"]) for s in f["top_segments"]) if shown else ""
        where = f"{f['side']} {f['region']}" if f.get("side") and call == "present" else ""
        course = (
            f"<td>{times}</td><td>{_sparkline(f['crop_probability'], height=20, width=200)}</td>"
            if over_time
            else ""
        )
        # As many digits as tell the two apart ("0.937" against "0.940", not "0.94" twice).
        probability, threshold = against_threshold(f["probability"], f["threshold"])
        rows.append(
            f'<tr class="{call.split(":")[0].split(",")[0].replace(" ", "-")}"><td>{_e(f["label"])}</td>'
            f"<td>{probability}{_measure(f)}</td>"
            f"<td>{threshold}</td><td>{_e(call)}</td><td>{_e(where)}</td>{course}</tr>"
        )
    rows.append("</table>")
    return rows


def _call(finding: Mapping[str, Any], unassessed: Sequence[str], held: Mapping[str, str]) -> str:
    """A finding's call from its scores, for a summary whose draft gives no verdicts."""
    if finding["id"] in unassessed:
        return "not assessed"
    if finding["id"] in held:
        return f"not stated: {held[finding['id']]}"
    if finding["present"]:
        return "present" if finding.get("stated", True) else f"not stated: {WITHHELD_FROM_DRAFT}"
    if finding["id"] == RECORD_FINDING and not finding["abnormal"]:
        return RECORD_UNDER_THRESHOLD
    return "absent"


def _prompts_table(
    prompts: Sequence[Mapping[str, Any]],
    when: Callable[[float], str] = elapsed,
    over_time: bool = True,
) -> list[str]:
    if not prompts:
        return []
    timed = "<th>Most evident at: probability</th><th>Per crop probability</th>"
    rows = [
        "<h2>Free-text prompts</h2>",
        f"<table><tr><th>Prompt</th><th>Probability</th>{timed if over_time else ''}</tr>",
    ]
    for p in prompts:
        best = ", ".join(f"{when(s['start_s'])}: {s['score']:.2f}" for s in p["top_segments"])
        course = (
            f"<td>{best}</td><td>{_sparkline(p['probability'], height=20, width=200)}</td>"
            if over_time
            else ""
        )
        rows.append(
            f"<tr><td>{_e(p['prompt'])}</td><td>{p['recording_probability']:.2f}</td>{course}</tr>"
        )
    rows.append("</table>")
    return rows


def _similar_cases(cases: Sequence[Mapping[str, Any]]) -> list[str]:
    if not cases:
        return ["<h2>Similar prior cases</h2><p>No archive searched, or no case in it.</p>"]
    rows = ["<h2>Similar prior cases</h2>"]
    for case in cases:
        who = ", ".join(str(v) for v in (case["age"], case["sex"]) if v is not None)
        rows.append(
            f"<details><summary>Case {case['case_id']}: similarity {case['score']:.3f}"
            f"{' (' + _e(who) + ')' if who else ''}, best match at "
            f"{elapsed(case['best_case_crop_start_s'])} of "
            f"{elapsed(case['duration_s'])}</summary>"
            f"<pre class=report>{_e(case['report'] or 'no report archived')}</pre></details>"
        )
    return rows


def _trace_svg(snippet: TraceSnippet, when: Callable[[float], str] = elapsed) -> str:
    n_rows, n_times = snippet.data.shape
    height = (n_rows + 1) * ROW_HEIGHT_PX
    width = LABEL_WIDTH_PX + TRACE_WIDTH_PX
    duration = n_times / snippet.sfreq
    px_per_s = TRACE_WIDTH_PX / duration
    step = max(1, int(np.ceil(n_times / TRACE_WIDTH_PX)))
    x = LABEL_WIDTH_PX + np.arange(0, n_times, step) / snippet.sfreq * px_per_s
    scale = ROW_HEIGHT_PX / UV_PER_ROW
    shade_x = LABEL_WIDTH_PX + (snippet.start_s - snippet.page_start_s) * px_per_s
    shade_w = (snippet.end_s - snippet.start_s) * px_per_s
    title = (
        f"{snippet.title}: {when(snippet.start_s)}-{when(snippet.end_s)} "
        f"(shaded); {UV_PER_ROW:g} uV per row, negative up"
    )
    parts = [
        f'<figure><figcaption>{_e(title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        f'<rect x="{shade_x:.1f}" y="0" width="{shade_w:.1f}" height="{height}" fill="#fde9b6"/>',
    ]
    for row in range(n_rows):
        centre = (row + 1) * ROW_HEIGHT_PX
        parts.append(
            f'<text x="2" y="{centre + 4}" font-size="10">{_e(snippet.labels[row])}</text>'
        )
        trace = snippet.data[row, ::step]
        if not np.all(np.isfinite(trace)):
            continue
        # Negative up: screen y grows downwards, so a negative voltage gets a smaller y.
        y = centre + np.clip(trace * scale, -2 * ROW_HEIGHT_PX, 2 * ROW_HEIGHT_PX)
        points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(x, y, strict=True))
        parts.append(
            f'<polyline fill="none" stroke="#1b1b1b" stroke-width="0.6" points="{points}"/>'
        )
    parts.append("</svg></figure>")
    return "".join(parts)


def _sparkline(values: Sequence[float], height: int = 40, width: int = 900) -> str:
    array = np.asarray(values, dtype=np.float64)
    if array.size == 0:
        return ""
    if array.size > width:  # one point per pixel: the maximum of the crops it covers
        edges = np.linspace(0, array.size, width + 1).astype(int)
        array = np.maximum.reduceat(array, edges[:-1])
    span = float(array.max() - array.min()) or 1.0
    x = np.linspace(0, width, array.size)
    y = height - (array - array.min()) / span * (height - 2) - 1
    points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(x, y, strict=True))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
        f'<polyline fill="none" stroke="#2a6fb0" stroke-width="1" points="{points}"/></svg>'
    )


def _familiarity(familiarity: Mapping[str, Any] | None) -> str:
    if familiarity is None:
        return "not measured: the model carries no reference of its training data"
    verdict = "UNLIKE the training data" if familiarity["unfamiliar"] else "like the training data"
    return (
        f"{verdict}; {familiarity['percentile']:.1%} of held-out training recordings lie closer "
        "to that data than this one"
    )


def _driving_fields(driving: Mapping[str, Any]) -> dict[str, Any]:
    """:class:`PhoticDriving`'s fields from its JSON (which adds ``present``)."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in driving.items() if k != "present"}


def _posterior_rhythm(rhythm: Mapping[str, Any]) -> str:
    return rhythm_words(
        PosteriorRhythm(rhythm["frequency_hz"], rhythm["prominence"], rhythm["crops"])
    )


def _row(name: str, value: str) -> str:
    return f"<tr><th>{_e(name)}</th><td>{_e(value)}</td></tr>"


def _measure(finding: dict) -> str:
    """A note beside a score that is not a probability (the record score, with its parts)."""
    measure = finding.get("measure", PROBABILITY)
    if measure == PROBABILITY:
        return ""
    parts = finding.get("parts") or {}
    said = f"; {places_words(parts)}" if parts else ""
    return f" <small>({_e(measure)}: {_e(measure_words(measure, parts))}{_e(said)})</small>"


def _e(text: object) -> str:
    return html.escape(str(text))


_STYLE = """
body { font-family: sans-serif; margin: 1.5em; color: #1b1b1b; }
table { border-collapse: collapse; margin-bottom: 1em; }
th, td { border: 1px solid #ccc; padding: 2px 8px; text-align: left; vertical-align: middle; }
tr.present td { background: #fbe3e3; }
tr.not-stated td, tr.not-assessed td { font-style: italic; }
.draft { background: #fff4d6; border: 1px solid #e0b84a; padding: 0.5em; font-weight: bold; }
.notice, .provenance { background: #e8f0fb; border: 1px solid #7fa6d6; padding: 0.5em; }
pre.report { white-space: pre-wrap; background: #fafafa; border: 1px solid #ddd; padding: 0.6em; }
figure { margin: 0 0 1em 0; } figcaption { font-size: 0.9em; margin-bottom: 2px; }
"""
