"""Layer 1: recordings in, traces and model input out (numpy, scipy and MNE only).

Open a recording lazily, name its channels in the 10-20 system, derive montages, read display
pages, and compute the ELM model input and its crops::

    rec = open_recording("night.edf")
    page = read_page(rec, 0.0, 10.0, get_montage("tcp-elm"), DisplayFilter(1.0, 70.0, None))
    crops, starts_s = crop_windows(elm_input(rec), window_s=5)
"""

from elm_desktop.signals.channels import (
    ALIASES,
    ChannelInfo,
    classify_channel,
    normalise_channel_name,
)
from elm_desktop.signals.derivations import Trace
from elm_desktop.signals.display import DisplayFilter, Page, read_page
from elm_desktop.signals.edf_header import EdfHeader, PatientFields, read_header
from elm_desktop.signals.montages import (
    ACNS_DOUBLE_BANANA,
    ELM_CHANNELS,
    TCP_22,
    TRANSVERSE,
    Derivation,
    Montage,
    get_montage,
    list_montages,
    save_montage,
)
from elm_desktop.signals.preprocess import (
    ELM_BAND,
    ELM_CLIP,
    ELM_SCALE,
    ELM_SFREQ,
    ELM_WINDOWS_S,
    crop_windows,
    elm_input,
    elm_input_head,
    iter_elm_input,
)
from elm_desktop.signals.recording import Annotation, Recording, open_recording

__all__ = [
    "ACNS_DOUBLE_BANANA",
    "ALIASES",
    "ELM_BAND",
    "ELM_CHANNELS",
    "ELM_CLIP",
    "ELM_SCALE",
    "ELM_SFREQ",
    "ELM_WINDOWS_S",
    "TCP_22",
    "TRANSVERSE",
    "Annotation",
    "ChannelInfo",
    "Derivation",
    "DisplayFilter",
    "EdfHeader",
    "Montage",
    "Page",
    "PatientFields",
    "Recording",
    "Trace",
    "classify_channel",
    "crop_windows",
    "elm_input",
    "elm_input_head",
    "get_montage",
    "iter_elm_input",
    "list_montages",
    "normalise_channel_name",
    "open_recording",
    "read_header",
    "read_page",
    "save_montage",
]
