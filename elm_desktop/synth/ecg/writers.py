"""Write a synthetic 12-lead ECG as WFDB, EDF+ or HL7 aECG, each at 1 uV resolution.

Every writer stores the twelve leads in the standard order, in millivolts, and no patient name
or identifier: WFDB header comments carry age and sex as PhysioNet's do, the EDF+ patient field
is anonymous (``X <sex> X X``), the aECG file has no subject section.
"""

from __future__ import annotations

import datetime as dt
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from elm_desktop.synth.edf_writer import EdfWriter, SignalHeader

#: Physical range of every written lead in millivolts: 1 uV per 16-bit step.
PHYSICAL_RANGE_MV = (-32.768, 32.767)
_MICROVOLTS_PER_MV = 1000.0

#: Output formats :func:`write_ecg` knows, with the suffix of the file it names in a manifest.
ECG_OUTPUT_FORMATS = {"wfdb": ".hea", "edf": ".edf", "aecg": ".xml"}

_HL7 = "urn:hl7-org:v3"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_LEAD_CODES = {"aVR": "AVR", "aVL": "AVL", "aVF": "AVF"}


def write_wfdb(
    path: Path,
    samples_mv: np.ndarray,
    sfreq: int,
    leads: Sequence[str],
    start: dt.datetime,
    comments: Sequence[str] = (),
) -> Path:
    """Write a WFDB record (``<name>.hea`` and ``<name>.dat``, format 16); return the header."""
    import wfdb

    clipped = np.clip(samples_mv, *PHYSICAL_RANGE_MV)
    wfdb.wrsamp(
        path.stem,
        fs=sfreq,
        units=["mV"] * len(leads),
        sig_name=list(leads),
        p_signal=np.ascontiguousarray(clipped.T),
        fmt=["16"] * len(leads),
        adc_gain=[_MICROVOLTS_PER_MV] * len(leads),
        baseline=[0] * len(leads),
        comments=list(comments),
        base_datetime=start,
        write_dir=str(path.parent),
    )
    return path.with_suffix(".hea")


def write_edf(
    path: Path,
    samples_mv: np.ndarray,
    sfreq: int,
    leads: Sequence[str],
    start: dt.datetime,
    sex: str,
) -> Path:
    """Write an EDF+C file of whole seconds, one signal per lead in mV; return its path."""
    n_records = samples_mv.shape[1] // sfreq
    headers = [
        SignalHeader(lead, *PHYSICAL_RANGE_MV, unit="mV", prefilter="HP:0.05Hz LP:150Hz")
        for lead in leads
    ]
    path = path.with_suffix(".edf")
    with EdfWriter(
        path, headers, sfreq, n_records, start, f"X {sex} X X", "X X 12-lead_ECG"
    ) as writer:
        writer.write_block(samples_mv[:, : n_records * sfreq])
    return path


def write_aecg(
    path: Path, samples_mv: np.ndarray, sfreq: int, leads: Sequence[str], start: dt.datetime
) -> Path:
    """Write an HL7 aECG rhythm series (SLIST_PQ digits in uV, absolute time base)."""
    ET.register_namespace("", _HL7)
    ET.register_namespace("xsi", _XSI)

    def element(parent: ET.Element, tag: str, **attributes: str) -> ET.Element:
        return ET.SubElement(parent, f"{{{_HL7}}}{tag}", attributes)

    stamp = start.strftime("%Y%m%d%H%M%S")
    end = (start + dt.timedelta(seconds=samples_mv.shape[1] / sfreq)).strftime("%Y%m%d%H%M%S")
    root = ET.Element(f"{{{_HL7}}}AnnotatedECG")
    element(root, "id", root=str(uuid.uuid5(uuid.NAMESPACE_URL, path.name)))
    element(root, "code", code="93000", codeSystem="2.16.840.1.113883.6.12")
    period = element(root, "effectiveTime")
    element(period, "low", value=stamp)
    element(period, "high", value=end)
    series = element(element(root, "component"), "series")
    element(series, "code", code="RHYTHM", codeSystem="2.16.840.1.113883.5.4")
    sequences = element(element(series, "component"), "sequenceSet")
    time = element(element(sequences, "component"), "sequence")
    element(time, "code", code="TIME_ABSOLUTE", codeSystem="2.16.840.1.113883.5.4")
    value = element(time, "value", **{f"{{{_XSI}}}type": "GLIST_TS"})
    element(value, "head", value=stamp, unit="s")
    element(value, "increment", value=f"{1 / sfreq:.6g}", unit="s")
    digits = np.rint(np.clip(samples_mv, *PHYSICAL_RANGE_MV) * _MICROVOLTS_PER_MV).astype(int)
    for lead, row in zip(leads, digits, strict=True):
        sequence = element(element(sequences, "component"), "sequence")
        code = f"MDC_ECG_LEAD_{_LEAD_CODES.get(lead, lead)}"
        element(sequence, "code", code=code, codeSystem="2.16.840.1.113883.6.24")
        value = element(sequence, "value", **{f"{{{_XSI}}}type": "SLIST_PQ"})
        element(value, "origin", value="0", unit="uV")
        element(value, "scale", value="1", unit="uV")
        element(value, "digits").text = " ".join(map(str, row))
    path = path.with_suffix(".xml")
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return path
