"""One 12-lead ECG as read from a file: :class:`EcgRecording`, and the checks every reader shares.

Each format's reader turns its file into labelled signals in millivolts and hands them to
:func:`assemble_recording`, which names the leads, checks their number and sampling rate, derives
the four limb leads a file may leave out, puts the leads in the standard order and says what it
changed. Patient-identifying fields are kept only when the caller asks for them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from elm_desktop.errors import (
    BadHeaderError,
    EcgLeadCountError,
    MissingLeadError,
    NonFiniteDataError,
    SamplingRateError,
)
from elm_desktop.signals.ecg.lead_quality import assess_leads
from elm_desktop.signals.ecg.leads import (
    INDEPENDENT_LEADS,
    LIMB_RELATIONS,
    STANDARD_LEADS,
    derive_limb_leads,
    normalise_lead_name,
    order_note,
    placement_warnings,
)
from elm_desktop.signals.ecg.measurements import BeatAnalysis, EcgMeasurements, analyse_beats
from elm_desktop.signals.ecg.qrs import detect_qrs

#: Below this rate a QRS complex (~10 ms slopes) cannot be drawn or measured.
MIN_SFREQ = 100.0


@dataclass(frozen=True)
class EcgPatient:
    """Patient-identifying fields of an ECG file (PHI); read only when asked for.

    Empty strings and None stand for fields the file does not carry.
    """

    patient_id: str = ""
    name: str = ""
    birth_date: str = ""
    sex: str = ""
    age: float | None = None


@dataclass(frozen=True, eq=False)
class EcgRecording:
    """A 12-lead ECG in the standard lead order, in millivolts.

    Attributes
    ----------
    path : Path
    source_format : str
        ``"WFDB"``, ``"EDF"``, ``"EDF+C"``, ``"EDF+D"``, ``"BDF"``, ``"HL7 aECG"`` or
        ``"GE MUSE XML"``.
    sfreq : float
        Sampling rate in Hz.
    samples_mv : ndarray, shape (12, n_samples), float64
        The leads of :data:`STANDARD_LEADS`, in that order.
    start : datetime or None
        When the recording began, if the file says.
    file_leads : tuple of str
        The labels of the signals used, in file order, as the file spells them.
    derived_leads : tuple of str
        Leads the file did not store, computed from I and II.
    warnings : tuple of str
        What was worked around or looks wrong (reordered leads, ignored signals, a lead that
        carries another's signal); show them beside the recording, misplaced leads first.
    misplaced : tuple of str
        The warnings that say the leads are not where their labels put them (exchanged
        labels, reversed arm electrodes): no reading of the ECG holds until they are checked.
    unreadable : tuple of str
        Leads flat or carrying noise without a heartbeat (their warning says so): nothing in
        them is read.
    patient : EcgPatient or None
        Only when the reader was asked for patient fields.
    """

    path: Path
    source_format: str
    sfreq: float
    samples_mv: np.ndarray
    start: dt.datetime | None
    file_leads: tuple[str, ...]
    derived_leads: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    misplaced: tuple[str, ...] = ()
    unreadable: tuple[str, ...] = ()
    patient: EcgPatient | None = None
    leads: tuple[str, ...] = field(default=STANDARD_LEADS, init=False)

    @property
    def n_samples(self) -> int:
        """Number of samples per lead."""
        return int(self.samples_mv.shape[1])

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.n_samples / self.sfreq

    def lead(self, name: str) -> np.ndarray:
        """Return one lead's samples in millivolts, by its standard name (``"aVF"``)."""
        return self.samples_mv[STANDARD_LEADS.index(name)]

    @cached_property
    def qrs(self) -> np.ndarray:
        """Sample indices of the QRS complexes found across the 12 leads (:func:`.detect_qrs`)."""
        return detect_qrs(self.samples_mv, self.sfreq)

    @cached_property
    def beat_analysis(self) -> BeatAnalysis:
        """One pass over the complexes (:func:`.analyse_beats`): how alike, and the median beat."""
        return analyse_beats(self.samples_mv, self.sfreq, self.qrs)

    @property
    def qrs_alike(self) -> float | None:
        """The share of QRS complexes of the dominant shape (:func:`.alike_fraction`)."""
        return self.beat_analysis.alike

    @property
    def measurements(self) -> EcgMeasurements | None:
        """Intervals, axis, voltages and ST levels of the median beat (:func:`.measure_ecg`);
        None when the ECG could not be measured. No axis when leads are misplaced, nothing
        read in leads that are flat or of noise only (:meth:`.EcgMeasurements.without_leads`)."""
        measured = self.beat_analysis.measurements
        if measured is None:
            return None
        if self.misplaced:
            measured = measured.without_axis("the leads must be checked first")
        return measured.without_leads(self.unreadable)


_MILLIVOLTS_PER = {"v": 1e3, "mv": 1.0, "uv": 1e-3, "nv": 1e-6}
_MICRO_SIGNS = str.maketrans({"\u00b5": "u", "\u03bc": "u"})


def millivolts_per(unit: str, path: Path, label: str) -> float:
    """Return the factor that turns a signal's unit into millivolts.

    Raises
    ------
    BadHeaderError
        The unit is no voltage (``"mmHg"``, ``"%"``) or missing.
    """
    factor = _MILLIVOLTS_PER.get(unit.strip().lower().translate(_MICRO_SIGNS))
    if factor is None:
        raise BadHeaderError(
            f"{path.name}: lead {label.strip()} is in {unit.strip() or 'no unit'!r}, not a voltage "
            "(V, mV, uV, nV); fix the unit in the file"
        )
    return factor


def assemble_recording(
    path: Path,
    source_format: str,
    labels: Sequence[str],
    signals_mv: Sequence[np.ndarray],
    sfreqs: Sequence[float],
    start: dt.datetime | None = None,
    patient: EcgPatient | None = None,
    notes: Sequence[str] = (),
    sfreq: float | None = None,
) -> EcgRecording:
    """Check a file's labelled signals and return them as a 12-lead :class:`EcgRecording`.

    Parameters
    ----------
    path : Path
        The file, named in messages.
    source_format : str
    labels : sequence of str
        Every signal's label as the file spells it, in file order.
    signals_mv : sequence of ndarray
        Every signal in millivolts, one 1-D array per label.
    sfreqs : sequence of float
        Every signal's sampling rate in Hz.
    start : datetime, optional
    patient : EcgPatient, optional
    notes : sequence of str
        The reader's own warnings, kept first.
    sfreq : float, optional
        The sampling rate the caller needs; another rate is refused.

    Returns
    -------
    EcgRecording

    Raises
    ------
    EcgLeadCountError
        Fewer than the eight independent leads (I, II, V1-V6) are named, or one lead twice.
    MissingLeadError
        A standard lead is absent and cannot be derived from I and II.
    SamplingRateError
        The leads differ in rate, the rate is below :data:`MIN_SFREQ`, or it is not ``sfreq``.
    NonFiniteDataError
        A lead holds missing (NaN) or infinite samples.
    """
    name = path.name
    found: dict[str, int] = {}
    ignored = []
    for index, label in enumerate(labels):
        lead = normalise_lead_name(label)
        if lead is None:
            ignored.append(label.strip())
        elif lead in found:
            raise EcgLeadCountError(
                f"{name}: lead {lead} appears twice ({labels[found[lead]].strip()!r} and "
                f"{label.strip()!r}); keep one of them and open the file again"
            )
        else:
            found[lead] = index
    if len(found) < len(INDEPENDENT_LEADS):
        held = ", ".join(found) or "none"
        raise EcgLeadCountError(
            f"{name} holds {len(found)} of the 12 standard ECG leads ({held}); a 12-lead ECG "
            "needs all 12, or I, II and V1-V6"
        )
    absent = [lead for lead in INDEPENDENT_LEADS if lead not in found]
    if absent:
        raise MissingLeadError(
            f"{name} has no lead {', '.join(absent)}, which cannot be derived from the others; "
            f"it holds {', '.join(found)}"
        )
    rates = {lead: float(sfreqs[index]) for lead, index in found.items()}
    rate = rates["I"]
    if any(abs(r - rate) > 1e-6 for r in rates.values()):
        listed = ", ".join(f"{lead} {r:g} Hz" for lead, r in rates.items())
        raise SamplingRateError(
            f"{name}: the leads are sampled at different rates ({listed}); resample them to one"
        )
    if rate < MIN_SFREQ:
        raise SamplingRateError(
            f"{name} is sampled at {rate:g} Hz, too slow for a QRS complex; an ECG needs at "
            f"least {MIN_SFREQ:g} Hz"
        )
    if sfreq is not None and abs(rate - sfreq) > 1e-6:
        raise SamplingRateError(f"{name} is sampled at {rate:g} Hz, not the {sfreq:g} Hz asked for")
    signals = {
        lead: np.asarray(signals_mv[index], dtype=np.float64) for lead, index in found.items()
    }
    lengths = {len(s) for s in signals.values()}
    length = min(lengths)
    signals = {lead: s[:length] for lead, s in signals.items()}
    for lead, signal in signals.items():
        bad = int(np.count_nonzero(~np.isfinite(signal)))
        if bad:
            raise NonFiniteDataError(
                f"{name}: lead {lead} holds {bad} missing or infinite samples; the file is "
                "damaged or marks gaps, re-export it"
            )
    warnings = list(notes)
    if len(lengths) > 1:
        warnings.append(
            f"the leads differ in length; all were cut to the shortest, {length} samples"
        )
    if ignored:
        warnings.append(f"signals that are no standard lead were left out: {', '.join(ignored)}")
    note = order_note(list(found))
    if note:
        warnings.append(note)
    derived = tuple(lead for lead in LIMB_RELATIONS if lead not in signals)
    if derived:
        computed = derive_limb_leads(signals["I"], signals["II"])
        signals.update({lead: computed[lead] for lead in derived})
        warnings.append(f"leads {', '.join(derived)} computed from I and II (not in the file)")
    misplaced = placement_warnings(signals, rate, derived)
    samples = np.stack([signals[lead] for lead in STANDARD_LEADS])
    quality = assess_leads(samples, STANDARD_LEADS, rate)
    warnings[:0] = quality.sentences()
    return EcgRecording(
        path=path,
        source_format=source_format,
        sfreq=rate,
        samples_mv=samples,
        start=start,
        file_leads=tuple(labels[index] for index in sorted(found.values())),
        derived_leads=derived,
        warnings=(*misplaced, *warnings),
        misplaced=tuple(misplaced),
        unreadable=quality.unreadable,
        patient=patient,
    )
