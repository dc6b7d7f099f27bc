"""Reports say what the signal holds, where, in varied words, so the model can learn from them."""

from __future__ import annotations

import re

from elm_desktop.synth import plan_corpus

_KEYWORDS = {
    "seizure": r"seizure",
    "focal_epileptiform": r"spike|sharp wave|epileptiform",
    "generalized_spike_wave": r"spike[- ]and[- ]wave|spike-wave|SW",
    "lpd": r"LPD|lateralized periodic|periodic sharp",
    "gpd": r"GPD|generalized periodic",
    "focal_slowing": r"slowing|delta",
    "focal_attenuation": r"attenuat|asymmetr|lower voltage",
    "generalized_slowing": r"slow",
    "burst_suppression": r"burst[- ]suppression",
    "excess_beta": r"beta",
}


def test_reports_name_each_abnormal_finding_and_its_side():
    plan = plan_corpus(120, 20, 21)
    for spec, report in plan:
        impression = report.split("IMPRESSION:")[1].split("CLINICAL CORRELATION:")[0]
        for finding in spec.findings:
            if finding.name not in _KEYWORDS:
                continue
            assert re.search(_KEYWORDS[finding.name], report, re.IGNORECASE), (finding.name, report)
            side = finding.location.split()[0]
            if side in ("left", "right"):
                assert side in impression.lower() or side in report.lower()
                other = "right" if side == "left" else "left"
                sides = {f.location.split()[0] for f in spec.findings if f.name != "artifact"}
                if other not in sides:
                    assert f"{other} " not in impression.lower()
        if spec.abnormal:
            assert _says("abnormal", impression)
        else:
            assert _says("normal", impression) and not _says("abnormal", impression)


def _says(word: str, text: str) -> bool:
    """Whether ``text`` holds ``word``, allowing the swapped letters of a synthetic typo."""
    return any(
        len(token) == len(word) and sorted(token) == sorted(word) and token[0] == word[0]
        for token in re.findall(r"[a-z]+", text.lower())
    )


def test_reports_have_the_clinical_sections_and_varied_wording():
    reports = [report for _, report in plan_corpus(60, 20, 22)]
    for report in reports:
        assert report.startswith("CLINICAL HISTORY:")
        assert "DESCRIPTION OF THE RECORD:" in report and "IMPRESSION:" in report
    first_sentences = {r.split("DESCRIPTION OF THE RECORD:")[1].split(".")[0] for r in reports}
    assert len(first_sentences) > 20
    assert any("MEDICINES:" in r for r in reports) and any("MEDICATIONS:" in r for r in reports)
    assert any("HR:" not in r for r in reports)  # some reports miss a section
    assert any("No epileptiform" in r or "no epileptiform" in r for r in reports)


def test_same_seed_same_report():
    a = [report for _, report in plan_corpus(5, 5, 30)]
    b = [report for _, report in plan_corpus(5, 5, 30)]
    c = [report for _, report in plan_corpus(5, 5, 31)]
    assert a == b and a != c
