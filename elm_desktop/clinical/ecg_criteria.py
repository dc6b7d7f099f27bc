"""What the ECG's own measurements say about a finding the model scores.

A finding with a measurable criterion (an interval, the axis, a voltage, an ST level, an early
or unlike beat) is stated in the draft only when the measurement of the median beat
(:mod:`elm_desktop.signals.ecg.measurements`) meets it: the model may find the finding, but
the signal must show it. Each criterion is the finding's definition in the knowledge base
(``ecg_phenotypes.toml``), on the value as the draft prints it (:data:`LIMITS`), so that no
statement stands beside a printed value that contradicts it.
The sinus rhythms need a P wave before each QRS (their rate is checked in :mod:`.ecg_report`).
When the ECG could not be measured, no finding with a criterion here is stated (atrial
fibrillation apart, which the draft's rhythm rule holds to irregularly irregular RR intervals,
among complexes of one shape where the beats were measured).
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from elm_desktop.signals.ecg.measurements import MIN_LIMB_QRS_MV, VOLTAGE_LEADS, EcgMeasurements

#: The measured limits: the knowledge base's definitions, on the values as the draft prints
#: them, so that no finding is stated beside a printed value that contradicts it.
LIMITS = {
    "pr_ms": 200.0,  # first-degree AV block: PR over 200 ms
    "qrs_ms": 120.0,  # bundle branch block: QRS of 120 ms or more
    "qtc_ms": 480.0,  # long QT: QTc over 470 ms (men) or 480 ms (women): both, the sex unread
    "qtc_flag_ms": 470.0,  # ... and flagged from the men's limit
    "sokolow_lyon_mv": 3.5,  # LVH: Sokolow-Lyon over 3.5 mV ...
    "cornell_mv": 2.8,  # ... or Cornell over 2.8 mV (men)
    "limb_low_mv": 0.5,  # low voltage: every limb lead under 0.5 mV ...
    "chest_low_mv": 1.0,  # ... or every chest lead under 1 mV
    "st_elevation_mv": 0.1,  # ST elevation of 1 mm in two contiguous leads of the territory,
    # ... 2 mm in V2 and V3: the fourth universal definition of myocardial infarction's limit
    # for men of 40 or over (2.5 mm under 40, 1.5 mm for women), the sex and age unread
    "st_elevation_v2_v3_mv": 0.2,
    "st_depression_mv": 0.05,  # ST depression of 0.5 mm in two leads (not aVR)
    "left_axis_deg": -30.0,  # left axis deviation: -30 to -90 degrees
    "right_axis_deg": 90.0,  # right axis deviation: beyond +90 degrees
}
#: The LVH voltage indices, by their measurement's name (limits in :data:`LIMITS`).
_LVH_INDICES = {"sokolow_lyon_mv": "Sokolow-Lyon", "cornell_mv": "Cornell"}
#: How a criterion's reason says that its measure is missing (not that it is not met).
UNMEASURED = "could not be measured"
#: Why a finding with a measured criterion is not stated when the ECG could not be measured.
NOT_CHECKED = "the ECG could not be measured to check it"
#: Why a sinus rhythm is not stated on a median beat without a P wave.
NO_P_WAVE = "no P wave was found before each QRS complex"
#: ST elevation is looked for in these leads ...
TERRITORIES = {
    "inferior_stemi": ("II", "III", "aVF"),
    "anterior_stemi": ("V1", "V2", "V3", "V4"),
}
#: ... in two contiguous ones (neighbours on the chest; any two of the inferior leads).
CONTIGUOUS = {
    "inferior_stemi": (("II", "III"), ("II", "aVF"), ("III", "aVF")),
    "anterior_stemi": (("V1", "V2"), ("V2", "V3"), ("V3", "V4")),
}
#: The leads whose ST elevation is held to ``st_elevation_v2_v3_mv``.
V2_V3 = ("V2", "V3")


def _pr(m: EcgMeasurements) -> str | None:
    if m.pr_ms is None:  # a block needs conducted P waves the measurement did not find
        return f"the PR interval {UNMEASURED}"
    if round(m.pr_ms) <= LIMITS["pr_ms"]:
        return f"the PR interval measures {m.pr_ms:.0f} ms"
    return None


def _wide_qrs(m: EcgMeasurements) -> str | None:
    if round(m.qrs_ms) < LIMITS["qrs_ms"]:
        return f"the QRS complex measures {m.qrs_ms:.0f} ms"
    return None


def _bundle_branch(side: str) -> Callable[[EcgMeasurements], str | None]:
    """A wide QRS, and V1's terminal QRS the side's way: an R' (up) in a right bundle branch
    block, an S (down) in a left one; the model's score alone does not name the side."""

    def check(m: EcgMeasurements) -> str | None:
        if reason := _wide_qrs(m):
            return reason
        terminal = m.v1_terminal_mv
        if terminal is None:
            return None
        if side == "right" and terminal <= 0:
            return f"the QRS ends downwards in V1 ({terminal:+.2f} mV): no terminal R'"
        if side == "left" and terminal >= 0:
            return f"the QRS ends upwards in V1 ({terminal:+.2f} mV): a terminal R', not an S"
        return None

    return check


def _long_qt(m: EcgMeasurements) -> str | None:
    if round(m.qtc_ms) <= LIMITS["qtc_flag_ms"]:
        return f"the QTc measures {m.qtc_ms:.0f} ms"
    if round(m.qtc_ms) <= LIMITS["qtc_ms"]:
        return (
            f"the QTc measures {m.qtc_ms:.0f} ms: over the men's limit "
            f"({LIMITS['qtc_flag_ms']:.0f} ms), not the women's ({LIMITS['qtc_ms']:.0f} ms), "
            "and the sex is not read"
        )
    if m.rr_ms and 60000 / m.rr_ms > 100 and round(m.qtcf_ms) <= LIMITS["qtc_ms"]:
        # Bazett's square root over-corrects at fast rates; Fridericia's cube root less so.
        return (
            f"Bazett's QTc over-corrects at {60000 / m.rr_ms:.0f}/min, and Fridericia's "
            f"measures {m.qtcf_ms:.0f} ms"
        )
    return None


def _lvh_voltages(m: EcgMeasurements) -> str:
    """The LVH indices, e.g. ``"Sokolow-Lyon 4.1 mV, Cornell 1.5 mV"``; one that reads a lead
    flat or of noise only is named not read (``"Cornell not read (V3)"``)."""
    return ", ".join(
        f"{name} {getattr(m, key):.1f} mV"
        if m.reads(key)
        else f"{name} not read ({', '.join(x for x in VOLTAGE_LEADS[key] if x in m.unread_leads)})"
        for key, name in _LVH_INDICES.items()
    )


def _lvh(m: EcgMeasurements) -> str | None:
    read = [key for key in _LVH_INDICES if m.reads(key)]
    if not read:  # a review: Cornell's S read in a V3 of noise only stated LVH
        lost = [
            lead for key in _LVH_INDICES for lead in VOLTAGE_LEADS[key] if lead in m.unread_leads
        ]
        return f"the QRS voltages read {' and '.join(dict.fromkeys(lost))}, flat or of noise only"
    if all(round(getattr(m, key), 1) <= LIMITS[key] for key in read):
        return f"the voltages measure {_lvh_voltages(m)}"
    return None


def _low_voltage(m: EcgMeasurements) -> str | None:
    limb, chest = round(m.max_limb_qrs_mv, 1), round(m.max_chest_qrs_mv, 1)
    if m.max_limb_qrs_mv < MIN_LIMB_QRS_MV:  # as the axis: limb leads flat or disconnected
        return (
            f"the largest limb-lead QRS measures {m.max_limb_qrs_mv:.2f} mV: too small to tell "
            "low voltage from flat or disconnected limb leads"
        )
    if limb >= LIMITS["limb_low_mv"] and chest >= LIMITS["chest_low_mv"]:
        return (
            f"the largest QRS measures {m.max_limb_qrs_mv:.1f} mV in the limb leads and "
            f"{m.max_chest_qrs_mv:.1f} mV in the chest leads"
        )
    return None


def st_raised_leads(finding: str, m: EcgMeasurements) -> list[str]:
    """The leads of an ST elevation finding's territory whose ST is raised to its limit (V2 and
    V3 to theirs) together with a contiguous lead; empty when the ST was not measured.

    The limit holds at the J point, where the Fourth Universal Definition of Myocardial
    Infarction (2018) reads ST elevation, and, stricter than that definition, still 60 ms after
    it (40 ms over 100/min), where the level was read before: the J point alone would make the
    draft's urgent statement hang on one sample of the QRS end, and the later level alone read
    a T wave that rises early as injury (another simulator's normal ECGs were drafted as
    inferior injury so, ``benchmarks/results/ecg-external.txt``)."""
    if not m.st_mv:
        return []
    raised = {
        lead
        for lead in TERRITORIES[finding]
        if min(m.st_mv[lead], m.st_j_mv[lead])
        >= LIMITS["st_elevation_v2_v3_mv" if lead in V2_V3 else "st_elevation_mv"]
    }
    paired = {lead for pair in CONTIGUOUS[finding] if set(pair) <= raised for lead in pair}
    return [lead for lead in TERRITORIES[finding] if lead in paired]


def _st_elevation(finding: str) -> Callable[[EcgMeasurements], str | None]:
    leads = TERRITORIES[finding]
    limit = "0.1 mV or more" + (", 0.2 mV in V2 and V3," if set(V2_V3) & set(leads) else "")

    def check(m: EcgMeasurements) -> str | None:
        if not m.st_mv:
            return f"the ST segment {UNMEASURED}"
        if not st_raised_leads(finding, m):
            return (
                f"ST is not raised {limit} both at the J point and after it in two contiguous "
                f"leads of {', '.join(leads)}"
            )
        return None

    return check


def st_lowered_leads(m: EcgMeasurements, skip: Collection[str] = ()) -> list[str]:
    """The leads (aVR and ``skip`` aside) whose ST is lowered by the ST depression criterion's
    depth."""
    return [
        lead
        for lead, level in m.st_mv.items()
        if lead != "aVR" and lead not in skip and level <= -LIMITS["st_depression_mv"]
    ]


def _st_depression(m: EcgMeasurements) -> str | None:
    if not m.st_mv:
        return f"the ST segment {UNMEASURED}"
    lowered = st_lowered_leads(m)
    if len(lowered) < 2:
        if not lowered:
            return "ST after the J point is lowered 0.05 mV or more in no lead"
        return f"ST after the J point is lowered 0.05 mV or more in {lowered[0]} only"
    return None


def _left_axis(m: EcgMeasurements) -> str | None:
    if m.axis_deg is None:
        return f"the QRS axis {UNMEASURED}"
    if not -90 <= round(m.axis_deg) < LIMITS["left_axis_deg"]:
        return f"the QRS axis measures {round(m.axis_deg):+d} degrees"
    return None


def _right_axis(m: EcgMeasurements) -> str | None:
    """Right axis deviation is +90 to +180 degrees; the northwest quadrant (-90 to -180) is an
    extreme axis, neither left nor right."""
    if m.axis_deg is None:
        return f"the QRS axis {UNMEASURED}"
    if not round(m.axis_deg) > LIMITS["right_axis_deg"]:
        return f"the QRS axis measures {round(m.axis_deg):+d} degrees"
    return None


def _ventricular_beats(m: EcgMeasurements) -> str | None:
    if m.unlike_beats == 0:
        return "no complex of another QRS shape was found"
    if m.early_unlike_beats == 0:  # one at its time may be an artefact
        return f"no complex of another QRS shape comes early ({m.unlike_beats} at their time)"
    return None


def _atrial_beats(m: EcgMeasurements) -> str | None:
    if m.premature_like_beats == 0:  # a ventricular beat may (a trial read "no beat comes early")
        return "no beat of the dominant QRS shape comes early"
    return None


def _p_waves_present(m: EcgMeasurements) -> str | None:
    if m.pr_ms is not None:
        return f"a P wave precedes each QRS complex (PR {m.pr_ms:.0f} ms)"
    return None


def _sinus(m: EcgMeasurements) -> str | None:
    return NO_P_WAVE if m.pr_ms is None else None


#: Finding id -> the check that returns why the measurements do not support it.
CRITERIA: dict[str, Callable[[EcgMeasurements], str | None]] = {
    "sinus_rhythm": _sinus,
    "sinus_bradycardia": _sinus,
    "sinus_tachycardia": _sinus,
    "first_degree_av_block": _pr,
    "lbbb": _bundle_branch("left"),
    "rbbb": _bundle_branch("right"),
    "long_qt": _long_qt,
    "lvh": _lvh,
    "low_voltage": _low_voltage,
    "inferior_stemi": _st_elevation("inferior_stemi"),
    "anterior_stemi": _st_elevation("anterior_stemi"),
    "st_depression": _st_depression,
    "left_axis_deviation": _left_axis,
    "right_axis_deviation": _right_axis,
    "pvc": _ventricular_beats,
    "pac": _atrial_beats,
    "atrial_fibrillation": _p_waves_present,
    # In 2:1 flutter one flutter wave may stand where a P wave would, and hold a true flutter
    # back; stating flutter on a sinus rhythm would be worse (6 of 293 test rhythms wrong
    # without this check, 1 with it).
    "atrial_flutter": _p_waves_present,
}


#: What the median beat measures when a finding's criterion is met and the criterion is what
#: the finding means (a PR over 200 ms is a first-degree AV block): then a score under the
#: threshold does not make the finding absent. ST depression's words are
#: :func:`measured_support`'s own (its leads, outside those flutter waves run through). Rhythms are left out (their criterion is a P
#: wave's presence or absence, not the rhythm), and so is a bundle branch block whose side V1
#: did not show.
SUPPORT_WORDS: dict[str, Callable[[EcgMeasurements], str]] = {
    "first_degree_av_block": lambda m: f"PR {m.pr_ms:.0f} ms",
    "long_qt": lambda m: f"QTc {m.qtc_ms:.0f} ms",
    "lvh": _lvh_voltages,
    "low_voltage": lambda m: (
        f"the largest QRS {m.max_limb_qrs_mv:.1f} mV in the limb leads and "
        f"{m.max_chest_qrs_mv:.1f} mV in the chest leads"
    ),
    "inferior_stemi": lambda m: f"ST raised in {', '.join(st_raised_leads('inferior_stemi', m))}",
    "anterior_stemi": lambda m: f"ST raised in {', '.join(st_raised_leads('anterior_stemi', m))}",
    "left_axis_deviation": lambda m: f"QRS axis {round(m.axis_deg):+d} degrees",
    "right_axis_deviation": lambda m: f"QRS axis {round(m.axis_deg):+d} degrees",
    "pvc": lambda m: f"{m.early_unlike_beats} early complex(es) of another QRS shape",
    "pac": lambda m: f"{m.premature_like_beats} early beat(s) of the same shape",
    "lbbb": lambda m: f"QRS {m.qrs_ms:.0f} ms, ending downwards in V1",
    "rbbb": lambda m: f"QRS {m.qrs_ms:.0f} ms, ending upwards in V1",
}


def measured_support(
    finding_id: str, measurements: EcgMeasurements | None, unread_leads: Collection[str] = ()
) -> str | None:
    """What the median beat measures that meets a finding's criterion (:data:`SUPPORT_WORDS`),
    e.g. ``"PR 302 ms"``; None when the criterion is not met, not measured, or not one that
    says the finding by itself. ST depression and elevation are read outside ``unread_leads``
    (where flutter waves run through the ST segment, or flat or of noise only)."""
    if measurements is None:
        return None
    if finding_id in TERRITORIES:  # ST elevation, outside the unread leads
        measurements = measurements.without_st(unread_leads)
    if finding_id == "st_depression":  # its criterion, outside the unread leads
        lowered = st_lowered_leads(measurements, unread_leads)
        if len(lowered) < 2:
            return None
        # How deep, as a reader would say it (a trial: the leads alone, no depth).
        deepest = -min(measurements.st_mv[lead] for lead in lowered)
        return f"ST lowered in {', '.join(lowered)} (by up to {deepest:.2f} mV)"
    words = SUPPORT_WORDS.get(finding_id)
    if words is None or CRITERIA[finding_id](measurements) is not None:
        return None
    if finding_id in ("lbbb", "rbbb") and measurements.v1_terminal_mv is None:
        return None
    return words(measurements)


def measured_conflict(finding_id: str, measurements: EcgMeasurements | None) -> str | None:
    """Why the measurements do not support a finding; None when they do or cannot tell.

    Parameters
    ----------
    finding_id : str
        A finding of the ECG knowledge base.
    measurements : EcgMeasurements or None
        The median beat's measurements; None when the ECG could not be measured.

    Returns
    -------
    str or None
        A clause for the draft's MODEL FINDINGS, e.g. ``"the PR interval measures 168 ms"``;
        :data:`NOT_CHECKED` for a finding with a criterion when nothing was measured.
    """
    check = CRITERIA.get(finding_id)
    if check is None:
        return None
    if measurements is None:
        # Fibrillation keeps its check on the irregular RR intervals (the draft's rhythm rule).
        return None if finding_id == "atrial_fibrillation" else NOT_CHECKED
    return check(measurements)


def outside_limits(m: EcgMeasurements | None) -> list[str]:
    """The measured values outside the limits of :data:`LIMITS`, as the draft flags them.

    Returns
    -------
    list of str
        E.g. ``["PR 254 ms (over 200)", "QTc 507 ms (over 470)"]``; empty when all are within
        them or nothing was measured.
    """
    if m is None:
        return []
    out = []
    if m.pr_ms is not None and round(m.pr_ms) > LIMITS["pr_ms"]:
        out.append(f"PR {m.pr_ms:.0f} ms (over {LIMITS['pr_ms']:.0f})")
    if round(m.qrs_ms) >= LIMITS["qrs_ms"]:
        out.append(f"QRS {m.qrs_ms:.0f} ms ({LIMITS['qrs_ms']:.0f} or more)")
    if round(m.qtc_ms) > LIMITS["qtc_flag_ms"]:
        out.append(f"QTc {m.qtc_ms:.0f} ms (over {LIMITS['qtc_flag_ms']:.0f})")
    axis = None if m.axis_deg is None else round(m.axis_deg)
    if axis is not None and not LIMITS["left_axis_deg"] <= axis <= LIMITS["right_axis_deg"]:
        out.append(f"QRS axis {axis:+d} degrees (outside -30 to +90)")
    return out


def unlike_normal(m: EcgMeasurements | None) -> list[str]:
    """What the median beat measures that a normal ECG does not have, or what it could not
    measure that a normal ECG needs.

    No median beat at all, or none with a P wave before its QRS (a normal ECG is in sinus
    rhythm); then the intervals and axis outside their limits (:func:`outside_limits`),
    voltages that meet the LVH or low-voltage criteria, ST raised or lowered as the ST
    findings' criteria ask, and early or unlike beats.

    Returns
    -------
    list of str
        Clauses that follow "the ECG measures", e.g. ``["QTc 507 ms (over 470)", "1 early
        beat"]``; empty when the ECG measures normal.
    """
    if m is None:
        return ["nothing (its median beat could not be measured)"]
    no_p = [] if m.pr_ms is not None else ["no single P wave before each QRS (PR not measured)"]
    out = no_p + outside_limits(m)
    if _lvh(m) is None:
        out.append(_lvh_voltages(m))
    if _low_voltage(m) is None:
        out.append("low QRS voltage")
    if m.max_limb_qrs_mv < MIN_LIMB_QRS_MV:
        out.append("limb leads too small to measure (flat or disconnected?)")
    elif m.axis_deg is None and m.axis_withheld is None:
        out.append("no QRS axis")
    for finding in TERRITORIES:
        if raised := st_raised_leads(finding, m):
            out.append(f"ST raised in {', '.join(raised)}")
    if m.st_mv and _st_depression(m) is None:
        out.append("ST lowered in two leads")
    if m.premature_like_beats:
        out.append(f"{m.premature_like_beats} early beat(s)")
    if m.unlike_beats:
        out.append(f"{m.unlike_beats} complex(es) of another QRS shape")
    return out
