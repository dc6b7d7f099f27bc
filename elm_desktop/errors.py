"""The project's error types.

Every error a user can cause (a bad file, a bad model bundle, a bad archive address) is an
:class:`ElmError` whose message says, in one line, what is wrong and what to do. The CLI prints
it and exits with status 2; the GUI shows it and stays usable.
"""


class ElmError(Exception):
    """Base class of every error a user can cause."""


class RecordingError(ElmError):
    """A recording cannot be read or used as it is."""


class UnreadableFileError(RecordingError):
    """The path cannot be read as a file: missing, a folder, a pipe, a link loop, no permission."""


class NotAnEdfFileError(RecordingError):
    """The file is not EDF, EDF+ or BDF."""


class TruncatedRecordingError(RecordingError):
    """The file holds fewer data records than its header promises."""


class BadHeaderError(RecordingError):
    """A header field is missing, non-numeric or inconsistent."""


class EmptyRecordingError(RecordingError):
    """The file holds no signal data (zero data records, or annotations only)."""


class MissingChannelsError(RecordingError):
    """Electrodes needed for a montage are absent."""


class RecordingTooShortError(RecordingError):
    """The recording is shorter than one model crop."""


class NonFiniteDataError(RecordingError):
    """The model input computed from a recording holds NaN or infinite values."""


class BundleError(ElmError):
    """A model bundle is missing, altered or of an unknown format."""


class ArchiveError(ElmError):
    """The case archive cannot be opened or written."""


class OutputError(ElmError):
    """An output cannot be written where it was asked for, or holds a non-finite number."""


class ConfigError(ElmError):
    """A configuration file or option is invalid."""


class PlatformError(ElmError):
    """The desktop cannot start here: no display, or system libraries Qt needs are missing."""


class CancelledError(ElmError):
    """The user cancelled a long-running job."""


class NotAnEcgFileError(RecordingError):
    """The file is not a readable ECG: not WFDB, EDF, HL7 aECG or GE MUSE XML, or corrupt."""


class EcgLeadCountError(RecordingError):
    """An ECG file holds too few leads for a 12-lead ECG, or one lead twice."""


class MissingLeadError(MissingChannelsError):
    """A lead of the 12-lead ECG is absent and cannot be derived from the others."""


class SamplingRateError(RecordingError):
    """A recording's sampling rate is unusable: too low, different between leads, or not the one asked for."""
