"""Generator families: independently designed ways of making synthetic clinical EEG.

Each family writes the same corpus layout (EDF+ files, ``<id>.txt`` reports and a
``manifest.jsonl`` with the same ground-truth fields) from its own model of the signal and its
own report wording, so that a model trained on one family can be tested on another
(``docs/synthetic-eeg.md``). ``elm-desktop synth --family NAME`` picks one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from elm_desktop.errors import ConfigError
from elm_desktop.progress import CancelToken, ProgressCallback
from elm_desktop.synth.conditions import parse_conditions

#: Signature of a family's corpus writer: (out_dir, n, minutes, seed, findings=, sfreq=,
#: naming=, reference=, workers=, progress=, cancel=, conditions=) -> manifest path.
CorpusWriter = Callable[..., Path]


@dataclass(frozen=True)
class Family:
    """One generator family.

    Attributes
    ----------
    name : str
        What ``--family`` takes.
    summary : str
        One line on how it models EEG.
    sampling_rates, namings, references : tuple of int or str
        What its recordings can be written with. An empty ``references`` means the family has
        no reference option (the first family writes reference-free potentials).
    default_sfreq, default_naming : int or None, str or None
        The value used when the option is not given; None lets the family draw one per
        recording (the reference is always drawn when not given).
    write_corpus : CorpusWriter
    """

    name: str
    summary: str
    sampling_rates: tuple[int, ...]
    namings: tuple[str, ...]
    references: tuple[str, ...]
    default_sfreq: int | None
    default_naming: str | None
    write_corpus: CorpusWriter

    def generate(
        self,
        out_dir: Path,
        n: int,
        minutes: float,
        seed: int,
        findings: Sequence[str] | None = None,
        sfreq: int | None = None,
        naming: str | None = None,
        reference: str | None = None,
        workers: int = 2,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        conditions: str | Sequence[str] | None = None,
    ) -> Path:
        """Write a corpus of this family (see :func:`elm_desktop.synth.generate_corpus`).

        Options left as None take the family's default; an option the family cannot honour
        raises :class:`~elm_desktop.errors.ConfigError` naming what it can. ``conditions``
        names the recording conditions to randomise (:mod:`elm_desktop.synth.conditions`);
        for a fixed-rate family, ``sampling_rate`` among them and ``sfreq`` exclude each other.
        """
        names = parse_conditions(conditions)
        if sfreq is not None and self.default_sfreq is not None and "sampling_rate" in names:
            raise ConfigError(
                "--sfreq fixes the sampling rate that the sampling_rate condition draws; "
                "leave one of them out"
            )
        sfreq = self.default_sfreq if sfreq is None else sfreq
        naming = self.default_naming if naming is None else naming
        self._check("sampling rate", sfreq, self.sampling_rates)
        self._check("naming", naming, self.namings)
        self._check("reference", reference, self.references)
        options = {"findings": findings, "sfreq": sfreq, "naming": naming, "conditions": names}
        if self.references:
            options["reference"] = reference
        return self.write_corpus(
            out_dir, n, minutes, seed, workers=workers, progress=progress, cancel=cancel, **options
        )

    def _check(self, what: str, value: object, allowed: tuple) -> None:
        if value is None or value in allowed:
            return
        if not allowed:
            raise ConfigError(f"the {self.name} family has no {what} option; leave it out")
        choices = ", ".join(str(a) for a in allowed)
        raise ConfigError(f"the {self.name} family has no {what} {value!r}; it offers: {choices}")


def _families() -> dict[str, Family]:
    from elm_desktop.synth.corpus import generate_corpus
    from elm_desktop.synth.electrodes import NAMING_STYLES
    from elm_desktop.synth.families.dipole import corpus as dipole
    from elm_desktop.synth.families.neural_mass import corpus as neural_mass
    from elm_desktop.synth.families.wave_atoms import corpus as wave_atoms
    from elm_desktop.synth.spec import SAMPLING_RATES

    families = [
        Family(
            name="filtered-noise",
            summary="IIR-filtered noise bands on a Gaussian volume-conduction kernel, "
            "reference-free, TUH or 10-20 names (the first family)",
            sampling_rates=SAMPLING_RATES,
            namings=NAMING_STYLES,
            references=(),
            default_sfreq=256,
            default_naming="tuh",
            write_corpus=generate_corpus,
        ),
        Family(
            name="dipole-spectral",
            summary="cortical dipoles in a sphere, 1/f spectral synthesis and Stuart-Landau "
            "rhythms; linked-ears, average or Cz reference; 200-512 Hz",
            sampling_rates=dipole.SAMPLING_RATES,
            namings=dipole.NAMINGS,
            references=dipole.REFERENCES,
            default_sfreq=None,
            default_naming=None,
            write_corpus=dipole.generate_corpus,
        ),
        Family(
            name="neural-mass",
            summary="coupled cortical columns (damped resonances, Jansen-Rit paroxysms) through "
            "a spherical-harmonic lead field; linked-ears, average or Cz reference; 200-512 Hz",
            sampling_rates=neural_mass.SAMPLING_RATES,
            namings=neural_mass.NAMINGS,
            references=neural_mass.REFERENCES,
            default_sfreq=None,
            default_naming=None,
            write_corpus=neural_mass.generate_corpus,
        ),
        Family(
            name="wave-atoms",
            summary="fractional Gaussian noise plus trains of waveform atoms with von "
            "Mises-Fisher scalp footprints; linked-ears, average or Cz reference; 200-512 Hz",
            sampling_rates=wave_atoms.SAMPLING_RATES,
            namings=wave_atoms.NAMINGS,
            references=wave_atoms.REFERENCES,
            default_sfreq=None,
            default_naming=None,
            write_corpus=wave_atoms.generate_corpus,
        ),
    ]
    return {family.name: family for family in families}


#: The family ``elm-desktop synth`` uses when none is named.
DEFAULT_FAMILY = "filtered-noise"


def list_families() -> list[str]:
    """Return the names of the generator families, the default first."""
    return list(_families())


def get_family(name: str) -> Family:
    """Return the family called ``name``.

    Raises
    ------
    ConfigError
        For an unknown name; the message lists the available ones.
    """
    families = _families()
    if name not in families:
        raise ConfigError(f"unknown generator family {name!r}; available: {', '.join(families)}")
    return families[name]
